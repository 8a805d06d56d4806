// The operator's commands against the running stack, with their exit codes: poke, set-polling, cancel,
// stop --wait, retry, the list shortcuts and watch's extras.
import { GetModelCustomizationJobCommand } from '@aws-sdk/client-bedrock';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FineTuneRequest, LiveProgress, PollingOptions } from '../../src/client';
import { STOPPABLE_JOB_TIME_SCALE } from '../support/constants';
import { uniqueName, type TestContext } from '../support/temporal';
import { datasets, DATA_BUCKET } from '../support/datasets';
import { failureOf, waitFor } from '../support/wait';
import { contextWithExample, json, runCli, testRequest } from './helpers';

const taskQueue = uniqueName('cli-operate');
const EXAMPLE = 'fine-tuning-prompt-completion';
/** The run looks at its job only an hour after creating it: until an operator steps in. */
const SLOW_POLLING: PollingOptions = { initialInterval: '1h', maximumInterval: '1h', backoffCoefficient: 2, jitter: 0 };
let ctx: TestContext;

beforeAll(async () => {
  ctx = await contextWithExample(taskQueue, EXAMPLE);
});
afterAll(() => ctx?.close());

async function startRun(
  prefix: string,
  options: { polling?: PollingOptions; timeScale?: number; tags?: { key: string; value: string }[] } = {},
  change: (r: FineTuneRequest) => FineTuneRequest = (r) => r,
) {
  const id = uniqueName(prefix);
  const request = testRequest(EXAMPLE, id, { timeScale: options.timeScale, tags: options.tags });
  if (options.polling) request.orchestration = { ...request.orchestration, polling: options.polling };
  const run = await ctx.fineTune.start(change(request), { workflowId: id });
  return { id, run };
}

const jobCreated = (run: Awaited<ReturnType<typeof startRun>>['run']) =>
  waitFor('the job to be created', async () => (await run.progress()).jobArn, 60_000);

it('--version prints the package version', async () => {
  const version = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string })
    .version;
  expect(await runCli(['--version'], { taskQueue })).toMatchObject({ code: 0, stdout: `${version}\n` });
});

it('poke makes a run look at its job now; poking an ended run exits 2', async () => {
  const { id, run } = await startRun('poke', { polling: SLOW_POLLING });
  const jobArn = await jobCreated(run);
  // Only once Bedrock says Completed does one look end the wait (else the run waits its hour again).
  await waitFor('the job to complete on the simulator', async () => {
    const job = await ctx.aws.bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }));
    return job.status === 'Completed' ? true : undefined;
  });
  expect((await run.progress()).pollsRecorded).toBe(0);

  const poke = await runCli(['poke', id, '--json'], { taskQueue });
  expect(poke.code).toBe(0);
  expect(json(poke)).toEqual({ workflowId: id, poked: true });
  expect((await run.result()).status).toBe('Completed');

  const again = await runCli(['poke', id], { taskQueue });
  expect(again.code).toBe(2);
  expect(again.stderr).toContain(`Nothing to poke: run ${id} has already ended (completed, phase completed)`);
});

it('set-polling changes the intervals of a running run and refuses bad values (exit 2); watch shows elapsed time and the loss', async () => {
  const { id, run } = await startRun('set-polling', { polling: SLOW_POLLING });
  await jobCreated(run);
  // Watched from before the change to the end.
  const watching = runCli(['watch', id, '--interval', '0.3'], { taskQueue });
  await new Promise((resolve) => setTimeout(resolve, 1500));

  const none = await runCli(['set-polling', id], { taskQueue });
  expect(none.code).toBe(2);
  expect(none.stderr).toContain('Say what to change: --initial, --max, --backoff and/or --jitter.');
  const bad = await runCli(['set-polling', id, '--initial', 'soon'], { taskQueue });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('The polling settings are not valid:');
  expect(bad.stderr).toContain("--initial: must be a duration like '30s', '15m', '12h' or '2d'");
  const jitter = await runCli(['set-polling', id, '--jitter', '0.9', '--max', '10ms'], { taskQueue });
  expect(jitter.code).toBe(2);
  expect(jitter.stderr).toContain('--jitter must be within 0..0.5');
  expect(jitter.stderr).toContain('--max must be at least 1s');
  // Valid on its own, refused by the run: its first wait is an hour, longer than this cap.
  const refused = await runCli(['set-polling', id, '--max', '1m'], { taskQueue });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain(
    'The run refused the polling settings: maximumInterval must be at least initialInterval',
  );

  const changed = await runCli(['set-polling', id, '--initial', '1s', '--max', '2s', '--backoff', '1.5', '--json'], {
    taskQueue,
  });
  expect(changed.code).toBe(0);
  expect(json(changed)).toEqual({
    workflowId: id,
    polling: { initialInterval: '1s', maximumInterval: '2s', backoffCoefficient: 1.5, jitter: 0 },
  });
  const watch = await watching;
  expect(watch.code).toBe(0);
  // The first poll is an hour away: read within the same second it rounds to '1h 00m'.
  expect(watch.stdout).toMatch(
    /^\d\d:\d\d:\d\d training \| job created \| next poll in (59m \d\ds|1h 00m) \| elapsed \d+(s|m \d\ds)$/m,
  );
  expect(watch.stdout).toMatch(
    /^\d\d:\d\d:\d\d completed \| job Completed \| .*loss [▁▂▃▄▅▆▇█]{3} \d\.\d{4} -> \d\.\d{4}$/m,
  );
  expect((await run.result()).status).toBe('Completed');
  expect((await runCli(['set-polling', id, '--initial', '1s'], { taskQueue })).code).toBe(2);
});

