// The one way out of a run: whichever way it ends (completed, failed, cancelled, the `stop` update,
// the deadline, continue-as-new), the remote job is accounted for. A job whose create answer never
// came is found by its derived name and token; a job that has not ended is stopped and awaited until
// Bedrock says so, bounded by the request's stopTimeout; what could not be done is recorded in the
// run's `cleanup` with the command an operator runs. Nothing in the release throws for Bedrock's sake:
// the run always ends as its cause says.
import {
  CancellationScope,
  ContinueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  sleep,
} from '@temporalio/workflow';
import { CancelledFailure, TemporalFailure } from '@temporalio/common';
import type { OwnJob } from '../activities/create-job';
import type { StopJobResult } from '../activities/stop-job';
import { backoffDelay, type Backoff } from '../core/backoff';
import { isTerminalJobStatus } from '../core/bedrock-patterns';
import { FailureType, type FineTuneResult } from '../core/fine-tune-contract';
import { releaseSlotSignal } from '../core/job-slots-contract';
import { jobIdentity } from '../core/naming';
import { jobIdentityInput } from './activity-inputs';
import { interruptible, RunInterrupted, type Interruption } from './interruptions';
import { takes } from './patches';
import { FINAL_PHASES, type Run } from './run';
import { causeMessage, typedFailure } from './run-failures';
import { collectMetrics } from './job-results';

/** Waiting for a stopped job to reach Stopped. */
const STOP_POLLING: Backoff = { initialMs: 5_000, coefficient: 1.5, maximumMs: 30_000, jitter: 0.1 };
/** A stop Bedrock refused while the job runs is sent again after these pauses, within stopTimeout. */
const STOP_RESENDING: Backoff = { initialMs: 10_000, coefficient: 2, maximumMs: 120_000, jitter: 0 };

/**
 * Runs the steps and ends the run, whichever way it ends, with the remote job accounted for: a
 * cancel, a stop or the deadline stops it; a failure stops it (bounded, best effort) unless it has
 * ended; continue-as-new hands it to the next run. Workflow-code bugs (plain errors) are left to
 * Temporal: the workflow task is retried, the run stays open, and a fixed worker carries it on.
 */
export async function ownTheJob(run: Run, steps: () => Promise<FineTuneResult>): Promise<FineTuneResult> {
  try {
    return await steps();
  } catch (err) {
    if (err instanceof ContinueAsNew && run.ownsJob) throw err;
    // Cancelled: by the error itself, or by a cancel that came while an activity was failing for
    // another reason (a create whose reply was lost): the cancel is how the run ends.
    const cancelled = isCancellation(err) || (run.ownsJob && CancellationScope.current().consideredCancelled);
    if (cancelled) {
      await CancellationScope.nonCancellable(async () => {
        run.state.stopReason ??= 'the run was cancelled';
        await releaseJob(run);
        await giveBackSlot(run);
        run.setPhase('cancelled');
      });
      throw isCancellation(err)
        ? err
        : new CancelledFailure('the run was cancelled', [], err instanceof Error ? err : undefined);
    }
    if (err instanceof RunInterrupted) return await endInterrupted(run, err.by);
    if (run.ownsJob && err instanceof TemporalFailure) {
      await CancellationScope.nonCancellable(async () => {
        await releaseJob(run);
        await giveBackSlot(run);
      });
    }
    if (!FINAL_PHASES.includes(run.state.phase)) run.setPhase('failed');
    throw typedFailure(err, run.state, run.ownsJob && run.state.createStarted === true);
  }
}

/** A stop or the deadline cut the steps short: release the job, then end as the interruption says. */
async function endInterrupted(run: Run, by: Interruption): Promise<never> {
  const { state } = run;
  if (by === 'deadline') state.stopReason = `deadline ${state.deadlineAt} passed`;
  const release = async () => {
    await releaseJob(run);
    await giveBackSlot(run);
  };
  // A cancel during this clean-up must not cut it short (runs from before: as they were).
  await (run.ownsJob ? CancellationScope.nonCancellable(release) : release());
  const job = state.job;
  const status = state.snapshot?.status;
  if (by === 'deadline') {
    run.end(
      'failed',
      FailureType.DeadlineExceeded,
      !job
        ? `the deadline ${state.deadlineAt} passed before a job was created; no job was created`
        : status === 'Completed'
          ? `the deadline ${state.deadlineAt} passed, and ${completedFirst(run)}`
          : `the job did not finish by the deadline ${state.deadlineAt}; it was stopped (status ${status})`,
    );
  }
  if (!job) {
    // Runs from before the run owned its job ended a stop before any job as BedrockJobStopped, indexed failed.
    run.end(
      run.ownsJob ? 'stopped' : 'failed',
      run.ownsJob ? FailureType.StoppedBeforeJob : FailureType.BedrockJobStopped,
      `stopped before a job was created: ${state.stopReason}`,
    );
  }
  run.end(
    'stopped',
    FailureType.BedrockJobStopped,
    status === 'Completed'
      ? `a stop was requested (${state.stopReason}), but ${completedFirst(run)}`
      : `the job was stopped on request: ${state.stopReason} (status ${status})`,
  );
}

