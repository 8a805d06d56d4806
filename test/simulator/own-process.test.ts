// Behaviour that needs a simulator of the test's own, started with its own flags: fault injection, the
// concurrent-job quota, and a SIGKILL followed by a restart from the state file.
import {
  CreateModelCustomizationJobCommand,
  GetCustomModelCommand,
  GetModelCustomizationJobCommand,
  InternalServerException,
  ListFoundationModelsCommand,
  ListModelCustomizationJobsCommand,
  ListTagsForResourceCommand,
  ServiceQuotaExceededException,
  StopModelCustomizationJobCommand,
  ThrottlingException,
} from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/simulator/state';
import {
  bedrockClient,
  DATASETS,
  jobRequest,
  promptCompletionLines,
  putText,
  s3Client,
  startOwnSimulator,
  unique,
  waitForJob,
} from './helpers';
import { SimulatorPool } from './simulator-pool';

// Jest applies testTimeout only globally, not per project: these tests wait on simulated jobs.
jest.setTimeout(60_000);

let s3: S3Client;
let trainingUri: string;
let dir: string;
const pool = new SimulatorPool();

beforeAll(async () => {
  s3 = s3Client();
  dir = mkdtempSync(join(tmpdir(), 'finetune-simulator-test-'));
  trainingUri = await putText(s3, DATASETS, `simulator-tests/${unique('own')}.jsonl`, promptCompletionLines(10));
});