it('stop --wait follows the run to Stopped (exit 0); cancel --wait ends a run cancelled (exit 0); without --wait both return at once; both exit 2 on an ended run', async () => {
  const stopped = await startRun('stop-wait', { timeScale: STOPPABLE_JOB_TIME_SCALE });
  await jobCreated(stopped.run);
  const stop = await runCli(['stop', stopped.id, '--reason', 'wrong data', '--wait', '--json'], { taskQueue });
  expect(stop.code).toBe(0);
  expect(json(stop)).toMatchObject({
    workflowId: stopped.id,
    stopAccepted: true,
    phase: 'training',
    outcome: 'failed',
    failure: { type: 'BedrockJobStopped', details: { jobStatus: 'Stopped' } },
  });

  const cancelled = await startRun('cancel-wait', { timeScale: STOPPABLE_JOB_TIME_SCALE });
  await jobCreated(cancelled.run);
  const cancel = await runCli(['cancel', cancelled.id, '--wait', '--json'], { taskQueue });
  expect(cancel.code).toBe(0);
  expect(json(cancel)).toMatchObject({
    workflowId: cancelled.id,
    cancelRequested: true,
    outcome: 'failed',
    failure: { type: 'Cancelled' },
  });
  expect((await cancelled.run.progress()).jobStatus).toBe('Stopped');

  // Without --wait: accepted, and the run goes on stopping (ended here by terminating it).
  for (const [command, expected] of [
    ['stop', { stopAccepted: true, phase: 'training' }],
    ['cancel', { cancelRequested: true }],
  ] as const) {
    const { id, run } = await startRun(`${command}-json`, { timeScale: 10 });
    await jobCreated(run);
    const out = await runCli([command, id, '--json'], { taskQueue });
    expect(out.code).toBe(0);
    expect(json(out)).toEqual({ workflowId: id, ...expected });
    await run.handle.terminate('test over');
  }

  for (const [command, id] of [
    ['cancel', cancelled.id],
    ['stop', stopped.id],
  ]) {
    const again = await runCli([command, id, '--wait'], { taskQueue });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`Nothing to ${command}: run ${id} has already ended`);
  }
  expect((await runCli(['cancel', 'no-such-run'], { taskQueue })).code).toBe(2);
});

