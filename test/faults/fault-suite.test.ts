// The fault suite as part of `npm test`: a few seeded runs on a stack of its own (two worker processes,
// Temporal on SQLite, the simulator with a state file). The full tool is `npm run faults` (main.ts).
// Seed s130 draws, in order: 30 % throttling + 5 % 5xx; the simulator SIGKILLed while a create answer
// is held; a stop and a cancel while the create answer is held (the job is committed, its ARN not yet
// known to the run); a stop while the create that waited for a free quota slot is in flight; a worker
// SIGKILLed while the run waits; Temporal restarted while the run waits; create answers lost. No fault
// in it waits out a killed worker's activity timeout, so it fits in a few minutes. Every run must be
// right, and every point drawn must be hit where aimed (8 points, each drawn once, so each must land:
// README "Where faults land"); s130 does, with the worker kill aimed at the run's workflow worker.
import { belowRate, hitTable } from './hits';
import { runFaultSuite, tableRow } from './suite';

const SEED = 's130';
const RUNS = 8;

jest.setTimeout(10 * 60_000);

test(`every run of seed ${SEED} under its fault: one job, its status consistent with the run's end; every fault where aimed`, async () => {
  const result = await runFaultSuite({
    runs: RUNS,
    seed: SEED,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  expect(result.records).toHaveLength(RUNS);
  const wrong = result.records.filter((r) => !r.verdict.right).map((r) => `${tableRow(r)}: ${r.verdict.why}`);
  expect(wrong).toEqual([]);
  // A fault that missed its point proves nothing about it: every point drawn is hit in 80 % of its draws.
  process.stderr.write(`${hitTable(result.hits).join('\n')}\n`);
  expect(result.hits.filter(belowRate)).toEqual([]);
});
