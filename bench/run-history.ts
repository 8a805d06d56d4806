// What one finished fineTune run tells from its history alone (server timestamps, no worker needed):
// how it ended, the time from its start to its Bedrock job's creation, how long after the job ended in
// Bedrock the run saw it, its job's length and its number of history events.
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { PollJobResult } from '../src/activities/poll-job';
import { pokeSignal, type FineTuneResult } from '../src/core/fine-tune-contract';
import { releaseSlotSignal, slotGrantedSignal } from '../src/core/job-slots-contract';

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
  /** The steps a slot passes through between two jobs (epoch ms, server time), for the handoff figures. */
  steps: RunSteps;
  events: number;
}

/** When the run heard of its job's end and gave its slot back, and when it was granted one. */
export interface RunSteps {
  /** The last poke (a job event) before the poll that saw the job's end. */
  pokedAt?: number;
  /** The poll that saw the end was recorded. */
  noticedAt?: number;
  /** The release signal to the keeper was sent. */
  releasedAt?: number;
  /** The keeper's grant reached the run. */
  grantedAt?: number;
  /** The create that made the job was recorded. */
  createdAt?: number;
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
  const steps: RunSteps = {};
  let lastPokeAt: number | undefined;
  for (const e of events) {
    const signalled = e.workflowExecutionSignaledEventAttributes?.signalName;
    if (signalled === pokeSignal.name) lastPokeAt = timeMs(e);
    if (signalled === slotGrantedSignal.name) steps.grantedAt ??= timeMs(e);
    if (e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === releaseSlotSignal.name) {
      steps.releasedAt ??= timeMs(e);
    }
    if (e.workflowExecutionStartedEventAttributes) started = timeMs(e);
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) activityOf.set(String(e.eventId), scheduled.activityType?.name ?? '');
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed) {
      const type = activityOf.get(String(completed.scheduledEventId));
      if (type === 'createJob' && jobCreatedAt === undefined) jobCreatedAt = timeMs(e);
      if (type === 'pollJob') {
        lastPoll = { at: timeMs(e), result: firstPayload<PollJobResult>(completed.result) };
        steps.pokedAt = lastPokeAt;
        lastPokeAt = undefined;
      }
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
    steps: { ...steps, noticedAt: lastPoll?.at, createdAt: jobCreatedAt },
    events: events.length,
  };
}