/**
 * Gives the run's slot in the fair queue back to its keeper, or leaves the queue: once, on every way out
 * (the job ended, a stop, the deadline, a cancel, a failure) but continue-as-new, which keeps the slot.
 * A keeper that cannot be reached is no reason to fail the run: it frees the slot of a closed run itself.
 */
export async function giveBackSlot(run: Run): Promise<void> {
  const slot = run.state.slot;
  if (!slot || slot.released) return;
  slot.released = true;
  try {
    await getExternalWorkflowHandle(slot.keeperId).signal(releaseSlotSignal, { holder: run.info.workflowId });
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('the job-slot keeper could not be told; it frees the slot once it sees the run closed', {
      keeperId: slot.keeperId,
      error: causeMessage(err),
    });
  }
  if (!slot.granted && slot.ahead !== undefined) run.view.queueLeft();
}

/**
 * The job completed before Bedrock took the stop (it was near its end, or the stop was delayed: a
 * worker killed while sending it is replaced only when the activity's timeout expires). The run still
 * ends as its cause says, but says what Bedrock made, so that nobody takes the model for never trained.
 */
function completedFirst(run: Run): string {
  const model = run.state.snapshot?.outputModelArn;
  return `the job completed before the stop took: its custom model ${model ? `${model} ` : ''}exists (delete it if it is not wanted)`;
}

/**
 * Leaves no job running unwatched. Creation began but its answer never came (a lost reply, a cancel
 * while the call was in flight): the job is looked up by its derived name and token. A job that has
 * not ended is stopped, and its metrics so far collected.
 */
async function releaseJob(run: Run): Promise<void> {
  const { state } = run;
  const releaseBy = Date.now() + run.stopTimeout.ms;
  if (!state.job && state.createStarted && run.ownsJob) {
    let found: OwnJob | undefined;
    try {
      found = await run.acts.findOwnJob(jobIdentityInput(run.request, run.info.workflowId, state.dataset!));
    } catch (err) {
      if (isCancellation(err)) throw err;
      cleanupFailed(run, `the run could not look for its job (${causeMessage(err)})`);
      return;
    }
    if (found) {
      run.recordJob(found, true);
      state.snapshot = found.snapshot;
      run.view.jobStatus(found.snapshot.status);
    }
  }
  if (!state.job) {
    state.cleanup = {
      outcome: 'no-job',
      message: state.createStarted ? 'no job exists under this run’s name and token' : 'no job was created',
    };
    run.view.show();
    return;
  }
  if (isTerminalJobStatus(state.snapshot?.status)) {
    state.cleanup = {
      outcome: 'already-ended',
      jobStatus: state.snapshot?.status,
      message: `the job had already ended (${state.snapshot?.status})`,
    };
    run.view.show();
    return;
  }
  await stopRemoteJob(run, releaseBy);
  await collectMetrics(run);
}

