// Landing a planned fault on a live run. The run is watched through the server (phase search attribute,
// pending activities and the worker running each) and the simulator (is the job committed yet?), so a
// fault lands where it was aimed: a worker is killed while it holds the activity that matters, a
// cancel arrives while the create call's answer is held after the job was committed. Each delivery
// says whether it landed where it was aimed, from what was observed (README: "Where faults landed").
import type { BedrockClient, ModelCustomizationJobSummary } from '@aws-sdk/client-bedrock';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FineTuneRun } from '../../src/client';
import type { PhaseTime } from '../../src/core/fine-tune-contract';
import { promotionProgressQuery } from '../../src/core/promotion-contract';
import { FineTunePhaseKey } from '../../src/core/search-attributes';
import { jobOfModel } from './jobs';
import type { FaultPlan } from './plan';
import { deploymentNamed, type PromotionTarget } from './promotion-state';
import { simulatorCalls } from './simulator-log';
import type { FaultStack, LogMark } from './stack';

/** temporal.api.enums.v1.PendingActivityState.STARTED: a worker is running the attempt. */
const STARTED = 2;

export interface Snapshot {
  open: boolean;
  phase?: string;
  /** Activities the server has scheduled, with the worker running each (when one is). */
  pending: { type: string; running: boolean; worker?: string }[];
}

export interface RunContext {
  run: FineTuneRun;
  stack: FaultStack;
  /** A patient client of the simulator (it may be throttling). */
  bedrock: BedrockClient;
  customModelName: string;
  startedAt: number;
  /** The simulator's log as it stood just before the run started. */
  simulatorLog: LogMark;
  /** The run's promotion (its request has one): the deployment, the promote child, what production served. */
  promotion?: PromotionTarget;
}

/** What was done, where the run was when it landed, and when (for cancel, stop and deadline). */
export interface Delivery {
  /** Where the fault landed, as observed (the table's point column). */
  point: string;
  /** It landed at the point it was aimed at and took effect there (README: "Where faults land"). */
  landed: boolean;
  /** Epoch ms at which a cancel, stop, deadline or terminate took effect; a job that ended before it ended on its own. */
  interruptAt?: number;
  /** The stop update's answer: accepted, or refused by its validator (the run had finished its job). */
  stopAccepted?: boolean;
  note?: string;
}

export function snapshot(run: FineTuneRun): Promise<Snapshot | undefined> {
  return snapshotOf(run.handle);
}

/** The server's view of a run (the fineTune run, or its promote child); undefined when it does not answer. */
export async function snapshotOf(handle: WorkflowHandle): Promise<Snapshot | undefined> {
  try {
    const d = await handle.describe();
    return {
      open: d.status.name === 'RUNNING',
      phase: d.typedSearchAttributes.get(FineTunePhaseKey),
      pending: (d.raw.pendingActivities ?? []).map((a) => ({
        type: a.activityType?.name ?? '?',
        running: a.state === STARTED,
        worker: a.lastWorkerIdentity ?? undefined,
      })),
    };
  } catch (err) {
    if (process.env.FAULTS_DEBUG) process.stderr.write(`describe failed: ${String(err)}\n`);
    // The server may be restarting: no view this time.
    return undefined;
  }
}

/** Watches the run until `ready` holds (that snapshot), the run closes, or the time runs out (undefined). */
async function until(
  ctx: RunContext,
  ready: (s: Snapshot) => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
): Promise<Snapshot | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const s = await snapshot(ctx.run);
    if (s && !s.open) return undefined;
    // A check that cannot be made now (a server restarting) is a no for now.
    if (s && (await Promise.resolve(ready(s)).catch(() => false))) return s;
    await sleep(everyMs);
  }
  return undefined;
}

/** The run's promote child (`<id>-promote`). */
function childOf(ctx: RunContext): WorkflowHandle {
  return ctx.run.handle.client.getHandle(ctx.promotion!.childId);
}

/**
 * Watches the run's promote child until `ready` holds of it (that snapshot of the child), the run or
 * the child closes, or the time runs out (undefined). Before the child starts there is none to look at.
 */
