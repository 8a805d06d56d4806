// What the prepareDataset activity heartbeats: where it is (phase, file, bytes read, records, line) and
// the last checkpoint a retry resumes from. A heartbeat goes out at each phase start, every 8 MiB read
// or 2 s of reading (whichever comes first: a stop or cancel reaches the activity only in a heartbeat's
// answer, so a slow stream must beat too), and after each checkpoint, so the server always holds a
// pointer no older than the last checkpoint.
import { Context } from '@temporalio/activity';
import type { LineOutcome } from '../../core/dataset';

export const HEARTBEAT_BYTES = 8 * 1024 * 1024;
export const HEARTBEAT_MS = 2_000;

/** The heartbeat details of prepareDataset; a retried attempt receives the last one. */
export interface PrepareDatasetProgress {
  phase: 'training' | 'validation' | 'invocation-logs' | 'media' | 'fingerprint' | 'writing';
  file: string;
  /** Bytes read (or written) by this attempt and the attempts it resumed. */
  bytes: number;
  records: number;
  line: number;
  /** s3:// URI of the last checkpoint: a retry resumes from it. */
  checkpoint?: string;
}

export class Progress {
  private lastBeat = 0;
  private lastBeatAt = 0;
  private readonly state: PrepareDatasetProgress;

  constructor(resumedFrom?: PrepareDatasetProgress) {
    this.state = { phase: 'training', file: '', bytes: 0, records: 0, line: 0, ...resumedFrom };
  }

  get bytes(): number {
    return this.state.bytes;
  }

  start(phase: PrepareDatasetProgress['phase'], file: string, line = 0): void {
    Object.assign(this.state, { phase, file, line });
    this.beat();
  }

  read(bytes: number): void {
    this.state.bytes += bytes;
    // The byte beats stay every 8 MiB whatever the time beats do in between.
    if (this.state.bytes - this.lastBeat >= HEARTBEAT_BYTES) {
      this.lastBeat = this.state.bytes;
      this.beat();
    } else if (Date.now() - this.lastBeatAt >= HEARTBEAT_MS) {
      this.beat();
    }
  }

  line(line: number, outcome: LineOutcome): void {
    this.state.line = line;
    if (outcome === 'record' || outcome === 'duplicate') this.state.records++;
  }

  checkpointed(uri: string): void {
    this.state.checkpoint = uri;
    this.beat();
  }

  /** The fields a checkpoint saves, to continue counting where it left off. */
  snapshot(): PrepareDatasetProgress {
    return { ...this.state };
  }

  beat(): void {
    this.lastBeatAt = Date.now();
    Context.current().heartbeat({ ...this.state });
  }
}
