// Operating runs from the CLI: status, watch, stop and list, with their output and exit codes.
import type { LiveProgress } from '../../src/client';
import { uniqueName, type TestContext } from '../support/temporal';
import { waitFor } from '../support/wait';
import { contextWithExample, json, runCli, testRequest } from './helpers';

const taskQueue = uniqueName('cli-runs');
let ctx: TestContext;

beforeAll(async () => {
  ctx = await contextWithExample(taskQueue, 'fine-tuning-prompt-completion');
});
afterAll(() => ctx?.close());

/** Starts the demo example; a low time scale keeps the job running for a while. */
async function startRun(prefix: string, timeScale?: number) {
  const id = uniqueName(prefix);
  const run = await ctx.fineTune.start(testRequest('fine-tuning-prompt-completion', id, { timeScale }), {
    workflowId: id,
  });
  return { id, run };
}

it('status shows phase, job and its phases, polls, dataset and metrics; --json prints the progress object', async () => {
  const { id, run } = await startRun('status');
  await run.result();

  const result = await runCli(['status', id, '--json'], { taskQueue });
  expect(result.code).toBe(0);
  const progress = json<LiveProgress>(result);
  expect(progress).toMatchObject({
    workflowId: id,
    workflowStatus: 'COMPLETED',
    phase: 'completed',
    jobStatus: 'Completed',
    statusDetails: {
      validation: { status: 'Completed' },
      dataProcessing: { status: 'Completed' },
      training: { status: 'Completed' },
    },
    dataset: { trainingRecords: 95, validationRecords: 20 },
  });
  expect(progress.jobArn).toMatch(/:model-customization-job\//);
  expect(progress.polls).toBeGreaterThanOrEqual(1);
  expect(progress.metrics?.epochs).toHaveLength(3);

  const text = await runCli(['status', id], { taskQueue, env: { TEMPORAL_UI_URL: 'http://127.0.0.1:8233' } });
  expect(text.code).toBe(0);
  expect(text.stdout).toContain(`${id}  COMPLETED`);
  expect(text.stdout).toContain('✓ preflight  ✓ dataset  ✓ create job  ✓ training  ✓ metrics  ✓ completed');
  expect(text.stdout).toContain('validation Completed · data processing Completed · training Completed');
  expect(text.stdout).toMatch(/dataset +95 training \+ 20 validation records/);
  expect(text.stdout).toMatch(/polls +\d+ \(\d+ recorded\)/);
  expect(text.stdout).toMatch(/epoch +training loss +validation loss/);
  expect(text.stdout).toContain(
    `ui  http://127.0.0.1:8233/namespaces/default/workflows/${id}/${progress.runId}/history`,
  );
});

it('watch prints one line per change without a terminal and exits 0 when the run completes', async () => {
  const { id } = await startRun('watch', 200);
  const result = await runCli(['watch', id, '--interval', '0.3'], { taskQueue });
  expect(result.code).toBe(0);
  const lines = result.stdout.trim().split('\n');
  expect(lines.some((l) => /^\d\d:\d\d:\d\d training \| job InProgress \| validation InProgress/.test(l))).toBe(true);
  expect(
    lines.some((l) =>
      /training \| job InProgress \| validation Completed · data processing Completed · training InProgress/.test(l),
    ),
  ).toBe(true);
  expect(lines.some((l) => /^\d\d:\d\d:\d\d completed \| job Completed/.test(l))).toBe(true);
  // One line per change, not per look: the job changes state a handful of times.
  expect(lines.filter((l) => /^\d\d:\d\d:\d\d /.test(l)).length).toBeLessThan(15);
  expect(result.stdout).toMatch(/^Completed: arn:aws:bedrock:.*:custom-model\//m);
});

it('stop stops the job: the run ends BedrockJobStopped, watch exits 1, and a second stop exits 2', async () => {
  const { id, run } = await startRun('stop', 10);
  await waitFor('the job to be created', async () => ((await run.progress()).jobArn ? true : undefined), 60_000);

  const stop = await runCli(['stop', id, '--reason', 'wrong dataset uploaded'], { taskQueue });
  expect(stop.code).toBe(0);
  expect(stop.stdout).toContain(`Stop accepted for ${id}`);

  const watch = await runCli(['watch', id, '--interval', '0.5'], { taskQueue });
  expect(watch.code).toBe(1);
  expect(watch.stdout).toContain('Failed: BedrockJobStopped');
  expect(watch.stdout).toContain('wrong dataset uploaded');
  expect(watch.stdout).toMatch(/^\d\d:\d\d:\d\d stopping \| .*stop: wrong dataset uploaded$/m);
  expect(watch.stdout).toMatch(/^\d\d:\d\d:\d\d stopped \| job Stopped \| .*stop: wrong dataset uploaded$/m);

  const status = json<LiveProgress>(await runCli(['status', id, '--json'], { taskQueue }));
  expect(status).toMatchObject({ phase: 'stopped', jobStatus: 'Stopped', stopReason: 'wrong dataset uploaded' });

  const again = await runCli(['stop', id], { taskQueue });
  expect(again.code).toBe(2);
  expect(again.stderr).toContain(`Nothing to stop: run ${id} has already ended (failed, phase stopped)`);
});

it('list shows runs with phase and job status, narrowed by --query, as a table or JSON', async () => {
  const { id, run } = await startRun('list');
  await run.result();
  const query = `WorkflowId = '${id}'`;
  const listed = await waitFor('the run in visibility', async () => {
    const out = json<{ runs: { workflowId: string; phase?: string }[] }>(
      await runCli(['list', '--json', '--query', query], { taskQueue }),
    );
    return out.runs[0]?.phase === 'completed' ? out : undefined;
  });
  expect(listed.runs).toEqual([
    expect.objectContaining({
      workflowId: id,
      status: 'COMPLETED',
      phase: 'completed',
      jobStatus: 'Completed',
      baseModel: 'amazon.titan-text-express-v1:0:8k',
    }),
  ]);

  const table = await runCli(['list', '--query', query], { taskQueue });
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/^WORKFLOW ID +STATUS +PHASE +JOB +CUSTOM MODEL +BASE MODEL +STARTED$/m);
  expect(table.stdout).toMatch(
    new RegExp(`^${id} +COMPLETED +completed +Completed +${id}-model +amazon\\.titan-text-express-v1:0:8k`, 'm'),
  );

  const none = await runCli(['list', '--query', "CustomModelName = 'no-such-model'"], { taskQueue });
  expect(none.stdout.trim()).toBe('No fine-tune runs found.');

  const bad = await runCli(['list', '--query', 'this is not a query'], { taskQueue });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('The server refused the query');
});

it('status, watch and stop of an unknown workflow ID exit 2 naming it', async () => {
  for (const command of ['status', 'watch', 'stop']) {
    const result = await runCli([command, 'no-such-run'], { taskQueue });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No fine-tune run with workflow ID no-such-run in namespace default');
  }
});
