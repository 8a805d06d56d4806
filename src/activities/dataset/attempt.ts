// One attempt of prepareDataset and its checkpoints: it loads the checkpoint the previous attempt's last
// heartbeat names (if it belongs to the same input), replays its deltas (duplicate journals, spooled
// records, media references), and saves new checkpoints with what grew since the last one.
import type { S3Client } from '@aws-sdk/client-s3';
import { Context, log } from '@temporalio/activity';
import { MediaReferences, type DatasetValidator, type MediaReference } from '../../core/dataset';
import { CheckpointStore, inputKeyOf, type CheckpointState, type Delta, type ScanId } from './checkpoint';
import { Progress, type PrepareDatasetProgress } from './progress';
import type { RecordSpool } from './record-spool';

export class PreparationAttempt {
  readonly progress: Progress;
  private readonly media = new Map<ScanId, MediaReferences>();
  private readonly journals = new Map<ScanId, Uint32Array[]>();
  private readonly pendingMedia: Delta['media'] = [];
  private saves = 0;

  private constructor(
    private readonly store: CheckpointStore,
    readonly state: CheckpointState,
    resumed: boolean,
    /** Bytes read between checkpoints. */
    readonly every: number,
  ) {
    this.progress = new Progress(resumed ? state.progress : undefined);
  }

  /** This attempt, resuming from the previous one's last checkpoint when there is a usable one. */
  static async begin(s3: S3Client, input: { outputS3Uri: string }, every: number): Promise<PreparationAttempt> {
    const info = Context.current().info;
    const inputKey = inputKeyOf(input);
    const workflowId = info.workflowExecution?.workflowId ?? info.activityId;
    const folder = CheckpointStore.folderFor(input.outputS3Uri, workflowId, info.activityId);
    const store = new CheckpointStore(s3, folder, info.attempt);
    const previous = info.heartbeatDetails as PrepareDatasetProgress | undefined;
    const resumed = previous?.checkpoint ? await store.load(previous.checkpoint, inputKey) : undefined;
    if (previous)
      log.info(
        resumed
          ? 'prepareDataset retried: resuming from its last checkpoint'
          : 'prepareDataset retried: no usable checkpoint, starting over',
        { attempt: info.attempt, previous },
      );
    const state: CheckpointState = resumed ?? {
      version: 1,
      inputKey,
      progress: { phase: 'training', file: '', bytes: 0, records: 0, line: 0 },
      deltas: [],
      validation: [],
    };
    return new PreparationAttempt(store, state, resumed !== undefined, every);
  }

  /** Replays the deltas of the checkpoint resumed from: journals and media kept here, records into `spool`. */
  async restore(spool: RecordSpool | undefined): Promise<void> {
    for await (const delta of this.store.deltas(this.state)) {
      for (const { scan, entries } of delta.journals) this.journals.set(scan, [...this.journalsOf(scan), entries]);
      for (const { scan, ref } of delta.media) this.mediaOf(scan).add(ref);
      if (delta.spool.length > 0) spool?.addSaved(delta.spool);
    }
  }

  /** The duplicate journals saved for a scan, in order. */
  journalsOf(scan: ScanId): Uint32Array[] {
    return this.journals.get(scan) ?? [];
  }

  /** The media references of a scan (restored and new). */
  mediaOf(scan: ScanId): MediaReferences {
    let refs = this.media.get(scan);
    if (!refs) this.media.set(scan, (refs = new MediaReferences()));
    return refs;
  }

  /** A DatasetContext.onMediaReference for a scan: kept, and saved with the next checkpoint. */
  onMedia(scan: ScanId): (ref: MediaReference) => void {
    return (ref) => {
      this.mediaOf(scan).add(ref);
      this.pendingMedia.push({ scan, ref });
    };
  }

  /** Whether a checkpoint exists: then a last one is worth saving once every scan is done. */
  get checkpointed(): boolean {
    return this.saves > 0 || this.state.deltas.length > 0;
  }

  /** Saves a checkpoint of the state with what grew since the last one in the validators and the spool. */
  async save(owners: readonly [ScanId, DatasetValidator][], spool?: RecordSpool): Promise<void> {
    const delta: Delta = {
      journals: owners.map(([scan, validator]) => ({ scan, entries: validator.takeDuplicateJournal() })),
      spool: spool ? spool.takeDelta() : new Uint8Array(0),
      media: this.pendingMedia.splice(0),
    };
    this.state.progress = this.progress.snapshot();
    const uri = await this.store.save(this.state, delta);
    this.saves++;
    this.progress.checkpointed(uri);
  }

  /** Deletes the checkpoints: the preparation ended with a verdict. */
  clear(): Promise<void> {
    return this.store.clear();
  }
}
