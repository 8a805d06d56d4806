// The run's endings that real Bedrock (and the simulator) cannot reach in a test's time: hours of
// quota waits and stop waits, metrics that cannot be collected, a create answered after a cancel.
// (A deadline during data preparation is in owned-job.test.ts, with real activities: this test server
// stops skipping time once an activity it cancelled has heartbeated.)
// Activities are STUBS here, on the time-skipping test server; everything else (the workflow bundle,
// the worker, the typed client) is the real thing. The same endings with real activities, where they
// can be reached, are in owned-job.test.ts.
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import type { CreateJobInput, CreateJobResult, OwnJob } from '../../src/activities/create-job';
import type { PollJobInput, PollJobResult } from '../../src/activities/poll-job';
import { createAwsClients, destroyAwsClients } from '../../src/aws/clients';
import { FineTuneClient } from '../../src/client';
import { loadAwsConfig } from '../../src/config';
import { RetryLaterType } from '../../src/core/failures';
import type { FineTuneRequest } from '../../src/core/request';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/core/search-attributes';
import { createFineTuneWorker } from '../../src/worker';
import { ROLE_ARN } from '../support/datasets';
import { ensureTimeSkippingServer } from '../support/time-skipping';
import { failureOf, waitFor } from '../support/wait';

const JOB_ARN =
  'arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/stub0000001';
const JOB_NAME = 'stubbed-job';

let env: TestWorkflowEnvironment;
const aws = createAwsClients(loadAwsConfig(process.env));

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: await ensureTimeSkippingServer() } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, searchAttributeEnum(k.type)])),
  });
}, 180_000);
afterAll(async () => {
  await env?.teardown();
  destroyAwsClients(aws);
});

function searchAttributeEnum(type: string): number {
  // temporal.api.enums.v1.IndexedValueType
  return ({ KEYWORD: 2, INT: 3, DOUBLE: 4 } as Record<string, number>)[type.toUpperCase()] ?? 2;
}

function request(name: string, orchestration: FineTuneRequest['orchestration'] = {}): FineTuneRequest {
  return {
    customModelName: `${name}-model`,
    roleArn: ROLE_ARN,
    baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
    customizationType: 'FINE_TUNING',
    trainingDataConfig: { s3Uri: 's3://finetune-data/stub/train.jsonl' },
    outputDataConfig: { s3Uri: 's3://finetune-outputs/stub/' },
    orchestration,
  };
}

const snapshot = (status: PollJobResult['snapshot']['status']): PollJobResult['snapshot'] => ({
  status,
  ...(status === 'Completed' ? { outputModelArn: 'arn:aws:bedrock:us-east-1:123456789012:custom-model/stub' } : {}),
  endTime: status === 'InProgress' ? undefined : new Date().toISOString(),
});

const created: CreateJobResult = { outcome: 'created', jobArn: JOB_ARN, jobName: JOB_NAME, clientRequestToken: 'a1' };
/** The job as findOwnJob returns it from Bedrock: under the run's name, with its token. */
const ownJob: OwnJob = {
  jobArn: JOB_ARN,
  jobName: JOB_NAME,
  clientRequestToken: 'a1',
  snapshot: snapshot('InProgress'),
};