async function untilChild(
  ctx: RunContext,
  ready: (s: Snapshot) => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<Snapshot | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const parent = await snapshot(ctx.run);
    if (parent && !parent.open) return undefined;
    const s = await snapshotOf(childOf(ctx));
    if (s && !s.open) return undefined;
    if (s && (await Promise.resolve(ready(s)).catch(() => false))) return s;
    await sleep(everyMs);
  }
  return undefined;
}

/** Until the run has closed (faults judged by what they did over the whole run); the suite's budget bounds it. */
const closed = (ctx: RunContext) => until(ctx, () => false, 13 * 60_000, 200);

export function jobOf(ctx: RunContext): Promise<ModelCustomizationJobSummary | undefined> {
  return jobOfModel(ctx.bedrock, ctx.customModelName);
}

/** Not yet creating: no workflow task done yet, preflight, or data preparation. */
const beforeCreatePhase = (phase: string | undefined) =>
  phase === undefined || phase === 'preflight' || phase === 'preparing-data';
const beforeCreate = (s: Snapshot) => beforeCreatePhase(s.phase);

const running = (s: Snapshot, types: string[]) => s.pending.find((a) => a.running && types.includes(a.type));

/** The worker that completed the run's last workflow task: it holds the run in its cache and gets its next task. */
async function workflowWorker(run: FineTuneRun): Promise<string | undefined> {
  try {
    const events = (await run.handle.fetchHistory()).events ?? [];
    for (let i = events.length - 1; i >= 0; i--) {
      const identity = events[i].workflowTaskCompletedEventAttributes?.identity;
      if (identity) return identity;
    }
  } catch {
    // The server may be restarting: the run's worker is unknown.
  }
  return undefined;
}

/**
 * Whether the run heard the cancel or the stop before it scheduled its create, by its history's order: a
 * cancel that reaches the server while the workflow task deciding the create is in flight comes after the
 * create in history (the run then creates its job, and stops it), though the run still looked earlier.
 */
async function heardBeforeCreate(run: FineTuneRun, kind: 'cancel' | 'stop'): Promise<boolean> {
  const events = (await run.handle.fetchHistory()).events ?? [];
  const heard = events.findIndex((e) =>
    kind === 'cancel'
      ? e.workflowExecutionCancelRequestedEventAttributes
      : e.workflowExecutionUpdateAcceptedEventAttributes,
  );
  const create = events.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createJob');
  return heard >= 0 && (create < 0 || heard < create);
}

/** The run's history holds its create activity's scheduling. */
export async function createScheduled(run: FineTuneRun): Promise<boolean> {
  return (await createsScheduled(run)) > 0;
}

/** How many create activities the run's history scheduled (a refused create and the one after its wait are two). */
async function createsScheduled(run: FineTuneRun): Promise<number> {
  const events = (await run.handle.fetchHistory()).events ?? [];
  return events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createJob').length;
}

/** A worker SIGKILLed (a fresh one replaces it), and whether it held what the point aims at. */
interface Kill {
  note: string;
  hit: boolean;
}

/**
 * SIGKILLs the worker running one of `types` now. When none is running and `orWorkflow`, the worker that
 * runs the workflow is the target (no activity is the point then: the run's next workflow task must
 * move to the other worker); otherwise the planned worker is killed, and the kill missed.
 */
async function killWorker(
  ctx: RunContext,
  plan: FaultPlan,
  s: Snapshot | undefined,
  types: string[],
  orWorkflow: boolean,
): Promise<Kill> {
  const holding = s ? running(s, types) : undefined;
  const holder = ctx.stack.slotOfIdentity(holding?.worker);
  if (holding && holder) {
    const pid = await ctx.stack.killWorker(holder);
    return { note: `worker ${holder.name} (pid ${pid}) killed in ${holding.type}`, hit: true };
  }
  const runner = orWorkflow ? ctx.stack.slotOfIdentity(await workflowWorker(ctx.run)) : undefined;
  if (runner) {
    const pid = await ctx.stack.killWorker(runner);
    return {
      note: `worker ${runner.name} (pid ${pid}) killed, the run's workflow worker (no activity running)`,
      hit: true,
    };
  }
  const target = ctx.stack.workers[plan.workerSlot % ctx.stack.workers.length];
  const pid = await ctx.stack.killWorker(target);
  const why = holding ? `${holding.type} was held by a worker already gone` : `no ${types.join(' or ')} running`;
  return { note: `worker ${target.name} (pid ${pid}) killed, ${why}`, hit: false };
}

