// The one way out of a promotion. Whatever ends it (a cancel, the deadline, a failed smoke test, an
// error), what it created for itself goes (the staging copy, evaluation jobs still running), and
// production is never left on a model that has not passed its smoke test: an update is pointed back at
// the model served before, a deployment this run created is deleted. Each undo is recorded; one that
// fails is recorded with the command, never thrown over the run's own ending.
import { CancellationScope, isCancellation, log, sleep } from '@temporalio/workflow';
import { ActivityFailure, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { PromotionResult } from '../core/promotion-contract';
import type { Promotion } from './promotion';
import { deleteStaging, result, rolledBack } from './promotion-steps';
import { causeMessage } from './run-failures';

/** Runs the steps, cut short at the run's deadline; every ending passes through the release. */
export async function ownTheChanges(p: Promotion, steps: () => Promise<PromotionResult>): Promise<PromotionResult> {
  let deadlinePassed = false;
  try {
    return await untilDeadline(p, steps, () => (deadlinePassed = true));
  } catch (err) {
    if (deadlinePassed) {
      await CancellationScope.nonCancellable(() => release(p));
      p.setPhase('cancelled');
      return result(p, 'cancelled', [`the run's deadline ${p.input.deadlineAt} passed during the promotion`]);
    }
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => release(p));
      p.setPhase('cancelled');
      throw err;
    }
    await CancellationScope.nonCancellable(() => release(p));
    if (!p.isFinal()) p.setPhase('failed');
    throw typed(err);
  }
}

/** The steps in a scope the deadline (if any) cancels. */
async function untilDeadline(
  p: Promotion,
  steps: () => Promise<PromotionResult>,
  onDeadline: () => void,
): Promise<PromotionResult> {
  if (!p.input.deadlineAt) return steps();
  const left = Date.parse(p.input.deadlineAt) - Date.now();
  if (left <= 0) {
    onDeadline();
    throw new CancelledFailure('the deadline had passed');
  }
  const scope = new CancellationScope();
  const timerScope = new CancellationScope();
  const timer = timerScope.run(async () => {
    await sleep(left);
    onDeadline();
    scope.cancel();
  });
  timer.catch(() => undefined); // cancelled once the steps are done
  try {
    return await scope.run(steps);
  } finally {
    timerScope.cancel();
  }
}

/** Undoes what is not proved, bounded by each activity's retries; records every outcome. */
export async function release(p: Promotion): Promise<void> {
  const { state } = p;
  await undo(p, 'delete the staging copy', () => deleteStaging(p));
  for (const jobName of state.evaluationsStarted) {
    await undo(p, `stop evaluation job ${jobName}`, async () => {
      const outcome = await p.acts.stopEvaluation(jobName);
      p.noteCleanup(`evaluation job ${jobName}: ${outcome}`);
    });
  }
  const production = state.production;
  if (production && !production.proved) await restoreProduction(p, 'the promotion did not finish');
}

/**
 * Production back to what it was: the deployment pointed at the model served before (and awaited), or,
 * when this run created it, deleted.
 */
export async function restoreProduction(p: Promotion, why: string): Promise<void> {
  const { state } = p;
  const production = state.production!;
  await undo(p, `restore ${production.name}`, async () => {
    if (production.change === 'updated' && state.current) {
      await p.acts.updateServing({ kind: production.kind, name: production.name, modelArn: state.current.modelArn });
      await p.acts.waitServing({
        kind: production.kind,
        name: production.name,
        modelArn: state.current.modelArn,
        backoff: p.waitBackoff,
      });
      p.noteCleanup(`${production.name}: rolled back to ${state.current.modelArn} (${why})`);
    } else {
      const outcome = await p.acts.deleteServing({ kind: production.kind, name: production.name });
      p.noteCleanup(`${production.name}: created by this promotion, ${outcome} (${why})`);
    }
    production.proved = true; // nothing of this promotion is left on it
  });
}

/** A smoke test that failed: production rolled back, and the run ends PromotionRolledBack. */
export async function rollBackAfterSmokeTest(p: Promotion, failure: string): Promise<never> {
  p.setPhase('rolling-back');
  const why = `the smoke test through ${p.input.promotion.deployment} failed: ${failure}`;
  await CancellationScope.nonCancellable(() => restoreProduction(p, 'its smoke test failed'));
  p.setPhase('rolled-back');
  rolledBack(p, why);
}

async function undo(p: Promotion, what: string, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (err) {
    if (isCancellation(err)) throw err;
    const message = `could not ${what}: ${causeMessage(err)}`;
    log.error(`promotion clean-up: ${message}`);
    p.noteCleanup(`NEEDS A PERSON: ${message}`);
  }
}

/** An activity's typed failure becomes the run's own, with what the promotion got to. */
function typed(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) {
    return ApplicationFailure.create({
      type: err.cause.type ?? undefined,
      message: err.cause.message,
      nonRetryable: true,
      details: err.cause.details as unknown[] | undefined,
    });
  }
  return err;
}
