// The fault catalogue and the seeded draw: each run gets one fault, aimed at one point of the run,
// with its numbers (delays, reply hold, deadline) drawn from the run's own seed.
import type { Random } from './random';

/** New kinds go at the end: a seed's draws change with the list, but the order of the old ones stays. */
export const FAULT_KINDS = [
  'worker-kill',
  'temporal-restart',
  'simulator-restart',
  'lost-replies',
  'throttling',
  'cancel',
  'stop',
  'deadline',
  'terminate',
  'run-timeout',
  'state-lost',
  'smoke-fail',
  'lossy-events',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Where in the run a fault is aimed. `create-in-flight` is the hard window: the job is committed in
 * Bedrock and the create call's answer is still held (simulator:reply-delay-ms), so the run does not
 * know the job's ARN yet. `quota-wait` is the same window on the create that waits for a free slot
 * (the concurrent-job quota is full at the run's first create, and frees a few seconds later).
 * `queued`: the run waiting in the fair queue's keeper for that slot, no create running (the quota full
 * as for `quota-wait`, held a few seconds longer).
 * `whole-run`: throttling, switched on for the whole run. The promotion's points (the run's request has
 * `orchestration.promotion`): `deployment-create` and `deployment-update`, production being created or
 * pointed at the new model, the change committed and its answer held; `promotion-creates`, the
 * promotion's creates (staging deployment, evaluation jobs, production); `evaluating`, the promotion
 * in its evaluation; `smoke-test`, the smoke test through production. The job events' points (the
 * simulator restarted for the run with event faults): `end-event-lost`, every event of the run's job
 * dropped, its end among them (the run, polling every 2-4 s, must find the end itself);
 * `events-disordered`, every event sent twice, each copy held 0-4 s (late, out of order, many after the
 * run closed), the run on the events' default polling (first look after 5 minutes), so it ends by them.
 */
export type Point =
  | 'before-create'
  | 'create-in-flight'
  | 'quota-wait'
  | 'queued'
  | 'waiting'
  | 'stopping'
  | 'collecting-metrics'
  | 'whole-run'
  | 'deployment-create'
  | 'deployment-update'
  | 'promotion-creates'
  | 'evaluating'
  | 'smoke-test'
  | 'end-event-lost'
  | 'events-disordered';

/** The points each kind of fault is aimed at (one is drawn per run). */
export const POINTS: Record<FaultKind, readonly Point[]> = {
  'worker-kill': [
    'before-create',
    'create-in-flight',
    'waiting',
    'stopping',
    'collecting-metrics',
    'deployment-create',
    'deployment-update',
    'queued',
  ],
  'temporal-restart': ['create-in-flight', 'waiting', 'queued'],
  'simulator-restart': ['create-in-flight', 'waiting'],
  'lost-replies': ['create-in-flight', 'promotion-creates'],
  throttling: ['whole-run'],
  cancel: ['before-create', 'create-in-flight', 'quota-wait', 'waiting', 'evaluating', 'queued'],
  stop: ['before-create', 'create-in-flight', 'quota-wait', 'waiting', 'queued'],
  deadline: ['before-create', 'create-in-flight', 'waiting'],
  terminate: ['before-create', 'create-in-flight', 'waiting', 'queued'],
  'run-timeout': ['waiting'],
  'state-lost': ['waiting'],
  'smoke-fail': ['smoke-test'],
  'lossy-events': ['end-event-lost', 'events-disordered'],
};

/**
 * Faults after which the run cannot clean up (terminated, timed out, or lost with the server's state):
 * the suite runs one reconcile pass after the run closes, and judges what the pass left.
 */
export const RECONCILED_KINDS: readonly FaultKind[] = ['terminate', 'run-timeout', 'state-lost'];
export const reconciled = (plan: Pick<FaultPlan, 'kind'>) => RECONCILED_KINDS.includes(plan.kind);

/** Points that need the quota full when the run starts: its create (or its ask) must wait for a slot. */
export const waitsForSlot = (plan: Pick<FaultPlan, 'point'>) => plan.point === 'quota-wait' || plan.point === 'queued';

/** Points on a run whose request has a promotion. */
export const PROMOTION_POINTS: readonly Point[] = [
  'deployment-create',
  'deployment-update',
  'promotion-creates',
  'evaluating',
  'smoke-test',
];
export const promoting = (plan: Pick<FaultPlan, 'point'>) => PROMOTION_POINTS.includes(plan.point);

