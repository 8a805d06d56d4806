// How a run fails: one typed ApplicationFailure (core/failures.ts) whose details carry what is known
// of the job, its metrics and its clean-up, so callers read `failure.type` and the details directly.
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { FailureType } from '../core/failures';
import { isObject } from '../core/json';
import type { RunState } from './run-state';

/** What every failure of the run carries as its details: the job, its status, metrics, the clean-up. */
export function failureDetails(s: RunState): Record<string, unknown> {
  return {
    jobArn: s.job?.jobArn,
    jobName: s.job?.jobName,
    jobStatus: s.snapshot?.status,
    ...(s.snapshot?.outputModelArn ? { customModelArn: s.snapshot.outputModelArn } : {}),
    metrics: s.metrics,
    ...(s.metricsError !== undefined ? { metricsError: s.metricsError } : {}),
    ...(s.cleanup ? { cleanup: s.cleanup } : {}),
    ...(s.promotion ? { promotion: s.promotion } : {}),
  };
}

/** Ends the run with a typed failure that carries what is known as its details. */
export function fail(state: RunState, type: FailureType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, details: [failureDetails(state)] });
}

/**
 * An activity's typed failure (InvalidRequest, DatasetInvalid, JobNameTaken, ...) becomes the run's
 * own, so callers read `failure.type` directly; with `withJob`, its details gain the job and the
 * clean-up. Anything else is left as it is.
 */
export function typedFailure(err: unknown, state: RunState, withJob: boolean): unknown {
  if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable)) {
    return err;
  }
  const cause = err.cause;
  const details = cause.details as unknown[] | undefined;
  return ApplicationFailure.create({
    type: cause.type ?? undefined,
    message: cause.message,
    details: withJob
      ? [{ ...(isObject(details?.[0]) ? details[0] : {}), ...failureDetails(state) }, ...(details?.slice(1) ?? [])]
      : details,
    nonRetryable: true,
  });
}

/** The real cause of an activity's failure, not "Activity task failed". */
export function causeMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
