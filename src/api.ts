// The typed API other services use to trigger and steer fine-tunes (the CLI is built on it):
//   const ft = await FineTuneClient.connect();            // TEMPORAL_* / envconfig, TASK_QUEUE
//   const run = await ft.start(request, { workflowId: 'support-bot-2026-11' });
//   const result = await run.result();
import {
  Client,
  Connection,
  WorkflowFailedError,
  WorkflowIdConflictPolicy,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
} from '@temporalio/client';
import type { ScheduleExecutionResult, ScheduleOverlapPolicy, ScheduleSpecDescription } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TemporalFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
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
import { DURATION_PATTERN, durationMs } from './core/durations';
import { InvalidRequestError, parseRequest, type FineTuneRequest, type PollingOptions } from './core/request';
import { BaseModelKey, BedrockJobStatusKey, CustomizationTypeKey, CustomModelNameKey, FineTunePhaseKey } from './core/search-attributes';
import type { fineTune } from './workflows';

export type { FineTuneProgress, FineTuneRequest, FineTuneResult, PollingOptions };
export { FailureType } from './core/fine-tune-contract';
export { InvalidRequestError };

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
    if (cause instanceof CancelledFailure) return { type: 'Cancelled', message: cause.message || 'the run was cancelled' };
    if (cause instanceof TerminatedFailure) return { type: 'Terminated', message: cause.message || 'the run was terminated' };
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

/** A default workflow ID from the request: stable for the same model name, readable in the UI. */
export function defaultWorkflowId(request: FineTuneRequest): string {
  return `finetune-${request.customModelName}`;
}

function staticSummary(request: FineTuneRequest): string {
  const text = `${request.customizationType ?? 'FINE_TUNING'} ${request.baseModelIdentifier} -> ${request.customModelName}`;
  return text.length <= 200 ? text : `${text.slice(0, 197)}...`;
}

