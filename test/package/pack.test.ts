// The package as another service gets it: `npm pack`, installed from the tarball into a new project,
// a TypeScript file typechecked against the package's declarations (through its `exports` map) and run
// against the test stack, starting a fine-tune to its metrics.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { uniqueName, type TestContext } from '../support/temporal';
import { contextWithExample, testRequest } from '../cli/helpers';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const taskQueue = uniqueName('package');
const folder = mkdtempSync(join(tmpdir(), 'finetune-pack-'));
const consumer = join(folder, 'consumer');
let ctx: TestContext;

beforeAll(async () => {
  ctx = await contextWithExample(taskQueue, 'fine-tuning-prompt-completion');
});
afterAll(async () => {
  await ctx?.close();
  rmSync(folder, { recursive: true, force: true });
});

/** What a service writes: every import from the package name, typed. */
const SERVICE = `
import {
  FailureType,
  FineTuneClient,
  type DatasetStats,
  type FineTuneRequest,
  type FineTuneResult,
  type MetricsSummaryView,
  type Phase,
  type RunFailure,
} from 'bedrock-finetune';

async function main(): Promise<void> {
  const [requestJson, workflowId] = process.argv.slice(2);
  const request: FineTuneRequest = JSON.parse(requestJson);
  const ft = await FineTuneClient.connect();
  try {
    const run = await ft.start(request, { workflowId });
    const outcome = await run.outcome();
    const progress = await run.progress();
    const phase: Phase = progress.phase;
    const dataset: DatasetStats | undefined = progress.dataset;
    const result: FineTuneResult | undefined = outcome.ok ? outcome.result : undefined;
    const metrics: MetricsSummaryView | undefined = result?.metrics;
    const failure: RunFailure | undefined = outcome.ok ? undefined : outcome.failure;
    console.log(
      JSON.stringify({
        phase,
        status: result?.status,
        trainingRecords: dataset?.trainingRecords,
        epochs: metrics?.epochs.length,
        failure: failure?.type,
        failureTypes: Object.values(FailureType),
      }),
    );
  } finally {
    await ft.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;

/** The declarations are real types, not `any`: a wrong phase and a wrong request member do not compile. */
const MISTAKES = `
import type { FineTuneRequest, Phase } from 'bedrock-finetune';
export const phase: Phase = 'sleeping';
export const request: FineTuneRequest = { customModelName: 'x', roleArn: 'r', baseModelIdentifier: 'm', trainingDataConfig: {}, outputDataConfig: { s3Uri: 's3://b/' }, epochs: 3 };
`;

function tsconfig(files: string[]): string {
  return JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'node16',
      moduleResolution: 'node16',
      strict: true,
      outDir: 'dist',
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules', '@types')],
    },
    files,
  });
}

it('installs from the packed tarball, typechecks a service against the exports map and starts a fine-tune', async () => {
  // The test run built dist/ (npm test builds first); packing does not build again.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', folder], { cwd: ROOT });
  const [{ filename, files }] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  const paths = files.map((f) => f.path);
  expect(paths).toEqual(
    expect.arrayContaining(['bin/finetune.js', 'dist/client.js', 'dist/client.d.ts', 'package.json']),
  );
  expect(paths.filter((p) => p.startsWith('src/') || p.startsWith('test/') || p.startsWith('dist/bench/'))).toEqual([]);

  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  // Its dependencies come from the npm cache that `npm ci` filled.
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(folder, filename)], {
    cwd: consumer,
    timeout: 240_000,
  });

  writeFileSync(join(consumer, 'service.ts'), SERVICE);
  writeFileSync(join(consumer, 'tsconfig.json'), tsconfig(['service.ts']));
  await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: consumer });

  writeFileSync(join(consumer, 'mistakes.ts'), MISTAKES);
  writeFileSync(join(consumer, 'tsconfig.mistakes.json'), tsconfig(['mistakes.ts']));
  const mistakes = await run(process.execPath, [TSC, '-p', 'tsconfig.mistakes.json', '--noEmit'], {
    cwd: consumer,
  }).catch((err: { stdout: string }) => err);
  expect('stdout' in mistakes && mistakes.stdout).toMatch(
    /mistakes\.ts.*Type '"sleeping"' is not assignable to type 'Phase'/,
  );
  expect('stdout' in mistakes && mistakes.stdout).toMatch(/'epochs' does not exist in type/);

  // Only the entry point is exported: internals cannot be reached around it.
  const deep = await run(process.execPath, ['-e', "require('bedrock-finetune/dist/cli/main.js')"], {
    cwd: consumer,
  }).catch((err: { stderr: string }) => err);
  expect('stderr' in deep && deep.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
  expect((await run(join(consumer, 'node_modules', '.bin', 'finetune'), ['--version'])).stdout.trim()).toBe(version);

  const id = uniqueName('packed-client');
  const out = await run(
    process.execPath,
    [join(consumer, 'dist', 'service.js'), JSON.stringify(testRequest('fine-tuning-prompt-completion', id)), id],
    { cwd: consumer, env: { ...process.env, TASK_QUEUE: taskQueue }, timeout: 120_000 },
  );
  expect(JSON.parse(out.stdout)).toEqual({
    phase: 'completed',
    status: 'Completed',
    trainingRecords: 95,
    epochs: 3,
    failureTypes: expect.arrayContaining(['InvalidRequest', 'DatasetInvalid', 'BedrockJobFailed']),
  });
}, 400_000);
