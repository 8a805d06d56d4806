// Faults after commit, over real HTTP with the AWS SDK: the job is created and persisted, then the
// answer is held (--reply-delay-ms, simulator:reply-delay-ms) or lost with the connection
// (--lost-reply-rate, simulator:lost-replies). What the caller sees: the SDK retries a lost answer
// itself with the same clientRequestToken and gets the same job; when it runs out of attempts it
// reports a network error although the job exists, and the next call with the same token returns it.
import {
  BedrockClient,
  CreateModelCustomizationJobCommand,
  GetModelCustomizationJobCommand,
  ListModelCustomizationJobsCommand,
  StopModelCustomizationJobCommand,
  type CreateModelCustomizationJobCommandInput,
} from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASETS, jobRequest, promptCompletionLines, putText, s3Client, unique } from './helpers';
import { SimulatorPool } from './simulator-pool';

jest.setTimeout(60_000);

let s3: S3Client;
let trainingUri: string;
let dir: string;
const pool = new SimulatorPool();

beforeAll(async () => {
  s3 = s3Client();
  dir = mkdtempSync(join(tmpdir(), 'finetune-reply-faults-'));
  trainingUri = await putText(s3, DATASETS, `simulator-tests/${unique('replies')}.jsonl`, promptCompletionLines(10));
});

afterAll(async () => {
  await pool.close();
  s3.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** A request with a token of its own, so repeats are idempotent as a worker's retries are. */
function tokenRequest(tags: { key: string; value: string }[] = []): CreateModelCustomizationJobCommandInput {
  return jobRequest(trainingUri, { clientRequestToken: unique('token'), jobTags: tags });
}

async function jobsNamed(bedrock: BedrockClient, jobName: string) {
  const page = await bedrock.send(new ListModelCustomizationJobsCommand({ nameContains: jobName }));
  return (page.modelCustomizationJobSummaries ?? []).filter((j) => j.jobName === jobName);
}

test('simulator:lost-replies=2: the SDK retries the lost answers itself and gets the one job on its third attempt', async () => {
  const bedrock = pool.client(process.env.AWS_ENDPOINT_URL_BEDROCK);
  const request = tokenRequest([{ key: 'simulator:lost-replies', value: '2' }]);
  const out = await bedrock.send(new CreateModelCustomizationJobCommand(request));
  expect(out.$metadata.attempts).toBe(3);
  const jobs = await jobsNamed(bedrock, request.jobName!);
  expect(jobs.map((j) => j.jobArn)).toEqual([out.jobArn]);
});

test('more lost answers than SDK attempts: the caller sees a network error, yet the job exists; the same token then returns it', async () => {
  const bedrock = pool.client(process.env.AWS_ENDPOINT_URL_BEDROCK);
  const request = tokenRequest([{ key: 'simulator:lost-replies', value: '3' }]);
  const err = (await bedrock
    .send(new CreateModelCustomizationJobCommand(request))
    .catch((e: unknown) => e)) as Error & {
    $metadata?: { attempts?: number };
  };
  // The SDK's own words for a connection closed without an answer.
  expect(err.message).toBe('AWS SDK error wrapper for TimeoutError: socket hang up');
  expect(err.$metadata?.attempts).toBe(3);
  // Committed before the answer was lost: the job is there, under the caller's token.
  const job = await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: request.jobName }));
  expect(job.status).toBe('InProgress');
  expect(job.clientRequestToken).toBe(request.clientRequestToken);
  // What a Temporal activity retry does: the same call again. Same job, no second one.
  const again = await bedrock.send(new CreateModelCustomizationJobCommand(request));
  expect(again.jobArn).toBe(job.jobArn);
  expect(again.$metadata.attempts).toBe(1);
  expect(await jobsNamed(bedrock, request.jobName!)).toHaveLength(1);
});

