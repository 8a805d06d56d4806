// Landing a planned fault on a live run. The run is watched through the server (phase search attribute,
// pending activities and the worker running each) and the simulator (is the job committed yet?), so a
// fault lands where it was aimed: a worker is killed while it holds the activity that matters, a
// cancel arrives while the create call's answer is held after the job was committed.
import {
  ListModelCustomizationJobsCommand,
  type BedrockClient,
  type ModelCustomizationJobSummary,
} from '@aws-sdk/client-bedrock';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FineTuneRun } from '../../src/client';
import { FineTunePhaseKey } from '../../src/core/search-attributes';
import type { FaultPlan } from './plan';
import type { FaultStack, WorkerSlot } from './stack';

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
}

/** What was done, where the run was when it landed, and when (for cancel, stop and deadline). */
export interface Delivery {
  point: string;
  /** Epoch ms at which a cancel, stop or deadline took effect; a job that ended before it ended on its own. */
  interruptAt?: number;
  /** The stop update's answer: accepted, or refused by its validator (the run had finished its job). */
  stopAccepted?: boolean;
  note?: string;
}

export async function snapshot(run: FineTuneRun): Promise<Snapshot | undefined> {
  try {
    const d = await run.handle.describe();
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

export async function jobOf(ctx: RunContext): Promise<ModelCustomizationJobSummary | undefined> {
  const page = await ctx.bedrock.send(new ListModelCustomizationJobsCommand({ maxResults: 1000 }));
  return page.modelCustomizationJobSummaries?.find((j) => j.customModelName === ctx.customModelName);
}

/** Not yet creating: no workflow task done yet, preflight, or data preparation. */
const beforeCreate = (s: Snapshot) => s.phase === undefined || s.phase === 'preflight' || s.phase === 'preparing-data';

const running = (s: Snapshot, types: string[]) => s.pending.find((a) => a.running && types.includes(a.type));

/** The worker running one of `types` now, else the planned one: SIGKILLed, and a fresh one started. */
async function killWorker(ctx: RunContext, plan: FaultPlan, s: Snapshot | undefined, types: string[]) {
  const holding = s ? running(s, types) : undefined;
  const target: WorkerSlot =
    ctx.stack.slotOfIdentity(holding?.worker) ?? ctx.stack.workers[plan.workerSlot % ctx.stack.workers.length];
  const pid = await ctx.stack.killWorker(target);
  return holding
    ? `worker ${target.name} (pid ${pid}) killed in ${holding.type}`
    : `worker ${target.name} killed, no activity running`;
}

async function deliverAction(ctx: RunContext, plan: FaultPlan, s: Snapshot | undefined, types: string[]) {
  const at = Date.now();
  switch (plan.kind) {
    case 'worker-kill':
      return { note: await killWorker(ctx, plan, s, types) };
    case 'temporal-restart':
      await ctx.stack.restartTemporal(plan.downMs ?? 1_000);
      return { note: `Temporal down ${plan.downMs} ms` };
    case 'simulator-restart':
      await ctx.stack.restartSimulator(plan.downMs ?? 1_000);
      return { note: `simulator SIGKILLed, down ${plan.downMs} ms` };
    case 'cancel':
      try {
        await ctx.run.cancel();
        return { interruptAt: at };
      } catch (err) {
        return { note: `cancel not delivered: ${(err as Error).message}` };
      }
    case 'stop':
      return stop(ctx);
    default:
      return {};
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

export async function deliver(ctx: RunContext, plan: FaultPlan, deadlineAt?: number): Promise<Delivery> {
  if (plan.kind === 'lost-replies') return { point: 'create-in-flight (answers lost by the simulator)' };
  if (plan.kind === 'throttling') return { point: 'whole run' };
  if (plan.kind === 'deadline') {
    // The deadline is in the request; look where the run is when it passes.
    await sleep(Math.max(0, (deadlineAt ?? Date.now()) - Date.now()));
    const s = await snapshot(ctx.run);
    const inFlight = s && running(s, ['createJob']) && (await jobOf(ctx)) ? ' (create in flight, reply held)' : '';
    return { point: `${phaseNote(s)}${inFlight}`, interruptAt: deadlineAt };
  }

  switch (plan.point) {
    case 'before-create': {
      const types = ['preflight', 'prepareDataset'];
      // Preflight and preparation take milliseconds here: a kill that finds no activity running hits
      // the workflow task instead (the other worker picks it up).
      const s =
        plan.kind === 'worker-kill'
          ? ((await until(ctx, (x) => running(x, types) !== undefined || !beforeCreate(x), 3_000, 10)) ??
            (await snapshot(ctx.run)))
          : (await sleep(plan.delayMs), await snapshot(ctx.run));
      const done = await deliverAction(ctx, plan, s, types);
      const missed = s?.open && !beforeCreate(s) ? ' missed' : '';
      return { point: `before-create${missed}: ${phaseNote(s)}`, ...done };
    }
    case 'create-in-flight': {
      const s = await until(
        ctx,
        async (x) => running(x, ['createJob']) !== undefined && (await jobOf(ctx)) !== undefined,
        60_000,
        100,
      );
      const done = await deliverAction(ctx, plan, s, ['createJob']);
      return { point: s ? 'create-in-flight (job committed, reply held)' : `create-in-flight missed`, ...done };
    }
    case 'quota-wait': {
      const s = await until(
        ctx,
        async (x) =>
          x.phase === 'waiting-for-quota' &&
          running(x, ['createJob']) !== undefined &&
          (await jobOf(ctx)) !== undefined,
        60_000,
        100,
      );
      const done = await deliverAction(ctx, plan, s, ['createJob']);
      return { point: s ? 'quota wait: create in flight (committed, reply held)' : 'quota wait missed', ...done };
    }
    case 'waiting': {
      const seen = await until(ctx, (x) => x.phase === 'training', 60_000);
      if (!seen) return { point: 'waiting missed (run closed)' };
      await sleep(plan.delayMs);
      const s = await snapshot(ctx.run);
      const done = await deliverAction(ctx, plan, s, ['pollJob']);
      return { point: `waiting +${(plan.delayMs / 1000).toFixed(1)} s: ${phaseNote(s)}`, ...done };
    }
    case 'stopping': {
      // A stop first, then the kill while the run is stopping the job.
      const seen = await until(ctx, (x) => x.phase === 'training', 60_000);
      if (!seen) return { point: 'stopping missed (run closed)' };
      await sleep(plan.delayMs);
      const stopped = await stop(ctx);
      const types = ['stopJob', 'pollJob'];
      const s = await until(ctx, (x) => x.phase === 'stopping' && running(x, types) !== undefined, 10_000, 20);
      const done = await deliverAction(ctx, plan, s, types);
      return {
        point: `stopping: ${phaseNote(s)}`,
        ...stopped,
        note: [stopped.note, done.note].filter(Boolean).join('; '),
      };
    }
    case 'collecting-metrics': {
      const types = ['collectMetrics'];
      const s = await until(ctx, (x) => x.phase === 'collecting-metrics', 120_000, 20);
      if (!s) return { point: 'collecting-metrics missed (run closed)' };
      const done = await deliverAction(ctx, plan, s, types);
      return { point: `collecting-metrics${running(s, types) ? '' : ' (activity not running)'}`, ...done };
    }
  }
}
