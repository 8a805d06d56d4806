// The checks, made against the simulator (what Bedrock holds), not against what the run says:
// exactly one job per run (none when the run ended before its create began), the job's final status
// consistent with how the run ended, and, once every run has closed, no job of a run InProgress and
// every job of a run that was Stopping come to Stopped.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunOutcome } from '../../src/client';
import type { Delivery } from './inject';
import type { Job } from './jobs';
import type { FaultPlan } from './plan';

/** How a run ended, in the table's words. */
export type Ending = 'completed' | 'cancelled' | 'stopped' | 'deadline' | 'stuck' | string;

export function endingOf(outcome: RunOutcome | 'stuck'): Ending {
  if (outcome === 'stuck') return 'stuck';
  if (outcome.ok) return 'completed';
  switch (outcome.failure.type) {
    case 'Cancelled':
      return 'cancelled';
    case 'BedrockJobStopped':
    case 'StoppedBeforeJob':
      return 'stopped';
    case 'DeadlineExceeded':
      return 'deadline';
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

/** What a run may end as under its fault: the fault alone never changes a run's ending, except these. */
function allowedEndings(plan: FaultPlan, delivery: Delivery): Ending[] {
  switch (plan.kind) {
    case 'cancel':
      return delivery.interruptAt !== undefined ? ['cancelled', 'completed'] : ['completed'];
    case 'stop':
      return delivery.stopAccepted ? ['stopped'] : ['completed'];
    case 'deadline':
      return ['deadline', 'completed'];
    case 'worker-kill':
      return plan.point === 'stopping' && delivery.stopAccepted ? ['stopped'] : ['completed'];
    default:
      return ['completed'];
  }
}

export function judge(input: {
  plan: FaultPlan;
  delivery: Delivery;
  outcome: RunOutcome | 'stuck';
  /** The run scheduled its create activity (so a job may exist). */
  createStarted: boolean;
  jobs: Job[];
}): Verdict {
  const { plan, delivery, outcome, createStarted, jobs } = input;
  const ending = endingOf(outcome);
  if (jobs.length > 1) return wrong(`${jobs.length} jobs for one run`);
  const job = jobs[0];
  if (job?.status === 'InProgress') return wrong(`the run is closed (${ending}) and its job is still InProgress`);
  if (!allowedEndings(plan, delivery).includes(ending)) {
    const why = outcome !== 'stuck' && !outcome.ok ? `: ${outcome.failure.message}` : '';
    return wrong(`ended ${ending}${why}`);
  }
  if (!createStarted && job) return wrong('a job exists although the run never began to create one');

  if (ending === 'completed') {
    if (!job) return wrong('completed without a job in the simulator');
    const result = outcome !== 'stuck' && outcome.ok ? outcome.result : undefined;
    if (job.status !== 'Completed') return wrong(`completed, but the job is ${job.status}`);
    if (result?.jobArn !== job.jobArn) return wrong(`completed with ${result?.jobArn}, the job is ${job.jobArn}`);
    const theirs = job.trainingMetrics?.trainingLoss;
    const ours = result?.metrics?.finalTrainingLoss;
    if (theirs === undefined || ours === undefined || Math.abs(theirs - ours) > 1e-6)
      return wrong(`training loss ${ours} in the result, ${theirs} in the simulator`);
    return right('one job, Completed, metrics equal');
  }

  // Cancelled, stopped, past its deadline: the job must be stopped, unless it had ended before that.
  if (!job) return right(createStarted ? 'no job (create never reached Bedrock)' : 'no job, none begun');
  if (job.status === 'Stopped' || job.status === 'Stopping') return right(`one job, ${job.status}`);
  const endedBefore =
    job.endTime !== undefined && delivery.interruptAt !== undefined && job.endTime.getTime() <= delivery.interruptAt;
  if (endedBefore) return right(`one job, ${job.status} before the ${ending}`);
  return wrong(`run ${ending}, but its job went on to ${job.status}`);
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