it('retry runs a failed run again as <id>-retry-N with a new job, linked to the old run; refuses running and completed runs', async () => {
  const failing = await startRun('retry', { tags: [{ key: 'simulator:outcome', value: 'fail-training' }] });
  expect((await failureOf(failing.run.result())).type).toBe('BedrockJobFailed');
  const first = await failing.run.progress();
  const firstRunId = (await failing.run.summary()).runId;

  const retry = await runCli(['retry', failing.id, '--wait', '--json'], { taskQueue });
  expect(retry.code).toBe(1); // the retried request fails in training again, as told
  const out = json<{ workflowId: string; runId: string; retryOf: object; joined: boolean; failure: object }>(retry);
  expect(out).toMatchObject({
    workflowId: `${failing.id}-retry-2`,
    retryOf: { workflowId: failing.id, runId: firstRunId, attempt: 2 },
    joined: false,
    outcome: 'failed',
    failure: { type: 'BedrockJobFailed' },
  });
  const second = ctx.fineTune.run(out.workflowId);
  const secondProgress = await second.progress();
  expect(secondProgress.jobArn).toMatch(/:model-customization-job\//);
  expect(secondProgress.jobArn).not.toBe(first.jobArn);
  expect(secondProgress.jobName).not.toBe(first.jobName);
  expect(secondProgress.clientRequestToken).not.toBe(first.clientRequestToken);
  const described = await second.handle.describe();
  expect(described.memo).toMatchObject({ retryOf: { workflowId: failing.id, attempt: 2 } });
  expect(await described.staticSummary()).toMatch(/^retry 2: FINE_TUNING /);
  expect(await described.staticDetails()).toContain(
    `**Retry** attempt 2, of [${failing.id}](/namespaces/default/workflows/${failing.id}/`,
  );

  // Retrying the old run again takes the next free attempt.
  const third = json<{ workflowId: string }>(await runCli(['retry', failing.id, '--json'], { taskQueue }));
  expect(third.workflowId).toBe(`${failing.id}-retry-3`);
  await failureOf(ctx.fineTune.run(third.workflowId).result());

  const completed = await startRun('retry-done');
  await completed.run.result();
  const refused = await runCli(['retry', completed.id], { taskQueue });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain(`Run ${completed.id} completed: there is nothing to retry`);
  const unknown = await runCli(['retry', 'no-such-run'], { taskQueue });
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('No fine-tune run with workflow ID no-such-run');
});

it('retry after bad data was fixed trains on the fixed data (exit 0)', async () => {
  const key = `${uniqueName('retry-data')}/train.jsonl`;
  await ctx.aws.s3.send(new PutObjectCommand({ Bucket: DATA_BUCKET, Key: key, Body: '{"prompt": "no completion"}\n' }));
  const broken = await startRun('retry-fixed', {}, (r) => ({
    ...r,
    trainingDataConfig: { s3Uri: `s3://${DATA_BUCKET}/${key}` },
  }));
  expect((await failureOf(broken.run.result())).type).toBe('DatasetInvalid');
  await ctx.aws.s3.send(new PutObjectCommand({ Bucket: DATA_BUCKET, Key: key, Body: datasets.promptCompletion(40) }));

  const running = await runCli(['retry', broken.id], { taskQueue });
  expect(running.code).toBe(0);
  expect(running.stdout).toContain(`Retrying ${broken.id} as ${broken.id}-retry-2 (attempt 2)`);
  const result = await ctx.fineTune.run(`${broken.id}-retry-2`).result();
  expect(result.status).toBe('Completed');
  const progress = json<LiveProgress>(await runCli(['status', `${broken.id}-retry-2`, '--json'], { taskQueue }));
  expect(progress.dataset?.trainingRecords).toBe(40);

  const whileRunning = await startRun('retry-running', { polling: SLOW_POLLING });
  const refused = await runCli(['retry', whileRunning.id], { taskQueue });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('is still running: stop or cancel it first');
  await whileRunning.run.cancel();
});

it('list narrows by --status, --phase, --base-model, --type and --since, ANDed with --query', async () => {
  const { id, run } = await startRun('list-shortcuts');
  await run.result();
  const args = [
    'list',
    '--status',
    'completed',
    '--phase',
    'completed',
    '--base-model',
    'amazon.titan-text-express-v1:0:8k',
    '--type',
    'FINE_TUNING',
    '--since',
    '1h',
    '--query',
    `WorkflowId = '${id}'`,
    '--json',
  ];
  const listed = await waitFor('the run in visibility', async () => {
    const out = json<{ query: string; runs: { workflowId: string }[] }>(await runCli(args, { taskQueue }));
    return out.runs.length > 0 ? out : undefined;
  });
  expect(listed.runs.map((r) => r.workflowId)).toEqual([id]);
  expect(listed.query).toContain("ExecutionStatus = 'Completed' AND FineTunePhase = 'completed'");
  const failed = json<{ runs: unknown[] }>(
    await runCli(['list', '--status', 'failed', '--query', `WorkflowId = '${id}'`, '--json'], { taskQueue }),
  );
  expect(failed.runs).toEqual([]);
  const badPhase = await runCli(['list', '--phase', 'sleeping'], { taskQueue });
  expect(badPhase.code).toBe(2);
  expect(badPhase.stderr).toContain("argument 'sleeping' is invalid");
  expect((await runCli(['list', '--since', 'yesterday'], { taskQueue })).code).toBe(2);
});
