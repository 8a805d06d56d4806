// Schedules that retrain models: a fineTune run on a cron or an interval, through the typed client
// (`FineTuneClient.schedules`), as the Temporal SDK keeps its schedule client beside its workflow client.
import type {
  Client,
  ScheduleDescriptionStartWorkflowAction,
  ScheduleExecutionResult,
  ScheduleOverlapPolicy,
  ScheduleSpec,
  ScheduleSpecDescription,
} from '@temporalio/client';
import { FINE_TUNE_WORKFLOW_TYPE, type TrainedRun } from './core/fine-tune-contract';
import { DURATION_PATTERN, durationMs } from './core/durations';
import { InvalidRequestError, parseRequest, type FineTuneRequest } from './core/request';
import { LAST_TRAINED_MEMO_KEY, trainedRunOf, trainedRunRecordOf } from './core/retraining';
import { startSearchAttributes, staticDetails, staticSummary } from './core/run-metadata';

/** Temporal's overlap policies, TERMINATE_OTHER included: what a schedule made elsewhere may carry. */
export type TemporalScheduleOverlap = Exclude<ScheduleOverlapPolicy, undefined>;
/** The overlap policies this project offers: all of Temporal's but TERMINATE_OTHER. */
export type ScheduleOverlap = Exclude<TemporalScheduleOverlap, 'TERMINATE_OTHER'>;
export const SCHEDULE_OVERLAP_POLICIES = [
  'SKIP',
  'BUFFER_ONE',
  'BUFFER_ALL',
  'CANCEL_OTHER',
  'ALLOW_ALL',
] as const satisfies readonly ScheduleOverlap[];

/** Why TERMINATE_OTHER is refused: terminating a run runs none of its code, clean-up included. */
const TERMINATE_OTHER_WHY =
  'TERMINATE_OTHER ends the previous run without its clean-up, so its Bedrock job keeps training (and billing) ' +
  'with no run left to stop it. Use CANCEL_OTHER: the previous run is cancelled, stops its job, and the next ' +
  'run starts once it has closed';

/** An overlap policy this project does not offer (TERMINATE_OTHER, or a name that is no policy at all). */
export class OverlapPolicyRefusedError extends Error {
  constructor(readonly policy: string) {
    super(
      policy === 'TERMINATE_OTHER'
        ? `The overlap policy TERMINATE_OTHER is refused: ${TERMINATE_OTHER_WHY}.`
        : `The overlap policy ${JSON.stringify(policy)} is not one of ${SCHEDULE_OVERLAP_POLICIES.join(', ')}.`,
    );
    this.name = 'OverlapPolicyRefusedError';
  }
}

/** `policy` as an offered overlap policy; throws OverlapPolicyRefusedError for any other (TERMINATE_OTHER). */
export function overlapPolicy(policy: string): ScheduleOverlap {
  if (!(SCHEDULE_OVERLAP_POLICIES as readonly string[]).includes(policy)) throw new OverlapPolicyRefusedError(policy);
  return policy as ScheduleOverlap;
}

/** The same check for an optional policy: the types keep TERMINATE_OTHER out, plain JavaScript may not. */
function checkOverlap(policy: string | undefined): void {
  if (policy !== undefined) overlapPolicy(policy);
}

/** When a schedule fires: exactly one of a cron expression or an interval. */
interface WhenOptions {
  /** A cron expression ('0 3 * * MON', '@daily', 5-7 fields, UTC). */
  cron?: string;
  /** An interval such as '7d' or '12h'. */
  every?: string;
}

interface PolicyOptions {
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
}

export interface ScheduleCreateOptions extends WhenOptions, PolicyOptions {
  /** Also the workflow ID of its runs; Temporal appends each run's scheduled time to it. */
  scheduleId: string;
  /** May hold templates ({{scheduledTime:yyyy/MM/dd}}); checked now at a sample time. */
  request: FineTuneRequest;
  /** Create it paused. */
  paused?: boolean;
  note?: string;
  taskQueue?: string;
}

/** What `update` changes; whatever is left out stays as it is. */
export interface ScheduleUpdateOptions extends WhenOptions, PolicyOptions {
  request?: FineTuneRequest;
  note?: string;
}

export interface ScheduleBackfillOptions {
  /** The scheduled times in [start, end) get their runs, as if the schedule had fired then. */
  start: Date;
  end: Date;
  /** Default BUFFER_ALL: every missed run, one after another. */
  overlap?: ScheduleOverlap;
}

