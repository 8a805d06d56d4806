// bench:orchestrate once at a small N, so it cannot rot: its own stack, a worker process, 20 runs
// through the typed client, waiting through visibility, figures read from histories and /proc.
// Outcomes only (every run completed with exactly one job); the figures it prints are never asserted.
import { finalLine, table } from '../../bench/orchestrate-report';
import { measureOrchestration, peakOverlap } from '../../bench/orchestrate-run';

jest.setTimeout(600_000);

test('bench:orchestrate at N = 20: every run completes, exactly one job each, one table and the closing line', async () => {
  const lines: string[] = [];
  const figures = await measureOrchestration({
    jobs: 20,
    workers: 1,
    // Fast: this checks the benchmark works, not what it measures (jobs of 0.25-0.5 h: 3-6 s real).
    timeScale: 300,
    jobHours: { min: 0.25, max: 0.5 },
    temporalDb: 'file',
    sqlitePragmas: [],
    burst: 10,
    startRate: 10, // the second burst a second after the first
    keep: false,
    log: (line) => lines.push(line),
  });
  expect(figures.outcomes).toEqual({ Completed: 20 });
  expect(figures.completed).toBe(20);
  expect(figures.jobsCreated).toBe(20);
  expect(figures.distinctJobArns).toBe(20);
  expect(figures.getCalls).toBeGreaterThan(0);
  expect(figures.peakJobsInProgress).toBeGreaterThan(0);
  expect(figures.peakJobsInProgress).toBeLessThanOrEqual(20);
  expect(figures.processes.map((p) => p.name)).toEqual(
    expect.arrayContaining(['Temporal dev server', 'Bedrock simulator', 'worker 1']),
  );
  for (const p of figures.processes) expect(p.peakRssMb).toBeGreaterThan(0);
  expect(table([figures])).toContain('| jobs created (must equal N) | 20 (20 distinct in results) |');
  expect(finalLine(figures)).toMatch(
    /^orchestrate: 20\/20 completed, 20 jobs, worker peak RSS \d+ MB, detection lag p95 \d+\.\d\d s$/,
  );
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
