// Faults after commit: the job is created (or its stop recorded) and persisted, and only then is the
// answer held or lost. This is the window where exactly-once is won or lost: the caller cannot tell a
// lost answer from a request that never arrived, and must retry with the same clientRequestToken.
// Throttling, 5xx and latency (server.ts) happen before the operation; these happen after it.
import type { Store } from './state';
import type { JobRecord } from './types';

export interface ReplyFault {
  /** Hold the answer this long after the commit. */
  delayMs: number;
  /** Then close the connection without answering. */
  lose: boolean;
}

export interface ReplyFaultOptions {
  /** Share (0-1) of Create and Stop answers lost after commit. */
  lostReplyRate: number;
  /** Every Create and Stop answer is held this long after commit. */
  replyDelayMs: number;
}

export class ReplyFaults {
  constructor(
    private readonly store: Store,
    private readonly options: ReplyFaultOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The answer to a Create of `job` (a first call or an idempotent repeat): the job's own tags first. */
  afterCreate(job: JobRecord): ReplyFault {
    const delayMs = job.replyDelayMs ?? this.options.replyDelayMs;
    if ((job.createRepliesToLose ?? 0) > 0) {
      // Counted down in the state file, so a restarted simulator does not lose more than asked.
      job.createRepliesToLose = (job.createRepliesToLose ?? 1) - 1;
      this.store.updateJob(job);
      return { delayMs, lose: true };
    }
    return { delayMs, lose: this.lostByRate() };
  }

  /** The answer to a Stop (recorded, or a repeat on a Stopping job). */
  afterStop(): ReplyFault {
    return { delayMs: this.options.replyDelayMs, lose: this.lostByRate() };
  }

  private lostByRate(): boolean {
    return this.options.lostReplyRate > 0 && this.random() < this.options.lostReplyRate;
  }
}
