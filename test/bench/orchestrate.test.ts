// bench:orchestrate once at a small N, so it cannot rot: its own stack, a worker process, N runs
// through the typed client in two bursts, waiting through visibility, figures read from histories and
// /proc. Outcomes only (every run completed with exactly one job); the figures it prints are never
// asserted. N = 10 (it was 20) still makes what the benchmark makes at any N: two bursts of starts a
// second apart, jobs overlapping, a detection-lag p95 and peak figures; it proves the code path, and
// twice the runs prove it no better.
import { finalLine, table } from '../../bench/orchestrate-report';
import { measureOrchestration, peakOverlap } from '../../bench/orchestrate-run';

jest.setTimeout(600_000);

const N = 10;

/** One worker, the dev server's SQLite file as `finetune dev` runs it, nothing kept. */
const small = { workers: 1, temporalDb: 'file' as const, sqlitePragmas: [] as string[], keep: false };

test(`bench:orchestrate at N = ${N}: every run completes, exactly one job each, one table and the closing line`, async () => {
  const lines: string[] = [];
  const figures = await measureOrchestration({
    ...small,
    jobs: N,
    // Fast: this checks the benchmark works, not what it measures (jobs of 0.25-0.5 h: 3-6 s real).
    timeScale: 300,
    jobHours: { min: 0.25, max: 0.5 },
    burst: N / 2,
    startRate: N / 2, // the second burst a second after the first
    log: (line) => lines.push(line),
  });
  expect(figures.outcomes).toEqual({ Completed: N });
  expect(figures.completed).toBe(N);
  expect(figures.jobsCreated).toBe(N);
  expect(figures.distinctJobArns).toBe(N);
  expect(figures.getCalls).toBeGreaterThan(0);
  expect(figures.peakJobsInProgress).toBeGreaterThan(0);
  expect(figures.peakJobsInProgress).toBeLessThanOrEqual(N);
  expect(figures.processes.map((p) => p.name)).toEqual(
    expect.arrayContaining(['Temporal dev server', 'Bedrock simulator', 'worker 1']),
  );
  for (const p of figures.processes) expect(p.peakRssMb).toBeGreaterThan(0);
  expect(table([figures])).toContain(`| jobs created (must equal N) | ${N} (${N} distinct in results) |`);
  expect(finalLine(figures)).toMatch(
    new RegExp(
      `^orchestrate: ${N}/${N} completed, ${N} jobs, worker peak RSS \\d+ MB, detection lag p95 \\d+\\.\\d\\d s$`,
    ),
  );
});

test('bench:orchestrate with a quota: the fair queue gives two tenants their slots, one create per job', async () => {
  const n = 12;
  const quota = 3;
  const figures = await measureOrchestration({
    ...small,
    jobs: n,
    // Events on, so S may reach 3,600: jobs of 2-3 simulated hours last 2-3 s.
    timeScale: 3600,
    jobHours: { min: 2, max: 3 },
    burst: n,
    quota,
    tenants: 2,
    weights: [2, 1],
    events: true,
    log: () => undefined,
  });
  expect(figures.outcomes).toEqual({ Completed: n });
  expect(figures.jobsCreated).toBe(n);
  // The queue holds every run until a slot is free: Bedrock never refuses a create.
  expect(figures.createCalls).toBe(n);
  expect(figures.peakJobsInProgress).toBeLessThanOrEqual(quota);
  const q = figures.queueFigures!;
  expect(q.utilisation).toBeGreaterThan(0);
  expect(q.utilisation).toBeLessThanOrEqual(1);
  expect(q.tenants.map((t) => [t.tenant, t.runs, t.weight])).toEqual([
    ['tenant-0', 6, 2],
    ['tenant-1', 6, 1],
  ]);
  const text = table([figures]);
  expect(text).toContain('| create calls per job | 1.00 |');
  expect(text).toMatch(
    /\| tenant-1: share of slots while all wait \(weight's share\) \| [\d.]+ % \(33\.3 %, weight 1\) \|/,
  );
  expect(finalLine(figures)).toMatch(/, utilisation [\d.]+ %, 1\.00 creates per job$/);
});

test('the jobs in progress at once: spans that touch end before the next begins', () => {
  expect(peakOverlap([])).toBe(0);
  expect(
    peakOverlap([
      { from: 0, to: 10 },
      { from: 5, to: 15 },
      { from: 10, to: 20 },
      { from: 6, to: 7 },
    ]),
  ).toBe(3);
});