export interface FineTuneScheduleSummary {
  scheduleId: string;
  /** 'cron 0 3 * * MON' or 'every 7d', read back from the schedule. */
  spec: string;
  paused: boolean;
  note?: string;
  /** As the request names it (templates unresolved). */
  customModelName?: string;
  baseModel?: string;
  nextActionTimes: Date[];
  recentRuns: { workflowId: string; scheduledAt: Date; takenAt: Date }[];
}

export interface FineTuneScheduleDescription extends FineTuneScheduleSummary {
  /** As the server stores it: a schedule made elsewhere (the Temporal CLI) may carry TERMINATE_OTHER. */
  overlap: TemporalScheduleOverlap;
  catchupWindowMs: number;
  pauseOnFailure: boolean;
  taskQueue: string;
  workflowType: string;
  actionsTaken: number;
  actionsSkippedOverlap: number;
  runningWorkflowIds: string[];
  createdAt: Date;
  updatedAt?: Date;
  request?: FineTuneRequest;
  skipIfUnchanged: boolean;
  /** What its next run compares with when skipIfUnchanged is on: recorded by the last run that trained. */
  lastTrainedRun?: TrainedRun;
  /** Present only when something about the schedule costs money or loses work (TERMINATE_OTHER). */
  warnings?: string[];
}

const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTHS = [
  'JANUARY',
  'FEBRUARY',
  'MARCH',
  'APRIL',
  'MAY',
  'JUNE',
  'JULY',
  'AUGUST',
  'SEPTEMBER',
  'OCTOBER',
  'NOVEMBER',
  'DECEMBER',
];

/** One cron field from the server's ranges: '*', '*\/15', '3', '2-4', '1,15'. */
function cronField(
  ranges: { start: unknown; end?: unknown; step?: number }[],
  all: [number, number],
  toNumber: (v: unknown) => number,
  name?: (n: number) => string,
): string {
  const text = (n: number) => (name ? name(n) : String(n));
  if (ranges.length === 0) return '*';
  return ranges
    .map((r) => {
      const start = toNumber(r.start);
      const end = r.end === undefined ? start : toNumber(r.end);
      const step = r.step && r.step > 1 ? `/${r.step}` : '';
      if (start === all[0] && end === all[1]) return `*${step}`;
      return start === end ? text(start) : `${text(start)}-${text(end)}${step}`;
    })
    .join(',');
}

/**
 * The schedule's spec as text, read back from what the server stores (it keeps cron expressions as
 * calendars): 'cron 0 3 * * MON' or 'every 7d', so it is right after an update too.
 */
export function specText(spec: ScheduleSpecDescription): string {
  const every = spec.intervals?.[0]?.every;
  if (every !== undefined) return `every ${intervalText(Number(every))}`;
  const calendar = spec.calendars?.[0];
  if (!calendar) return 'no spec';
  const num = (v: unknown) => Number(v);
  const month = (v: unknown) => MONTHS.indexOf(String(v)) + 1;
  const day = (v: unknown) => DAYS.indexOf(String(v).slice(0, 3));
  const seconds = cronField(calendar.second, [0, 59], num);
  const fields = [
    cronField(calendar.minute, [0, 59], num),
    cronField(calendar.hour, [0, 23], num),
    cronField(calendar.dayOfMonth, [1, 31], num),
    cronField(calendar.month, [1, 12], month),
    cronField(calendar.dayOfWeek, [0, 6], day, (n) => DAYS[n]),
  ];
  const more = (spec.calendars?.length ?? 0) > 1 ? ` (+${spec.calendars!.length - 1} more)` : '';
  return `cron ${seconds === '0' ? '' : `${seconds} `}${fields.join(' ')}${more}`;
}

