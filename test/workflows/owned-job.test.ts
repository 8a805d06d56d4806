// The run owns its Bedrock job from the moment creation starts: every way out leaves no job running
// unwatched. Real dev server, real worker, the simulator and S3 over HTTP, with faults injected where
// they hurt (a fault proxy between the worker and the server, acting after the server has done the
// work). Where an activity is replaced, the test's name says so.
import { StopModelCustomizationJobCommand } from '@aws-sdk/client-bedrock';
import { ApplicationFailure } from '@temporalio/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActivities } from '../../src/activities';
import { createBedrockClient, createS3Client } from '../../src/aws/clients';
import { lineageScope } from '../../src/config';
import { InvalidRequestError, type FineTuneRun } from '../../src/client';
import {
  BaseModelKey,
  BedrockJobArnKey,
  BedrockJobStatusKey,
  CustomizationTypeKey,
  CustomModelNameKey,
  DatasetFingerprintKey,
  FineTunePhaseKey,
} from '../../src/core/search-attributes';
import { STOPPABLE_JOB_TIME_SCALE } from '../support/constants';
import { createJobDirectly, novaFineTune, simulatorTags } from '../support/datasets';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { recordHistory } from '../support/histories';
import { jobsOfRun } from '../support/jobs';
import { ownSimulator } from '../support/own-simulator';
import { testContext, uniqueName, type TestContext } from '../support/temporal';
import { failureOf, waitFor } from '../support/wait';

let ctx: TestContext;
const scratch = mkdtempSync(join(tmpdir(), 'finetune-owned-job-'));

