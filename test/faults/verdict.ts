// The checks, made against the simulator (what Bedrock holds), not against what the run says:
// exactly one job per run (none when the run ended before its create began), the job's final status
// consistent with how the run ended, and no job left InProgress by a closed run.
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