/** The fault's action, and whether it took: a kill hit its target, a cancel was delivered, a stop accepted. */
async function deliverAction(
  ctx: RunContext,
  plan: FaultPlan,
  s: Snapshot | undefined,
  types: string[],
  orWorkflow = false,
): Promise<{ took: boolean; done: Partial<Delivery> }> {
  const at = Date.now();
  switch (plan.kind) {
    case 'worker-kill': {
      const kill = await killWorker(ctx, plan, s, types, orWorkflow);
      return { took: kill.hit, done: { note: kill.note } };
    }
    case 'temporal-restart':
      await ctx.stack.restartTemporal(plan.downMs ?? 1_000);
      return { took: true, done: { note: `Temporal down ${plan.downMs} ms` } };
    case 'simulator-restart':
      await ctx.stack.restartSimulator(plan.downMs ?? 1_000);
      return { took: true, done: { note: `simulator SIGKILLed, down ${plan.downMs} ms` } };
    case 'cancel':
      try {
        await ctx.run.cancel();
        return { took: true, done: { interruptAt: at } };
      } catch (err) {
        return { took: false, done: { note: `cancel not delivered: ${(err as Error).message}` } };
      }
    case 'terminate':
      try {
        await ctx.run.handle.terminate('fault suite: terminated');
        return { took: true, done: { interruptAt: at, note: 'terminated' } };
      } catch (err) {
        return { took: false, done: { note: `terminate not delivered: ${(err as Error).message}` } };
      }
    case 'stop': {
      const done = await stop(ctx);
      return { took: done.stopAccepted === true, done };
    }
    default:
      return { took: false, done: {} };
  }
}

async function stop(ctx: RunContext): Promise<Partial<Delivery>> {
  const at = Date.now();
  try {
    await ctx.run.stop('fault suite');
    return { interruptAt: at, stopAccepted: true };
  } catch (err) {
    return { stopAccepted: false, note: `stop refused: ${(err as Error).message}` };
  }
}

const phaseNote = (s: Snapshot | undefined) =>
  !s
    ? 'phase unknown (no answer)'
    : !s.open
      ? `run closed (${s.phase ?? '?'})`
      : s.phase
        ? `phase ${s.phase}`
        : 'not started by a worker yet';

/** The run's phase at `at` by its own timeline (workflow time, as its deadline is): undefined before any. */
function phaseAt(timeline: PhaseTime[], at: number): string | undefined {
  let phase: string | undefined;
  for (const entry of timeline) if (Date.parse(entry.at) <= at) phase = entry.phase;
  return phase;
}

/**
 * A deadline lands where the run was when it passed, by the run's own timeline read after it closed
 * (a look at the server when the deadline passes races the workflow task that reacts to it).
 */
async function deadline(ctx: RunContext, plan: FaultPlan, estimateAt?: number): Promise<Delivery> {
  await closed(ctx);
  let progress;
  try {
    progress = await ctx.run.progress();
  } catch (err) {
    return { point: 'timeline unreadable', landed: false, interruptAt: estimateAt, note: String(err) };
  }
  if (!progress.deadline) return { point: 'no deadline in the run', landed: false, interruptAt: estimateAt };
  const at = Date.parse(progress.deadline);
  const phase = phaseAt(progress.timeline ?? [], at);
  const where = `passed in ${phase ?? 'no phase yet'}`;
  switch (plan.point) {
    case 'before-create':
      return { point: where, landed: beforeCreatePhase(phase), interruptAt: at };
    case 'create-in-flight': {
      if (phase !== 'creating-job') return { point: where, landed: false, interruptAt: at };
      const created = (await jobOf(ctx))?.creationTime?.getTime();
      const committed = created !== undefined && created <= at;
      return {
        point: `${where} (${committed ? 'job committed, reply held' : 'job not committed yet'})`,
        landed: committed,
        interruptAt: at,
      };
    }
    default:
      return { point: where, landed: phase === 'training', interruptAt: at };
  }
}

