// The typed client other services import to trigger and steer fine-tunes (the CLI is built on it):
//   const ft = await FineTuneClient.connect();            // TEMPORAL_* / envconfig, TASK_QUEUE
//   const run = await ft.start(request, { workflowId: 'support-bot-2026-11' });
//   const result = await run.result();
// Schedules (retraining on a cron or an interval) are `ft.schedules`, in schedules.ts.
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  ApplicationFailure,
  CancelledFailure,
  TemporalFailure,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowNotFoundError,
} from '@temporalio/common';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
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
import {
  defaultWorkflowId,
  startSearchAttributes,
  staticDetails,
  staticSummary,
  type RetryOf,
} from './core/run-metadata';
import {
  BaseModelKey,
  BedrockJobStatusKey,
  CustomModelNameKey,
  FineTunePhaseKey,
  TemporalScheduledStartTimeKey,
} from './core/search-attributes';
import { hasTemplate, resolveRequestTemplates, templateTimeOf } from './core/templates';
import { FineTunePromotions } from './promotions';
import { FineTuneSchedules } from './schedules';
import type { fineTune } from './workflows';

// Everything a caller needs to type what it sends and gets back.
export type { FineTuneProgress, FineTuneRequest, FineTuneResult, PollingOptions, RetryOf };
export type {
  DatasetStats,
  FineTuneSkippedResult,
  FineTuneTimings,
  FineTuneTrainedResult,
  JobCleanup,
  JobSnapshot,
  MetricsSummaryView,
  Phase,
  PhaseDetail,
  StopRequest,
} from './core/fine-tune-contract';
export type { CustomizationType } from './core/catalog';
export type { JobStatus, PhaseStatus } from './core/bedrock-patterns';
export type { OrchestrationOptions, DataPreparationRequest } from './core/request';
export type { ResolvedTemplate } from './core/templates';
export { FailureType, FINE_TUNE_WORKFLOW_TYPE } from './core/fine-tune-contract';
export { InvalidRequestError, defaultWorkflowId };
export * from './schedules';
export * from './reconciliation';
export * from './promotions';
export type { PromotionSpec, ScoreRow, JudgeMetric } from './core/promotion';
export type {
  ApprovalDecision,
  PromotionOutcome,
  PromotionProgress,
  PromotionResult,
  ServingKind,
} from './core/promotion-contract';
export type { ReconcileReport, ReconcileItem, OwnResource, Decision, EndOutcome, RunLook } from './core/reconcile';

export interface StartOptions {
  /** The business key: one run per ID; starting again with a running ID returns the running run. */
  workflowId?: string;
  taskQueue?: string;
  /**
   * When a run with this workflow ID has already ended: 'start' a new one (the default: a completed
   * run's ID can train again), or 'return' the ended run, so a business ID never trains twice.
   */
  ifEnded?: 'start' | 'return';
  /** The run this one retries (see `retry`): linked from its summary, details and memo. */
  retryOf?: RetryOf;
}

/** `retry` refused: the run is still going or it completed. */
export class RetryRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryRefusedError';
  }
}

export interface RetryStarted {
  run: FineTuneRun;
  retryOf: RetryOf;
  /** A retry of this run was already running under the attempt's ID: it was joined, not started again. */
  joined: boolean;
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
  /** Promotions to production: start, approve, reject, roll back, what serves where. */
  readonly promotions: FineTunePromotions;

  constructor(
    readonly client: Client,
    readonly taskQueue: string,
    private readonly ownedConnection?: Connection,
  ) {
    this.schedules = new FineTuneSchedules(client, taskQueue);
    this.promotions = new FineTunePromotions(client, taskQueue);
  }

  static async connect(settings?: { temporal: TemporalSettings; taskQueue: string }): Promise<FineTuneClient> {
    const { temporal, taskQueue } = settings ?? loadTemporalConfig();
    const connection = await Connection.connect(temporal.connectionOptions);
    return new FineTuneClient(new Client({ connection, namespace: temporal.namespace }), taskQueue, connection);
  }