/** 2592000000 -> '30d', 5400000 -> '90m'. */
function intervalText(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

function recentRuns(actions: ScheduleExecutionResult[]): FineTuneScheduleSummary['recentRuns'] {
  return actions.map((a) => ({
    workflowId: a.action.workflow.workflowId,
    scheduledAt: a.scheduledAt,
    takenAt: a.takenAt,
  }));
}

/** Problems of the when and policy options (both create and update). */
function optionProblems(options: WhenOptions & PolicyOptions): string[] {
  const problems: string[] = [];
  if (options.cron !== undefined && options.every !== undefined) problems.push('give exactly one of cron or every');
  if (options.every !== undefined && !DURATION_PATTERN.test(options.every.trim()))
    problems.push(`every: ${JSON.stringify(options.every)} is not a duration like '12h' or '7d'`);
  if (options.catchupWindow !== undefined && !DURATION_PATTERN.test(options.catchupWindow.trim()))
    problems.push(`catchupWindow: ${JSON.stringify(options.catchupWindow)} is not a duration like '10m' or '1h'`);
  return problems;
}

/** A schedule's request: templates checked as its runs resolve them; no fixed job name or token. */
function scheduleRequest(input: FineTuneRequest, problems: string[]): FineTuneRequest | undefined {
  let request: FineTuneRequest;
  try {
    request = parseRequest(input, 'schedule request', { scheduled: true });
  } catch (err) {
    if (err instanceof InvalidRequestError) problems.push(...err.problems);
    else throw err;
    return undefined;
  }
  if (request.jobName !== undefined)
    problems.push(
      'jobName: leave it out of a scheduled request: every run needs its own job name (derived from its workflow ID)',
    );
  if (request.clientRequestToken !== undefined)
    problems.push('clientRequestToken: leave it out of a scheduled request: every run derives its own');
  return request;
}

/** The request with `orchestration.skipIfUnchanged` set as asked (unchanged when not asked). */
function withSkipIfUnchanged(request: FineTuneRequest, skip: boolean | undefined): FineTuneRequest;
function withSkipIfUnchanged(
  request: FineTuneRequest | undefined,
  skip: boolean | undefined,
): FineTuneRequest | undefined;
function withSkipIfUnchanged(request: FineTuneRequest | undefined, skip: boolean | undefined) {
  if (!request || skip === undefined) return request;
  return { ...request, orchestration: { ...request.orchestration, skipIfUnchanged: skip } };
}

function specOf(options: WhenOptions): ScheduleSpec {
  return options.cron !== undefined
    ? { cronExpressions: [options.cron.trim()] }
    : { intervals: [{ every: durationMs(options.every!) }] };
}

function actionOf(request: FineTuneRequest, scheduleId: string, taskQueue: string) {
  return {
    type: 'startWorkflow' as const,
    workflowType: FINE_TUNE_WORKFLOW_TYPE,
    workflowId: scheduleId,
    taskQueue,
    args: [request],
    typedSearchAttributes: startSearchAttributes(request),
    staticSummary: staticSummary(request),
    staticDetails: staticDetails(request),
  };
}

/** The client turns the server's "Invalid schedule spec" (a cron it cannot parse) into a TypeError. */
function specError(options: WhenOptions) {
  return (err: unknown): never => {
    if (err instanceof TypeError)
      throw new InvalidRequestError([`${options.cron !== undefined ? 'cron' : 'every'}: ${err.message}`], 'schedule');
    throw err;
  };
}

/**
 * Schedules whose action starts a fineTune run with a fixed request. A schedule runs the same request
 * many times, so it may not fix `jobName` or `clientRequestToken` (each run derives its own from its
 * workflow ID, which carries the scheduled time); templates in the request resolve from each run's
 * scheduled time, and a model name without one gets the scheduled time as a suffix (core/templates.ts).
 */
export class FineTuneSchedules {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async create(options: ScheduleCreateOptions): Promise<FineTuneScheduleDescription> {
    checkOverlap(options.overlap);
    const problems = optionProblems(options);
    const request = withSkipIfUnchanged(scheduleRequest(options.request, problems), options.skipIfUnchanged);
    if (options.cron === undefined && options.every === undefined) problems.push('give exactly one of cron or every');
    if (problems.length > 0 || !request) throw new InvalidRequestError(problems, 'schedule');
    const handle = await this.client.schedule
      .create({
        scheduleId: options.scheduleId,
        spec: specOf(options),
        action: actionOf(request, options.scheduleId, options.taskQueue ?? this.taskQueue),
        policies: {
          overlap: options.overlap ?? 'SKIP',
          catchupWindow: options.catchupWindow !== undefined ? durationMs(options.catchupWindow) : undefined,
          pauseOnFailure: options.pauseOnFailure ?? false,
        },
        state: { paused: options.paused ?? false, note: options.note },
      })
      .catch(specError(options));
    return this.describe(handle.scheduleId);
  }

  /** Changes what is given (request, when, policies, note) and keeps the rest, runs and counts included. */
  async update(scheduleId: string, options: ScheduleUpdateOptions): Promise<FineTuneScheduleDescription> {
    checkOverlap(options.overlap);
    const problems = optionProblems(options);
    const request = options.request ? scheduleRequest(options.request, problems) : undefined;
    if (problems.length > 0) throw new InvalidRequestError(problems, 'schedule update');
    const changesRequest = request !== undefined || options.skipIfUnchanged !== undefined;
    const changesSpec = options.cron !== undefined || options.every !== undefined;
    await this.client.schedule
      .getHandle(scheduleId)
      .update((previous) => {
        const action = previous.action as ScheduleDescriptionStartWorkflowAction;
        return {
          ...previous,
          spec: changesSpec ? specOf(options) : previous.spec,
          action: changesRequest
            ? {
                ...actionOf(
                  withSkipIfUnchanged(request ?? (action.args?.[0] as FineTuneRequest), options.skipIfUnchanged),
                  action.workflowId,
                  action.taskQueue,
                ),
                // The last trained run's record (skipIfUnchanged) lives in the action's memo: keep it.
                ...(action.memo ? { memo: action.memo } : {}),
              }
            : { ...action, type: 'startWorkflow' as const },
          policies: {
            ...previous.policies,
            ...(options.overlap !== undefined ? { overlap: options.overlap } : {}),
            ...(options.catchupWindow !== undefined ? { catchupWindow: durationMs(options.catchupWindow) } : {}),
            ...(options.pauseOnFailure !== undefined ? { pauseOnFailure: options.pauseOnFailure } : {}),
          },
          state: { ...previous.state, ...(options.note !== undefined ? { note: options.note } : {}) },
        };
      })
      .catch(specError(options));
    return this.describe(scheduleId);
  }

  /** Runs for the scheduled times in [start, end) that the schedule missed or never had. */
  async backfill(scheduleId: string, options: ScheduleBackfillOptions): Promise<void> {
    checkOverlap(options.overlap);
    const problems: string[] = [];
    if (Number.isNaN(options.start.getTime()) || Number.isNaN(options.end.getTime()))
      problems.push('start and end must be times');
    else if (options.start >= options.end) problems.push('start must be before end');
    if (problems.length > 0) throw new InvalidRequestError(problems, 'backfill');
    await this.client.schedule
      .getHandle(scheduleId)
      .backfill({ start: options.start, end: options.end, overlap: options.overlap ?? 'BUFFER_ALL' });
  }

  /** The fineTune schedules of the namespace (schedules of other workflow types are left out). */
  async list(limit = 100): Promise<FineTuneScheduleSummary[]> {
    const found: FineTuneScheduleSummary[] = [];
    for await (const s of this.client.schedule.list()) {
      if (s.action?.workflowType !== FINE_TUNE_WORKFLOW_TYPE) continue;
      // Described one by one: the list's copy of the request and spec lags behind an update.
      const { scheduleId, spec, paused, note, customModelName, baseModel, nextActionTimes, recentRuns } =
        await this.describe(s.scheduleId);
      found.push({ scheduleId, spec, paused, note, customModelName, baseModel, nextActionTimes, recentRuns });
      if (found.length >= limit) break;
    }
    return found;
  }

  async describe(scheduleId: string): Promise<FineTuneScheduleDescription> {
    const d = await this.client.schedule.getHandle(scheduleId).describe();
    const request = d.action.args?.[0] as FineTuneRequest | undefined;
    const lastTrained = trainedRunRecordOf(d.action.memo?.[LAST_TRAINED_MEMO_KEY]);
    const overlap = d.policies.overlap ?? 'SKIP';
    const warnings =
      overlap === 'TERMINATE_OTHER'
        ? [
            `overlap TERMINATE_OTHER: ${TERMINATE_OTHER_WHY} (finetune schedule update ${d.scheduleId} --overlap CANCEL_OTHER)`,
          ]
        : [];
    return {
      scheduleId: d.scheduleId,
      spec: specText(d.spec),
      paused: d.state.paused,
      note: d.state.note || undefined,
      customModelName: request?.customModelName,
      baseModel: request?.baseModelIdentifier,
      nextActionTimes: d.info.nextActionTimes,
      recentRuns: recentRuns(d.info.recentActions),
      overlap,
      catchupWindowMs: d.policies.catchupWindow,
      pauseOnFailure: d.policies.pauseOnFailure,
      taskQueue: d.action.taskQueue,
      workflowType: d.action.workflowType,
      actionsTaken: d.info.numActionsTaken,
      actionsSkippedOverlap: d.info.numActionsSkippedOverlap,
      runningWorkflowIds: d.info.runningActions.map((a) => a.workflow.workflowId),
      createdAt: d.info.createdAt,
      updatedAt: d.info.lastUpdatedAt,
      request,
      skipIfUnchanged: request?.orchestration?.skipIfUnchanged === true,
      ...(lastTrained ? { lastTrainedRun: trainedRunOf(lastTrained) } : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
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
    checkOverlap(options.overlap);
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