test('--lost-reply-rate 1 loses every Create and Stop answer after the commit; other operations answer', async () => {
  const sim = await pool.start(['--lost-reply-rate', '1']);
  const bedrock = pool.client(sim.endpoint, 2);
  const request = tokenRequest();
  const createErr = await bedrock.send(new CreateModelCustomizationJobCommand(request)).catch((e: Error) => e);
  expect((createErr as Error).message).toMatch(/socket hang up/);
  const jobs = await jobsNamed(bedrock, request.jobName!);
  expect(jobs).toHaveLength(1);
  expect(jobs[0].status).toBe('InProgress');

  const stopErr = await bedrock
    .send(new StopModelCustomizationJobCommand({ jobIdentifier: jobs[0].jobArn }))
    .catch((e: Error) => e);
  expect((stopErr as Error).message).toMatch(/socket hang up/);
  const job = await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobs[0].jobArn }));
  expect(job.status).toBe('Stopping');
});

test('--reply-delay-ms holds the answer after the commit: the job is visible before its creator hears of it', async () => {
  const sim = await pool.start(['--reply-delay-ms', '1500']);
  const creator = pool.client(sim.endpoint);
  const observer = pool.client(sim.endpoint);
  const request = tokenRequest();
  const t0 = Date.now();
  let answeredAt: number | undefined;
  const answer = creator.send(new CreateModelCustomizationJobCommand(request)).then((out) => {
    answeredAt = Date.now();
    return out;
  });
  let seen: string | undefined;
  while (!seen && Date.now() - t0 < 5_000) {
    seen = (await jobsNamed(observer, request.jobName!))[0]?.jobArn;
    if (!seen) await new Promise((r) => setTimeout(r, 50));
  }
  const seenAt = Date.now();
  expect(seen).toBeDefined();
  expect(answeredAt).toBeUndefined();
  const out = await answer;
  expect(out.jobArn).toBe(seen);
  expect(answeredAt! - t0).toBeGreaterThanOrEqual(1500);
  expect(seenAt).toBeLessThan(answeredAt!);
});

test('simulator:reply-delay-ms holds every answer to that job’s Create, repeats included, and no other', async () => {
  const bedrock = pool.client(process.env.AWS_ENDPOINT_URL_BEDROCK);
  const held = tokenRequest([{ key: 'simulator:reply-delay-ms', value: '800' }]);
  for (let i = 0; i < 2; i++) {
    const t0 = Date.now();
    await bedrock.send(new CreateModelCustomizationJobCommand(held));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
  }
  const plain = tokenRequest();
  const t0 = Date.now();
  await bedrock.send(new CreateModelCustomizationJobCommand(plain));
  expect(Date.now() - t0).toBeLessThan(800);
});

test('the count of answers still to lose survives a SIGKILL and a restart from the state file', async () => {
  const args = ['--state-file', join(dir, 'lost.json')];
  let sim = await pool.start(args);
  const request = tokenRequest([{ key: 'simulator:lost-replies', value: '4' }]);
  const lost = await pool
    .client(sim.endpoint, 2)
    .send(new CreateModelCustomizationJobCommand(request))
    .catch((e: Error) => e);
  expect((lost as Error).message).toMatch(/socket hang up/);
  await sim.kill();
  sim = await pool.start(args);
  // Two of four were lost before the kill: two more now, then the answer.
  const out = await pool.client(sim.endpoint, 3).send(new CreateModelCustomizationJobCommand(request));
  expect(out.$metadata.attempts).toBe(3);
  expect(await jobsNamed(pool.client(sim.endpoint), request.jobName!)).toHaveLength(1);
});

test('simulator:refused-stops refuses that many Stops of the running job with a Conflict, then takes one', async () => {
  const bedrock = pool.client(process.env.AWS_ENDPOINT_URL_BEDROCK);
  const request = tokenRequest([
    { key: 'simulator:refused-stops', value: '2' },
    { key: 'simulator:time-scale', value: '1' },
  ]);
  const { jobArn } = await bedrock.send(new CreateModelCustomizationJobCommand(request));
  for (let i = 0; i < 2; i++) {
    const refused = await bedrock
      .send(new StopModelCustomizationJobCommand({ jobIdentifier: jobArn }))
      .catch((e: Error) => e);
    expect((refused as Error).name).toBe('ConflictException');
    expect((refused as Error).message).toMatch(/cannot be stopped right now/);
    expect((await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }))).status).toBe(
      'InProgress',
    );
  }
  await bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: jobArn }));
  expect((await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }))).status).toBe('Stopping');
});