  /**
   * Starts a run, or returns the running run with the same workflow ID (USE_EXISTING), so a trigger
   * that fires twice never starts two fine-tunes. The request is validated first; templates in it
   * are checked at the current time and resolved by the run from its start time.
   */
  async start(request: FineTuneRequest, options: StartOptions = {}): Promise<FineTuneRun> {
    const parsed = parseRequest(request);
    // A default ID from a templated name is resolved now: the ID is the caller's key, not the run's.
    const workflowId =
      options.workflowId ??
      defaultWorkflowId(
        hasTemplate(parsed.customModelName) ? resolveRequestTemplates(parsed, new Date()).request : parsed,
      );
    const links = { retryOf: options.retryOf };
    try {
      const handle = await this.client.workflow.start<typeof fineTune>(FINE_TUNE_WORKFLOW_TYPE, {
        args: [parsed],
        taskQueue: options.taskQueue ?? this.taskQueue,
        workflowId,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        ...(options.ifEnded === 'return' ? { workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE } : {}),
        typedSearchAttributes: startSearchAttributes(parsed),
        staticSummary: staticSummary(parsed, links),
        staticDetails: staticDetails(parsed, links),
        ...(options.retryOf ? { memo: { retryOf: options.retryOf } } : {}),
      });
      return new FineTuneRun(handle);
    } catch (err) {
      if (options.ifEnded === 'return' && err instanceof WorkflowExecutionAlreadyStartedError)
        return new FineTuneRun(this.client.workflow.getHandle<typeof fineTune>(workflowId));
      throw err;
    }
  }

  /**
   * A failed, stopped or cancelled run again, as a new run `<id>-retry-<attempt>` (so a new job name and
   * token), with the old run's request as it started (templates resolved as the old run resolved them)
   * and a link to the old run. A retry already running under that ID is joined.
   */
  async retry(workflowId: string): Promise<RetryStarted> {
    const old = await this.client.workflow.getHandle(workflowId).describe();
    const status = old.status.name;
    if (status === 'RUNNING')
      throw new RetryRefusedError(`Run ${workflowId} is still running: stop or cancel it first, or wait for its end.`);
    if (status === 'COMPLETED')
      throw new RetryRefusedError(`Run ${workflowId} completed: there is nothing to retry (start a new run instead).`);
    const request = await this.startRequestOf(
      workflowId,
      old.runId,
      old.typedSearchAttributes.get(TemporalScheduledStartTimeKey),
    );
    const match = /^(.*)-retry-(\d+)$/.exec(workflowId);
    const base = match ? match[1] : workflowId;
    for (let attempt = match ? Number(match[2]) + 1 : 2; ; attempt++) {
      const candidate = `${base}-retry-${attempt}`;
      const existing = await this.client.workflow
        .getHandle(candidate)
        .describe()
        .catch((err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return undefined;
          throw err;
        });
      if (existing && existing.status.name !== 'RUNNING') continue;
      const retryOf: RetryOf = {
        workflowId,
        runId: old.runId,
        attempt,
        uiPath: `/namespaces/${encodeURIComponent(this.client.options.namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(old.runId)}/history`,
      };
      const run = await this.start(request, { workflowId: candidate, taskQueue: old.taskQueue, retryOf });
      return { run, retryOf, joined: existing !== undefined };
    }
  }

  /** The request a run started with, from the first event of its history, as that run resolved it. */
  private async startRequestOf(
    workflowId: string,
    runId: string,
    scheduledAt: Date | undefined,
  ): Promise<FineTuneRequest> {
    const { history } = await this.client.workflowService.getWorkflowExecutionHistory({
      namespace: this.client.options.namespace,
      execution: { workflowId, runId },
      maximumPageSize: 1,
    });
    const started = history?.events?.[0];
    const attributes = started?.workflowExecutionStartedEventAttributes;
    if (!attributes) throw new Error(`The history of run ${workflowId} (${runId}) has no start event.`);
    const [request, carried] = await decodeArrayFromPayloads(
      this.client.options.loadedDataConverter,
      attributes.input?.payloads,
    );
    // A continued run carries its request already resolved (with its state as the second argument).
    if (carried !== undefined) return request as FineTuneRequest;
    const startTime = started.eventTime?.seconds ? new Date(Number(started.eventTime.seconds) * 1000) : new Date();
    const { time, scheduled } = templateTimeOf({ scheduledAt, startTime });
    return resolveRequestTemplates(request as FineTuneRequest, time, { scheduled }).request;
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