function staticDetails(request: FineTuneRequest): string {
  return [
    `**Custom model** ${request.customModelName}`,
    `**Base model** ${request.baseModelIdentifier}`,
    `**Type** ${request.customizationType ?? 'FINE_TUNING'}`,
    `**Training data** ${request.trainingDataConfig.s3Uri ?? request.trainingDataConfig.invocationLogsConfig?.invocationLogSource.s3Uri}`,
    `**Output** ${request.outputDataConfig.s3Uri}`,
    request.hyperParameters ? `**Hyperparameters** ${Object.entries(request.hyperParameters).map(([k, v]) => `${k}=${v}`).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
}

function startSearchAttributes(request: FineTuneRequest) {
  return [
    { key: BaseModelKey, value: request.baseModelIdentifier },
    { key: CustomModelNameKey, value: request.customModelName },
    { key: CustomizationTypeKey, value: request.customizationType ?? 'FINE_TUNING' },
  ];
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
    const begun = open && pending ? Math.max(0, (pending.attempt ?? 1) - (pending.state === 2 /* STARTED */ ? 0 : 1)) : 0;
    const attempts = Math.max(0, begun - (progress.pollSequenceWaitsFirst && begun > 0 ? 1 : 0));
    const seconds = (t: { seconds?: unknown } | null | undefined) => (t?.seconds ? new Date(Number(t.seconds) * 1000).toISOString() : undefined);
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

// ---- schedules: retrain on a cron or an interval ----

export type ScheduleOverlap = Exclude<ScheduleOverlapPolicy, undefined>;
export const SCHEDULE_OVERLAP_POLICIES = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'] as const satisfies readonly ScheduleOverlap[];

export interface ScheduleCreateOptions {
  /** Also the workflow ID of its runs; Temporal appends each run's scheduled time to it. */
  scheduleId: string;
  request: FineTuneRequest;
  /** A cron expression ('0 3 * * MON', '@daily', 5-7 fields, UTC). Exactly one of cron and every. */
  cron?: string;
  /** An interval such as '7d' or '12h'. */
  every?: string;
  /** What happens when a run is due while the previous one is still going (default SKIP). */
  overlap?: ScheduleOverlap;
  /** How late a missed run (server down) may still start, e.g. '1h' (Temporal's default: 1 year). */
  catchupWindow?: string;
  /** Pause the schedule when a run fails, so a broken dataset is not retrained on every tick. */
  pauseOnFailure?: boolean;
  /** Create it paused. */
  paused?: boolean;
  note?: string;
  taskQueue?: string;
}

export interface FineTuneScheduleSummary {
  scheduleId: string;
  /** As created: 'cron 0 3 * * *' or 'every 7d'. */
  spec: string;
  paused: boolean;
  note?: string;
  customModelName?: string;
  baseModel?: string;
  nextActionTimes: Date[];
  recentRuns: { workflowId: string; scheduledAt: Date; takenAt: Date }[];
}

export interface FineTuneScheduleDescription extends FineTuneScheduleSummary {
  overlap: ScheduleOverlap;
  catchupWindowMs: number;
  pauseOnFailure: boolean;
  taskQueue: string;
  workflowType: string;
  actionsTaken: number;
  actionsSkippedOverlap: number;
  runningWorkflowIds: string[];
  createdAt: Date;
  request?: FineTuneRequest;
}

/** Memo on the schedule: what `list` shows without describing every schedule. */
interface ScheduleMemo {
  spec?: string;
  customModelName?: string;
  baseModel?: string;
}

function specText(spec: ScheduleSpecDescription, memo: ScheduleMemo | undefined): string {
  if (memo?.spec) return memo.spec;
  const every = spec.intervals?.[0]?.every;
  return every !== undefined ? `every ${Math.round(every / 1000)}s` : 'calendar';
}

function recentRuns(actions: ScheduleExecutionResult[]): FineTuneScheduleSummary['recentRuns'] {
  return actions.map((a) => ({ workflowId: a.action.workflow.workflowId, scheduledAt: a.scheduledAt, takenAt: a.takenAt }));
}

/**
 * Schedules whose action starts a fineTune run with a fixed request. A schedule runs the same request
 * many times, so it may not fix `jobName` or `clientRequestToken` (each run derives its own from its
 * workflow ID, which carries the scheduled time); the custom model name is made unique per run by the
 * workflow (see the README, "Scheduled retraining").
 */
export class FineTuneSchedules {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async create(options: ScheduleCreateOptions): Promise<FineTuneScheduleDescription> {
    const request = parseRequest(options.request);
    const problems: string[] = [];
    if (request.jobName !== undefined) problems.push('jobName: leave it out of a scheduled request: every run needs its own job name (derived from its workflow ID)');
    if (request.clientRequestToken !== undefined) problems.push('clientRequestToken: leave it out of a scheduled request: every run derives its own');
    if ((options.cron === undefined) === (options.every === undefined)) problems.push('give exactly one of cron or every');
    if (options.every !== undefined && !DURATION_PATTERN.test(options.every.trim())) problems.push(`every: ${JSON.stringify(options.every)} is not a duration like '12h' or '7d'`);
    if (options.catchupWindow !== undefined && !DURATION_PATTERN.test(options.catchupWindow.trim())) {
      problems.push(`catchupWindow: ${JSON.stringify(options.catchupWindow)} is not a duration like '10m' or '1h'`);
    }
    if (problems.length > 0) throw new InvalidRequestError(problems, 'schedule');
    const spec = options.cron !== undefined ? `cron ${options.cron.trim()}` : `every ${options.every!.trim()}`;
    const memo: ScheduleMemo = { spec, customModelName: request.customModelName, baseModel: request.baseModelIdentifier };
    const handle = await this.client.schedule.create({
      scheduleId: options.scheduleId,
      spec: options.cron !== undefined ? { cronExpressions: [options.cron.trim()] } : { intervals: [{ every: durationMs(options.every!) }] },
      action: {
        type: 'startWorkflow',
        workflowType: FINE_TUNE_WORKFLOW_TYPE,
        workflowId: options.scheduleId,
        taskQueue: options.taskQueue ?? this.taskQueue,
        args: [request],
        typedSearchAttributes: startSearchAttributes(request),
        staticSummary: staticSummary(request),
        staticDetails: staticDetails(request),
      },
      policies: {
        overlap: options.overlap ?? 'SKIP',
        catchupWindow: options.catchupWindow !== undefined ? durationMs(options.catchupWindow) : undefined,
        pauseOnFailure: options.pauseOnFailure ?? false,
      },
      memo: { ...memo },
      state: { paused: options.paused ?? false, note: options.note },
    }).catch((err: unknown) => {
      // The client turns the server's "Invalid schedule spec" (a cron it cannot parse) into a TypeError.
      if (err instanceof TypeError) throw new InvalidRequestError([`${options.cron !== undefined ? 'cron' : 'every'}: ${err.message}`], 'schedule');
      throw err;
    });
    return this.describe(handle.scheduleId);
  }

  /** The fineTune schedules of the namespace (schedules of other workflow types are left out). */
  async list(limit = 100): Promise<FineTuneScheduleSummary[]> {
    const found: FineTuneScheduleSummary[] = [];
    for await (const s of this.client.schedule.list()) {
      if (s.action?.workflowType !== FINE_TUNE_WORKFLOW_TYPE) continue;
      const memo = s.memo as ScheduleMemo | undefined;
      found.push({
        scheduleId: s.scheduleId,
        spec: specText(s.spec ?? {}, memo),
        paused: s.state.paused,
        note: s.state.note || undefined,
        customModelName: memo?.customModelName,
        baseModel: memo?.baseModel,
        nextActionTimes: s.info.nextActionTimes,
        recentRuns: recentRuns(s.info.recentActions),
      });
      if (found.length >= limit) break;
    }
    return found;
  }

  async describe(scheduleId: string): Promise<FineTuneScheduleDescription> {
    const d = await this.client.schedule.getHandle(scheduleId).describe();
    const memo = d.memo as ScheduleMemo | undefined;
    const request = d.action.args?.[0] as FineTuneRequest | undefined;
    return {
      scheduleId: d.scheduleId,
      spec: specText(d.spec, memo),
      paused: d.state.paused,
      note: d.state.note || undefined,
      customModelName: request?.customModelName ?? memo?.customModelName,
      baseModel: request?.baseModelIdentifier ?? memo?.baseModel,
      nextActionTimes: d.info.nextActionTimes,
      recentRuns: recentRuns(d.info.recentActions),
      overlap: d.policies.overlap ?? 'SKIP',
      catchupWindowMs: d.policies.catchupWindow,
      pauseOnFailure: d.policies.pauseOnFailure,
      taskQueue: d.action.taskQueue,
      workflowType: d.action.workflowType,
      actionsTaken: d.info.numActionsTaken,
      actionsSkippedOverlap: d.info.numActionsSkippedOverlap,
      runningWorkflowIds: d.info.runningActions.map((a) => a.workflow.workflowId),
      createdAt: d.info.createdAt,
      request,
    };
  }

  pause(scheduleId: string, note?: string): Promise<void> {
    return this.client.schedule.getHandle(scheduleId).pause(note);
  }

  unpause(scheduleId: string, note?: string): Promise<void> {
    return this.client.schedule.getHandle(scheduleId).unpause(note);
  }

  /**
   * Starts a run now (overlap ALLOW_ALL unless given) and returns its workflow ID once the schedule
   * records it (undefined if the overlap policy skipped it or it was not seen within `waitMs`).
   */
  async trigger(scheduleId: string, options: { overlap?: ScheduleOverlap; waitMs?: number } = {}): Promise<string | undefined> {
    const handle = this.client.schedule.getHandle(scheduleId);
    const before = new Set((await handle.describe()).info.recentActions.map((a) => a.action.workflow.workflowId));
    await handle.trigger(options.overlap);
    const until = Date.now() + (options.waitMs ?? 10_000);
    for (;;) {
      const started = (await handle.describe()).info.recentActions.map((a) => a.action.workflow.workflowId).find((id) => !before.has(id));
      if (started !== undefined || Date.now() >= until) return started;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  delete(scheduleId: string): Promise<void> {
    return this.client.schedule.getHandle(scheduleId).delete();
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
