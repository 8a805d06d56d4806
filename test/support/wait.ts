import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** How a run failed: the ApplicationFailure type and message, or 'cancelled'. */
export async function failureOf(
  result: Promise<unknown>,
): Promise<{ type: string; message: string; details?: unknown[] }> {
  try {
    await result;
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    if (err.cause instanceof CancelledFailure) return { type: 'cancelled', message: err.cause.message };
    if (err.cause instanceof ApplicationFailure)
      return {
        type: err.cause.type ?? 'unknown',
        message: err.cause.message,
        details: err.cause.details as unknown[] | undefined,
      };
    throw err;
  }
  throw new Error('the run succeeded, a failure was expected');
}
