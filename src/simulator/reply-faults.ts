// Faults after commit: the resource is created (or its update, delete or stop recorded) and persisted,
// and only then is the answer held or lost. This is the window where exactly-once is won or lost: the
// caller cannot tell a lost answer from a request that never arrived, and must retry with the same
// clientRequestToken (a create) or find out what happened (an update, a delete, a stop).
// Throttling, 5xx and latency (server.ts) happen before the operation; these happen after it.
import type { ResourceKind, ResourceRecords } from './resource-records';
import type { Store } from './state';
import type { JobRecord } from './types';

export interface ReplyFault {
  /** Hold the answer this long after the commit. */
  delayMs: number;
  /** Then close the connection without answering. */
  lose: boolean;
}

export interface ReplyFaultOptions {
  /** Share (0-1) of create, update, delete and stop answers lost after commit. */
  lostReplyRate: number;
  /** Every create, update, delete and stop answer is held this long after commit. */
  replyDelayMs: number;
}

/** What a resource's own reserved tags asked for its Create answers. */
export interface ReplyFaultTags {
  replyDelayMs?: number;
  createRepliesToLose?: number;
}

export class ReplyFaults {
  constructor(
    private readonly store: Store,
    private readonly options: ReplyFaultOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The answer to a Create of `job` (a first call or an idempotent repeat): the job's own tags first. */
  afterCreate(job: JobRecord): ReplyFault {
    return this.afterCreateOf(job, () => this.store.updateJob(job));
  }

  /**
   * The answer to a Create of any resource (first call or idempotent repeat): its own tags first;
   * `persist` records the lost-answer count going down, so a restarted simulator does not lose more.
   */
  afterCreateOf(resource: ReplyFaultTags, persist: () => void): ReplyFault {
    const delayMs = resource.replyDelayMs ?? this.options.replyDelayMs;
    if ((resource.createRepliesToLose ?? 0) > 0) {
      resource.createRepliesToLose = (resource.createRepliesToLose ?? 1) - 1;
      persist();
      return { delayMs, lose: true };
    }
    return { delayMs, lose: this.lostByRate() };
  }

  /** The answer to a Create of a deployment, a Provisioned Throughput or an evaluation job. */
  afterCreateOfResource<K extends ResourceKind>(kind: K, record: ResourceRecords[K]): ReplyFault {
    return this.afterCreateOf(record, () => this.store.updateResource(kind, record));
  }

  /** The answer to a Stop (recorded, or a repeat on a Stopping job). */
  afterStop(): ReplyFault {
    return this.afterChange();
  }

  /** The answer to an update, a delete or a stop that was recorded: the flags only. */
  afterChange(): ReplyFault {
    return { delayMs: this.options.replyDelayMs, lose: this.lostByRate() };
  }

  private lostByRate(): boolean {
    return this.options.lostReplyRate > 0 && this.random() < this.options.lostReplyRate;
  }
}