/**
 * Lossy job events, judged by what the simulator logged of the run's job's events (`job <name>: event
 * <status> dropped`, `... sent (copy i of 2), held n s`). End event lost: its end event dropped. Events
 * disordered: its end event sent twice, at least one of its copies held, and the run noticed the end well
 * before its first poll (5 minutes on): through an event.
 */
async function lossyEvents(ctx: RunContext, plan: FaultPlan): Promise<Delivery> {
  await closed(ctx);
  const job = await jobOf(ctx);
  if (!job?.jobName) return { point: 'no job', landed: false };
  const lines = ctx.stack.simulatorLogSince(ctx.simulatorLog).filter((l) => l.includes(`job ${job.jobName}: event `));
  const end = job.status ?? '?';
  const ofEnd = lines.filter((l) => l.includes(`: event ${end} `));
  if (plan.point === 'end-event-lost') {
    const dropped = lines.filter((l) => l.includes(' dropped ')).length;
    const endDropped = ofEnd.some((l) => l.includes(' dropped '));
    return {
      point: `${dropped} of its events dropped${endDropped ? `, ${end} among them` : `, not ${end}`}`,
      landed: endDropped,
    };
  }
  const sentTwice = ofEnd.some((l) => l.includes('(copy 2 of 2)'));
  const held = lines.filter((l) => / held \d+ s$/.test(l)).length;
  const closeTime = (await ctx.run.handle.describe().catch(() => undefined))?.closeTime?.getTime();
  const lagS = closeTime && job.endTime ? (closeTime - job.endTime.getTime()) / 1000 : undefined;
  const byEvent = lagS !== undefined && lagS < 60;
  return {
    point: `${lines.length} copies, ${held} held; ${end} sent twice: ${sentTwice ? 'yes' : 'no'}; run closed ${lagS?.toFixed(1) ?? '?'} s after the job`,
    landed: sentTwice && held > 0 && byEvent,
  };
}