/** Activities that complete a job at once; each test replaces what it is about, and counts calls. */
function stubs(over: Partial<Activities> = {}) {
  const calls: Record<string, unknown[]> = {};
  const count =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      (calls[name] ??= []).push(args[0]);
      return fn(...args);
    };
  const base: Partial<Activities> = {
    preflight: async () => ({ modelId: 'amazon.nova-micro-v1:0:128k', customizationType: 'FINE_TUNING' }),
    prepareDataset: async (input) => ({
      fingerprint: 'f'.repeat(64),
      reportUri: 's3://finetune-outputs/stub/report.json',
      trainingDataConfig: input.trainingDataConfig,
      stats: {
        trainingRecords: 10,
        validationRecords: 0,
        estimatedTokens: 100,
        warnings: 0,
        duplicatesRemoved: 0,
        bytes: 1,
      },
    }),
    createJob: async () => created,
    findOwnJob: async () => undefined,
    pollJob: async (input: PollJobInput) => ({
      snapshot: snapshot(input.untilTerminal ? 'Stopped' : 'Completed'),
      polls: 1,
      polledAt: new Date().toISOString(),
      delayMs: 1000,
    }),
    stopJob: async () => ({ outcome: 'stop-requested' as const }),
    collectMetrics: async () => ({
      summary: {
        epochs: [{ epoch: 1, trainingLoss: 0.5, lastStepTrainingLoss: 0.5 }],
        steps: 10,
        finalTrainingLoss: 0.5,
        crossCheck: 'unavailable',
      },
      validationCsvUris: [],
    }),
  };
  const merged = { ...base, ...over } as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const activities = Object.fromEntries(
    Object.entries(merged).map(([k, fn]) => [k, count(k, fn)]),
  ) as Partial<Activities>;
  return { activities, calls };
}

async function withWorker<T>(activities: Partial<Activities>, body: (ft: FineTuneClient) => Promise<T>): Promise<T> {
  const taskQueue = `stubbed-${Math.random().toString(36).slice(2, 9)}`;
  const worker: Worker = await createFineTuneWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    deps: { ...aws, temporal: env.client, scope: { namespace: env.namespace ?? 'default', installation: 'stubbed' } },
    activities,
    workflowBundle: { codePath: process.env.FINETUNE_TEST_WORKFLOW_BUNDLE! },
  });
  return worker.runUntil(body(new FineTuneClient(env.client, taskQueue)));
}

/** Bedrock's concurrent-job quota stays full: every try is refused, and the next is 10 minutes away. */
async function quotaNeverFrees(input: CreateJobInput): Promise<CreateJobResult> {
  if (input.mode === 'first')
    return { outcome: 'quota-exceeded', message: 'quota full', jobName: JOB_NAME, clientRequestToken: 'a1' };
  throw ApplicationFailure.create({
    type: RetryLaterType.WaitingForQuota,
    message: 'quota full',
    nextRetryDelay: '10 minutes',
    category: ApplicationFailureCategory.BENIGN,
  });
}

