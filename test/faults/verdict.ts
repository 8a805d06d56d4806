// The checks, made against the simulator (what Bedrock holds), not against what the run says:
// exactly one job per run (none when the run ended before its create began), the job's final status
// consistent with how the run ended, and, once every run has closed, no job of a run InProgress and
// every job of a run that was Stopping come to Stopped. A run that cannot clean up (terminated, timed
// out, lost with the server's state) is judged after one reconcile pass; a run with a promotion by
// what its promotion left in Bedrock too.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunOutcome } from '../../src/client';
import type { Delivery } from './inject';
import type { Job } from './jobs';
import { promoting, reconciled, type FaultPlan } from './plan';
import type { PromotionSeen } from './promotion-state';

/** How a run ended, in the table's words. */
export type Ending =
  | 'completed'
  | 'cancelled'
  | 'stopped'
  | 'deadline'
  | 'terminated'
  | 'timed-out'
  | 'lost'
  | 'rolled-back'
  | 'stuck'
  | string;

/** The run's outcome; `lost`: the server no longer knows the run (its state was lost). */
export type Outcome = RunOutcome | 'stuck' | 'lost';

export function endingOf(outcome: Outcome): Ending {
  if (outcome === 'stuck' || outcome === 'lost') return outcome;
  if (outcome.ok) return 'completed';
  switch (outcome.failure.type) {
    case 'Cancelled':
      return 'cancelled';
    case 'BedrockJobStopped':
    case 'StoppedBeforeJob':
      return 'stopped';
    case 'DeadlineExceeded':
      return 'deadline';
    case 'Terminated':
      return 'terminated';
    case 'TimedOut':
      return 'timed-out';
    case 'PromotionRolledBack':
      return 'rolled-back';
    default:
      return `failed ${outcome.failure.type}`;
  }
}

export interface Verdict {
  right: boolean;
  why: string;
}

const wrong = (why: string): Verdict => ({ right: false, why });
const right = (why: string): Verdict => ({ right: true, why });

/** The one reconcile pass run after a run that cannot clean up, and what it did with the run's job. */
export interface PassSeen {
  startedAt: number;
  finishedAt: number;
  /** The pass failed or did not finish in time. */
  error?: string;
  /** The pass's decision and outcome for the run's job, when it listed one. */
  item?: string;
}

/**
 * What a run may end as under its fault: the fault alone never changes a run's ending, except these.
 * Undefined: any ending (a run lost with the server's state has no knowable ending).
 */
function allowedEndings(plan: FaultPlan, delivery: Delivery): Ending[] | undefined {
  switch (plan.kind) {
    case 'cancel':
      return delivery.interruptAt !== undefined ? ['cancelled', 'completed'] : ['completed'];
    case 'stop':
      return delivery.stopAccepted ? ['stopped'] : ['completed'];
    case 'deadline':
      return ['deadline', 'completed'];
    case 'worker-kill':
      return plan.point === 'stopping' && delivery.stopAccepted ? ['stopped'] : ['completed'];
    case 'terminate':
      return delivery.interruptAt !== undefined ? ['terminated'] : ['completed'];
    case 'run-timeout':
      return ['timed-out', 'completed'];
    case 'state-lost':
      return undefined;
    case 'smoke-fail':
      return ['rolled-back'];
    default:
      return ['completed'];
  }
}

