// What may cut a step short, and the one way steps wait for it. A stop or the deadline ends the step
// (and, through the run's clean-up, the run); a poke or new polling intervals only restart a wait.
import { CancellationScope, condition } from '@temporalio/workflow';

export type Interruption = 'stop' | 'deadline';
export type Wake = Interruption | 'poke' | 'polling';

/**
 * Thrown by a step that a stop or the deadline cut short. Never leaves the workflow: the run's
 * ending (ownTheJob, job-release.ts) turns it into the run's typed failure after the job is released.
 */
export class RunInterrupted extends Error {
  constructor(readonly by: Interruption) {
    super(`the run was interrupted by ${by === 'stop' ? 'a stop request' : 'its deadline'}`);
    this.name = 'RunInterrupted';
  }
}

/** What the run is waiting to be woken by. */
export interface WakeSources {
  /** The first of `wakeOn` that has happened (stop, poke, polling), if any; never 'deadline'. */
  woken(wakeOn: readonly Wake[]): Wake | undefined;
  /** Milliseconds to the run's deadline (0 once passed); undefined without one. */
  deadlineLeftMs(): number | undefined;
}

export interface InterruptibleOptions {
  /** Also wake after this long ('timer'). */
  timerMs?: number;
  /** Ignore the deadline (waiting for a stop the deadline itself caused). */
  ignoreDeadline?: boolean;
  /**
   * When woken or cancelled, wait until the work has settled before returning or throwing: an activity
   * that may create a job must have answered (created, or cancelled by the server) before anyone looks
   * for its job. Needs an activity with WAIT_CANCELLATION_COMPLETED.
   */
  settle?: boolean;
}

export type Settled<T> = { value: T } | { error: unknown };
export type InterruptibleOutcome<T> = { done: T } | { wake: Wake | 'timer'; settled?: Settled<T> };

function settledOf<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

/** Runs `work` until it finishes or something in `wakeOn` (or the deadline, or the timer) wakes the run. */
export async function interruptible<T>(
  sources: WakeSources,
  work: () => Promise<T>,
  wakeOn: readonly Wake[],
  options: InterruptibleOptions = {},
): Promise<InterruptibleOutcome<T>> {
  const scope = new CancellationScope();
  let working: Promise<T> | undefined;
  let outcome: InterruptibleOutcome<T>;
  try {
    outcome = await scope.run(async () => {
      const left = options.ignoreDeadline ? undefined : sources.deadlineLeftMs();
      const waits = [left, options.timerMs].filter((t): t is number => t !== undefined);
      const limit = waits.length > 0 ? Math.min(...waits) : undefined;
      const woken = () => sources.woken(wakeOn) !== undefined;
      // The wake-up is set before the work starts: the order of their commands is part of history.
      const wakeUp = (limit === undefined ? condition(woken).then(() => true) : condition(woken, limit)).then(
        (byCondition): InterruptibleOutcome<T> => ({
          wake: byCondition
            ? sources.woken(wakeOn)!
            : left !== undefined && left <= (options.timerMs ?? Infinity)
              ? 'deadline'
              : 'timer',
        }),
      );
      working = work();
      return Promise.race([working.then((done) => ({ done })), wakeUp]);
    });
  } catch (err) {
    scope.cancel();
    if (options.settle && working) await settledOf(working);
    throw err;
  }
  scope.cancel();
  if ('wake' in outcome && options.settle && working) return { ...outcome, settled: await settledOf(working) };
  return outcome;
}