describe('fineTune with stubbed activities on the time-skipping server', () => {
  it('a stop during a quota wait ends the run stopped, with no job', async () => {
    const { activities, calls } = stubs({ createJob: quotaNeverFrees });
    await withWorker(activities, async (ft) => {
      const run = await ft.start(request('quota-stop'), { workflowId: 'quota-stop' });
      await waitFor('waiting-for-quota', async () =>
        (await run.progress()).phase === 'waiting-for-quota' ? true : undefined,
      );
      await run.stop('no slot today');
      const failure = await failureOf(run.result());
      expect(failure.type).toBe('StoppedBeforeJob');
      expect(failure.message).toMatch(/stopped before a job was created: no slot today/);
      const progress = await run.progress();
      expect(progress.phase).toBe('stopped');
      expect(progress.cleanup?.outcome).toBe('no-job');
    });
    // The clean-up looked for a job the last attempt might have made, and found none to stop.
    expect(calls.findOwnJob).toHaveLength(1);
    expect(calls.stopJob).toBeUndefined();
  });

  it('a deadline that passes during a quota wait ends the run with no job', async () => {
    const { activities, calls } = stubs({ createJob: quotaNeverFrees });
    await withWorker(activities, async (ft) => {
      const run = await ft.start(request('quota-deadline', { deadline: '3h' }), { workflowId: 'quota-deadline' });
      const failure = await failureOf(run.result());
      expect(failure.type).toBe('DeadlineExceeded');
      expect(failure.message).toMatch(/before a job was created; no job was created/);
      const progress = await run.progress();
      expect(progress.phase).toBe('failed');
      expect(progress.cleanup?.outcome).toBe('no-job');
    });
    expect(calls.findOwnJob).toHaveLength(1);
    expect(calls.stopJob).toBeUndefined();
  });

  it('metrics that cannot be collected: the run completes and says why', async () => {
    const { activities } = stubs({
      collectMetrics: async () => {
        throw ApplicationFailure.nonRetryable('the training metrics CSV has no step column', 'MetricsCsvInvalid');
      },
    });
    await withWorker(activities, async (ft) => {
      const run = await ft.start(request('metrics-fail'), { workflowId: 'metrics-fail' });
      const result = await run.result();
      expect(result.status).toBe('Completed');
      expect(result.metrics).toBeUndefined();
      expect(result.metricsError).toBe('the training metrics CSV has no step column');
      expect((await run.progress()).metricsError).toBe('the training metrics CSV has no step column');
    });
  });

  it('a stop that Bedrock never confirms ends the run after stopTimeout, saying so', async () => {
    const { activities, calls } = stubs({
      pollJob: async (input: PollJobInput): Promise<PollJobResult> => {
        // The job never leaves Stopping; before the stop it trains.
        if (!input.untilTerminal && input.known === undefined)
          return { snapshot: snapshot('InProgress'), polls: 1, polledAt: new Date().toISOString(), delayMs: 1000 };
        throw ApplicationFailure.create({
          type: RetryLaterType.JobUnchanged,
          message: 'unchanged',
          nextRetryDelay: '30s',
          category: ApplicationFailureCategory.BENIGN,
        });
      },
    });
    await withWorker(activities, async (ft) => {
      const run = await ft.start(request('stop-timeout', { stopTimeout: '20m' }), { workflowId: 'stop-timeout' });
      await waitFor('training', async () => ((await run.progress()).jobStatus === 'InProgress' ? true : undefined));
      await run.stop('enough');
      const failure = await failureOf(run.result());
      expect(failure.type).toBe('BedrockJobStopped');
      const cleanup = (failure.details?.[0] as { cleanup?: { outcome: string; message: string } }).cleanup;
      expect(cleanup?.outcome).toBe('stop-unconfirmed');
      expect(cleanup?.message).toMatch(/stop timeout \(20m\)/);
    });
    expect(calls.stopJob).toEqual([JOB_ARN]);
  });

  it('a cancel while create is in flight: the job it made is stopped', async () => {
    const { activities, calls } = stubs({
      // The answer of a create that outlives the cancel request never reaches the run (the server
      // records the activity as cancelled): the job is found by name, as Bedrock would return it.
      findOwnJob: async () => ownJob,
      // Bedrock commits the job; its answer reaches the run only after the cancel.
      createJob: async (): Promise<CreateJobResult> => {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        return created;
      },
    });
    await withWorker(activities, async (ft) => {
      const run = await ft.start(request('cancel-create'), { workflowId: 'cancel-create' });
      await waitFor('creating', async () => ((await run.progress()).phase === 'creating-job' ? true : undefined));
      await run.cancel();
      expect((await failureOf(run.result())).type).toBe('cancelled');
      const progress = await run.progress();
      expect(progress.phase).toBe('cancelled');
      expect(progress.jobArn).toBe(JOB_ARN);
      expect(progress.cleanup?.outcome).toBe('stopped');
    });
    expect(calls.stopJob).toEqual([JOB_ARN]);
  });

  it('a cancel while create is retrying after a lost reply: the job is found by name and stopped', async () => {
    const { activities, calls } = stubs({
      // Every answer is lost after Bedrock committed the job: the activity keeps failing and retrying.
      createJob: async (): Promise<CreateJobResult> => {
        throw new Error('socket hang up');
      },
      findOwnJob: async () => ownJob,
    });
    await withWorker(activities, async (ft) => {
      const run = await ft.start(request('cancel-lost'), { workflowId: 'cancel-lost' });
      await waitFor('a failed create attempt', async () => ((calls.createJob?.length ?? 0) >= 2 ? true : undefined));
      await run.cancel();
      expect((await failureOf(run.result())).type).toBe('cancelled');
      expect((await run.progress()).cleanup?.outcome).toBe('stopped');
    });
    expect(calls.findOwnJob).toHaveLength(1);
    expect(calls.stopJob).toEqual([JOB_ARN]);
  });
});
