// Schedules that retrain models: a fineTune run on a cron or an interval, through the typed client
// (`FineTuneClient.schedules`), as the Temporal SDK keeps its schedule client beside its workflow client.
import type {
  Client,
  ScheduleExecutionResult,
  ScheduleOverlapPolicy,
  ScheduleSpecDescription,
} from '@temporalio/client';
import { FINE_TUNE_WORKFLOW_TYPE, type TrainedRun } from './core/fine-tune-contract';
import { DURATION_PATTERN, durationMs } from './core/durations';
import { InvalidRequestError, parseRequest, type FineTuneRequest } from './core/request';
import { LAST_TRAINED_MEMO_KEY, trainedRunOf, trainedRunRecordOf } from './core/retraining';
import { startSearchAttributes, staticDetails, staticSummary } from './core/run-metadata';

export type ScheduleOverlap = Exclude<ScheduleOverlapPolicy, undefined>;
export const SCHEDULE_OVERLAP_POLICIES = [
  'SKIP',
  'BUFFER_ONE',
  'BUFFER_ALL',
  'CANCEL_OTHER',
  'TERMINATE_OTHER',
  'ALLOW_ALL',
] as const satisfies readonly ScheduleOverlap[];

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
  /**
   * A run whose prepared dataset and training settings are those of the schedule's last trained run
   * ends as Skipped, with no job (the request's `orchestration.skipIfUnchanged`).
   */
  skipIfUnchanged?: boolean;
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
  skipIfUnchanged: boolean;
  /** What its next run compares with when skipIfUnchanged is on: recorded by the last run that trained. */
  lastTrainedRun?: TrainedRun;
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
  return actions.map((a) => ({
    workflowId: a.action.workflow.workflowId,
    scheduledAt: a.scheduledAt,
    takenAt: a.takenAt,
  }));
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
    const parsed = parseRequest(options.request);
    const request: FineTuneRequest = options.skipIfUnchanged
      ? { ...parsed, orchestration: { ...parsed.orchestration, skipIfUnchanged: true } }
      : parsed;
    const problems: string[] = [];
    if (request.jobName !== undefined)
      problems.push(
        'jobName: leave it out of a scheduled request: every run needs its own job name (derived from its workflow ID)',
      );
    if (request.clientRequestToken !== undefined)
      problems.push('clientRequestToken: leave it out of a scheduled request: every run derives its own');
    if ((options.cron === undefined) === (options.every === undefined))
      problems.push('give exactly one of cron or every');
    if (options.every !== undefined && !DURATION_PATTERN.test(options.every.trim()))
      problems.push(`every: ${JSON.stringify(options.every)} is not a duration like '12h' or '7d'`);
    if (options.catchupWindow !== undefined && !DURATION_PATTERN.test(options.catchupWindow.trim())) {
      problems.push(`catchupWindow: ${JSON.stringify(options.catchupWindow)} is not a duration like '10m' or '1h'`);
    }
    if (problems.length > 0) throw new InvalidRequestError(problems, 'schedule');
    const spec = options.cron !== undefined ? `cron ${options.cron.trim()}` : `every ${options.every!.trim()}`;
    const memo: ScheduleMemo = {
      spec,
      customModelName: request.customModelName,
      baseModel: request.baseModelIdentifier,
    };
    const handle = await this.client.schedule
      .create({
        scheduleId: options.scheduleId,
        spec:
          options.cron !== undefined
            ? { cronExpressions: [options.cron.trim()] }
            : { intervals: [{ every: durationMs(options.every!) }] },
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
      })
      .catch((err: unknown) => {
        // The client turns the server's "Invalid schedule spec" (a cron it cannot parse) into a TypeError.
        if (err instanceof TypeError)
          throw new InvalidRequestError(
            [`${options.cron !== undefined ? 'cron' : 'every'}: ${err.message}`],
            'schedule',
          );
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
    const lastTrained = trainedRunRecordOf(d.action.memo?.[LAST_TRAINED_MEMO_KEY]);
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
      skipIfUnchanged: request?.orchestration?.skipIfUnchanged === true,
      ...(lastTrained ? { lastTrainedRun: trainedRunOf(lastTrained) } : {}),
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
  async trigger(
    scheduleId: string,
    options: { overlap?: ScheduleOverlap; waitMs?: number } = {},
  ): Promise<string | undefined> {
    const handle = this.client.schedule.getHandle(scheduleId);
    const before = new Set((await handle.describe()).info.recentActions.map((a) => a.action.workflow.workflowId));
    await handle.trigger(options.overlap);
    const until = Date.now() + (options.waitMs ?? 10_000);
    for (;;) {
      const started = (await handle.describe()).info.recentActions
        .map((a) => a.action.workflow.workflowId)
        .find((id) => !before.has(id));
      if (started !== undefined || Date.now() >= until) return started;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  delete(scheduleId: string): Promise<void> {
    return this.client.schedule.getHandle(scheduleId).delete();
  }
}
