// Bedrock's job state changes, from the SQS queue an EventBridge rule fills (docs/OPERATIONS.md, "Job
// events"), to the runs: each event names a job, the job's lineage tags name the run that owns it, and the
// run gets a `poke` (it then looks at the job itself: the event is a wake-up, never the truth). The
// InProgress event a job sends at its creation wakes no one: the create's answer already said it. Runs in the
// worker process, beside the Temporal worker, when FINETUNE_EVENTS_QUEUE_URL is set: N workers are N
// competing consumers of one queue, which SQS shares out; a consumer dies only with its worker.
//
// A message is deleted only once it needs nothing more: the poke accepted by the server, or nothing to do
// (the run has closed; the job is another installation's or namespace's, or has no lineage; the body is
// not a job event). Anything that may succeed later (Bedrock throttling, Temporal unreachable) leaves it:
// it comes back after the queue's visibility timeout, and after maxReceiveCount goes to the dead-letter
// queue. A duplicate or late event costs the run one GetModelCustomizationJob, nothing else.
import { ListTagsForResourceCommand, type BedrockClient } from '@aws-sdk/client-bedrock';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { MetricMeter } from '@temporalio/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { lineageOf } from '../aws/lineage-tags';
import { awsErrorMessage, awsErrorName } from '../aws/errors';
import { pokeSignal } from '../core/fine-tune-contract';
import { parseJobStateChange, type JobEventFacts } from '../core/job-events';
import type { LineageScope } from '../core/lineage';

/** What became of one message. All but `retry` delete it. */
export const EVENT_OUTCOMES = [
  'poked', // the owning run was signalled
  'no-news', // an InProgress event: the run's create answered as much, so nothing to wake it for
  'run-closed', // the owning run has ended (or is unknown here): nothing to wake
  'other-scope', // another namespace's or installation's job: its own consumer has its own copy
  'not-ours', // a job without this project's lineage, or one Bedrock does not know
  'inexact-id', // the lineage names a workflow ID cut to a tag's length: the run cannot be found exactly
  'not-a-job-event', // a body that is not a Model Customization Job State Change: deleted, logged
  'retry', // could not finish (Bedrock or Temporal failed): left for another receive
] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

export interface ConsumerLog {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

export interface JobEventsConsumerOptions {
  queueUrl: string;
  sqs: SQSClient;
  bedrock: BedrockClient;
  /** A client of the namespace the runs live in. */
  temporal: Client;
  /** This worker's namespace and installation: only their jobs' runs are poked. */
  scope: LineageScope;
  log: ConsumerLog;
  /** The worker's (Prometheus, when FINETUNE_PROMETHEUS_BIND_ADDRESS is set); none when absent. */
  metrics?: MetricMeter;
  /** Long-poll length in seconds (SQS allows 0-20); 20 by default. */
  waitSeconds?: number;
}

/** The queue could not be read at start: the URL, the network or the permissions are wrong. */
export class EventsQueueUnreadable extends Error {
  constructor(queueUrl: string, cause: unknown) {
    super(
      `FINETUNE_EVENTS_QUEUE_URL=${queueUrl} cannot be read (${awsErrorName(cause)}: ${awsErrorMessage(cause)}): ` +
        'check the URL (the queue the EventBridge rule sends to) and that the worker may sqs:GetQueueAttributes, ' +
        'sqs:ReceiveMessage and sqs:DeleteMessage on it; or unset it to run without events',
      { cause },
    );
    this.name = 'EventsQueueUnreadable';
  }
}

export class JobEventsConsumer {
  /** Messages by outcome since start (also the `finetune_job_events` counter). */
  readonly counts: Record<EventOutcome, number> = Object.fromEntries(EVENT_OUTCOMES.map((o) => [o, 0])) as Record<
    EventOutcome,
    number
  >;
  private readonly abort = new AbortController();
  private running?: Promise<void>;
  private readonly counter;
  private readonly age;

  constructor(private readonly o: JobEventsConsumerOptions) {
    this.counter = o.metrics?.createCounter('finetune_job_events', 'messages', 'Job event messages, by outcome');
    this.age = o.metrics?.createHistogram(
      'finetune_job_event_age',
      'int',
      'ms',
      'From the state change (the event time, whole seconds) to the poke accepted',
    );
  }

