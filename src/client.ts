// The typed client other services import to trigger and steer fine-tunes (the CLI is built on it):
//   const ft = await FineTuneClient.connect();            // TEMPORAL_* / envconfig, TASK_QUEUE
//   const run = await ft.start(request, { workflowId: 'support-bot-2026-11' });
//   const result = await run.result();
// Schedules (retraining on a cron or an interval) are `ft.schedules`, in schedules.ts.
import {
  Client,
  Connection,
  WorkflowFailedError,
  WorkflowIdConflictPolicy,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  ApplicationFailure,
  CancelledFailure,
  TemporalFailure,
  TerminatedFailure,
  TimeoutFailure,
} from '@temporalio/common';
import { loadTemporalConfig, type TemporalSettings } from './config';
import {
  FINE_TUNE_WORKFLOW_TYPE,
  pokeSignal,
  progressQuery,
  setPollingUpdate,
  stopUpdate,
  type FineTuneProgress,
  type FineTuneResult,
} from './core/fine-tune-contract';
import { InvalidRequestError, parseRequest, type FineTuneRequest, type PollingOptions } from './core/request';
import { defaultWorkflowId, startSearchAttributes, staticDetails, staticSummary } from './core/run-metadata';
import { BaseModelKey, BedrockJobStatusKey, CustomModelNameKey, FineTunePhaseKey } from './core/search-attributes';
import { FineTuneSchedules } from './schedules';
import type { fineTune } from './workflows';

export type { FineTuneProgress, FineTuneRequest, FineTuneResult, PollingOptions };
export { FailureType } from './core/fine-tune-contract';
export { InvalidRequestError, defaultWorkflowId };
export * from './schedules';

export interface StartOptions {
  /** The business key: one run per ID; starting again with a running ID returns the running run. */
  workflowId?: string;
  taskQueue?: string;
}

/** What the run's history knows (the `progress` query) plus the live poll state the server keeps. */
export interface LiveProgress extends FineTuneProgress {
  workflowId: string;
  runId: string;
  workflowStatus: string;
  historyLength: number;
  /** Polls made so far, counting those not (yet) recorded in history. */
  polls: number;
}

export interface RunSummary {
  workflowId: string;
  runId: string;
  status: string;
  startTime: Date;
  closeTime?: Date;
  phase?: string;
  jobStatus?: string;
  customModelName?: string;
  baseModel?: string;
}

/** How a run ended when it did not complete: the failure type (a FailureType, or Cancelled/Terminated/TimedOut). */
export interface RunFailure {
  type: string;
  message: string;
  /** The failure's first detail when it carries one (job ARN, job status, metrics, dataset report ...). */
  details?: Record<string, unknown>;
}

export type RunOutcome = { ok: true; result: FineTuneResult } | { ok: false; failure: RunFailure };

/**
 * The typed failure inside a WorkflowFailedError: the first ApplicationFailure down the cause chain
 * (an activity's failure arrives wrapped in an ActivityFailure), else the kind of ending. Undefined
 * for errors that are not a run's ending (connection problems, unknown workflow ID).
 */
export function runFailureOf(err: unknown): RunFailure | undefined {
  if (!(err instanceof WorkflowFailedError)) return undefined;
  let cause: unknown = err.cause;
  while (cause instanceof TemporalFailure) {
    if (cause instanceof ApplicationFailure) {
      const first = cause.details?.[0];
      const details = first !== null && typeof first === 'object' ? (first as Record<string, unknown>) : undefined;
      return { type: cause.type ?? 'ApplicationFailure', message: cause.message, ...(details ? { details } : {}) };
    }
    if (cause instanceof CancelledFailure)
      return { type: 'Cancelled', message: cause.message || 'the run was cancelled' };
    if (cause instanceof TerminatedFailure)
      return { type: 'Terminated', message: cause.message || 'the run was terminated' };
    if (cause instanceof TimeoutFailure) return { type: 'TimedOut', message: cause.message || 'the run timed out' };
    if (!cause.cause) return { type: cause.name, message: cause.message };
    cause = cause.cause;
  }
  return { type: 'Failed', message: err.message };
}

