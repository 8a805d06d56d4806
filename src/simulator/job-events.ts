// Bedrock's "Model Customization Job State Change" events, as EventBridge would deliver them to an SQS
// queue (`--events-queue-url`): one message per status a job enters (InProgress at create, Stopping,
// then Completed, Failed or Stopped), the event as the message body.
//
// A job's status is a pure function of the clock (lifecycle.ts), so nothing "happens" when it changes:
// the simulator's tick (every 250 ms) evaluates each job whose last published status is not final and
// publishes every status it entered since, in lifecycle order. The tick also sets a timer for each such
// job's next change (lifecycle's nextChangeMs), so an end goes out when the clock reaches it rather than
// up to a tick later: what a benchmark measures after a job's end is then the product's, not the tick's.
// Each job records the last status it published (`publishedStatus`, in the state file), written after
// SendMessage succeeded: a simulator killed between the two publishes that status again when it restarts
// (a duplicate, as SQS's at-least-once delivery allows), never loses it; a status entered while the simulator was down goes out,
// late, at its next tick. A send that fails is retried at the next tick.
//
// Faults for tests: a share of events dropped, a share sent twice, each held a random 0..N seconds in
// the queue (SQS DelaySeconds), so they arrive late and out of order.
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { isTerminalJobStatus, type JobStatus } from '../core/bedrock-patterns';
import { eventTime, JOB_EVENT_DETAIL_TYPE, JOB_EVENT_SOURCE, type JobStateChangeEvent } from '../core/job-events';
import type { Partition } from './arns';
import type { Engine } from './engine';
import { nextChangeMs, type JobView } from './lifecycle';
import type { Store } from './state';
import type { JobRecord } from './types';

export interface JobEventFaults {
  /** Share of events (0-1) never sent. */
  dropRate: number;
  /** Share of events (0-1) sent twice. */
  duplicateRate: number;
  /** Each message is held a random 0..this many seconds (at most MAX_EVENT_DELAY_SECONDS, SQS's limit). */
  maxDelaySeconds: number;
}

/** The statuses a job passed through from `from` (the last published) to `to` (now), in order. */
export function statusesSince(from: JobStatus | 'none', to: JobStatus): JobStatus[] {
  const path: JobStatus[] =
    to === 'Stopped'
      ? ['InProgress', 'Stopping', 'Stopped']
      : to === 'InProgress'
        ? ['InProgress']
        : ['InProgress', to];
  return path.slice(path.indexOf(from as JobStatus) + 1);
}