export async function deliver(ctx: RunContext, plan: FaultPlan, deadlineAt?: number): Promise<Delivery> {
  switch (plan.kind) {
    case 'deadline':
      return deadline(ctx, plan, deadlineAt);
    case 'run-timeout':
      return runTimeout(ctx);
    case 'state-lost':
      return stateLost(ctx, plan);
    case 'smoke-fail':
      return smokeFailed(ctx);
    case 'lost-replies': {
      if (plan.point === 'promotion-creates') return promotionCreatesLost(ctx);
      // Landed when the simulator lost at least one create answer after committing the job.
      await closed(ctx);
      const { lostCreateAnswers } = simulatorCalls(ctx.stack.simulatorLogSince(ctx.simulatorLog));
      return {
        point: `${lostCreateAnswers} of ${plan.lostReplies} create answers lost`,
        landed: lostCreateAnswers > 0,
      };
    }
    case 'lossy-events':
      return lossyEvents(ctx, plan);
    case 'throttling': {
      // Landed when the simulator refused at least one of the run's calls (throttled or 5xx).
      await closed(ctx);
      const { calls, refused } = simulatorCalls(ctx.stack.simulatorLogSince(ctx.simulatorLog));
      return { point: `whole run: ${refused} of ${calls} calls refused`, landed: refused > 0 };
    }
    default:
      break;
  }

  switch (plan.point) {
    case 'before-create': {
      const types = ['preflight', 'prepareDataset'];
      // Preflight and preparation take milliseconds here: a kill that finds no activity running hits
      // the worker that runs the workflow instead.
      const s =
        plan.kind === 'worker-kill'
          ? ((await until(ctx, (x) => running(x, types) !== undefined || !beforeCreate(x), 3_000, 10)) ??
            (await snapshot(ctx.run)))
          : (await sleep(plan.delayMs), await snapshot(ctx.run));
      const { took, done } = await deliverAction(ctx, plan, s, types, true);
      const there = s?.open === true && beforeCreate(s);
      if (there && took && plan.kind === 'terminate') {
        // Terminated before the create was scheduled: the history ends without it.
        const scheduled = await createScheduled(ctx.run);
        return {
          point: `before-create: ${phaseNote(s)}${scheduled ? ', the create already scheduled' : ''}`,
          landed: !scheduled,
          ...done,
        };
      }
      if (!there || !took || (plan.kind !== 'cancel' && plan.kind !== 'stop'))
        return { point: `before-create: ${phaseNote(s)}`, landed: there && took, ...done };
      await closed(ctx);
      const heard = await heardBeforeCreate(ctx.run, plan.kind);
      return {
        point: `before-create: ${phaseNote(s)}${heard ? '' : `, heard after the create`}`,
        landed: heard,
        ...done,
      };
    }
    case 'create-in-flight': {
      const s = await until(
        ctx,
        async (x) => running(x, ['createJob']) !== undefined && (await jobOf(ctx)) !== undefined,
        60_000,
        100,
      );
      const { took, done } = await deliverAction(ctx, plan, s, ['createJob']);
      return {
        point: s ? 'create-in-flight (job committed, reply held)' : 'create-in-flight not seen (run closed or 60 s)',
        landed: s !== undefined && took,
        ...done,
      };
    }
    case 'quota-wait': {
      // The create after the wait: with the fair queue the run waits in phase waiting-for-quota with no
      // create running, and creates once granted; on timers its create retries in that phase.
      let waited = false;
      const s = await until(
        ctx,
        async (x) => {
          waited ||= x.phase === 'waiting-for-quota';
          return waited && running(x, ['createJob']) !== undefined && (await jobOf(ctx)) !== undefined;
        },
        60_000,
        100,
      );
      const { took, done } = await deliverAction(ctx, plan, s, ['createJob']);
      return {
        point: s ? 'quota wait: create in flight (committed, reply held)' : 'quota wait not seen (run closed or 60 s)',
        landed: s !== undefined && took,
        ...done,
      };
    }
    case 'queued': {
      // In the keeper's queue: waiting for its grant, no create running, no job yet.
      const seen = await until(
        ctx,
        async (x) =>
          x.phase === 'waiting-for-quota' &&
          running(x, ['createJob']) === undefined &&
          (await jobOf(ctx)) === undefined,
        60_000,
        50,
      );
      if (!seen) return { point: 'queued not seen (run closed or 60 s)', landed: false };
      await sleep(plan.delayMs);
      const s = await snapshot(ctx.run);
      const { took, done } = await deliverAction(ctx, plan, s, [], true);
      const there = s?.open === true && s.phase === 'waiting-for-quota' && running(s, ['createJob']) === undefined;
      if (!there || !took || (plan.kind !== 'cancel' && plan.kind !== 'stop' && plan.kind !== 'terminate'))
        return {
          point: `queued +${(plan.delayMs / 1000).toFixed(1)} s: ${phaseNote(s)}`,
          landed: there && took,
          ...done,
        };
      // An interruption heard in the queue leaves it with no job: no create after the refused one.
      await closed(ctx);
      const creates = await createsScheduled(ctx.run);
      const job = await jobOf(ctx);
      return {
        ...done,
        point: `queued +${(plan.delayMs / 1000).toFixed(1)} s: ${phaseNote(s)}${job ? ', a job created after it' : ''}`,
        landed: job === undefined,
        note: `${creates} create(s) scheduled${done.note ? `; ${done.note}` : ''}`,
      };
    }
    case 'waiting': {
      const seen = await until(ctx, (x) => x.phase === 'training', 60_000);
      if (!seen) return { point: 'waiting not seen (run closed)', landed: false };
      await sleep(plan.delayMs);
      const s = await snapshot(ctx.run);
      const { took, done } = await deliverAction(ctx, plan, s, ['pollJob'], true);
      const there = s?.open === true && s.phase === 'training';
      return {
        point: `waiting +${(plan.delayMs / 1000).toFixed(1)} s: ${phaseNote(s)}`,
        landed: there && took,
        ...done,
      };
    }
    case 'stopping': {
      // A stop first, then the kill while the run is stopping the job.
      const seen = await until(ctx, (x) => x.phase === 'training', 60_000);
      if (!seen) return { point: 'stopping not reached (run closed)', landed: false };
      await sleep(plan.delayMs);
      const stopped = await stop(ctx);
      const types = ['stopJob', 'pollJob'];
      const s = await until(ctx, (x) => x.phase === 'stopping' && running(x, types) !== undefined, 10_000, 20);
      const { took, done } = await deliverAction(ctx, plan, s, types);
      return {
        point: `stopping: ${phaseNote(s)}`,
        landed: stopped.stopAccepted === true && s !== undefined && took,
        ...stopped,
        note: [stopped.note, done.note].filter(Boolean).join('; '),
      };
    }
    case 'collecting-metrics': {
      const types = ['collectMetrics'];
      const s = await until(
        ctx,
        (x) => x.phase === 'collecting-metrics' && running(x, types) !== undefined,
        120_000,
        20,
      );
      if (!s) return { point: 'collecting-metrics not seen running (run closed)', landed: false };
      const { took, done } = await deliverAction(ctx, plan, s, types);
      return { point: 'collecting-metrics', landed: took, ...done };
    }
    case 'deployment-create':
    case 'deployment-update':
      return killWhileProductionChanges(ctx, plan);
    case 'evaluating':
      return cancelWhileEvaluating(ctx, plan);
    case 'whole-run':
    case 'promotion-creates':
    case 'smoke-test':
    case 'end-event-lost':
    case 'events-disordered':
      return { point: `${plan.point}: not a point of ${plan.kind}`, landed: false };
  }
}

