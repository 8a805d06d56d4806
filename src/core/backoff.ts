// Capped exponential backoff with jitter for polling a job and for waiting for a free job slot, as pure
// arithmetic so the workflow, the activities and the tests agree on it.
import { durationMs } from './durations';

export interface Backoff {
  initialMs: number;
  coefficient: number;
  maximumMs: number;
  /** Relative: 0.1 spreads each delay uniformly over +/-10 %. */
  jitter: number;
}

/** The defaults of the design: first poll after 30 s, factor 2, cap 5 min, +/-10 %. */
export const DEFAULT_POLLING: Backoff = { initialMs: 30_000, coefficient: 2, maximumMs: 300_000, jitter: 0.1 };

/**
 * The defaults when the worker consumes Bedrock's job events (FINETUNE_EVENTS_QUEUE_URL): an event wakes
 * the run within seconds, so polls are only the safety net for a lost event. First look after 5 min, cap
 * 1 h: a 1-24 h job then costs about one GetModelCustomizationJob per job-hour plus one per event, while a
 * lost event delays the run's notice by at most an hour. (A 30-minute cap alone would keep 2 polls per
 * hour, and the ramp from 30 s another 6 per job: docs/OPERATIONS.md, "Job events".)
 */
export const EVENTS_POLLING: Backoff = { initialMs: 300_000, coefficient: 2, maximumMs: 3_600_000, jitter: 0.1 };

/** What a request may say of the wait for a free customization-job slot (`orchestration.quotaWait`). */
export interface QuotaWaitOptions {
  initialInterval?: string;
  maximumInterval?: string;
}

/**
 * How often a run whose create met a full concurrent-job quota tries again: a slot frees when some job
 * (hours long) ends, so 1 minute doubling to 10 unless the request says otherwise. No jitter: the
 * activity's attempt number alone decides each delay.
 */
export function quotaBackoff(wait: QuotaWaitOptions = {}): Backoff {
  return {
    initialMs: durationMs(wait.initialInterval ?? '1m'),
    maximumMs: durationMs(wait.maximumInterval ?? '10m'),
    coefficient: 2,
    jitter: 0,
  };
}

/** The delay before poll `n` (1-based) of a sequence that started at `startMs`, without jitter. */
export function backoffDelay(b: Backoff, n: number, startMs = b.initialMs): number {
  const raw = startMs * Math.pow(b.coefficient, Math.max(0, n - 1));
  return Math.min(b.maximumMs, raw);
}

/** Applies jitter with a random number in [0, 1) supplied by the caller (replay-safe in workflows). */
export function withJitter(b: Backoff, delayMs: number, random: number): number {
  return Math.max(0, Math.round(delayMs * (1 + b.jitter * (2 * random - 1))));
}
