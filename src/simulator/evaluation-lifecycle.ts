// An evaluation job's status as a pure function of its record and the clock (as a customization job's,
// lifecycle.ts). Setup ends when the datasets have been read (a fact from S3, recorded once); the run
// lasts with the number of prompts; the results written to S3 are the second recorded fact. Before a
// fact is recorded the view stops just before its point and names it `pending`. Durations are ours:
// AWS states none (3P: 5-15 minutes for a 30-50 record judge job).
import { scaledMs } from './resource-lifecycle';
import type { EvaluationRecord } from './resource-records';

export const EVALUATION_TIMING = {
  setupS: 60,
  runBaseS: 120,
  /** 10 prompts: 5 minutes in all; 30: 9; 50: 13. */
  runPerPromptS: 12,
  stoppingS: 60,
  deletingS: 30,
} as const;

export type EvaluationStatus = 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped' | 'Deleting';
export type EvaluationEffect = 'datasets' | 'results';

export interface EvaluationView {
  status: EvaluationStatus;
  lastModifiedTimeMs: number;
  failureMessages?: string[];
  pending?: { effect: EvaluationEffect; atMs: number };
  /** Gone (after BatchDeleteEvaluationJob and its Deleting time). */
  gone?: boolean;
}

export const FORCED_EVALUATION_FAILURE =
  'The evaluation job failed (forced by the reserved tag simulator:outcome=fail-evaluation).';

function beforeDelete(e: EvaluationRecord, nowMs: number): EvaluationView {
  const created = e.creationTimeMs;
  const setupEnd = created + scaledMs(e, EVALUATION_TIMING.setupS);
  const stopAt = e.stopRequestedAtMs !== undefined && e.stopRequestedAtMs <= nowMs ? e.stopRequestedAtMs : undefined;
  const stopped = (endMs: number): EvaluationView | undefined => {
    if (stopAt === undefined || stopAt >= endMs) return undefined;
    const stoppedAt = stopAt + scaledMs(e, EVALUATION_TIMING.stoppingS);
    return nowMs < stoppedAt
      ? { status: 'Stopping', lastModifiedTimeMs: stopAt }
      : { status: 'Stopped', lastModifiedTimeMs: stoppedAt };
  };
  const byStop = stopped(setupEnd);
  if (byStop) return byStop;
  if (nowMs < setupEnd) return { status: 'InProgress', lastModifiedTimeMs: created };
  if (!e.datasets)
    return { status: 'InProgress', lastModifiedTimeMs: created, pending: { effect: 'datasets', atMs: setupEnd } };
  if (!e.datasets.ok)
    return { status: 'Failed', lastModifiedTimeMs: setupEnd, failureMessages: e.datasets.failureMessages };
  const runEnd =
    setupEnd + scaledMs(e, EVALUATION_TIMING.runBaseS + EVALUATION_TIMING.runPerPromptS * e.datasets.prompts);
  const stoppedInRun = stopped(runEnd);
  if (stoppedInRun) return stoppedInRun;
  if (nowMs < runEnd) return { status: 'InProgress', lastModifiedTimeMs: setupEnd };
  if (e.forcedFailure)
    return { status: 'Failed', lastModifiedTimeMs: runEnd, failureMessages: [FORCED_EVALUATION_FAILURE] };
  if (!e.results)
    return { status: 'InProgress', lastModifiedTimeMs: setupEnd, pending: { effect: 'results', atMs: runEnd } };
  if (!e.results.ok)
    return { status: 'Failed', lastModifiedTimeMs: runEnd, failureMessages: e.results.failureMessages };
  return { status: 'Completed', lastModifiedTimeMs: runEnd };
}

export function evaluateEvaluation(e: EvaluationRecord, nowMs: number): EvaluationView {
  const deleteAt = e.deleteRequestedAtMs;
  if (deleteAt === undefined || deleteAt > nowMs) return beforeDelete(e, nowMs);
  const goneAt = deleteAt + scaledMs(e, EVALUATION_TIMING.deletingS);
  return { status: 'Deleting', lastModifiedTimeMs: deleteAt, ...(nowMs >= goneAt ? { gone: true } : {}) };
}

/** Only finished jobs can be deleted (BatchDeleteEvaluationJob's rule). */
export function deletable(status: EvaluationStatus): boolean {
  return status === 'Completed' || status === 'Failed' || status === 'Stopped';
}