/**
 * A caller's workflowRunTimeout, aimed to expire while the job trains: landed when the run timed out
 * and, by its own timeline (the progress query, read after it closed), it was training then.
 */
async function runTimeout(ctx: RunContext): Promise<Delivery> {
  await closed(ctx);
  const d = await ctx.run.handle.describe();
  if (d.status.name !== 'TIMED_OUT') return { point: `run ${d.status.name}, not timed out`, landed: false };
  const at = d.closeTime?.getTime() ?? Date.now();
  let phase: string | undefined;
  try {
    phase = phaseAt((await ctx.run.progress()).timeline ?? [], at);
  } catch (err) {
    return { point: 'timed out; timeline unreadable', landed: false, interruptAt: at, note: String(err) };
  }
  return { point: `timed out in ${phase ?? 'no phase yet'}`, landed: phase === 'training', interruptAt: at };
}

/**
 * The Temporal server's state lost while the job trains: the server stopped and started on a new, empty
 * SQLite file. Landed when the run was open in `training` with its job InProgress as the server went
 * down, and the server no longer knows the run after it.
 */
async function stateLost(ctx: RunContext, plan: FaultPlan): Promise<Delivery> {
  const seen = await until(ctx, (x) => x.phase === 'training', 60_000);
  if (!seen) return { point: 'waiting not seen (run closed)', landed: false };
  await sleep(plan.delayMs);
  const s = await snapshot(ctx.run);
  const job = await jobOf(ctx);
  const at = Date.now();
  await ctx.stack.loseTemporalState(plan.downMs ?? 1_000);
  const there = s?.open === true && s.phase === 'training' && job?.status === 'InProgress';
  const unknown = await runUnknown(ctx.run);
  return {
    point: `waiting +${(plan.delayMs / 1000).toFixed(1)} s: ${phaseNote(s)}, job ${job?.status ?? 'none'}${unknown ? '' : '; the server still knows the run'}`,
    landed: there && unknown,
    interruptAt: at,
    note: `Temporal down ${plan.downMs} ms, restarted on a new SQLite file`,
  };
}

/** Whether the server answers that it has no such run (asked again while it starts, up to a minute). */
async function runUnknown(run: FineTuneRun): Promise<boolean> {
  for (let i = 0; i < 60; i++) {
    try {
      await run.handle.describe();
      return false;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return true;
      await sleep(1_000);
    }
  }
  return false;
}

/** The promotion's phase, from the promote child's FineTunePhase, once it has closed. */
async function finalPromotionPhase(ctx: RunContext): Promise<string | undefined> {
  return (await snapshotOf(childOf(ctx)))?.phase;
}

/**
 * A model that fails through Converse, promoted with no gate: landed when the smoke test through
 * production failed and the promotion rolled back (the child ended in phase `rolled-back`).
 */
async function smokeFailed(ctx: RunContext): Promise<Delivery> {
  await closed(ctx);
  const phase = await finalPromotionPhase(ctx);
  return { point: `promotion ended ${phase ?? 'unseen'}`, landed: phase === 'rolled-back' };
}

