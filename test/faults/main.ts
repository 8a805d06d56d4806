// `npm run faults -- [--runs N] [--seed S] [--fault KIND] [--run I] [--keep]`: the seeded fault suite.
// Prints one row per run (run, fault, the point aimed at, whether it landed there, where, outcome, jobs,
// verdict, time), then per (fault, point) how many of its draws landed, a `hits:` line, and last
// `faults: P/N runs right (seed S)`; exits 0 only when every run is right and every point drawn was hit
// in at least 80 % of its draws.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hitsLine, hitTable } from './hits';
import { FAULT_KINDS, type FaultKind } from './plan';
import { runFaultSuite } from './suite';

const USAGE = `usage: npm run faults -- [--runs N] [--seed S] [--fault ${FAULT_KINDS.join('|')}] [--run I] [--keep]
  --runs N    how many runs, each with one random fault (default 10)
  --seed S    the seed; the same seed draws the same faults (default: a new one, printed)
  --fault K   every run draws this kind of fault (its point and numbers are still drawn)
  --run I     only run I of the seed, to replay a wrong one
  --keep      keep the stack's folder (logs, SQLite, simulator state) even when every run is right`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function positive(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail(`${flag} takes a whole number of at least 1; got '${text}'`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        runs: { type: 'string' },
        seed: { type: 'string' },
        fault: { type: 'string' },
        run: { type: 'string' },
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.fault !== undefined && !(FAULT_KINDS as readonly string[]).includes(values.fault))
    fail(`--fault takes one of ${FAULT_KINDS.join(', ')}; got '${values.fault}'`);
  const seed = values.seed ?? randomBytes(3).toString('hex');
  const runs = positive(values.runs, '--runs', 10);
  const result = await runFaultSuite({
    runs,
    seed,
    ...(values.fault ? { only: values.fault as FaultKind } : {}),
    ...(values.run ? { run: positive(values.run, '--run', 1) } : {}),
    keep: values.keep === true,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const total = result.records.length;
  for (const r of result.records.filter((x) => !x.verdict.right)) {
    const fault = values.fault ? ` --fault ${values.fault}` : '';
    process.stdout.write(`replay run ${r.run}: npm run faults -- --seed ${seed}${fault} --run ${r.run}\n`);
  }
  process.stdout.write(`${hitTable(result.hits).join('\n')}\n`);
  process.stdout.write(`took ${Math.round(result.seconds)} s\n`);
  process.stdout.write(`${hitsLine(result.hits)}\n`);
  process.stdout.write(`faults: ${result.right}/${total} runs right (seed ${seed})\n`);
  process.exitCode = result.passed ? 0 : 1;
}

main().catch((err: unknown) => {
  process.stderr.write(
    `fault suite failed to run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(2);
});