beforeAll(async () => {
  ctx = await testContext(uniqueName('owned'));
});
afterAll(async () => {
  await ctx?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** A worker whose Bedrock calls pass through a fault proxy in front of `endpoint`. */
async function workerBehindProxy(taskQueue: string, endpoint = process.env.AWS_ENDPOINT_URL_BEDROCK!) {
  const proxy = await startFaultProxy(endpoint);
  const bedrock = createBedrockClient({ ...ctx.config.aws, bedrockEndpoint: proxy.endpoint });
  await ctx.startWorker(taskQueue, { bedrock });
  return { proxy, bedrock };
}

const stoppedOrStopping = ['Stopped', 'Stopping'];

describe('a job whose create answer never reached the run', () => {
  it('cancel while every create reply is lost after commit: the job is found by name and stopped', async () => {
    const taskQueue = uniqueName('lost-reply');
    const { proxy, bedrock } = await workerBehindProxy(taskQueue);
    try {
      proxy.faults.createReply = 'drop';
      const prefix = uniqueName('lost-reply');
      const request = await novaFineTune(ctx.aws.s3, prefix, 20, {
        jobTags: [simulatorTags.timeScale(STOPPABLE_JOB_TIME_SCALE)],
      });
      const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
      // Bedrock has committed the job; the run has not heard of it, and is retrying.
      await waitFor('a committed job', async () =>
        (await jobsOfRun(ctx.aws.bedrock, prefix)).length ? true : undefined,
      );
      await run.cancel();
      expect((await failureOf(run.result())).type).toBe('cancelled');
      await recordHistory(run.handle, 'cancel-while-creating');

      const jobs = await jobsOfRun(ctx.aws.bedrock, prefix);
      expect(jobs).toHaveLength(1);
      expect(stoppedOrStopping).toContain(jobs[0].status);
      const progress = await run.progress();
      expect(progress.phase).toBe('cancelled');
      expect(progress.jobArn).toBe(jobs[0].jobArn);
      expect(progress.cleanup?.outcome).toMatch(/^stopped|stop-unconfirmed$/);
    } finally {
      bedrock.destroy();
      await proxy.close();
    }
  });

  it('stop while the quota-wait attempt that created the job is held: the job is stopped', async () => {
    // A simulator with one slot, held by another job that ends in a few seconds.
    const sim = await ownSimulator(scratch, { flags: ['--max-concurrent-jobs', '1'] });
    const direct = sim.bedrock;
    const taskQueue = uniqueName('quota-held');
    const { proxy, bedrock } = await workerBehindProxy(taskQueue, sim.endpoint);
    try {
      const blocker = await createJobDirectly(direct, await novaFineTune(ctx.aws.s3, uniqueName('blocker'), 20), {
        jobName: uniqueName('blocker-job'),
        customModelName: uniqueName('blocker-model'),
        jobTags: [simulatorTags.timeScale(20)],
      });
      const prefix = uniqueName('quota-held');
      const request = await novaFineTune(ctx.aws.s3, prefix, 20, {
        jobTags: [simulatorTags.timeScale(STOPPABLE_JOB_TIME_SCALE)],
      });
      request.orchestration = { ...request.orchestration, quotaWait: { initialInterval: '1s', maximumInterval: '1s' } };
      const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
      await waitFor('waiting-for-quota', async () =>
        (await run.progress()).phase === 'waiting-for-quota' ? true : undefined,
      );
      // From now on every create reply is held for 5 s after Bedrock answered; then the slot frees.
      proxy.faults.createReply = { holdMs: 5_000 };
      await direct.send(new StopModelCustomizationJobCommand({ jobIdentifier: blocker.jobArn }));
      await waitFor('the job committed by the quota wait', async () =>
        (await jobsOfRun(direct, prefix)).length ? true : undefined,
      );
      await run.stop('operator changed their mind');
      const failure = await failureOf(run.result());
      expect(failure.type).toBe('BedrockJobStopped');
      await recordHistory(run.handle, 'stop-during-quota-wait');

      const jobs = await jobsOfRun(direct, prefix);
      expect(jobs).toHaveLength(1);
      expect(stoppedOrStopping).toContain(jobs[0].status);
      const progress = await run.progress();
      expect(progress.phase).toBe('stopped');
      expect(progress.jobArn).toBe(jobs[0].jobArn);
    } finally {
      bedrock.destroy();
      await proxy.close();
      await sim.stop();
    }
  });
});

describe('a failure after the job exists', () => {
  it('stops the job before the run fails, and says so (poll failure injected: pollJob replaced)', async () => {
    const taskQueue = uniqueName('poll-denied');
    const real = createActivities({ ...ctx.aws, temporal: ctx.client, scope: lineageScope(ctx.config) });
    await ctx.startWorker(taskQueue, undefined, {
      // GetModelCustomizationJob is denied while the job trains (a policy changed under the run);
      // the clean-up's own look at the stopping job is let through.
      pollJob: async (input) => {
        if (input.untilTerminal) return real.pollJob(input);
        throw ApplicationFailure.nonRetryable(
          'GetModelCustomizationJob: access denied: not authorized (injected)',
          'AccessDeniedException',
        );
      },
    });
    const prefix = uniqueName('poll-denied');
    const request = await novaFineTune(ctx.aws.s3, prefix, 20, {
      jobTags: [simulatorTags.timeScale(STOPPABLE_JOB_TIME_SCALE)],
    });
    const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
    const failure = await failureOf(run.result());
    expect(failure.type).toBe('AccessDeniedException');
    await recordHistory(run.handle, 'failure-after-job');
    const jobs = await jobsOfRun(ctx.aws.bedrock, prefix);
    expect(jobs).toHaveLength(1);
    expect(stoppedOrStopping).toContain(jobs[0].status);
    const details = failure.details?.[0] as { jobArn?: string; cleanup?: { outcome: string } };
    expect(details.jobArn).toBe(jobs[0].jobArn);
    expect(details.cleanup?.outcome).toMatch(/^stopped|stop-unconfirmed$/);
    expect((await run.progress()).phase).toBe('failed');
  });
});

describe('continue-as-new', () => {
  it('carries phase, search attributes, progress and the single job into the next runs', async () => {
    const taskQueue = uniqueName('can');
    await ctx.startWorker(taskQueue);
    const prefix = uniqueName('can');
    const request = await novaFineTune(ctx.aws.s3, prefix, 20, { jobTags: [simulatorTags.timeScale(100)] });
    request.orchestration = { ...request.orchestration, continueAsNewAfterEvents: 40 };
    const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
    const result = await run.result();
    expect(result.status).toBe('Completed');

    const runs = [];
    for await (const info of ctx.client.workflow.list({ query: `WorkflowId = '${prefix}'` })) runs.push(info);
    await recordHistory(ctx.client.workflow.getHandle(prefix, run.runId), 'continued-as-new');
    const continued = runs.filter((r) => r.status.name === 'CONTINUED_AS_NEW');
    expect(continued.length).toBeGreaterThanOrEqual(1);
    for (const r of continued) {
      // A closing run is indexed where it was, never 'failed'.
      expect(r.searchAttributes.FineTunePhase).toEqual(['training']);
    }
    const last = await run.handle.describe();
    expect(last.runId).not.toBe(run.runId);
    const sa = last.typedSearchAttributes;
    expect(sa.get(FineTunePhaseKey)).toBe('completed');
    expect(sa.get(BaseModelKey)).toBe(request.baseModelIdentifier);
    expect(sa.get(CustomModelNameKey)).toBe(request.customModelName);
    expect(sa.get(CustomizationTypeKey)).toBe('FINE_TUNING');
    expect(sa.get(BedrockJobArnKey)).toBe(result.jobArn);
    expect(sa.get(BedrockJobStatusKey)).toBe('Completed');
    expect(sa.get(DatasetFingerprintKey)).toBe(result.datasetFingerprint);

    const progress = await run.progress();
    expect(progress.jobArn).toBe(result.jobArn);
    expect(progress.pollsRecorded).toBeGreaterThanOrEqual(continued.length);
    expect(progress.dataset?.fingerprint).toBe(result.datasetFingerprint);
    expect(await jobsOfRun(ctx.aws.bedrock, prefix)).toHaveLength(1);
  });
});

describe('a stop or the deadline during data preparation', () => {
  /** A worker whose dataset reads are slow: preparation takes minutes, unless something interrupts it. */
  async function slowDataWorker(taskQueue: string, key: string) {
    const proxy: FaultProxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL_S3!);
    proxy.faults.slowBody = { pathContains: key, bytesPerSecond: 20_000 };
    const s3 = createS3Client({ ...ctx.config.aws, s3Endpoint: proxy.endpoint });
    await ctx.startWorker(taskQueue, { s3 });
    return { proxy, s3 };
  }

  /** Until the preparation activity has started and reported progress (its heartbeat). */
  async function preparationUnderWay(run: FineTuneRun) {
    await waitFor('the preparation under way', async () => {
      const pending = (await run.handle.describe()).raw.pendingActivities ?? [];
      return pending.some((a) => a.activityType?.name === 'prepareDataset' && a.heartbeatDetails) ? true : undefined;
    });
  }

  /** What the run's history says of the preparation: cancelled (and acknowledged), and what was scheduled. */
  async function preparationEnding(run: FineTuneRun) {
    const events = (await run.handle.fetchHistory()).events ?? [];
    return {
      scheduled: events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []),
      cancelRequested: events.some((e) => e.activityTaskCancelRequestedEventAttributes),
      cancelled: events.some((e) => e.activityTaskCanceledEventAttributes),
    };
  }

  it('a stop ends the run stopped, with the preparation cancelled and no job', async () => {
    const taskQueue = uniqueName('prep-stop');
    const prefix = uniqueName('prep-stop');
    const { proxy, s3 } = await slowDataWorker(taskQueue, prefix);
    try {
      const request = await novaFineTune(ctx.aws.s3, prefix, 2_000);
      const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
      await preparationUnderWay(run);
      await run.stop('wrong dataset');
      const failure = await failureOf(run.result());
      await recordHistory(run.handle, 'stop-during-preparation');
      expect(failure.type).toBe('StoppedBeforeJob');
      expect(failure.message).toBe('stopped before a job was created: wrong dataset');
      expect((await run.progress()).phase).toBe('stopped');
      expect((await run.handle.describe()).typedSearchAttributes.get(FineTunePhaseKey)).toBe('stopped');
      const history = await preparationEnding(run);
      expect(history).toMatchObject({ cancelRequested: true, cancelled: true });
      expect(history.scheduled).not.toContain('createJob');
      expect(await jobsOfRun(ctx.aws.bedrock, prefix)).toHaveLength(0);
    } finally {
      s3.destroy();
      await proxy.close();
    }
  });

  it('the deadline ends the run DeadlineExceeded, with the preparation cancelled and no job', async () => {
    const taskQueue = uniqueName('prep-deadline');
    const prefix = uniqueName('prep-deadline');
    const { proxy, s3 } = await slowDataWorker(taskQueue, prefix);
    try {
      const request = await novaFineTune(ctx.aws.s3, prefix, 2_000);
      request.orchestration = { ...request.orchestration, deadline: '6s' };
      const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
      const failure = await failureOf(run.result());
      expect(failure.type).toBe('DeadlineExceeded');
      expect(failure.message).toMatch(/before (a|the) job was created; no job was created/);
      const history = await preparationEnding(run);
      expect(history).toMatchObject({ cancelRequested: true, cancelled: true });
      expect(history.scheduled).not.toContain('createJob');
      expect(await jobsOfRun(ctx.aws.bedrock, prefix)).toHaveLength(0);
    } finally {
      s3.destroy();
      await proxy.close();
    }
  });
});

describe('polling limits', () => {
  it('refuses a request whose polling would loop on Bedrock', async () => {
    const request = await novaFineTune(ctx.aws.s3, uniqueName('hot-loop'), 20);
    request.orchestration = { polling: { maximumInterval: '1ms' } };
    await expect(ctx.fineTune.start(request)).rejects.toThrow(InvalidRequestError);
    await expect(ctx.fineTune.start(request)).rejects.toThrow(/maximumInterval must be at least 1s/);
  });

  it('refuses the same through the setPolling update', async () => {
    const taskQueue = uniqueName('hot-loop-update');
    await ctx.startWorker(taskQueue);
    const prefix = uniqueName('hot-loop-update');
    const run = await ctx.fineTune.start(
      await novaFineTune(ctx.aws.s3, prefix, 20, { jobTags: [simulatorTags.timeScale(STOPPABLE_JOB_TIME_SCALE)] }),
      { workflowId: prefix, taskQueue },
    );
    await waitFor('the job', async () => (await run.progress()).jobArn);
    await expect(run.setPolling({ maximumInterval: '1ms' })).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/maximumInterval must be at least 1s/) },
    });
    await run.cancel();
    await failureOf(run.result());
  });
});
