// How a run polls its job, from the request's `orchestration.polling` or the `setPolling` update: one
// conversion and one set of limits for both, so neither can set a hot loop of GetModelCustomizationJob
// calls that lasts the job's whole life.
import { DEFAULT_POLLING, type Backoff } from './backoff';
import { durationMs } from './durations';
import type { PollingOptions } from './request';

/**
 * The floors: at these the simulator's compressed clocks still poll often enough for tests, and a real
 * job costs at most one call a second. Anything faster only burns the account's API quota.
 */
export const POLLING_LIMITS = {
  minInitialMs: 100,
  minMaximumMs: 1_000,
  maxCoefficient: 10,
  maxJitter: 0.5,
} as const;

/** The options laid over `base` (the defaults, or the run's current polling for an update). */
export function pollingFrom(options: PollingOptions | undefined, base: Backoff = DEFAULT_POLLING): Backoff {
  return {
    initialMs: options?.initialInterval ? durationMs(options.initialInterval) : base.initialMs,
    maximumMs: options?.maximumInterval ? durationMs(options.maximumInterval) : base.maximumMs,
    coefficient: options?.backoffCoefficient ?? base.coefficient,
    jitter: options?.jitter ?? base.jitter,
  };
}

/** What is wrong with a polling backoff, one sentence per problem (empty when it is fine). */
export function pollingProblems(b: Backoff): string[] {
  const problems: string[] = [];
  const { minInitialMs, minMaximumMs, maxCoefficient, maxJitter } = POLLING_LIMITS;
  if (!(b.initialMs >= minInitialMs)) problems.push(`initialInterval must be at least ${minInitialMs}ms`);
  if (!(b.maximumMs >= minMaximumMs))
    problems.push(`maximumInterval must be at least ${minMaximumMs / 1000}s (a shorter cap polls Bedrock in a loop)`);
  if (!(b.maximumMs >= b.initialMs)) problems.push('maximumInterval must be at least initialInterval');
  if (!(b.coefficient >= 1 && b.coefficient <= maxCoefficient))
    problems.push(`backoffCoefficient must be within 1..${maxCoefficient}`);
  if (!(b.jitter >= 0 && b.jitter <= maxJitter)) problems.push(`jitter must be within 0..${maxJitter}`);
  return problems;
}

const seconds = (ms: number) => (ms < 1000 ? `${ms}ms` : `${Math.round(ms / 1000)}s`);

/** The backoff as the progress query and the update's answer show it. */
export function pollingView(b: Backoff): {
  initialInterval: string;
  maximumInterval: string;
  backoffCoefficient: number;
  jitter: number;
} {
  return {
    initialInterval: seconds(b.initialMs),
    maximumInterval: seconds(b.maximumMs),
    backoffCoefficient: b.coefficient,
    jitter: b.jitter,
  };
}