export interface FaultPlan {
  kind: FaultKind;
  point: Point;
  /**
   * simulator:time-scale of the job: 60-120 simulated seconds per second, a job of 6-12 s; 8-15 (a job
   * of 50-110 s) when a reconcile pass is to find it still training after its run closed.
   */
  jobTimeScale: number;
  /** How long after the point is reached the fault lands (waiting: after training is seen). */
  delayMs: number;
  /**
   * simulator:reply-delay-ms on the job, so that create-in-flight lasts long enough to be hit; at a
   * promotion's deployment-create and deployment-update, the simulator's --reply-delay-ms for the run.
   */
  replyDelayMs?: number;
  /** simulator:lost-replies on the job. */
  lostReplies?: number;
  /** The simulator's --lost-reply-rate for the run (the promotion's creates). */
  lostReplyRate?: number;
  /** How long a restarted server stays down. */
  downMs?: number;
  /** Deadline faults: where in the aimed window the deadline falls (0-1), turned into a duration at start. */
  deadlineFraction?: number;
  /** Promotion points: production is created by the promotion (`new`) or updated (`existing`). */
  production?: 'new' | 'existing';
  /**
   * Evaluating: the part of the evaluation the cancel finds, `staging` (the staging copy being created,
   * 0-3 s after the evaluation began) or `judging` (the judge jobs running, 0-1 s after they appear).
   */
  evaluationPart?: 'staging' | 'judging';
  /** The worker killed when no activity is running (index into the two). */
  workerSlot: number;
}

export function describePlan(plan: FaultPlan): string {
  const parts: string[] = [plan.kind];
  if (plan.lostReplies !== undefined) parts.push(`x${plan.lostReplies}`);
  if (plan.lostReplyRate !== undefined) parts.push(`${Math.round(plan.lostReplyRate * 100)}%`);
  if (plan.kind === 'throttling') parts.push('30%+5xx 5%');
  if (plan.point === 'end-event-lost') parts.push('drop 100%');
  if (plan.point === 'events-disordered') parts.push('dup, held');
  if (plan.production) parts.push(plan.production === 'new' ? 'new prod' : 'upd prod');
  if (plan.evaluationPart) parts.push(plan.evaluationPart);
  return parts.join(' ');
}

function delayFor(random: Random, point: Point): number {
  switch (point) {
    case 'waiting':
      return random.int(500, 4_000);
    case 'queued':
      // The queue wait lasts a few seconds here (the slot's holder, then the keeper's next listing).
      return random.int(0, 1_000);
    case 'evaluating':
      // After the staging copy's create began (it takes 4.5 s here), or after the judge jobs were created
      // (they take about 3 s): see evaluationPart.
      return random.int(0, 3_000);
    default:
      // Before the create: in the first half of the ~100 ms preflight and preparation take here.
      return random.int(0, point === 'before-create' ? 50 : 100);
  }
}

export function drawPlan(random: Random, only?: FaultKind): FaultPlan {
  const kind = only ?? random.pick(FAULT_KINDS);
  const point = random.pick(POINTS[kind]);
  const plan: FaultPlan = {
    kind,
    point,
    jobTimeScale: random.int(60, 120),
    delayMs: delayFor(random, point),
    workerSlot: random.int(0, 1),
  };
  if ((point === 'create-in-flight' && kind !== 'lost-replies') || point === 'quota-wait')
    plan.replyDelayMs = random.int(3_000, 5_000);
  if (kind === 'lost-replies' && point === 'create-in-flight') plan.lostReplies = random.int(1, 4);
  if (kind === 'temporal-restart' || kind === 'simulator-restart' || kind === 'state-lost')
    plan.downMs = random.int(500, 3_000);
  if (kind === 'deadline') plan.deadlineFraction = 0.2 + random.next() * 0.6;
  if (reconciled(plan)) plan.jobTimeScale = random.int(8, 15);
  if (point === 'deployment-create' || point === 'deployment-update') plan.replyDelayMs = random.int(3_000, 5_000);
  if (point === 'deployment-create') plan.production = 'new';
  else if (point === 'deployment-update') plan.production = 'existing';
  else if (promoting(plan)) plan.production = random.pick(['new', 'existing'] as const);
  // 80 %: the promotion's three or four creates (staging copy, one or two judge jobs, production when it
  // is new) all answered, so the fault missed, is 0.2^3 = 0.8 % or less.
  if (point === 'promotion-creates') plan.lostReplyRate = 0.8;
  if (point === 'evaluating') plan.evaluationPart = random.pick(['staging', 'judging'] as const);
  return plan;
}