export function judge(input: {
  plan: FaultPlan;
  delivery: Delivery;
  outcome: Outcome;
  /** The run scheduled its create activity (so a job may exist); undefined when its history is lost. */
  createStarted: boolean | undefined;
  jobs: Job[];
  /** The run's promotion as Bedrock holds it, when its request has one. */
  promotion?: PromotionSeen;
  /** The reconcile pass after a run that cannot clean up. */
  pass?: PassSeen;
}): Verdict {
  const { plan, delivery, outcome, createStarted, jobs, pass } = input;
  const ending = endingOf(outcome);
  if (jobs.length > 1) return wrong(`${jobs.length} jobs for one run`);
  const job = jobs[0];
  if (pass?.error) return wrong(`the reconcile pass after the run did not finish: ${pass.error}`);
  if (job?.status === 'InProgress')
    return wrong(
      pass
        ? `the run is ${ending} and, after one reconcile pass (${pass.item ?? 'its job not listed'}), its job is still InProgress`
        : `the run is closed (${ending}) and its job is still InProgress`,
    );
  const allowed = allowedEndings(plan, delivery);
  if (allowed && !allowed.includes(ending)) {
    const why = typeof outcome === 'object' && !outcome.ok ? `: ${outcome.failure.message}` : '';
    return wrong(`ended ${ending}${why}`);
  }
  if (createStarted === false && job) return wrong('a job exists although the run never began to create one');

  if (ending === 'completed') {
    if (!job) return wrong('completed without a job in the simulator');
    const result = typeof outcome === 'object' && outcome.ok ? outcome.result : undefined;
    if (job.status !== 'Completed') return wrong(`completed, but the job is ${job.status}`);
    if (result?.jobArn !== job.jobArn) return wrong(`completed with ${result?.jobArn}, the job is ${job.jobArn}`);
    const theirs = job.trainingMetrics?.trainingLoss;
    const ours = result?.metrics?.finalTrainingLoss;
    if (theirs === undefined || ours === undefined || Math.abs(theirs - ours) > 1e-6)
      return wrong(`training loss ${ours} in the result, ${theirs} in the simulator`);
    if (input.promotion) {
      const outcomeOfPromotion = result && 'promotion' in result ? result.promotion?.outcome : undefined;
      if (outcomeOfPromotion !== 'promoted') return wrong(`completed, but its promotion ended ${outcomeOfPromotion}`);
      return judgePromotion(input.promotion, 'promoted', job);
    }
    return right('one job, Completed, metrics equal');
  }

  // A promotion begins once training has finished: whatever ends it, the job is Completed.
  if (promoting(plan)) {
    if (job?.status !== 'Completed') return wrong(`run ${ending} in its promotion, but its job is ${job?.status}`);
    if (!input.promotion) return wrong('the promotion was not read');
    return judgePromotion(input.promotion, ending === 'cancelled' ? 'untouched' : 'rolled-back', job);
  }

  // Cancelled, stopped, past its deadline, terminated, timed out, lost: the job must be stopped, unless
  // it had ended before that (before the reconcile pass, for a run that cannot clean up).
  if (!job) return right(createStarted !== false ? 'no job (create never reached Bedrock)' : 'no job, none begun');
  if (job.status === 'Stopped' || job.status === 'Stopping')
    return right(`one job, ${job.status}${pass?.item ? ` (the pass: ${pass.item})` : ''}`);
  if (reconciled(plan)) {
    if (pass && job.endTime !== undefined && job.endTime.getTime() <= pass.finishedAt)
      return right(`one job, ${job.status} before the reconcile pass ended`);
    return wrong(
      `run ${ending}; the reconcile pass left its job running (${pass?.item ?? 'not listed'}): it went on to ${job.status}`,
    );
  }
  const endedBefore =
    job.endTime !== undefined && delivery.interruptAt !== undefined && job.endTime.getTime() <= delivery.interruptAt;
  if (endedBefore) return right(`one job, ${job.status} before the ${ending}`);
  return wrong(`run ${ending}, but its job went on to ${job.status}`);
}

/**
 * What a promotion must leave: never a staging copy, no judge job InProgress, each of its deployments and
 * judge jobs created at most once; production serving the run's model when promoted (the same
 * deployment when it was updated), and otherwise as it was before the run: serving the model it served
 * (same ARN, no update in progress), or gone when the promotion would have created it.
 */