  /** Reads the queue's attributes once: a wrong URL or a missing permission fails the worker's start. */
  async checkQueue(): Promise<{ visibilityTimeoutS?: number; redrivePolicy?: string }> {
    try {
      const { Attributes: a } = await this.o.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: this.o.queueUrl, AttributeNames: ['All'] }),
      );
      return {
        visibilityTimeoutS: a?.VisibilityTimeout ? Number(a.VisibilityTimeout) : undefined,
        redrivePolicy: a?.RedrivePolicy,
      };
    } catch (err) {
      throw new EventsQueueUnreadable(this.o.queueUrl, err);
    }
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Ends the long poll in flight and waits for the messages being handled. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.abort.signal.aborted) {
      let messages: Message[];
      try {
        const out = await this.o.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.o.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: this.o.waitSeconds ?? 20,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
          { abortSignal: this.abort.signal },
        );
        messages = out.Messages ?? [];
        failures = 0;
      } catch (err) {
        if (this.abort.signal.aborted) break;
        failures++;
        const waitMs = Math.min(30_000, 1_000 * 2 ** Math.min(failures - 1, 5));
        this.o.log.warn(`job events: receiving from the queue failed; next try in ${waitMs / 1000} s`, {
          queueUrl: this.o.queueUrl,
          error: `${awsErrorName(err)}: ${awsErrorMessage(err)}`,
        });
        await sleep(waitMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
        continue;
      }
      await Promise.all(messages.map((m) => this.handle(m)));
    }
  }

  /** One message: act on it, count it, and delete it unless it must come back. */
  async handle(message: Message): Promise<EventOutcome> {
    const outcome = await this.outcomeOf(message);
    this.counts[outcome]++;
    this.counter?.add(1, { outcome });
    if (outcome !== 'retry' && message.ReceiptHandle) {
      try {
        await this.o.sqs.send(
          new DeleteMessageCommand({ QueueUrl: this.o.queueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
      } catch (err) {
        // It comes back after the visibility timeout: one more poke at most, which changes nothing.
        this.o.log.warn('job events: a handled message could not be deleted', {
          messageId: message.MessageId,
          error: `${awsErrorName(err)}: ${awsErrorMessage(err)}`,
        });
      }
    }
    return outcome;
  }

  private async outcomeOf(message: Message): Promise<EventOutcome> {
    const parsed = parseJobStateChange(message.Body ?? '');
    if ('problem' in parsed) {
      this.o.log.warn(`job events: a message that is not a job state change was deleted: ${parsed.problem}`, {
        messageId: message.MessageId,
      });
      return 'not-a-job-event';
    }
    const event = parsed.event;
    let tags: { key?: string; value?: string }[] | undefined;
    try {
      ({ tags } = await this.o.bedrock.send(new ListTagsForResourceCommand({ resourceARN: event.jobArn })));
    } catch (err) {
      const name = awsErrorName(err);
      // Not a job this account and region knows (a copy of another region's event, a hand-made message).
      if (name === 'ResourceNotFoundException' || name === 'ValidationException') return 'not-ours';
      return this.retry('reading the job lineage tags failed', event, message, err);
    }
    const lineage = lineageOf(tags);
    if (!lineage) return 'not-ours';
    if (lineage.namespace !== this.o.scope.namespace || lineage.installation !== this.o.scope.installation) {
      return 'other-scope';
    }
    if (!lineage.exact) {
      this.o.log.warn('job events: the job names a workflow ID cut to a tag, so no run is poked (it polls)', {
        jobArn: event.jobArn,
        workflowId: lineage.workflowId,
      });
      return 'inexact-id';
    }
    // A job enters InProgress when it is created, and its create's answer says so: a poke would cost the
    // run a workflow task and a Get for nothing (a tenth of a short run's tasks). Only later changes wake it
    // (the checks above still run, so a queue shared with others shows in `other-scope` from the first event).
    if (event.jobStatus === 'InProgress') return 'no-news';
    try {
      await this.o.temporal.workflow.getHandle(lineage.workflowId).signal(pokeSignal);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'run-closed';
      return this.retry('poking the run failed', event, message, err);
    }
    const at = event.time ? Date.parse(event.time) : NaN;
    if (Number.isFinite(at)) this.age?.record(Math.max(0, Date.now() - at));
    this.o.log.info('job events: run poked', {
      workflowId: lineage.workflowId,
      jobArn: event.jobArn,
      jobStatus: event.jobStatus,
      eventTime: event.time,
    });
    return 'poked';
  }

  private retry(what: string, event: JobEventFacts, message: Message, err: unknown): EventOutcome {
    this.o.log.warn(`job events: ${what}; the message comes back after the queue's visibility timeout`, {
      jobArn: event.jobArn,
      messageId: message.MessageId,
      receiveCount: message.Attributes?.ApproximateReceiveCount,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    });
    return 'retry';
  }
}
