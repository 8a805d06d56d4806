// Step 3: exactly one job. Its name and token are derived from the workflow ID, the request and the
// dataset's fingerprint, so every attempt (and the clean-up's look for it) names the same job. From
// the moment the create starts the run owns the job, whether or not it has heard of it yet.
import { condition, getExternalWorkflowHandle, isCancellation, log } from '@temporalio/workflow';
import type { CreateJobInput, CreateJobResult } from '../activities/create-job';
import type { RequestJobSlotResult } from '../activities/job-slots';
import { quotaBackoff } from '../core/backoff';
import { FailureType } from '../core/failures';
import { slotRefusedSignal } from '../core/job-slots-contract';
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
  // The fair queue: a slot from the keeper before the create, when the worker that ran the preflight has
  // the queue on (runs from before the patch, and runs with the queue off, wait on timers without asking).
  const queued = run.ownsJob && takes('jobSlotQueue') && run.state.preflight?.jobQueue === true;
  if (queued) await takeSlot(run);
  // From here a job may exist in Bedrock before the run hears of it: the clean-up looks for it.
  run.state.createStarted = true;
  const input = createJobInput(run.request, run.info.workflowId, dataset);
  let created: CreateJobResult = await firstCreate(run, input);
  // Granted, yet refused: the keeper's estimate of the quota was high (other tools' jobs). It learns, and
  // the run waits at the head of its queue.
  while (created.outcome === 'quota-exceeded' && run.state.slot && (await queueAgain(run, created.message))) {
    created = await firstCreate(run, input);
  }
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

/**
 * Asks the keeper for a slot (an Update sent by an activity, which starts the keeper if need be) and,
 * when none is free, waits in the queue, visibly (phase waiting-for-quota, `queued, N ahead`), until the
 * keeper's grant comes. A stop or the deadline ends the wait (the run leaves the queue on its way out).
 */
async function takeSlot(run: Run): Promise<void> {
  const { state } = run;
  if (state.slot?.granted) return;
  const answer = await askForSlot(run);
  // The safety net: a worker with the queue off took the activity of a run whose preflight said on (the
  // workers disagree, or the setting changed in between). The run waits for the quota on its timers.
  if (answer.queue === 'off') return;
  // A grant signalled while the answer was on its way counts.
  const granted = answer.granted || state.slot?.granted === true;
  state.slot = {
    keeperId: answer.keeperId,
    key: run.queueKey,
    granted,
    ...(granted ? {} : { ahead: answer.ahead }),
    ...(takes('queuedRunsAskAgain') ? { askAgainAfterMs: answer.askAgainAfterMs } : {}),
  };
  if (!granted) await waitForGrant(run);
}

function askForSlot(run: Run): Promise<RequestJobSlotResult> {
  return run.acts.requestJobSlot({
    holder: run.info.workflowId,
    key: run.queueKey,
    priority: run.orchestration.queue?.priority ?? 0,
    taskQueue: run.info.taskQueue,
  });
}

/**
 * Waits for the keeper's grant. Every `askAgainAfterMs` without one the run asks again: a keeper that
 * was lost (terminated, or its state gone with the namespace's) is started anew by the ask, with the
 * runs that ask again in its queue, and a grant that never reached the run is answered again. Runs from
 * before patch 'queued-runs-ask-again' waited for the grant alone.
 */
async function waitForGrant(run: Run): Promise<void> {
  const slot = run.state.slot!;
  log.info('waiting in the queue for a customization-job slot', { ahead: slot.ahead, key: slot.key });
  run.setPhase('waiting-for-quota');
  run.view.queuePlace(slot.ahead ?? 0);
  const askAgainMs = slot.askAgainAfterMs;
  for (;;) {
    const outcome = await interruptible(
      run,
      () => condition(() => slot.granted),
      ['stop'],
      askAgainMs === undefined ? {} : { timerMs: askAgainMs },
    );
    if ('done' in outcome) break;
    if (outcome.wake !== 'timer') throw new RunInterrupted(outcome.wake === 'deadline' ? 'deadline' : 'stop');
    const answer = await askForSlot(run);
    // The queue was turned off meanwhile: the run waits for the quota on its timers, as at a first ask.
    if (answer.queue === 'off') {
      run.state.slot = undefined;
      run.view.queueLeft();
      return;
    }
    log.info('asked the keeper again after waiting', { granted: answer.granted, ahead: answer.ahead });
    slot.keeperId = answer.keeperId;
    if (answer.granted) slot.granted = true;
    else if (!slot.granted) {
      slot.ahead = answer.ahead;
      run.view.queuePlace(answer.ahead);
    }
  }
  slot.ahead = undefined;
  run.view.queueLeft();
  run.setPhase('creating-job');
}

/** Tells the keeper the granted create was refused and waits for the next grant; false if it cannot be told. */
async function queueAgain(run: Run, message: string): Promise<boolean> {
  const slot = run.state.slot!;
  log.info('a create was refused for the quota despite the slot: queued again', { message });
  slot.granted = false;
  slot.ahead = 0;
  try {
    await getExternalWorkflowHandle(slot.keeperId).signal(slotRefusedSignal, { holder: run.info.workflowId });
  } catch (err) {
    if (isCancellation(err)) throw err;
    // No keeper to tell: the run waits on its own timers, as without the queue.
    run.state.slot = undefined;
    return false;
  }
  await waitForGrant(run);
  return true;
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