export function judgePromotion(
  seen: PromotionSeen,
  expected: 'promoted' | 'untouched' | 'rolled-back',
  job: Job,
): Verdict {
  const { target, production } = seen;
  if (seen.staging.status !== undefined)
    return wrong(`its staging deployment ${seen.staging.name} is left (${seen.staging.status})`);
  const running = seen.evaluations.filter((e) => e.status === 'InProgress');
  if (running.length > 0) return wrong(`judge job ${running.map((e) => e.name).join(', ')} still InProgress`);
  const twice = seen.created.filter((c) => c.times > 1);
  if (twice.length > 0) return wrong(twice.map((c) => `${c.name} created ${c.times} times`).join(', '));
  const productionNote = production
    ? `${production.status}${production.updateStatus ? `/${production.updateStatus}` : ''} serving ${production.modelArn}`
    : 'none';
  if (expected === 'promoted') {
    if (!production) return wrong(`promoted, but no deployment ${target.deployment}`);
    if (production.status !== 'Active' || production.updateStatus === 'Updating')
      return wrong(`promoted, but ${target.deployment} is ${productionNote}`);
    if (production.modelArn !== job.outputModelArn)
      return wrong(`promoted, but ${target.deployment} serves ${production.modelArn}, not ${job.outputModelArn}`);
    if (target.previousArn && production.arn !== target.previousArn)
      return wrong(`promoted by an update, but ${target.deployment} is a new deployment ${production.arn}`);
    return right(`one job, Completed; ${target.deployment} serves its model; nothing of the promotion left`);
  }
  const what = expected === 'untouched' ? 'cancelled in its promotion' : 'rolled back';
  if (!target.previousModelArn) {
    if (production) return wrong(`${what}, but ${target.deployment} it created is left: ${productionNote}`);
    return right(`one job, Completed; ${what}: no ${target.deployment}, nothing of the promotion left`);
  }
  if (!production) return wrong(`${what}, but ${target.deployment}, which existed, is gone`);
  if (production.arn !== target.previousArn)
    return wrong(`${what}, but ${target.deployment} is another deployment now (${production.arn})`);
  if (production.modelArn !== target.previousModelArn || production.updateStatus === 'Updating')
    return wrong(`${what}, but ${target.deployment} is ${productionNote}, not ${target.previousModelArn}`);
  return right(`one job, Completed; ${what}: ${target.deployment} serves the model it served before`);
}

/**
 * The last look, once every run has closed: no job of a run is InProgress, and every job that is
 * Stopping reaches Stopped within `withinMs` (a stopped, cancelled or past-deadline run may close while
 * its job is still Stopping; its verdict accepted that, this confirms the stop took). `list` gives the
 * jobs of the runs; `judged` the status each run's job had when the run was judged. Returns why each
 * run that fails this is wrong, by its workflow ID.
 */
export async function finalSweep(
  list: () => Promise<{ owner: string; job: Job }[]>,
  judged: ReadonlyMap<string, string | undefined>,
  withinMs: number,
  log: (line: string) => void,
): Promise<Map<string, string>> {
  const wrongs = new Map<string, string>();
  const wrong = (owner: string, job: Job, why: string) => {
    log(`job ${job.jobName} of ${owner}: ${why}`);
    if (!wrongs.has(owner)) wrongs.set(owner, why);
  };
  let jobs = await list();
  for (const { owner, job } of jobs)
    if (job.status === 'InProgress') wrong(owner, job, 'its job was still InProgress after every run closed');
  const began = Date.now();
  const waitedFor = jobs.filter((j) => j.job.status === 'Stopping').length;
  while (jobs.some((j) => j.job.status === 'Stopping') && Date.now() - began < withinMs) {
    await sleep(Math.min(1_000, withinMs / 4));
    jobs = await list();
  }
  for (const { owner, job } of jobs) {
    if (job.status === 'Stopping')
      wrong(
        owner,
        job,
        `its job was still Stopping ${Math.round(withinMs / 1000)} s after every run closed, never Stopped`,
      );
    // Judged Stopping with its run: Stopped is the only way on.
    else if (judged.get(owner) === 'Stopping' && job.status !== 'Stopped')
      wrong(owner, job, `its job went from Stopping to ${job.status}`);
  }
  if (waitedFor > 0) {
    const still = jobs.filter((j) => j.job.status === 'Stopping').length;
    const after = ((Date.now() - began) / 1000).toFixed(1);
    log(`last sweep: ${waitedFor} job(s) Stopping after every run closed; ${still} still Stopping ${after} s later`);
  }
  return wrongs;
}
