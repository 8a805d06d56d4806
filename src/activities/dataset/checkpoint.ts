// Checkpoints of a preparation, so a retried attempt resumes where the last one stopped instead of
// reading a multi-GB file again. A checkpoint is two objects under
// `<output>/prepared/checkpoints/<run>/`:
//   state-<attempt>-<n>.json   everything small: where each scan stands (byte offset, the partial line,
//                              the content hash's state, the engine's counts and listed problems), the
//                              finished scans' reports, and the URIs of every delta so far, in order;
//   delta-<attempt>-<n>.bin    what grew since the previous checkpoint: the duplicate tables' new
//                              entries, the spooled records, the media references.
// The heartbeat carries the state object's URI; nothing large goes through Temporal. Objects are named
// per attempt, so an attempt that lost its heartbeat but still runs cannot overwrite what the next one
// reads. The folder is deleted when the preparation ends (valid or invalid data; the worker needs
// s3:DeleteObject on it); a worker killed for good leaves it for an S3 lifecycle rule.
import { DeleteObjectsCommand, GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { log } from '@temporalio/activity';
import { createHash } from 'node:crypto';
import { awsErrorMessage, s3ErrorKind } from '../../aws/errors';
import { putJson } from '../../aws/s3-objects';
import { S3ObjectWriter } from '../../aws/s3-writer';
import { joinS3Uri, parseS3Uri } from '../../core/bedrock-patterns';
import type { DatasetReport, MediaReference, ValidatorState } from '../../core/dataset';
import type { PrepareDatasetProgress } from './progress';

/** One source object read to its end. */
export interface Scan {
  uri: string;
  report: DatasetReport;
  /** sha256 of the bytes read (the stored object, or all log objects). */
  sha256: string;
}

/** A scan of one object stopped at a chunk boundary. */
export interface ObjectScanState {
  uri: string;
  /** The version read: the rest is read only if the object is still this one. */
  etag?: string;
  size: number;
  /** Bytes of the object read and hashed. */
  offset: number;
  /** Lines handed to the engine. */
  lines: number;
  /** The partial line after the last newline (base64), and whether it is already over the limit. */
  tail: string;
  tailOverlong: boolean;
  /** The content hash's state (ResumableSha256.save()). */
  hash: string;
  validator: ValidatorState;
}

/** Invocation logs, stopped between two log objects. */
export interface LogScanState {
  /** The last log object read to its end: the listing resumes after it. */
  lastKey?: string;
  readHash: string;
  usedHash: string;
  validator: ValidatorState;
}

/** Which scan a delta entry belongs to: the training file, or validation file i. */
export type ScanId = 'training' | number;

export interface CheckpointState {
  version: 1;
  /** sha256 of the activity's input: a checkpoint of another input is never resumed. */
  inputKey: string;
  progress: PrepareDatasetProgress;
  deltas: string[];
  /** Finished scans. */
  training?: Scan;
  validation: Scan[];
  /** The scan in progress: training when `training` is unset, else the next validation file. */
  current?: ObjectScanState;
  logs?: LogScanState;
}

/** What grew between two checkpoints. */
export interface Delta {
  journals: { scan: ScanId; entries: Uint32Array }[];
  spool: Uint8Array;
  media: { scan: ScanId; ref: MediaReference }[];
}

interface DeltaHeader {
  journals: { scan: ScanId; words: number }[];
  spoolBytes: number;
  media: { scan: ScanId; ref: MediaReference }[];
}

/** sha256 of the input as JSON, keys sorted: the identity of a preparation across attempts. */
export function inputKeyOf(input: object): string {
  const sorted = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sorted)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([, v]) => v !== undefined)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, v]) => [k, sorted(v)]),
          )
        : value;
  return createHash('sha256')
    .update(JSON.stringify(sorted(input)))
    .digest('hex');
}

async function getBytes(s3: S3Client, uri: string): Promise<Uint8Array> {
  const { bucket, key } = parseS3Uri(uri);
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return response.Body ? response.Body.transformToByteArray() : new Uint8Array(0);
}

export class CheckpointStore {
  private sequence = 0;

  /** `folder`: the run's checkpoint folder; `attempt`: this attempt's number, in object names. */
  constructor(
    private readonly s3: S3Client,
    readonly folder: string,
    private readonly attempt: number,
  ) {}

