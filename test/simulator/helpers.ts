// Shared by the simulator tests: SDK clients for the stack's simulator and S3, request builders, small
// datasets, waiting on a job, and an extra simulator process of a test's own (for faults, quotas and
// SIGKILL restarts) that the test stops by its PID.
import {
  BedrockClient,
  GetModelCustomizationJobCommand,
  type CreateModelCustomizationJobCommandInput,
  type GetModelCustomizationJobCommandOutput,
} from '@aws-sdk/client-bedrock';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { createS3Client } from '../../src/aws/clients';
import { FINETUNE_BIN } from '../../src/stack/local-stack';
import { freePort } from '../../src/stack/ports';

export const REGION = process.env.AWS_REGION ?? 'us-east-1';
export const DATASETS = 'finetune-datasets';
export const OUTPUTS = 'finetune-outputs';
export const LOGS = 'finetune-invocation-logs';
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/BedrockFineTuning';
export const TITAN_EXPRESS = 'amazon.titan-text-express-v1:0:8k';

export function bedrockClient(endpoint = process.env.AWS_ENDPOINT_URL_BEDROCK, maxAttempts?: number): BedrockClient {
  return new BedrockClient({ region: REGION, endpoint, ...(maxAttempts ? { maxAttempts } : {}) });
}

export function s3Client(): S3Client {
  return createS3Client({ region: REGION, s3Endpoint: process.env.AWS_ENDPOINT_URL_S3 });
}

/** A name unique to this run, so tests never collide with each other or with a rerun. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function promptCompletionLines(n: number): string {
  return (
    Array.from({ length: n }, (_, i) =>
      JSON.stringify({ prompt: `What is ${i} + ${i}?`, completion: `${i + i}` }),
    ).join('\n') + '\n'
  );
}

export async function putText(s3: S3Client, bucket: string, key: string, body: string | Uint8Array): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return `s3://${bucket}/${key}`;
}

export async function getText(s3: S3Client, uri: string): Promise<string> {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new Error(`not an S3 URI: ${uri}`);
  const out = await s3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
  return out.Body!.transformToString();
}

/** A valid Titan Text Express fine-tuning request; override what a test is about. */
export function jobRequest(
  trainingUri: string,
  overrides: Partial<CreateModelCustomizationJobCommandInput> = {},
): CreateModelCustomizationJobCommandInput {
  const name = unique('job');
  return {
    jobName: name,
    customModelName: `${name}-model`,
    roleArn: ROLE_ARN,
    baseModelIdentifier: TITAN_EXPRESS,
    trainingDataConfig: { s3Uri: trainingUri },
    outputDataConfig: { s3Uri: `s3://${OUTPUTS}/simulator-tests/` },
    hyperParameters: { epochCount: '2', batchSize: '1', learningRate: '0.00001' },
    ...overrides,
  };
}

/**
 * Makes `n` resources one after another, a few ms apart, so that their creation times (what the lists
 * sort by) differ: their ARNs, oldest first.
 */
export async function createdApart(n: number, create: (i: number) => Promise<string>): Promise<string[]> {
  const arns: string[] = [];
  for (let i = 0; i < n; i++) {
    arns.push(await create(i));
    await sleep(5);
  }
  return arns;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Stopped']);

/** Polls until the job reaches one of `statuses` (a terminal status by default). */
export async function waitForJob(
  bedrock: BedrockClient,
  jobIdentifier: string,
  statuses: ReadonlySet<string> = TERMINAL,
  timeoutMs = 60_000,
): Promise<GetModelCustomizationJobCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier }));
    if (statuses.has(job.status ?? '')) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobIdentifier} still ${job.status} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Parses a metrics CSV into objects keyed by its header. */
export function parseCsv(text: string): Record<string, number>[] {
  const [header, ...rows] = text.trim().split('\n');
  const columns = header.split(',');
  return rows.map((row) => Object.fromEntries(row.split(',').map((v, i) => [columns[i], Number(v)])));
}

export interface OwnSimulator {
  endpoint: string;
  pid: number;
  process: ChildProcess;
  /** Its log so far (stderr). */
  log(): string;
  /** SIGKILL: no chance to flush or clean up. */
  kill(): Promise<void>;
  /** SIGTERM, the orderly way. */
  stop(): Promise<void>;
}

/**
 * Starts `finetune simulator` with its own flags and waits for its ready line. `--s3-endpoint` is the
 * run's S3 unless `args` set their own; `env` replaces the environment (default: this process's).
 */
export async function startOwnSimulator(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<OwnSimulator> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      FINETUNE_BIN,
      'simulator',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--region',
      REGION,
      ...(args.includes('--s3-endpoint') ? [] : ['--s3-endpoint', process.env.AWS_ENDPOINT_URL_S3 ?? '']),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  const stderr: string[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) =>
      reject(new Error(`simulator exited (${code}) before it was ready: ${stderr.join('').slice(-2000)}`)),
    );
  });
  ready.catch(() => undefined); // a rejection after the timeout has won is expected, not unhandled
  const timeout = new AbortController();
  const line = await Promise.race([
    ready,
    sleep(30_000, 'timeout', { signal: timeout.signal }).catch(() => 'timeout'),
  ]).finally(() => timeout.abort());
  const endpoint = `http://127.0.0.1:${port}`;
  if (line !== `bedrock simulator listening on ${endpoint}`) {
    child.kill('SIGKILL');
    throw new Error(`unexpected ready line: ${line}`);
  }
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return {
    endpoint,
    pid: child.pid!,
    process: child,
    log: () => stderr.join(''),
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
}