/** The simulator's --lost-reply-rate for the run: landed when it lost a promotion's create answer. */
async function promotionCreatesLost(ctx: RunContext): Promise<Delivery> {
  await closed(ctx);
  const { lostAnswers } = simulatorCalls(ctx.stack.simulatorLogSince(ctx.simulatorLog));
  const deployments = lostAnswers.CreateCustomModelDeployment ?? 0;
  const evaluations = lostAnswers.CreateEvaluationJob ?? 0;
  const others = Object.entries(lostAnswers)
    .filter(([op]) => op !== 'CreateCustomModelDeployment' && op !== 'CreateEvaluationJob')
    .map(([op, n]) => `${op} ${n}`);
  return {
    point: `create answers lost: ${deployments} deployment, ${evaluations} judge job`,
    landed: deployments + evaluations > 0,
    ...(others.length > 0 ? { note: `also lost: ${others.join(', ')}` } : {}),
  };
}

/**
 * The worker running production's create or update SIGKILLed while the change is committed and its
 * answer held (the simulator's --reply-delay-ms for the run): the promotion does not know yet whether
 * production changed.
 */
async function killWhileProductionChanges(ctx: RunContext, plan: FaultPlan): Promise<Delivery> {
  const target = ctx.promotion!;
  const type = plan.point === 'deployment-create' ? 'createServing' : 'updateServing';
  const committed = async () => {
    const d = await deploymentNamed(ctx.bedrock, target.deployment);
    if (plan.point === 'deployment-create') return d !== undefined;
    return d?.updateDetails?.updateStatus === 'Updating' && d.updateDetails.modelArn !== target.previousModelArn;
  };
  const s = await untilChild(
    ctx,
    async (x) => x.phase === 'promoting' && running(x, [type]) !== undefined && (await committed()),
    5 * 60_000,
  );
  if (!s) return { point: `${plan.point}: not seen (run closed or 5 minutes)`, landed: false };
  const { took, done } = await deliverAction(ctx, plan, s, [type]);
  return { point: `${type}: change committed, answer held`, landed: took, ...done };
}

/**
 * The run cancelled while its promotion evaluates (the staging copy created, its answers, the judge
 * jobs). Landed when the child was in `evaluating` as the cancel went and its history holds the cancel
 * before it began to change production (no updateServing, no second createServing, scheduled before).
 */
async function cancelWhileEvaluating(ctx: RunContext, plan: FaultPlan): Promise<Delivery> {
  const judging = plan.evaluationPart === 'judging';
  const seen = await untilChild(
    ctx,
    async (x) =>
      x.phase === 'evaluating' &&
      (!judging || ((await childOf(ctx).query(promotionProgressQuery)).evaluationJobs ?? []).length > 0),
    5 * 60_000,
  );
  if (!seen) return { point: `evaluating (${plan.evaluationPart}) not seen (run closed or 5 minutes)`, landed: false };
  const delayMs = judging ? Math.round(plan.delayMs / 3) : plan.delayMs;
  await sleep(delayMs);
  // Which part of the evaluation it finds: the staging copy (created, answering), or the judge jobs.
  const progress = await childOf(ctx)
    .query(promotionProgressQuery)
    .catch(() => undefined);
  const part = progress?.evaluationJobs?.length ? 'judge jobs running' : progress?.staging ? 'staging copy' : 'begun';
  const s = await snapshotOf(childOf(ctx));
  const { took, done } = await deliverAction(ctx, plan, s, []);
  const there = s?.open === true && s.phase === 'evaluating';
  const where = `evaluating, ${judging ? 'judge jobs' : 'began'} +${(delayMs / 1000).toFixed(1)} s: ${there ? part : `promotion ${phaseNote(s)}`}`;
  if (!there || !took) return { point: where, landed: false, ...done };
  await closed(ctx);
  const heard = await childHeardCancelBeforePromoting(childOf(ctx));
  return { point: `${where}${heard ? '' : ', heard after it began promoting'}`, landed: heard, ...done };
}

async function childHeardCancelBeforePromoting(child: WorkflowHandle): Promise<boolean> {
  const events = (await child.fetchHistory()).events ?? [];
  const heard = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
  if (heard < 0) return false;
  const before = events.slice(0, heard).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
  return !before.includes('updateServing') && before.filter((t) => t === 'createServing').length <= 1;
}
