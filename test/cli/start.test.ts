// `finetune start`: a request file through to the end (--wait, --json), failures with their type and
// what they carry (exit 1), and every way a request file or the configuration can be wrong (exit 2).
import { freePort } from '../../src/stack/ports';
import { DATA_BUCKET, put } from '../support/datasets';
import { uniqueName, type TestContext } from '../support/temporal';
import { contextWithExample, json, requestFile, runCli, testRequest } from './helpers';

const taskQueue = uniqueName('cli-start');
let ctx: TestContext;

beforeAll(async () => {
  ctx = await contextWithExample(taskQueue, 'fine-tuning-prompt-completion');
});
afterAll(async () => {
  await ctx?.close();
});

interface StartJson {
  workflowId: string;
  runId: string;
  uiUrl?: string;
  outcome?: 'completed' | 'failed';
  result?: { status: string; customModelArn: string; metrics: { epochs: unknown[] } };
  failure?: { type: string; message: string; details?: Record<string, unknown> };
}

it('runs an example to Completed with --wait --json: one JSON object with the result, exit 0', async () => {
  const id = uniqueName('start-ok');
  const file = requestFile(id, testRequest('fine-tuning-prompt-completion', id));
  const result = await runCli(['start', file, '--workflow-id', id, '--wait', '--json'], { taskQueue });
  expect(result.code).toBe(0);
  const out = json<StartJson>(result);
  expect(out).toMatchObject({ workflowId: id, outcome: 'completed', result: { status: 'Completed' } });
  expect(out.runId).toMatch(/^[0-9a-f-]{36}$/);
  expect(out.result?.customModelArn).toMatch(/:custom-model\/amazon\.titan-text-express-v1:0:8k\//);
  expect(out.result?.metrics.epochs).toHaveLength(3);
});

it('follows the run in text with --wait and prints the result with its per-epoch metrics', async () => {
  const id = uniqueName('start-text');
  const file = requestFile(id, testRequest('fine-tuning-prompt-completion', id, { timeScale: 200 }));
  const result = await runCli(['start', file, '--workflow-id', id, '--wait'], { taskQueue });
  expect(result.code).toBe(0);
  expect(result.stdout).toContain(`Started ${id}`);
  expect(result.stdout).toMatch(/training \| job InProgress/);
  expect(result.stdout).toMatch(/^Completed: arn:aws:bedrock:.*:custom-model\//m);
  expect(result.stdout).toMatch(
    /epoch +training loss +validation loss(\n +\d +\d\.\d{4} +\d\.\d{4}.*){3}\n +\d+ steps; final training loss/,
  );
});

it('starts without waiting, prints the IDs and the UI link, and joins the running run when started again', async () => {
  const id = uniqueName('start-nowait');
  const file = requestFile(id, testRequest('fine-tuning-prompt-completion', id, { timeScale: 100 }));
  const env = { TEMPORAL_UI_URL: 'http://127.0.0.1:8233/' };
  const first = await runCli(['start', file, '--workflow-id', id, '--json'], { taskQueue, env });
  expect(first.code).toBe(0);
  const started = json<StartJson>(first);
  expect(started.uiUrl).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${id}/${started.runId}/history`);

  const again = await runCli(['start', file, '--workflow-id', id], { taskQueue });
  expect(again.code).toBe(0);
  expect(again.stdout).toContain(`Started ${id}`);
  expect(again.stdout).toContain(started.runId);
  expect(again.stdout).toContain(`finetune watch ${id}`);
  expect((await ctx.fineTune.run(id).result()).status).toBe('Completed');
});

it("exits 1 with BedrockJobFailed and Bedrock's failureMessage when the job fails", async () => {
  const id = uniqueName('start-fail');
  const file = requestFile(
    id,
    testRequest('fine-tuning-prompt-completion', id, { tags: [{ key: 'simulator:outcome', value: 'fail-training' }] }),
  );
  const text = await runCli(['start', file, '--workflow-id', id, '--wait'], { taskQueue });
  expect(text.code).toBe(1);
  expect(text.stdout).toContain('Failed: BedrockJobFailed');
  expect(text.stdout).toContain('Training failed due to an internal error');
  expect(text.stdout).toMatch(/job +arn:aws:bedrock:.*\(Failed\)/);

  const again = await runCli(['start', file, '--workflow-id', `${id}-json`, '--wait', '--json'], { taskQueue });
  expect(again.code).toBe(1);
  expect(json<StartJson>(again)).toMatchObject({
    outcome: 'failed',
    failure: { type: 'BedrockJobFailed', details: { jobStatus: 'Failed' } },
  });
});

it('exits 1 with DatasetInvalid, the report URI and the first problems with their line numbers', async () => {
  const id = uniqueName('start-baddata');
  const lines = [
    JSON.stringify({ prompt: 'What sizes does the Commuter 8 come in?', completion: 'S, M, L and XL.' }),
    '{"prompt": "broken line", ',
    JSON.stringify({ prompt: 'Is the Gravelhawk tubeless ready?' }),
  ];
  const trainingUri = await put(ctx.aws.s3, DATA_BUCKET, `${id}/train.jsonl`, `${lines.join('\n')}\n`);
  const request = testRequest('fine-tuning-prompt-completion', id);
  const file = requestFile(id, {
    ...request,
    trainingDataConfig: { s3Uri: trainingUri },
    validationDataConfig: undefined,
  });
  const result = await runCli(['start', file, '--workflow-id', id, '--wait'], { taskQueue });
  expect(result.code).toBe(1);
  expect(result.stdout).toContain('Failed: DatasetInvalid');
  expect(result.stdout).toMatch(/data report +s3:\/\/finetune-outputs\/.*validation-report\.json/);
  expect(result.stdout).toMatch(/line 2: .*\[invalid-json\]/);
  expect(result.stdout).toMatch(/line 3: .*\[missing-field\]/);
});

it('refuses a request with schema problems before starting anything: exit 2, one problem per line with its JSON path', async () => {
  const request = testRequest('fine-tuning-prompt-completion', uniqueName('start-invalid'));
  const file = requestFile('invalid', {
    ...request,
    customModelName: 'has spaces!',
    outputDataConfig: { s3Uri: 'https://example.com/out' },
    hyperParameters: { epochCount: 3 },
  });
  const result = await runCli(['start', file], { taskQueue });
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  const problems = result.stderr.trim().split('\n');
  expect(problems[0]).toBe(`The request in ${file} is not valid:`);
  expect(problems).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^ {2}- customModelName: /),
      expect.stringMatching(/^ {2}- outputDataConfig\.s3Uri: must be an S3 URI/),
      expect.stringMatching(/^ {2}- hyperParameters\.epochCount: /),
    ]),
  );
  const listed = json<{ runs: unknown[] }>(
    await runCli(['list', '--json', '--query', "CustomModelName = 'has spaces!'"], { taskQueue }),
  );
  expect(listed.runs).toEqual([]);
});

it('names the request file when it is missing or not JSON (exit 2)', async () => {
  const missing = await runCli(['start', '/nonexistent/request.json'], { taskQueue });
  expect(missing).toMatchObject({ code: 2, stdout: '' });
  expect(missing.stderr).toContain('Cannot read the request file /nonexistent/request.json: no such file');

  const file = requestFile('not-json', '{"customModelName": "x",');
  const broken = await runCli(['start', file], { taskQueue });
  expect(broken.code).toBe(2);
  expect(broken.stderr).toContain(`The request file ${file} is not valid JSON`);
});

it('exits 2 on configuration problems and when Temporal cannot be reached', async () => {
  const file = requestFile('config', testRequest('fine-tuning-prompt-completion', uniqueName('start-config')));
  const malformed = await runCli(['start', file], { taskQueue, env: { TEMPORAL_ADDRESS: 'not an address' } });
  expect(malformed.code).toBe(2);
  expect(malformed.stderr).toContain('Configuration is not usable');
  expect(malformed.stderr).toContain('TEMPORAL_ADDRESS="not an address" is not host:port');

  const unreachable = await runCli(['list'], { taskQueue, env: { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` } });
  expect(unreachable.code).toBe(2);
  expect(unreachable.stderr).toMatch(/^Cannot reach Temporal at 127\.0\.0\.1:\d+/);
});

it('exits 2 on bad usage: no request file argument, an unknown option', async () => {
  expect((await runCli(['start'], { taskQueue })).code).toBe(2);
  const unknown = await runCli(['start', 'x.json', '--wiat'], { taskQueue });
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain("unknown option '--wiat'");
});
