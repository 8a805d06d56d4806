// Step 3: exactly one job. Its name and token are derived from the workflow ID, the request and the
// dataset's fingerprint, so every attempt (and the clean-up's look for it) names the same job. From
// the moment the create starts the run owns the job, whether or not it has heard of it yet.
import { log } from '@temporalio/workflow';
import type { CreateJobInput, CreateJobResult } from '../activities/create-job';
import { quotaBackoff } from '../core/backoff';
import { FailureType } from '../core/failures';
import { createJobInput } from './activity-inputs';
import { interruptible, RunInterrupted, type InterruptibleOutcome } from './interruptions';
import { takes } from './patches';
import type { PreparedDataset, Run } from './run';

type CreateInput = Omit<CreateJobInput, 'mode'>;

export async function createJob(run: Run, dataset: PreparedDataset): Promise<void> {
  if (run.state.job) return;
  if (run.deadlineLeftMs() === 0 && takes('noJobAfterDeadline')) {
    run.end(
      'failed',
      FailureType.DeadlineExceeded,
      `the deadline ${run.state.deadlineAt} passed before the job was created; no job was created`,
    );
  }
  if (run.ownsJob) run.throwIfInterrupted();
  run.setPhase('creating-job');
  // From here a job may exist in Bedrock before the run hears of it: the clean-up looks for it.
  run.state.createStarted = true;
  const input = createJobInput(run.request, run.info.workflowId, dataset);
  let created: CreateJobResult = await firstCreate(run, input);
  if (created.outcome === 'quota-exceeded') created = await waitForQuota(run, input, created.message);
  if (created.outcome === 'quota-exceeded') throw new Error('unreachable: quota wait returned a refusal');
  run.recordJob({ ...created, createdAt: new Date().toISOString() }, created.outcome === 'adopted');
  run.setPhase('training');
}

/**
 * The first create call. Its retries (throttling, 5xx, Bedrock unreachable) hear a stop and the
 * deadline: no attempt starts after either, and the attempt in flight is waited for, since it may have
 * made the job the clean-up must stop (and when its answer is lost, the clean-up finds the job by its
 * name and token). Runs from before patch 'create-hears-stop-and-deadline' made it uninterruptible.
 */
async function firstCreate(run: Run, input: CreateInput): Promise<CreateJobResult> {
  const first = () => run.acts.createJob({ ...input, mode: 'first' });
  if (!run.ownsJob || !takes('createHearsStopAndDeadline')) return first();
  return createdOrInterrupted(run, await interruptible(run, first, ['stop'], { settle: true }));
}

/** The quota is full: the create is tried again as slots free, visibly (phase waiting-for-quota). */
async function waitForQuota(run: Run, input: CreateInput, message: string): Promise<CreateJobResult> {
  log.info('Bedrock customization-job quota is full: waiting for a free slot', { message });
  run.setPhase('waiting-for-quota');
  const waited = await interruptible(
    run,
    () =>
      run.acts.createJobWaitingForQuota({
        ...input,
        mode: 'wait-for-quota',
        quotaBackoff: quotaBackoff(run.orchestration.quotaWait),
      }),
    ['stop'],
    { settle: run.ownsJob },
  );
  if ('done' in waited) return waited.done;
  if (!run.ownsJob) {
    if (waited.wake === 'deadline') {
      run.end('failed', FailureType.DeadlineExceeded, `the deadline passed while waiting for a customization-job slot`);
    }
    run.end(
      'failed',
      FailureType.BedrockJobStopped,
      `stopped while waiting for a customization-job slot (no job was created): ${run.state.stopReason}`,
    );
  }
  // The attempt in flight when the stop came may have created the job: it is ours to stop.
  return createdOrInterrupted(run, waited);
}

/**
 * What an interruptible create ended with: its answer, or, when a stop or the deadline cut it short,
 * the job the attempt in flight made (recorded, so the clean-up stops it) and RunInterrupted.
 */
function createdOrInterrupted(run: Run, outcome: InterruptibleOutcome<CreateJobResult>): CreateJobResult {
  if ('done' in outcome) return outcome.done;
  const settled = outcome.settled;
  if (settled && 'value' in settled && settled.value.outcome !== 'quota-exceeded') {
    run.recordJob({ ...settled.value, createdAt: new Date().toISOString() }, settled.value.outcome === 'adopted');
  }
  throw new RunInterrupted(outcome.wake === 'deadline' ? 'deadline' : 'stop');
}
