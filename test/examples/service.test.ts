// examples/service/server.js as a real process against the test stack: a business ID starts one run,
// duplicate calls (while it runs and after it ended) return that run, bad input gets 400 with reasons.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { uniqueName, type TestContext } from '../support/temporal';
import { waitFor } from '../support/wait';
import { contextWithExample, testRequest } from '../cli/helpers';

const SERVER = resolve(__dirname, '..', '..', 'examples', 'service', 'server.js');
const taskQueue = uniqueName('service');
let ctx: TestContext;
let server: ChildProcess;
let base: string;
let output = '';

beforeAll(async () => {
  ctx = await contextWithExample(taskQueue, 'fine-tuning-prompt-completion');
  server = spawn(process.execPath, [SERVER], {
    env: { ...process.env, PORT: '0', TASK_QUEUE: taskQueue, TEMPORAL_UI_URL: 'http://127.0.0.1:8233' },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: join(__dirname, '..', '..'),
  });
  server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  base = await waitFor('the service to listen', async () => /listening on (http:\/\/\S+)/.exec(output)?.[1], 30_000);
});
afterAll(async () => {
  if (server?.exitCode === null) {
    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
  }
  await ctx?.close();
});

async function call(method: string, path: string, body?: string) {
  const res = await fetch(`${base}${path}`, { method, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

it('starts one run per business ID and returns it for duplicate calls, while it runs and after it ended', async () => {
  const id = uniqueName('order-4711');
  const request = JSON.stringify(testRequest('fine-tuning-prompt-completion', id));
  const first = await call('POST', `/fine-tunes/${id}`, request);
  expect(first.status).toBe(202);
  expect(first.body).toMatchObject({ workflowId: id, runId: expect.any(String), status: 'RUNNING' });
  expect(first.body.uiUrl).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${id}/${first.body.runId}/history`);

  const duplicate = await call('POST', `/fine-tunes/${id}`, request);
  expect(duplicate).toMatchObject({ status: 202, body: { workflowId: id, runId: first.body.runId } });

  expect((await ctx.fineTune.run(id).result()).status).toBe('Completed');
  const afterEnd = await call('POST', `/fine-tunes/${id}`, request);
  expect(afterEnd).toMatchObject({ status: 202, body: { runId: first.body.runId, status: 'COMPLETED' } });
  const status = await call('GET', `/fine-tunes/${id}`);
  expect(status).toMatchObject({
    status: 200,
    body: { workflowId: id, runId: first.body.runId, status: 'COMPLETED', phase: 'completed', jobStatus: 'Completed' },
  });
  // One run in all under the business ID.
  const runs = await ctx.fineTune.list(`WorkflowId = '${id}'`);
  expect(runs.map((r) => r.runId)).toEqual([first.body.runId]);
});

it('answers 400 with every problem for a bad request, and 400/404/405 for bad calls', async () => {
  const { roleArn: _r, ...noRole } = testRequest('fine-tuning-prompt-completion', 'x');
  const invalid = await call(
    'POST',
    `/fine-tunes/${uniqueName('bad')}`,
    JSON.stringify({ ...noRole, customModelName: 'a b' }),
  );
  expect(invalid.status).toBe(400);
  expect(invalid.body.error).toBe('InvalidRequest');
  expect(invalid.body.problems).toEqual(
    expect.arrayContaining([expect.stringMatching(/^customModelName: /), expect.stringMatching(/^roleArn: /)]),
  );
  expect((await call('POST', '/fine-tunes/x', '{ not json')).body.error).toBe('InvalidBody');
  expect((await call('POST', '/fine-tunes/..%2Fetc', '{}')).status).toBe(400);
  expect((await call('GET', `/fine-tunes/${uniqueName('unknown')}`)).status).toBe(404);
  expect((await call('DELETE', '/fine-tunes/x')).status).toBe(405);
  expect((await call('GET', '/elsewhere')).status).toBe(404);
});

it('stops on SIGTERM', async () => {
  server.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => server.once('exit', (c) => r(c)));
  expect(code).toBe(0);
});
