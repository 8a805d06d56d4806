// The fair queue's figures in bench:orchestrate, from the runs' job spans alone (pure, so a unit test
// checks the arithmetic): how busy the quota's slots were, and how each tenant (fairness key) fared.
import { quantiles, type Quantiles } from './quantiles';
import type { RunSteps } from './run-history';

/** One run as these figures see it: its tenant, when it started, and its job's span (epoch ms). */
export interface QueuedRun {
  tenant: string;
  startedAt: number;
  job?: { from: number; to: number };
}

export interface TenantFigures {
  tenant: string;
  weight: number;
  runs: number;
  /** From the run's start to its job's creation, seconds. */
  waitS: Quantiles;
  /** Its share of the busy slot-time while every tenant still had runs waiting (0..1). */
  share: number;
  /** What its weight entitles it to over the same window (0..1). */
  weightShare: number;
}

export interface QueueFigures {
  /** Busy slot-time over Q x makespan (first start to last job end), 0..1. */
  utilisation: number;
  makespanS: number;
  /** The window the shares are measured over: from the last tenant's first start until the first tenant's last job began. */
  contendedS: number;
  tenants: TenantFigures[];
}

const overlap = (span: { from: number; to: number }, from: number, to: number) =>
  Math.max(0, Math.min(span.to, to) - Math.max(span.from, from));

/**
 * Slot utilisation and each tenant's share. A tenant's share counts only while every tenant had runs
 * waiting: before a tenant's first run arrived, and once its last job has started, the others may take
 * all its slots, as they should.
 */
export function queueFigures(runs: QueuedRun[], quota: number, weights: Record<string, number>): QueueFigures {
  const jobs = runs.filter((r) => r.job).map((r) => ({ tenant: r.tenant, ...r.job! }));
  const first = Math.min(...runs.map((r) => r.startedAt));
  const last = Math.max(first, ...jobs.map((j) => j.to));
  const busy = jobs.reduce((sum, j) => sum + (j.to - j.from), 0);
  const names = [...new Set(runs.map((r) => r.tenant))].sort();
  const contendedFrom = Math.max(
    ...names.map((t) => Math.min(...runs.filter((r) => r.tenant === t).map((r) => r.startedAt))),
  );
  const lastGrant = names.map((t) => Math.max(first, ...jobs.filter((j) => j.tenant === t).map((j) => j.from)));
  const contendedUntil = Math.max(contendedFrom, Math.min(...lastGrant));
  const busyIn = (tenant?: string) =>
    jobs
      .filter((j) => tenant === undefined || j.tenant === tenant)
      .reduce((sum, j) => sum + overlap(j, contendedFrom, contendedUntil), 0);
  const allBusy = busyIn();
  const weightOf = (t: string) => weights[t] ?? 1;
  const weightSum = names.reduce((sum, t) => sum + weightOf(t), 0);
  return {
    utilisation: last > first ? busy / (quota * (last - first)) : NaN,
    makespanS: (last - first) / 1000,
    contendedS: (contendedUntil - contendedFrom) / 1000,
    tenants: names.map((tenant) => {
      const mine = runs.filter((r) => r.tenant === tenant);
      return {
        tenant,
        weight: weightOf(tenant),
        runs: mine.length,
        waitS: quantiles(mine.filter((r) => r.job).map((r) => (r.job!.from - r.startedAt) / 1000)),
        share: allBusy > 0 ? busyIn(tenant) / allBusy : NaN,
        weightShare: weightOf(tenant) / weightSum,
      };
    }),
  };
}

/** The tenant of run `i` of `n`: tenants take contiguous blocks, so first come first served alone would starve the last. */
export function tenantOf(i: number, n: number, tenants: number): string {
  return `tenant-${Math.floor((i * tenants) / n)}`;
}

/** Where the time between one job's end and the next job's creation in its slot goes, seconds. */
export interface HandoffFigures {
  /** From a job's end to the next job created (the latest end before each create, after the first Q). */
  gapS: Quantiles;
  /** The job's end to its event's poke reaching the run (simulator tick, SQS, the consumer). */
  endToPokeS: Quantiles;
  /** The poke to the run's poll recording the end (a workflow task, a Get). */
  pokeToNoticedS: Quantiles;
  /** The end recorded to the release signal sent. */
  noticedToReleasedS: Quantiles;
  /** A grant reaching a run from the latest release before it (the keeper's workflow task, a signal). */
  releasedToGrantedS: Quantiles;
  /** The grant reaching the run to its job's create recorded (a workflow task, a create). */
  grantedToCreatedS: Quantiles;
}

/** The handoff's steps from the runs' histories (server times) and their jobs' ends. */
export function handoffFigures(
  runs: { steps: RunSteps; job?: { from: number; to: number } }[],
  quota: number,
): HandoffFigures {
  const s = (xs: number[]) => quantiles(xs.map((x) => x / 1000));
  const pairs = (pick: (r: (typeof runs)[number]) => [number | undefined, number | undefined]) =>
    runs
      .map(pick)
      .filter((p): p is [number, number] => p[0] !== undefined && p[1] !== undefined)
      .map(([a, b]) => b - a);
  const ends = runs.flatMap((r) => (r.job ? [r.job.to] : [])).sort((a, b) => a - b);
  const releases = runs
    .flatMap((r) => (r.steps.releasedAt !== undefined ? [r.steps.releasedAt] : []))
    .sort((a, b) => a - b);
  const latestBefore = (sorted: number[], t: number) => {
    let found: number | undefined;
    for (const x of sorted) {
      if (x > t) break;
      found = x;
    }
    return found;
  };
  const creates = runs
    .flatMap((r) => (r.job ? [r.job.from] : []))
    .sort((a, b) => a - b)
    .slice(quota);
  const sinceLatest = (sorted: number[], times: number[]) =>
    times.flatMap((t) => {
      const before = latestBefore(sorted, t);
      return before === undefined ? [] : [t - before];
    });
  return {
    gapS: s(sinceLatest(ends, creates)),
    endToPokeS: s(pairs((r) => [r.job?.to, r.steps.pokedAt])),
    pokeToNoticedS: s(pairs((r) => [r.steps.pokedAt, r.steps.noticedAt])),
    noticedToReleasedS: s(pairs((r) => [r.steps.noticedAt, r.steps.releasedAt])),
    releasedToGrantedS: s(
      sinceLatest(
        releases,
        runs.flatMap((r) => (r.steps.grantedAt !== undefined ? [r.steps.grantedAt] : [])),
      ),
    ),
    grantedToCreatedS: s(pairs((r) => [r.steps.grantedAt, r.steps.createdAt])),
  };
}