/** The Temporal Web UI page of a run, from the UI's base address (e.g. http://localhost:8233). */
export function workflowUiUrl(uiBaseUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = `${uiBaseUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

function runSummaryOf(info: Omit<WorkflowExecutionInfo, 'raw'>): RunSummary {
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    status: info.status.name,
    startTime: info.startTime,
    closeTime: info.closeTime,
    phase: info.typedSearchAttributes.get(FineTunePhaseKey),
    jobStatus: info.typedSearchAttributes.get(BedrockJobStatusKey),
    customModelName: info.typedSearchAttributes.get(CustomModelNameKey),
    baseModel: info.typedSearchAttributes.get(BaseModelKey),
  };
}

export class FineTuneRun {
  constructor(readonly handle: WorkflowHandle<typeof fineTune>) {}

  get workflowId(): string {
    return this.handle.workflowId;
  }

  /** The run ID when this handle came from start (the run that start started or joined). */
  get runId(): string | undefined {
    return 'firstExecutionRunId' in this.handle ? (this.handle.firstExecutionRunId as string) : undefined;
  }

  result(): Promise<FineTuneResult> {
    return this.handle.result();
  }

  /** Waits for the end: the result, or the typed failure (other errors, e.g. connection ones, throw). */
  async outcome(): Promise<RunOutcome> {
    try {
      return { ok: true, result: await this.handle.result() };
    } catch (err) {
      const failure = runFailureOf(err);
      if (!failure) throw err;
      return { ok: false, failure };
    }
  }

  /** What the server knows without asking a worker: status, phase and job status search attributes. */
  async summary(): Promise<RunSummary> {
    return runSummaryOf(await this.handle.describe());
  }

  progress(): Promise<FineTuneProgress> {
    return this.handle.query(progressQuery);
  }

  /** The query's view plus the server's: poll attempts not yet in history, workflow status, history length. */
  async liveProgress(): Promise<LiveProgress> {
    const description = await this.handle.describe();
    const open = description.status.name === 'RUNNING';
    const progress = await this.handle.query(progressQuery);
    const pending = (description.raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'pollJob');
    // Attempts of the poll activity in progress are polls not yet in history (minus a leading wait).
    const begun =
      open && pending ? Math.max(0, (pending.attempt ?? 1) - (pending.state === 2 /* STARTED */ ? 0 : 1)) : 0;
    const attempts = Math.max(0, begun - (progress.pollSequenceWaitsFirst && begun > 0 ? 1 : 0));
    const seconds = (t: { seconds?: unknown } | null | undefined) =>
      t?.seconds ? new Date(Number(t.seconds) * 1000).toISOString() : undefined;
    return {
      ...progress,
      workflowId: description.workflowId,
      runId: description.runId,
      workflowStatus: description.status.name,
      historyLength: description.historyLength,
      polls: progress.pollsRecorded + attempts,
      lastPollTime: seconds(pending?.lastStartedTime) ?? progress.lastPollTime,
      nextPollTime: seconds(pending?.nextAttemptScheduleTime) ?? progress.nextPollTime,
    };
  }

  /** Stops the Bedrock job; the run then ends as BedrockJobStopped. */
  stop(reason?: string) {
    return this.handle.executeUpdate(stopUpdate, { args: [{ reason }] });
  }

  setPolling(options: PollingOptions) {
    return this.handle.executeUpdate(setPollingUpdate, { args: [options] });
  }

  /** Look at the job now (for an EventBridge "Model Customization Job State Change" bridge). */
  poke(): Promise<void> {
    return this.handle.signal(pokeSignal);
  }

  /** Cancels the run: it stops the Bedrock job, waits until it has stopped, and ends as cancelled. */
  cancel(): Promise<unknown> {
    return this.handle.cancel();
  }
}

export class FineTuneClient {
  /** Schedules that start fineTune runs on this client's task queue (cron or interval retraining). */
  readonly schedules: FineTuneSchedules;

  constructor(
    readonly client: Client,
    readonly taskQueue: string,
    private readonly ownedConnection?: Connection,
  ) {
    this.schedules = new FineTuneSchedules(client, taskQueue);
  }

  static async connect(settings?: { temporal: TemporalSettings; taskQueue: string }): Promise<FineTuneClient> {
    const { temporal, taskQueue } = settings ?? loadTemporalConfig();
    const connection = await Connection.connect(temporal.connectionOptions);
    return new FineTuneClient(new Client({ connection, namespace: temporal.namespace }), taskQueue, connection);
  }

  /**
   * Starts a run, or returns the running run with the same workflow ID (USE_EXISTING), so a trigger
   * that fires twice never starts two fine-tunes. The request is validated first.
   */
  async start(request: FineTuneRequest, options: StartOptions = {}): Promise<FineTuneRun> {
    const parsed = parseRequest(request);
    const handle = await this.client.workflow.start<typeof fineTune>(FINE_TUNE_WORKFLOW_TYPE, {
      args: [parsed],
      taskQueue: options.taskQueue ?? this.taskQueue,
      workflowId: options.workflowId ?? defaultWorkflowId(parsed),
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      typedSearchAttributes: startSearchAttributes(parsed),
      staticSummary: staticSummary(parsed),
      staticDetails: staticDetails(parsed),
    });
    return new FineTuneRun(handle);
  }

  run(workflowId: string): FineTuneRun {
    return new FineTuneRun(this.client.workflow.getHandle<typeof fineTune>(workflowId));
  }

  async list(query = `WorkflowType = '${FINE_TUNE_WORKFLOW_TYPE}'`, limit = 50): Promise<RunSummary[]> {
    const runs: RunSummary[] = [];
    for await (const info of this.client.workflow.list({ query })) {
      runs.push(runSummaryOf(info));
      if (runs.length >= limit) break;
    }
    return runs;
  }

  async close(): Promise<void> {
    await this.ownedConnection?.close();
  }
}