/** Stop the job and wait (bounded by stopTimeout) until Bedrock says it has ended. */
async function stopRemoteJob(run: Run, releaseBy: number): Promise<void> {
  const { state } = run;
  run.setPhase('stopping');
  const jobArn = state.job!.jobArn;
  if (!(await sendStop(run, jobArn, releaseBy))) return;
  const stoppedBy = Date.now() + run.stopTimeout.ms;
  let delayMs = STOP_POLLING.initialMs;
  while (!isTerminalJobStatus(state.snapshot?.status)) {
    const left = stoppedBy - Date.now();
    if (left <= 0) {
      stopUnconfirmed(run, jobArn, `after the stop timeout (${run.stopTimeout.text})`);
      return;
    }
    // Waiting for Stopped must not be cut short by the deadline that caused the stop (that made
    // a zero-length wait, and a busy loop); runs from before the fix keep their old commands.
    const ignoreDeadline = state.deadlineAt !== undefined && takes('stopWaitIgnoresDeadline');
    let outcome;
    try {
      outcome = await interruptible(
        run,
        () =>
          run.acts.pollJob({
            jobArn,
            known: state.snapshot,
            backoff: STOP_POLLING,
            startDelayMs: delayMs,
            untilTerminal: true,
          }),
        [],
        { timerMs: left, ignoreDeadline },
      );
    } catch (err) {
      if (isCancellation(err)) throw err;
      stopUnconfirmed(run, jobArn, `when its status could not be read (${causeMessage(err)})`);
      return;
    }
    if ('done' in outcome) {
      run.recordPoll(outcome.done);
      delayMs = outcome.done.delayMs;
    }
  }
  const status = state.snapshot?.status;
  state.cleanup =
    status === 'Stopped'
      ? { outcome: 'stopped', jobStatus: status, message: 'the job was stopped' }
      : { outcome: 'already-ended', jobStatus: status, message: `the job ended (${status}) before the stop took` };
  run.view.show();
}

/**
 * Sends the stop. One Bedrock refuses while the job still runs (Conflict or Validation on an
 * InProgress job) is sent again, with pauses, until `releaseBy`; then it is reported as refused.
 * Returns whether the stop was taken (or the job had ended). Runs from before patch
 * 'stop-refusal-resent' read nothing of the answer.
 */
async function sendStop(run: Run, jobArn: string, releaseBy: number): Promise<boolean> {
  const resend = takes('stopRefusalResent');
  for (let refusals = 0; ;) {
    let answer: StopJobResult | string;
    try {
      answer = await run.acts.stopJob(jobArn);
    } catch (err) {
      if (isCancellation(err)) throw err;
      cleanupFailed(run, `the stop request failed: ${causeMessage(err)}`);
      return false;
    }
    // A worker from before `refused` answers with the outcome's bare name.
    if (!resend || typeof answer === 'string' || answer.outcome !== 'refused') return true;
    refusals += 1;
    const left = releaseBy - Date.now();
    if (left <= 0) {
      run.state.cleanup = {
        outcome: 'stop-refused',
        jobStatus: answer.jobStatus,
        message: `Bedrock refused the stop ${refusals} time${refusals === 1 ? '' : 's'} within the stop timeout (${run.stopTimeout.text}) while the job was ${answer.jobStatus} (${answer.message}). The job is still running: stop it with \`aws bedrock stop-model-customization-job --job-identifier ${jobArn}\``,
      };
      log.error('Bedrock refused to stop the job', { jobArn, refusals, answer: answer.message });
      run.view.show();
      return false;
    }
    log.warn('Bedrock refused to stop the job; sending the stop again', { jobArn, refusals, answer: answer.message });
    await sleep(Math.min(left, backoffDelay(STOP_RESENDING, refusals)));
  }
}

/** The clean-up could not stop the job: recorded with the job's ARN, or the name it was created under. */
function cleanupFailed(run: Run, what: string): void {
  const { state } = run;
  const id =
    state.job?.jobArn ?? jobIdentity(jobIdentityInput(run.request, run.info.workflowId, state.dataset!)).jobName;
  state.cleanup = {
    outcome: 'stop-failed',
    jobStatus: state.snapshot?.status,
    message: `${what}. The job may still be running: check it with \`aws bedrock get-model-customization-job --job-identifier ${id}\` and stop it with \`aws bedrock stop-model-customization-job --job-identifier ${id}\``,
  };
  log.error('the Bedrock job could not be stopped', { job: id, reason: what });
  run.view.show();
}

/** The stop was taken but its end not seen: recorded with the job's last status and how to check it. */
function stopUnconfirmed(run: Run, jobArn: string, when: string): void {
  const { state } = run;
  state.cleanup = {
    outcome: 'stop-unconfirmed',
    jobStatus: state.snapshot?.status,
    message: `stop requested; the job was still ${state.snapshot?.status ?? 'InProgress'} ${when}: check it with \`aws bedrock get-model-customization-job --job-identifier ${jobArn}\``,
  };
  log.warn('the job has not reached a final status within the stop timeout', {
    jobArn,
    status: state.snapshot?.status,
    when,
  });
  run.view.show();
}
