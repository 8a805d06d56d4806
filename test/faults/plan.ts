// The fault catalogue and the seeded draw: each run gets one fault, aimed at one point of the run,
// with its numbers (delays, reply hold, deadline) drawn from the run's own seed.
import type { Random } from './random';

export const FAULT_KINDS = [
  'worker-kill',
  'temporal-restart',
  'simulator-restart',
  'lost-replies',
  'throttling',
  'cancel',
  'stop',
  'deadline',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Where in the run a fault is aimed. `create-in-flight` is the hard window: the job is committed in
 * Bedrock and the create call's answer is still held (simulator:reply-delay-ms), so the run does not
 * know the job's ARN yet. `quota-wait` is the same window on the create that waits for a free slot
 * (the concurrent-job quota is full at the run's first create, and frees a few seconds later).
 * `whole-run`: throttling, switched on for the whole run.
 */
export type Point =
  'before-create' | 'create-in-flight' | 'quota-wait' | 'waiting' | 'stopping' | 'collecting-metrics' | 'whole-run';

/** The points each kind of fault is aimed at (one is drawn per run). */
export const POINTS: Record<FaultKind, readonly Point[]> = {
  'worker-kill': ['before-create', 'create-in-flight', 'waiting', 'stopping', 'collecting-metrics'],
  'temporal-restart': ['create-in-flight', 'waiting'],
  'simulator-restart': ['create-in-flight', 'waiting'],
  'lost-replies': ['create-in-flight'],
  throttling: ['whole-run'],
  cancel: ['before-create', 'create-in-flight', 'quota-wait', 'waiting'],
  stop: ['before-create', 'create-in-flight', 'quota-wait', 'waiting'],
  deadline: ['before-create', 'create-in-flight', 'waiting'],
};

export interface FaultPlan {
  kind: FaultKind;
  point: Point;
  /** simulator:time-scale of the job: 60-120 simulated seconds per second, a job of 6-12 s. */
  jobTimeScale: number;
  /** How long after the point is reached the fault lands (waiting: after training is seen). */
  delayMs: number;
  /** simulator:reply-delay-ms on the job, so that create-in-flight lasts long enough to be hit. */
  replyDelayMs?: number;
  /** simulator:lost-replies on the job. */
  lostReplies?: number;
  /** How long a restarted server stays down. */
  downMs?: number;
  /** Deadline faults: where in the aimed window the deadline falls (0-1), turned into a duration at start. */
  deadlineFraction?: number;
  /** The worker killed when no activity is running (index into the two). */
  workerSlot: number;
}

export function describePlan(plan: FaultPlan): string {
  const parts: string[] = [plan.kind];
  if (plan.lostReplies !== undefined) parts.push(`x${plan.lostReplies}`);
  if (plan.kind === 'throttling') parts.push('30%+5xx 5%');
  return parts.join(' ');
}

export function drawPlan(random: Random, only?: FaultKind): FaultPlan {
  const kind = only ?? random.pick(FAULT_KINDS);
  const point = random.pick(POINTS[kind]);
  const plan: FaultPlan = {
    kind,
    point,
    jobTimeScale: random.int(60, 120),
    // Before the create: in the first half of the ~100 ms preflight and preparation take here.
    delayMs: point === 'waiting' ? random.int(500, 4_000) : random.int(0, point === 'before-create' ? 50 : 100),
    workerSlot: random.int(0, 1),
  };
  if ((point === 'create-in-flight' && kind !== 'lost-replies') || point === 'quota-wait')
    plan.replyDelayMs = random.int(3_000, 5_000);
  if (kind === 'lost-replies') plan.lostReplies = random.int(1, 4);
  if (kind === 'temporal-restart' || kind === 'simulator-restart') plan.downMs = random.int(500, 3_000);
  if (kind === 'deadline') plan.deadlineFraction = 0.2 + random.next() * 0.6;
  return plan;
}
