// Capped exponential backoff with jitter for polling a job, as pure arithmetic so the workflow, the
// poll activity and the tests agree on it.

export interface Backoff {
  initialMs: number;
  coefficient: number;
  maximumMs: number;
  /** Relative: 0.1 spreads each delay uniformly over +/-10 %. */
  jitter: number;
}

/** The defaults of the design: first poll after 30 s, factor 2, cap 5 min, +/-10 %. */
export const DEFAULT_POLLING: Backoff = { initialMs: 30_000, coefficient: 2, maximumMs: 300_000, jitter: 0.1 };

/** The delay before poll `n` (1-based) of a sequence that started at `startMs`, without jitter. */
export function backoffDelay(b: Backoff, n: number, startMs = b.initialMs): number {
  const raw = startMs * Math.pow(b.coefficient, Math.max(0, n - 1));
  return Math.min(b.maximumMs, raw);
}

/** Applies jitter with a random number in [0, 1) supplied by the caller (replay-safe in workflows). */
export function withJitter(b: Backoff, delayMs: number, random: number): number {
  return Math.max(0, Math.round(delayMs * (1 + b.jitter * (2 * random - 1))));
}