  /** The folder for one activity of one workflow run under the job's output prefix. */
  static folderFor(outputS3Uri: string, workflowId: string, activityId: string): string {
    const run = createHash('sha256').update(`${workflowId}\n${activityId}`).digest('hex').slice(0, 32);
    return joinS3Uri(outputS3Uri, 'prepared', 'checkpoints', run);
  }

  /** Saves the delta, then the state that lists it; returns the state's URI for the heartbeat. */
  async save(state: CheckpointState, delta: Delta): Promise<string> {
    const n = `${this.attempt}-${String(++this.sequence).padStart(6, '0')}`;
    const deltaUri = joinS3Uri(this.folder, `delta-${n}.bin`);
    await this.writeDelta(deltaUri, delta);
    const stateUri = joinS3Uri(this.folder, `state-${n}.json`);
    state.deltas = [...state.deltas, deltaUri];
    await putJson(this.s3, stateUri, state);
    return stateUri;
  }

  /** The state at `uri` when it belongs to this input; undefined when it is gone or another input's. */
  async load(uri: string, inputKey: string): Promise<CheckpointState | undefined> {
    let state: CheckpointState;
    try {
      state = JSON.parse(new TextDecoder().decode(await getBytes(this.s3, uri))) as CheckpointState;
    } catch (err) {
      if (s3ErrorKind(err) === 'not-found') return undefined;
      throw err;
    }
    return state.version === 1 && state.inputKey === inputKey ? state : undefined;
  }

  /** Every delta the state lists, in order. */
  async *deltas(state: CheckpointState): AsyncGenerator<Delta> {
    for (const uri of state.deltas) yield this.readDelta(await getBytes(this.s3, uri));
  }

  /**
   * Deletes the folder. Best effort: the run goes on, but each object left behind (it holds dataset
   * content) is named in a warning, for an S3 lifecycle rule or a person to remove. DeleteObjects answers
   * 200 even when it deletes nothing: a key it could not delete (no `s3:DeleteObject`) is in `Errors`.
   */
  async clear(): Promise<void> {
    const { bucket, key } = parseS3Uri(this.folder);
    try {
      for await (const page of paginateListObjectsV2({ client: this.s3 }, { Bucket: bucket, Prefix: `${key}/` })) {
        const objects = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
        if (objects.length === 0) continue;
        const { Errors } = await this.s3.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
        );
        for (const failed of Errors ?? [])
          log.warn(`prepareDataset: checkpoint s3://${bucket}/${failed.Key} left behind (dataset content)`, {
            code: failed.Code,
            message: failed.Message,
          });
      }
    } catch (err) {
      log.warn(`prepareDataset: checkpoints under ${this.folder}/ left behind (dataset content)`, {
        error: awsErrorMessage(err),
      });
    }
  }

  /** [u32 header length][header JSON][journal words, little-endian][spooled records]. */
  private async writeDelta(uri: string, delta: Delta): Promise<void> {
    const header: DeltaHeader = {
      journals: delta.journals.map((j) => ({ scan: j.scan, words: j.entries.length })),
      spoolBytes: delta.spool.length,
      media: delta.media,
    };
    const headerBytes = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(headerBytes.length);
    const { bucket, key } = parseS3Uri(uri);
    const writer = new S3ObjectWriter(this.s3, bucket, key, { contentType: 'application/octet-stream' });
    try {
      await writer.write(length);
      await writer.write(headerBytes);
      for (const journal of delta.journals) {
        const words = Buffer.alloc(journal.entries.length * 4);
        for (let i = 0; i < journal.entries.length; i++) words.writeUInt32LE(journal.entries[i], i * 4);
        await writer.write(words);
      }
      await writer.write(delta.spool);
      await writer.end();
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }

  private readDelta(bytes: Uint8Array): Delta {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const headerLength = buffer.readUInt32LE(0);
    const header = JSON.parse(buffer.subarray(4, 4 + headerLength).toString('utf8')) as DeltaHeader;
    let at = 4 + headerLength;
    const journals = header.journals.map(({ scan, words }) => {
      const entries = new Uint32Array(words);
      for (let i = 0; i < words; i++) entries[i] = buffer.readUInt32LE(at + i * 4);
      at += words * 4;
      return { scan, entries };
    });
    return { journals, spool: bytes.subarray(at, at + header.spoolBytes), media: header.media };
  }
}
