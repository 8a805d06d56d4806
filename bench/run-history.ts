// What one finished fineTune run tells from its history alone (server timestamps, no worker needed):
// how it ended, the time from its start to its Bedrock job's creation, how long after the job ended in
// Bedrock the run saw it, its job's length and its number of history events.
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { PollJobResult } from '../src/activities/poll-job';
import type { FineTuneResult } from '../src/core/fine-tune-contract';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type Event = NonNullable<History['events']>[number];
type Payloads = NonNullable<Event['activityTaskCompletedEventAttributes']>['result'];
type Failure = NonNullable<Event['workflowExecutionFailedEventAttributes']>['failure'];

export interface RunFigures {
  workflowId: string;
  /** 'Completed', or the failure's type (or the close event's kind). */
  outcome: string;
  jobArn?: string;
  /** When the run started (epoch ms, the server's clock). */
  startedAt?: number;
  startToJobCreatedMs?: number;
  /** From the job's endTime in Bedrock to the poll that returned it being recorded. */
  detectionLagMs?: number;
  /** Real milliseconds from the job's creation to its end. */
  jobMs?: number;
  /** When the job was created and when it ended (epoch ms), for the jobs in progress at once. */
  jobSpan?: { from: number; to: number };
  events: number;
}

function timeMs(e: Event): number {
  const t = e.eventTime;
  return Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
}

function firstPayload<T>(payloads: Payloads): T | undefined {
  const p = payloads?.payloads?.[0];
  return p ? defaultPayloadConverter.fromPayload<T>(p) : undefined;
}

function failureType(failure: Failure): string {
  return failure?.applicationFailureInfo?.type || failure?.message || 'Failed';
}

export function runFigures(workflowId: string, history: History): RunFigures {
  const events = history.events ?? [];
  const activityOf = new Map<string, string>();
  let started: number | undefined;
  let jobCreatedAt: number | undefined;
  let lastPoll: { at: number; result?: PollJobResult } | undefined;
  let outcome = 'Running';
  let result: FineTuneResult | undefined;
  for (const e of events) {
    if (e.workflowExecutionStartedEventAttributes) started = timeMs(e);
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) activityOf.set(String(e.eventId), scheduled.activityType?.name ?? '');
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed) {
      const type = activityOf.get(String(completed.scheduledEventId));
      if (type === 'createJob' && jobCreatedAt === undefined) jobCreatedAt = timeMs(e);
      if (type === 'pollJob') lastPoll = { at: timeMs(e), result: firstPayload<PollJobResult>(completed.result) };
    }
    if (e.workflowExecutionCompletedEventAttributes) {
      outcome = 'Completed';
      result = firstPayload<FineTuneResult>(e.workflowExecutionCompletedEventAttributes.result);
    }
    if (e.workflowExecutionFailedEventAttributes)
      outcome = failureType(e.workflowExecutionFailedEventAttributes.failure);
    if (e.workflowExecutionTimedOutEventAttributes) outcome = 'TimedOut';
    if (e.workflowExecutionTerminatedEventAttributes) outcome = 'Terminated';
    if (e.workflowExecutionCanceledEventAttributes) outcome = 'Cancelled';
  }
  const endTime = lastPoll?.result?.snapshot.endTime;
  const endMs = endTime ? Date.parse(endTime) : undefined;
  return {
    workflowId,
    outcome,
    jobArn: result?.jobArn,
    startedAt: started,
    startToJobCreatedMs: started !== undefined && jobCreatedAt !== undefined ? jobCreatedAt - started : undefined,
    detectionLagMs: endMs !== undefined && lastPoll ? lastPoll.at - endMs : undefined,
    jobMs: endMs !== undefined && jobCreatedAt !== undefined ? endMs - jobCreatedAt : undefined,
    jobSpan: endMs !== undefined && jobCreatedAt !== undefined ? { from: jobCreatedAt, to: endMs } : undefined,
    events: events.length,
  };
}