afterAll(async () => {
  await pool.close();
  s3.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test('--throttle-rate 1 answers 429 ThrottlingException; the SDK retries, then gives up', async () => {
  const sim = await pool.start(['--throttle-rate', '1']);
  const client = bedrockClient(sim.endpoint, 2);
  try {
    const err = await client.send(new ListFoundationModelsCommand({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThrottlingException);
    expect((err as ThrottlingException).$metadata.httpStatusCode).toBe(429);
    expect((err as ThrottlingException).$metadata.attempts).toBe(2);
  } finally {
    client.destroy();
    await sim.stop();
  }
});

test('--error-rate 1 answers 500 InternalServerException', async () => {
  const sim = await pool.start(['--error-rate', '1']);
  const client = bedrockClient(sim.endpoint, 1);
  try {
    const err = await client.send(new ListModelCustomizationJobsCommand({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalServerException);
    expect((err as InternalServerException).$metadata.httpStatusCode).toBe(500);
  } finally {
    client.destroy();
    await sim.stop();
  }
});

test('a partial error rate fails some requests and the SDK retries them through; --latency-ms delays every answer', async () => {
  const sim = await pool.start(['--error-rate', '0.3', '--latency-ms', '40']);
  const once = bedrockClient(sim.endpoint, 1);
  const retrying = bedrockClient(sim.endpoint, 10);
  try {
    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () =>
        once.send(new ListFoundationModelsCommand({})).then(
          () => 'ok',
          (e: Error) => e.name,
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'InternalServerException').length).toBeGreaterThan(2);
    expect(outcomes.filter((o) => o === 'ok').length).toBeGreaterThan(10);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    const t0 = Date.now();
    const out = await retrying.send(new ListFoundationModelsCommand({}));
    expect(out.modelSummaries!.length).toBeGreaterThan(10);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
  } finally {
    once.destroy();
    retrying.destroy();
    await sim.stop();
  }
});

test('more running jobs than --max-concurrent-jobs is ServiceQuotaExceededException; a slot frees when one stops', async () => {
  const sim = await pool.start([
    '--max-concurrent-jobs',
    '2',
    '--time-scale',
    '1',
    '--state-file',
    join(dir, 'quota.json'),
  ]);
  const client = bedrockClient(sim.endpoint);
  try {
    // Job a runs at 100 simulated seconds per real second: its 120-second Stopping phase lasts 1.2 s.
    const a = await client.send(
      new CreateModelCustomizationJobCommand(
        jobRequest(trainingUri, { jobTags: [{ key: 'simulator:time-scale', value: '100' }] }),
      ),
    );
    await client.send(new CreateModelCustomizationJobCommand(jobRequest(trainingUri)));
    const err = await client
      .send(new CreateModelCustomizationJobCommand(jobRequest(trainingUri)))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceQuotaExceededException);
    expect((err as ServiceQuotaExceededException).$metadata.httpStatusCode).toBe(400);
    expect((err as Error).message).toContain('quota (2)');
    await client.send(new StopModelCustomizationJobCommand({ jobIdentifier: a.jobArn }));
    // A Stopping job still runs.
    const stillStopping = await client
      .send(new CreateModelCustomizationJobCommand(jobRequest(trainingUri)))
      .catch((e: unknown) => e);
    expect(stillStopping).toBeInstanceOf(ServiceQuotaExceededException);
    expect((await waitForJob(client, a.jobArn!)).status).toBe('Stopped');
    const third = await client.send(new CreateModelCustomizationJobCommand(jobRequest(trainingUri)));
    expect(third.jobArn).toBeDefined();
  } finally {
    client.destroy();
    await sim.stop();
  }
});

test('after SIGKILL and a restart from the state file every job and model is there and each lifecycle continues', async () => {
  const stateFile = join(dir, 'restart.json');
  const args = ['--time-scale', '200', '--state-file', stateFile];
  let sim = await pool.start(args);
  let client = bedrockClient(sim.endpoint);
  // Done before the kill: a completed job with its model and tags.
  const done = jobRequest(trainingUri, {
    jobTags: [{ key: 'phase', value: 'before-kill' }],
    customModelTags: [{ key: 'm', value: '1' }],
  });
  const doneArn = (await client.send(new CreateModelCustomizationJobCommand(done))).jobArn!;
  const doneJob = await waitForJob(client, doneArn);
  expect(doneJob.status).toBe('Completed');
  // Running at the kill: one that will finish later, one slow one stopped before the kill.
  const running = jobRequest(trainingUri, { jobTags: [{ key: 'simulator:time-scale', value: '100' }] });
  const runningArn = (await client.send(new CreateModelCustomizationJobCommand(running))).jobArn!;
  const stopped = jobRequest(trainingUri, { jobTags: [{ key: 'simulator:time-scale', value: '1' }] });
  const stoppedArn = (await client.send(new CreateModelCustomizationJobCommand(stopped))).jobArn!;
  await client.send(new StopModelCustomizationJobCommand({ jobIdentifier: stoppedArn }));
  const runningBefore = await client.send(new GetModelCustomizationJobCommand({ jobIdentifier: runningArn }));
  expect(runningBefore.status).toBe('InProgress');
  client.destroy();

  await sim.kill();
  expect(sim.process.signalCode).toBe('SIGKILL');
  // What is on disk (snapshot and journal), read the way the simulator reads it at start.
  expect(Store.read(stateFile).allJobs()).toHaveLength(3);

  sim = await pool.start(args);
  client = bedrockClient(sim.endpoint);
  try {
    const again = await client.send(new GetModelCustomizationJobCommand({ jobIdentifier: doneArn }));
    expect(again.status).toBe('Completed');
    expect(again.outputModelArn).toBe(doneJob.outputModelArn);
    expect(again.trainingMetrics).toEqual(doneJob.trainingMetrics);
    expect(again.creationTime).toEqual(doneJob.creationTime);
    expect(again.endTime).toEqual(doneJob.endTime);
    expect((await client.send(new GetCustomModelCommand({ modelIdentifier: done.customModelName }))).modelArn).toBe(
      doneJob.outputModelArn,
    );
    expect((await client.send(new ListTagsForResourceCommand({ resourceARN: doneArn }))).tags).toEqual([
      { key: 'phase', value: 'before-kill' },
    ]);
    expect((await client.send(new ListTagsForResourceCommand({ resourceARN: doneJob.outputModelArn }))).tags).toEqual([
      { key: 'm', value: '1' },
    ]);

    const stoppedJob = await client.send(new GetModelCustomizationJobCommand({ jobIdentifier: stoppedArn }));
    expect(stoppedJob.status).toBe('Stopping');
    // The running job picks up where its clock is and finishes, with its model created once.
    const finished = await waitForJob(client, runningArn, undefined, 60_000);
    expect(finished.status).toBe('Completed');
    expect(finished.creationTime).toEqual(runningBefore.creationTime);
    expect(
      Store.read(stateFile)
        .allModels()
        .filter((m) => m.modelName === running.customModelName),
    ).toHaveLength(1);
    // Names stay taken across the restart.
    const err = await client
      .send(new CreateModelCustomizationJobCommand({ ...running, clientRequestToken: unique('t') }))
      .catch((e: Error) => e);
    expect((err as Error).message).toBe('The provided job name is currently in use.');
  } finally {
    client.destroy();
  }
});

test('a state file that cannot be read stops the simulator from starting, with a clear message', async () => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{not json');
  await expect(startOwnSimulator(['--state-file', bad])).rejects.toThrow(/state file .* cannot be read/);
});
