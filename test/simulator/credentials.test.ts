// Defect 8: a simulator started by hand, with no AWS credentials in its environment, must still read
// the local stack's S3 (and say so at start), and a job whose data it cannot read must fail in bounded
// time with a failureMessage, never stay InProgress. Each simulator here runs in an environment with
// every AWS credential source removed (no keys, no profile, no ~/.aws).
import { CreateModelCustomizationJobCommand, type BedrockClient } from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_S3_CREDENTIALS } from '../../src/aws/local-credentials';
import { freePort } from '../../src/stack/ports';
import {
  DATASETS,
  jobRequest,
  promptCompletionLines,
  putText,
  s3Client,
  startOwnSimulator,
  unique,
  waitForJob,
  type OwnSimulator,
} from './helpers';
import { SimulatorPool } from './simulator-pool';

jest.setTimeout(60_000);

let s3: S3Client;
let trainingUri: string;
let home: string;
const pool = new SimulatorPool();

/** This process's environment without a single AWS credential source. */
function noCredentials(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  for (const name of Object.keys(env)) {
    if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE|ENDPOINT_URL.*)$/.test(name))
      delete env[name];
  }
  env.AWS_CONFIG_FILE = join(home, 'absent-config');
  env.AWS_SHARED_CREDENTIALS_FILE = join(home, 'absent-credentials');
  // No instance or container role to find either.
  env.AWS_EC2_METADATA_DISABLED = 'true';
  return env;
}

async function own(args: string[], env: NodeJS.ProcessEnv): Promise<{ sim: OwnSimulator; bedrock: BedrockClient }> {
  const sim = await pool.start(['--time-scale', '1000', ...args], env);
  return { sim, bedrock: pool.client(sim.endpoint) };
}

beforeAll(async () => {
  s3 = s3Client();
  home = mkdtempSync(join(tmpdir(), 'finetune-no-credentials-'));
  trainingUri = await putText(s3, DATASETS, `simulator-tests/${unique('creds')}.jsonl`, promptCompletionLines(10));
});

afterAll(async () => {
  await pool.close();
  s3.destroy();
  rmSync(home, { recursive: true, force: true });
});

test('with no credentials anywhere and a loopback S3, it uses the local stack’s, says so at start, and completes jobs', async () => {
  const { sim, bedrock } = await own([], noCredentials());
  expect(sim.log()).toMatch(
    /no AWS credentials .*using the local stack's S3 credentials \(access key finetune-local\)/,
  );
  expect(sim.log()).not.toContain(LOCAL_S3_CREDENTIALS.secretAccessKey);
  const { jobArn } = await bedrock.send(new CreateModelCustomizationJobCommand(jobRequest(trainingUri)));
  const job = await waitForJob(bedrock, jobArn!, undefined, 20_000);
  expect(job.status).toBe('Completed');
});

test('credentials given as flags are used, with no warning', async () => {
  const { sim, bedrock } = await own(
    [
      '--s3-access-key-id',
      LOCAL_S3_CREDENTIALS.accessKeyId,
      '--s3-secret-access-key',
      LOCAL_S3_CREDENTIALS.secretAccessKey,
    ],
    noCredentials(),
  );
  expect(sim.log()).not.toMatch(/no AWS credentials/);
  const { jobArn } = await bedrock.send(new CreateModelCustomizationJobCommand(jobRequest(trainingUri)));
  expect((await waitForJob(bedrock, jobArn!, undefined, 20_000)).status).toBe('Completed');
});

test('one credential flag without the other is refused at start', async () => {
  await expect(startOwnSimulator(['--s3-access-key-id', 'AKIDEXAMPLE'], noCredentials())).rejects.toThrow(
    /--s3-access-key-id and --s3-secret-access-key go together/,
  );
});

test('with no credentials and real S3, it warns at start and jobs fail in validation, within the retry bound', async () => {
  const { sim, bedrock } = await own(['--s3-endpoint', '', '--s3-retry-seconds', '2'], noCredentials());
  expect(sim.log()).toMatch(/no AWS credentials .*every job will fail in validation/);
  const started = Date.now();
  const { jobArn } = await bedrock.send(new CreateModelCustomizationJobCommand(jobRequest(trainingUri)));
  const job = await waitForJob(bedrock, jobArn!, undefined, 20_000);
  expect(job.status).toBe('Failed');
  expect(job.statusDetails?.validationDetails?.status).toBe('Failed');
  expect(job.failureMessage).toMatch(/^Unable to read the input data: .*credentials/);
  expect(Date.now() - started).toBeLessThan(10_000);
});

test('an S3 that does not answer fails the job in validation after --s3-retry-seconds, naming the data', async () => {
  const closed = `http://127.0.0.1:${await freePort()}`;
  const { bedrock } = await own(['--s3-endpoint', closed, '--s3-retry-seconds', '2'], process.env);
  const started = Date.now();
  const { jobArn } = await bedrock.send(new CreateModelCustomizationJobCommand(jobRequest(trainingUri)));
  const job = await waitForJob(bedrock, jobArn!, undefined, 20_000);
  expect(job.status).toBe('Failed');
  expect(job.statusDetails?.validationDetails?.status).toBe('Failed');
  expect(job.failureMessage).toContain(trainingUri);
  expect(job.failureMessage).toMatch(/retried S3 for 2s/);
  // Validation at 1000x is 0.3 s; the bound is 2 s; the tick and polls add little.
  expect(Date.now() - started).toBeLessThan(10_000);
});
