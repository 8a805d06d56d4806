// The secrets a worker holds never reach its log, the CLI's output or a workflow history, for a run that
// completes and one that fails: the AWS secret key, the AWS session token and the Temporal API key. The
// key is a fresh random one: this file runs an S3 server of its own that accepts only it, and a simulator
// that reads that S3 with it, so every S3 request of the run is really signed with it. The session token
// is a fake the S3 server does not check, but the worker's S3 requests carry it (seen on the way, through
// a proxy). The API key is a fake too: the dev server checks none, so the worker and the CLI send it on a
// plaintext connection (TEMPORAL_TLS=false; envconfig turns TLS on for an API key otherwise), and it is in
// the configuration the worker loads, which is what a log of the configuration would print. Histories
// are scanned with their payloads decoded (they are JSON inside bytes), which a positive check proves.
import { Client, Connection } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Client } from '../../src/aws/clients';
import { loadConfig } from '../../src/config';
import type { FineTuneRequest } from '../../src/core/request';
import type { ManagedChild } from '../../src/stack/child-process';
import { startWorkerProcess } from '../../src/stack/local-stack';
import { freePort } from '../../src/stack/ports';
import { startS3Server } from '../../src/stack/s3-server';
import { ensureTools } from '../../src/stack/tools';
import { runCli, type CliResult } from '../cli/helpers';
import { startOwnSimulator, type OwnSimulator } from '../simulator/helpers';
import { datasets, DATA_BUCKET, FAST_POLLING, OUTPUT_BUCKET, put, ROLE_ARN, simulatorTags } from '../support/datasets';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { uniqueName } from '../support/temporal';

jest.setTimeout(180_000);

const credentials = {
  accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
  secretAccessKey: `Secret${randomBytes(18).toString('base64url')}`,
};
/** Fakes with the shape of the real ones, random so that no other text can hold them. */
const sessionToken = `IQoJb3JpZ2luX2VjE${randomBytes(48).toString('base64url')}`;
const temporalApiKey = `tmprl-${randomBytes(24).toString('hex')}`;
const taskQueue = uniqueName('secrets');
const dir = mkdtempSync(join(tmpdir(), 'finetune-secrets-'));
let s3Server: ManagedChild;
let simulator: OwnSimulator;
let worker: ManagedChild;
let env: Record<string, string>;
let s3Proxy: FaultProxy;
let requestsWithToken = 0;

beforeAll(async () => {
  const { versitygw } = await ensureTools(['versitygw']);
  const s3 = await startS3Server({
    binary: versitygw,
    host: '127.0.0.1',
    port: await freePort(),
    dataDir: dir,
    logFile: join(dir, 's3.log'),
    region: 'us-east-1',
    credentials,
  });
  s3Server = s3.child;
  const aws = { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey };
  // The simulator takes the key from its environment (flags would show it in the process list).
  simulator = await startOwnSimulator(['--s3-endpoint', s3.endpoint, '--time-scale', '1000'], {
    ...process.env,
    ...aws,
  });
  s3Proxy = await startFaultProxy(s3.endpoint);
  s3Proxy.onRequest = (req) => {
    if (req.headers['x-amz-security-token'] === sessionToken) requestsWithToken++;
  };
  env = {
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE!,
    TEMPORAL_API_KEY: temporalApiKey,
    TEMPORAL_TLS: 'false',
    TASK_QUEUE: taskQueue,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_BEDROCK: simulator.endpoint,
    AWS_ENDPOINT_URL_S3: s3Proxy.endpoint,
    ...aws,
    AWS_SESSION_TOKEN: sessionToken,
  };
  worker = await startWorkerProcess({ env, logFile: join(dir, 'worker.log') });
});

afterAll(async () => {
  await worker?.stop();
  await s3Proxy?.close();
  await simulator?.stop();
  await s3Server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function request(name: string, failing: boolean): Promise<string> {
  const s3 = createS3Client({ region: 'us-east-1', s3Endpoint: s3Proxy.endpoint }, credentials);
  const trainingUri = await put(s3, DATA_BUCKET, `${name}/train.jsonl`, datasets.conversation(20));
  s3.destroy();
  const body: FineTuneRequest = {
    customModelName: `${name}-model`,
    roleArn: ROLE_ARN,
    baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
    customizationType: 'FINE_TUNING',
    trainingDataConfig: { s3Uri: trainingUri },
    outputDataConfig: { s3Uri: `s3://${OUTPUT_BUCKET}/${name}/` },
    hyperParameters: { epochCount: '2', learningRate: '0.00001' },
    jobTags: failing ? [simulatorTags.outcome('fail-training')] : [],
    orchestration: { polling: { ...FAST_POLLING } },
  };
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(body));
  return file;
}

/** Every string in the history, payload bytes decoded (a payload is JSON in bytes), one per line. */
function texts(value: unknown, out: string[] = [], seen = new Set<object>()): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (value !== null && typeof value === 'object' && !seen.has(value)) {
    seen.add(value);
    for (const child of Object.values(value)) texts(child, out, seen);
  }
  return out;
}

async function historyText(workflowId: string): Promise<string> {
  const config = loadConfig(process.env);
  const connection = await Connection.connect(config.temporal.connectionOptions);
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    return texts(await client.workflow.getHandle(workflowId).fetchHistory()).join('\n');
  } finally {
    await connection.close();
  }
}

test("the worker's configuration holds the Temporal API key (what a log of it would print), TLS off", () => {
  expect(loadConfig(env).temporal.connectionOptions).toMatchObject({ apiKey: temporalApiKey, tls: false });
});

test('neither a completed nor a failed run leaks the AWS secret key, the session token or the Temporal API key', async () => {
  const runs: { id: string; name: string; cli: CliResult }[] = [];
  for (const [label, failing, exitCode] of [
    ['completed', false, 0],
    ['failed', true, 1],
  ] as const) {
    const name = uniqueName(`secrets-${label}`);
    const cli = await runCli(['start', await request(name, failing), '--workflow-id', name, '--wait'], {
      taskQueue,
      env,
      timeoutMs: 120_000,
    });
    expect({ label, code: cli.code, stderr: cli.stderr }).toEqual({ label, code: exitCode, stderr: cli.stderr });
    runs.push({ id: name, name, cli });
  }
  expect(runs[1].cli.stdout + runs[1].cli.stderr).toMatch(/BedrockJobFailed|fail-training/);
  // The worker's S3 reads and writes were signed with the session token (the test's own uploads carry none).
  expect(requestsWithToken).toBeGreaterThan(0);

  const secrets = { secretAccessKey: credentials.secretAccessKey, sessionToken, temporalApiKey };
  const found = (where: string, text: string) =>
    Object.entries(secrets).flatMap(([name, value]) => (text.includes(value) ? [`${name} in ${where}`] : []));
  const leaks: string[] = [];
  for (const run of runs) {
    leaks.push(...found(`${run.id} CLI stdout`, run.cli.stdout), ...found(`${run.id} CLI stderr`, run.cli.stderr));
    const history = await historyText(run.id);
    // Payloads were read: the request's model name is inside the start event's input.
    expect(history).toContain(`${run.name}-model`);
    leaks.push(...found(`${run.id} history`, history));
  }
  const workerLog = readFileSync(join(dir, 'worker.log'), 'utf8');
  expect(workerLog).toContain(runs[0].id);
  leaks.push(...found('the worker log', workerLog), ...found('the simulator log', simulator.log()));
  expect(leaks).toEqual([]);
});
