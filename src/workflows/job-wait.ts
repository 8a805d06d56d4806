// Step 4: wait for the job to end. Every wait, the first look after creation and the pause after a
// state change included, is the poll activity's own retry delay, so history grows with the job's
// state changes, not with polls. A poke looks now, new polling intervals apply at once, and a stop or
// the deadline ends the wait (the run's release stops the job).
import { allHandlersFinished, condition, continueAsNew, workflowInfo } from '@temporalio/workflow';
import { isTerminalJobStatus } from '../core/bedrock-patterns';
import type { FineTuneResult } from '../core/fine-tune-contract';
import type { FineTuneRequest } from '../core/request';
import { interruptible, RunInterrupted } from './interruptions';
import { takes } from './patches';
import type { Run } from './run';
import type { RunState } from './run-state';

/** Polls until the job ends; a stop or the deadline throws RunInterrupted. */
export async function waitForJob(run: Run): Promise<void> {
  const { state } = run;
  const jobArn = state.job!.jobArn;
  if (run.ownsJob) run.throwIfInterrupted();
  // Runs that started before the first look moved into the poll activity used a timer for it and
  // polled at once after a change.
  const waitInActivity = takes('firstLookInPollActivity');
  let firstLookAfterMs: number | undefined;
  if (!state.snapshot) {
    // A poke before the first look (the job's event came while its create was still answering, or a
    // short job ended before the run knew its ARN): look at once, or that event would be spent unheard
    // and the run would wait its whole first interval (an hour, with events on and hourly polling).
    if (waitInActivity) firstLookAfterMs = state.pokeRequested ? undefined : state.polling.initialMs;
    else await firstLookByTimer(run);
  }
  for (;;) {
    if (continueAsNewDue(run)) {
      await condition(allHandlersFinished);
      await continueAsNew<(request: FineTuneRequest, carried?: RunState) => Promise<FineTuneResult>>(
        run.request,
        state,
      );
    }
    run.wakeUpsSpent();
    const input = { jobArn, known: state.snapshot, backoff: state.polling, startDelayMs: state.delayMs };
    const lookAfter = firstLookAfterMs;
    state.pollSequenceWaitsFirst = lookAfter !== undefined;
    if (waitInActivity) {
      // The first look of this sequence; the looks after it, while nothing changes, are the
      // activity's retries (their times are in the server's pending activity, not here).
      state.nextPollTime = new Date(Date.now() + (lookAfter ?? 0)).toISOString();
      run.view.show();
    }
    const outcome = await interruptible(
      run,
      () => run.acts.pollJob(lookAfter === undefined ? input : { ...input, firstLookAfterMs: lookAfter }),
      ['stop', 'poke', 'polling'],
    );
    firstLookAfterMs = undefined;
    if ('done' in outcome) {
      run.recordPoll(outcome.done);
      if (isTerminalJobStatus(outcome.done.snapshot.status)) return;
      if (waitInActivity) firstLookAfterMs = state.delayMs;
      continue;
    }
    if (outcome.wake === 'stop' || outcome.wake === 'deadline') throw new RunInterrupted(outcome.wake);
    // poke: look now (the new sequence's first attempt runs at once); polling: the same, new intervals.
    if (outcome.wake === 'poke') state.delayMs = state.polling.initialMs;
  }
}

/** Runs from before patch 'first-look-in-poll-activity': the first look waited on a timer. */
async function firstLookByTimer(run: Run): Promise<void> {
  run.state.nextPollTime = new Date(Date.now() + run.state.polling.initialMs).toISOString();
  run.view.show();
  const first = await interruptible(run, () => new Promise<never>(() => undefined), ['stop', 'poke', 'polling'], {
    timerMs: run.state.polling.initialMs,
  });
  if ('wake' in first && (first.wake === 'stop' || first.wake === 'deadline')) throw new RunInterrupted(first.wake);
}

/** The server suggests it, or the request's own (smaller) history limit is reached. */
function continueAsNewDue(run: Run): boolean {
  const info = workflowInfo();
  const limit = run.orchestration.continueAsNewAfterEvents;
  return info.continueAsNewSuggested || (limit !== undefined && info.historyLength >= limit);
}