/** A stable event ID per job and status: a republished event is the same event, as EventBridge's retries are. */
function eventId(jobArn: string, status: JobStatus): string {
  const h = createHash('sha256').update(`${jobArn} ${status}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The event for `job` entering `status`, with what the job knew then. */
export function jobStateChangeEvent(
  job: JobRecord,
  view: JobView,
  status: JobStatus,
  partition: Partition,
): JobStateChangeEvent {
  const ended = isTerminalJobStatus(status);
  const atMs = ended
    ? (view.endTimeMs ?? view.lastModifiedTimeMs)
    : status === 'Stopping'
      ? (job.stopRequestedAtMs ?? view.lastModifiedTimeMs)
      : job.creationTimeMs;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    version: '0',
    id: eventId(job.jobArn, status),
    'detail-type': JOB_EVENT_DETAIL_TYPE,
    source: JOB_EVENT_SOURCE,
    account: partition.accountId,
    time: eventTime(atMs),
    region: partition.region,
    resources: [job.jobArn],
    detail: {
      version: '0.0',
      jobName: job.jobName,
      jobArn: job.jobArn,
      outputModelName: job.outputModelName,
      ...(status === 'Completed' && job.completion?.ok ? { outputModelArn: job.completion.modelArn } : {}),
      roleArn: job.roleArn,
      jobStatus: status,
      ...(status === 'Failed' && view.failureMessage ? { failureMessage: view.failureMessage } : {}),
      creationTime: iso(job.creationTimeMs),
      lastModifiedTime: iso(atMs),
      ...(ended ? { endTime: iso(atMs) } : {}),
      baseModelArn: job.baseModelArn,
      ...(job.hyperParameters ? { hyperParameters: job.hyperParameters } : {}),
      trainingDataConfig: job.trainingDataConfig,
      validationDataConfig: job.validationDataConfig,
      outputDataConfig: job.outputDataConfig,
    },
  };
}

/** Jobs evaluated at once per tick. */
const CONCURRENCY = 16;

export class JobEventPublisher {
  /** Set while sends fail, so a queue that is down is logged once, not every tick. */
  private failing = false;
  /** Each watched job's timer for its next change, and when it fires. */
  private readonly timers = new Map<string, { atMs: number; timer: NodeJS.Timeout }>();
  /** A job's publishing in flight: a timer and the tick never publish the same job at once. */
  private readonly publishing = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly engine: Engine,
    private readonly sqs: SQSClient,
    private readonly o: JobEventFaults & {
      queueUrl: string;
      partition: Partition;
      log: (line: string) => void;
      random?: () => number;
    },
  ) {}

  /** Publishes every status change the clock has reached since the last tick. */
  async tick(): Promise<void> {
    const due = this.store
      .allJobs()
      .filter((job) => job.publishedStatus !== undefined && !isTerminalJobStatus(job.publishedStatus));
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, due.length) }, async () => {
        while (next < due.length) {
          const job = due[next++];
          await this.publishOnce(job);
          this.watch(job);
        }
      }),
    );
  }

  /** Clears the timers; a publish in flight finishes. */
  close(): void {
    this.closed = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** A timer at the job's next change (replacing one set for another time), none once it has ended. */
  private watch(job: JobRecord): void {
    const now = this.engine.clock();
    const atMs = this.closed ? undefined : nextChangeMs(job, now);
    const set = this.timers.get(job.jobArn);
    if (set && set.atMs === atMs) return;
    if (set) clearTimeout(set.timer);
    this.timers.delete(job.jobArn);
    if (atMs === undefined) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(job.jobArn);
        // The tick retries what fails here (a send failure is logged by publish itself).
        this.publishOnce(job)
          .then(() => this.watch(job))
          .catch((err: unknown) => this.o.log(`events: job ${job.jobName}: ${String(err)}`));
      },
      // A millisecond past it: the view changes at atMs itself.
      atMs - now + 1,
    );
    timer.unref();
    this.timers.set(job.jobArn, { atMs, timer });
  }

  private publishOnce(job: JobRecord): Promise<void> {
    const before = this.publishing.get(job.jobArn) ?? Promise.resolve();
    const mine = before.then(() => this.publishChanges(job));
    this.publishing.set(job.jobArn, mine);
    return mine.finally(() => {
      if (this.publishing.get(job.jobArn) === mine) this.publishing.delete(job.jobArn);
    });
  }

  private async publishChanges(job: JobRecord): Promise<void> {
    if (job.publishedStatus !== undefined && isTerminalJobStatus(job.publishedStatus)) return;
    const view = await this.engine.settle(job);
    for (const status of statusesSince(job.publishedStatus ?? 'none', view.status)) {
      if (!(await this.publish(jobStateChangeEvent(job, view, status, this.o.partition)))) return;
      job.publishedStatus = status;
      this.store.updateJob(job);
    }
  }

  /** False when the send failed (the status is tried again next tick). */
  private async publish(event: JobStateChangeEvent): Promise<boolean> {
    const random = this.o.random ?? Math.random;
    const what = `job ${event.detail.jobName}: event ${event.detail.jobStatus}`;
    if (random() < this.o.dropRate) {
      this.o.log(`${what} dropped (--events-drop-rate)`);
      return true;
    }
    const copies = random() < this.o.duplicateRate ? 2 : 1;
    try {
      for (let i = 0; i < copies; i++) {
        const delay = this.o.maxDelaySeconds > 0 ? Math.floor(random() * (this.o.maxDelaySeconds + 1)) : 0;
        await this.sqs.send(
          new SendMessageCommand({
            QueueUrl: this.o.queueUrl,
            MessageBody: JSON.stringify(event),
            ...(delay > 0 ? { DelaySeconds: delay } : {}),
          }),
        );
        this.o.log(`${what} sent${copies > 1 ? ` (copy ${i + 1} of 2)` : ''}${delay > 0 ? `, held ${delay} s` : ''}`);
      }
    } catch (err) {
      if (!this.failing)
        this.o.log(`events: sending to ${this.o.queueUrl} failed (${String(err)}); retrying each tick`);
      this.failing = true;
      return false;
    }
    if (this.failing) this.o.log(`events: sending to ${this.o.queueUrl} works again`);
    this.failing = false;
    return true;
  }
}
