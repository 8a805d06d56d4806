// Crashes, throttling, quotas and long jobs: real worker processes killed with SIGKILL, extra
// simulators with faults switched on.
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FINETUNE_BIN } from '../../src/stack/local-stack';
import { FineTunePhaseKey } from '../../src/core/search-attributes';
import { createJobDirectly, novaFineTune, simulatorTags } from '../support/datasets';
import { jobsOfRun } from '../support/jobs';
import { ownSimulator } from '../support/own-simulator';
import { testContext, uniqueName, type TestContext } from '../support/temporal';
import { waitFor } from '../support/wait';

let ctx: TestContext;
const scratch = mkdtempSync(join(tmpdir(), 'finetune-durability-'));

beforeAll(async () => {
  ctx = await testContext(uniqueName('durability'));
});
afterAll(async () => {
  await ctx?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function workerProcess(taskQueue: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [FINETUNE_BIN, 'worker'], {
    env: { ...process.env, TASK_QUEUE: taskQueue, ...env },
    stdio: 'ignore',
  });
}

it('creates exactly one job when the worker is killed with SIGKILL right after creating it', async () => {
  const taskQueue = uniqueName('kill');
  const prefix = uniqueName('kill');
  // The create's answer is held after the job is committed, so the kill lands while the create is in flight
  // and the next worker must create again: with the same name and token, Bedrock answers with the same job.
  const request = await novaFineTune(ctx.aws.s3, prefix, 20, {
    jobTags: [simulatorTags.timeScale(200), { key: 'simulator:reply-delay-ms', value: '3000' }],
  });
  let worker = workerProcess(taskQueue);
  try {
    const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
    await waitFor(
      'the job to exist in Bedrock',
      async () => ((await jobsOfRun(ctx.aws.bedrock, prefix)).length > 0 ? true : undefined),
      120_000,
      50,
    );
    worker.kill('SIGKILL');
    await new Promise((resolve) => worker.once('exit', resolve));
    worker = workerProcess(taskQueue);
    const result = await run.result();
    expect(result.status).toBe('Completed');
    // Counted by the run's lineage tag: a second job, under whatever name, would be seen.
    expect(await jobsOfRun(ctx.aws.bedrock, prefix)).toHaveLength(1);
  } finally {
    worker.kill('SIGTERM');
    await new Promise((resolve) => (worker.exitCode !== null ? resolve(undefined) : worker.once('exit', resolve)));
  }
});

it('rides out a throttling and 5xx storm with exactly one job', async () => {
  const sim = await ownSimulator(scratch, { flags: ['--throttle-rate', '0.5', '--error-rate', '0.2'] });
  const taskQueue = uniqueName('storm');
  try {
    await ctx.startWorker(taskQueue, { bedrock: sim.workerBedrock });
    const prefix = uniqueName('storm');
    const request = await novaFineTune(ctx.aws.s3, prefix, 20);
    const result = await (await ctx.fineTune.start(request, { workflowId: prefix, taskQueue })).result();
    expect(result.status).toBe('Completed');
    // A patient client to count jobs through the storm.
    const quiet = new BedrockClient({ region: 'us-east-1', endpoint: sim.endpoint, maxAttempts: 20 });
    expect(await jobsOfRun(quiet, prefix)).toHaveLength(1);
    quiet.destroy();
  } finally {
    await sim.stop();
  }
});

it('waits for a free slot when the concurrent-job quota is full, visibly', async () => {
  const sim = await ownSimulator(scratch, { flags: ['--max-concurrent-jobs', '1'] });
  const taskQueue = uniqueName('quota');
  try {
    await ctx.startWorker(taskQueue, { bedrock: sim.workerBedrock });
    // Another job holds the only slot for a few seconds.
    const blocker = await novaFineTune(ctx.aws.s3, uniqueName('blocker'), 20);
    await createJobDirectly(sim.bedrock, blocker, {
      jobName: uniqueName('blocker-job'),
      customModelName: uniqueName('blocker-model'),
      jobTags: [simulatorTags.timeScale(150)],
    });
    const prefix = uniqueName('quota');
    const request = await novaFineTune(ctx.aws.s3, prefix, 20);
    request.orchestration = { ...request.orchestration, quotaWait: { initialInterval: '1s', maximumInterval: '2s' } };
    const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
    await waitFor(
      'phase waiting-for-quota',
      async () => ((await run.progress()).phase === 'waiting-for-quota' ? true : undefined),
      30_000,
    );
    const described = await run.handle.describe();
    expect(described.typedSearchAttributes.get(FineTunePhaseKey)).toBe('waiting-for-quota');
    const result = await run.result();
    expect(result.status).toBe('Completed');
  } finally {
    await sim.stop();
  }
});

it('keeps history bounded by state changes: a 24-hour job costs what a 1-hour job costs', async () => {
  const taskQueue = uniqueName('history');
  await ctx.startWorker(taskQueue);
  // Nova Micro, 5 epochs: 12,800 records is ~25 simulated hours, 1,000 records ~2 hours; both at
  // 5000x time (18 s and 1.5 s) and with the same polling, so the long one makes ~12x the polls: 18 or
  // more, each of which would add at least 3 events if polls were recorded.
  const lengths: Record<string, number> = {};
  for (const [label, records] of [
    ['short', 1_000],
    ['long', 12_800],
  ] as const) {
    const prefix = uniqueName(`history-${label}`);
    const request = await novaFineTune(ctx.aws.s3, prefix, records, {
      jobTags: [simulatorTags.timeScale(5000)],
      hyperParameters: { epochCount: '5' },
    });
    request.orchestration = { polling: { initialInterval: '500ms', maximumInterval: '1s' } };
    const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
    const result = await run.result();
    expect(result.status).toBe('Completed');
    lengths[label] = (await run.handle.describe()).historyLength;
  }
  process.stderr.write(`history events: ~2-hour job ${lengths.short}, ~25-hour job ${lengths.long}\n`);
  expect(lengths.long).toBeLessThanOrEqual(150);
  expect(lengths.short).toBeLessThanOrEqual(150);
  // Polls add nothing; only observed state changes do (about 7 events each). A fast job can finish a
  // phase between two polls, so the two may differ by a state change or two, never by the 12x polls.
  expect(Math.abs(lengths.long - lengths.short)).toBeLessThanOrEqual(14);
}, 300_000);
