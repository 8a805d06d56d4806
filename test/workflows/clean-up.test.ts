// The ways out of a run that a code review found could leave a paid job unwatched: a create retried
// past a stop or the deadline, a clean-up that itself fails, a stop Bedrock refuses, a skip check made
// again after the job exists. Real dev server, real worker, the simulator and S3 over HTTP; Bedrock's
// answers are made to fail by a fault proxy in front of the simulator (the simulator never sees a
// refused request) or by the simulator's own reserved tags, never by replacing an activity.
import {
  BedrockClient,
  GetModelCustomizationJobCommand,
  StopModelCustomizationJobCommand,
} from '@aws-sdk/client-bedrock';
import { createBedrockClient } from '../../src/aws/clients';
import { isTerminalJobStatus } from '../../src/core/bedrock-patterns';
import { FINE_TUNE_WORKFLOW_TYPE, type FineTuneProgress } from '../../src/core/fine-tune-contract';
import { LINEAGE_TAG_WORKFLOW_ID } from '../../src/core/lineage';
import { jobIdentity } from '../../src/core/naming';
import type { FineTuneRequest } from '../../src/core/request';
import { LAST_TRAINED_MEMO_KEY, trainingSettings, type TrainedRunRecord } from '../../src/core/retraining';
import type { RunState } from '../../src/workflows/run-state';
import { STOPPABLE_JOB_TIME_SCALE } from '../support/constants';
import { createJobDirectly, novaFineTune, simulatorTags } from '../support/datasets';
import { isCreateCall, isGetJobCall, startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { recordHistory } from '../support/histories';
import { jobsOfRun } from '../support/jobs';
import { testContext, uniqueName, type TestContext } from '../support/temporal';
import { failureOf, waitFor } from '../support/wait';

let ctx: TestContext;
const proxies: FaultProxy[] = [];
const clients: BedrockClient[] = [];

beforeAll(async () => {
  ctx = await testContext(uniqueName('clean-up'));
});
afterAll(async () => {
  await ctx?.close();
  for (const client of clients) client.destroy();
  for (const proxy of proxies) await proxy.close();
});

/** A worker on its own task queue whose Bedrock calls pass through a fault proxy. */
async function workerBehindProxy(taskQueue: string): Promise<FaultProxy> {
  const proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL_BEDROCK!);
  proxies.push(proxy);
  const bedrock = createBedrockClient({ ...ctx.config.aws, bedrockEndpoint: proxy.endpoint });
  clients.push(bedrock);
  await ctx.startWorker(taskQueue, { bedrock });
  return proxy;
}

const unavailable = {
  when: isCreateCall,
  status: 503,
  errorType: 'ServiceUnavailableException',
  message: 'Bedrock is unavailable (injected by the test proxy)',
};

const jobStatus = async (jobArn: string) =>
  (await ctx.aws.bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }))).status;

/** Stops a job the run could not, so the test leaves nothing training. */
async function stopByHand(jobArn: string): Promise<void> {
  if (isTerminalJobStatus(await jobStatus(jobArn))) return;
  await ctx.aws.bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: jobArn }));
}

describe('a create that is being retried hears the deadline and a stop', () => {
  it('the deadline passes while every create fails: DeadlineExceeded, no job, no create attempt after it', async () => {
    const taskQueue = uniqueName('create-deadline');
    const proxy = await workerBehindProxy(taskQueue);
    proxy.faults.refuse = unavailable;
    const prefix = uniqueName('create-deadline');
    const request = await novaFineTune(ctx.aws.s3, prefix, 20);
    request.orchestration = { ...request.orchestration, deadline: '12s' };
    const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
    const failure = await failureOf(run.result());
    expect(failure.type).toBe('DeadlineExceeded');
    expect(failure.message).toMatch(/passed before (a|the) job was created; no job was created/);
    await recordHistory(run.handle, 'deadline-during-create');
    const progress = await run.progress();
    expect(progress.cleanup?.outcome).toBe('no-job');
    expect(await jobsOfRun(ctx.aws.bedrock, prefix)).toEqual([]);
    // The create was tried (and retried) before the deadline, and no attempt began after it: only the
    // AWS SDK's own retries of the attempt in flight at the deadline may follow it, within a second or two.
    const deadlineAt = Date.parse(progress.deadline!);
    expect(proxy.createAttempts.filter((t) => t < deadlineAt).length).toBeGreaterThan(1);
    expect(proxy.createAttempts.filter((t) => t > deadlineAt + 2_000)).toEqual([]);
  });

  it('a stop while every create fails: the run ends stopped at once, with no job', async () => {
    const taskQueue = uniqueName('create-stop');
    const proxy = await workerBehindProxy(taskQueue);
    proxy.faults.refuse = unavailable;
    const prefix = uniqueName('create-stop');
    const run = await ctx.fineTune.start(await novaFineTune(ctx.aws.s3, prefix, 20), { workflowId: prefix, taskQueue });
    await waitFor('a refused create', async () => (proxy.createAttempts.length > 1 ? true : undefined));
    const stoppedAt = Date.now();
    await run.stop('not today');
    const failure = await failureOf(run.result());
    expect(failure.type).toBe('StoppedBeforeJob');
    expect(failure.message).toBe('stopped before a job was created: not today');
    await recordHistory(run.handle, 'stop-during-create');
    expect((await run.progress()).cleanup?.outcome).toBe('no-job');
    expect(await jobsOfRun(ctx.aws.bedrock, prefix)).toEqual([]);
    expect(proxy.createAttempts.filter((t) => t > stoppedAt + 2_000)).toEqual([]);
  });

  it('the deadline passes while every create reply is lost after commit: the job is found and stopped', async () => {
    const taskQueue = uniqueName('create-lost-deadline');
    const proxy = await workerBehindProxy(taskQueue);
    proxy.faults.createReply = 'drop';
    const prefix = uniqueName('create-lost-deadline');
    const request = await novaFineTune(ctx.aws.s3, prefix, 20, {
      jobTags: [simulatorTags.timeScale(STOPPABLE_JOB_TIME_SCALE)],
    });
    request.orchestration = { ...request.orchestration, deadline: '15s' };
    const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
    const failure = await failureOf(run.result());
    expect(failure.type).toBe('DeadlineExceeded');
    await recordHistory(run.handle, 'deadline-with-lost-create-replies');
    const jobs = await jobsOfRun(ctx.aws.bedrock, prefix);
    expect(jobs).toHaveLength(1);
    const progress = await run.progress();
    expect(progress.jobArn).toBe(jobs[0].jobArn);
    expect(progress.cleanup?.outcome).toBe('stopped');
    expect(await jobStatus(jobs[0].jobArn!)).toBe('Stopped');
  });
});

describe('a clean-up that cannot do its work records it, and the run ends as its cause says', () => {
  it('cancel, and the look for the job whose create reply was lost is denied: stop-failed, naming the job', async () => {
    const taskQueue = uniqueName('find-denied');
    const proxy = await workerBehindProxy(taskQueue);
    proxy.faults.createReply = 'drop';
    const prefix = uniqueName('find-denied');
    const request = await novaFineTune(ctx.aws.s3, prefix, 20, { jobTags: [simulatorTags.timeScale(20)] });
    const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
    const [job] = await waitFor('a committed job', async () => {
      const jobs = await jobsOfRun(ctx.aws.bedrock, prefix);
      return jobs.length > 0 ? jobs : undefined;
    });
    proxy.faults.refuse = {
      when: (method, path) => isGetJobCall(method, path, 'name'),
      status: 403,
      errorType: 'AccessDeniedException',
      message: 'not authorized to perform bedrock:GetModelCustomizationJob (injected)',
    };
    await run.cancel();
    try {
      expect((await failureOf(run.result())).type).toBe('cancelled');
      await recordHistory(run.handle, 'find-denied');
      const progress: FineTuneProgress = await run.progress();
      expect(progress.phase).toBe('cancelled');
      expect(progress.cleanup?.outcome).toBe('stop-failed');
      // The job's derived name, so an operator can find and stop it.
      expect(job.jobName).toBe(
        jobIdentity({ request, workflowId: prefix, datasetFingerprint: progress.dataset!.fingerprint! }).jobName,
      );
      expect(progress.cleanup?.message).toContain(`stop-model-customization-job --job-identifier ${job.jobName}`);
      expect(progress.cleanup?.message).toMatch(/access denied/i);
      expect(proxy.refused.length).toBeGreaterThan(0);
    } finally {
      await stopByHand(job.jobArn!);
    }
  });

  it('cancel, and reading the stopping job is denied: stop-unconfirmed with the reason, the job stopped', async () => {
    const taskQueue = uniqueName('wait-denied');
    const proxy = await workerBehindProxy(taskQueue);
    const prefix = uniqueName('wait-denied');
    const request = await novaFineTune(ctx.aws.s3, prefix, 20, { jobTags: [simulatorTags.timeScale(20)] });
    // The first look is an hour away: no poll of the running job meets the denial below.
    request.orchestration = { polling: { initialInterval: '1h', maximumInterval: '1h' } };
    const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
    const jobArn = await waitFor('the job', async () => (await run.progress()).jobArn);
    proxy.faults.refuse = {
      when: (method, path) => isGetJobCall(method, path, 'arn'),
      status: 403,
      errorType: 'AccessDeniedException',
      message: 'not authorized to perform bedrock:GetModelCustomizationJob (injected)',
    };
    await run.cancel();
    expect((await failureOf(run.result())).type).toBe('cancelled');
    await recordHistory(run.handle, 'stop-wait-denied');
    const progress = await run.progress();
    expect(progress.phase).toBe('cancelled');
    expect(progress.jobArn).toBe(jobArn);
    expect(progress.cleanup?.outcome).toBe('stop-unconfirmed');
    expect(progress.cleanup?.message).toMatch(/could not be read .*access denied/i);
    // The stop itself was sent and taken.
    expect(['Stopping', 'Stopped']).toContain(await jobStatus(jobArn));
  });
});

describe('a stop Bedrock refuses while the job runs', () => {
  // Refused once: the stop is sent again 10 s later and taken. Refusals in a row, and the pause
  // between them growing, are the next test's (refused until the stop timeout).
  it('is sent again until Bedrock takes it: the job is stopped', async () => {
    const prefix = uniqueName('stop-refused-twice');
    const taskQueue = uniqueName('stop-refused-twice');
    await ctx.startWorker(taskQueue);
    const request = await novaFineTune(ctx.aws.s3, prefix, 20, {
      jobTags: [simulatorTags.timeScale(STOPPABLE_JOB_TIME_SCALE), { key: 'simulator:refused-stops', value: '1' }],
    });
    const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
    const jobArn = await waitFor('the job', async () => (await run.progress()).jobArn);
    await run.stop('refused once, then taken');
    const failure = await failureOf(run.result());
    expect(failure.type).toBe('BedrockJobStopped');
    await recordHistory(run.handle, 'stop-refused-then-taken');
    const progress = await run.progress();
    expect(progress.cleanup?.outcome).toBe('stopped');
    expect(await jobStatus(jobArn)).toBe('Stopped');
  });

  it('refused until the stop timeout: stop-refused with the command, and the run ends as its cause says', async () => {
    const prefix = uniqueName('stop-refused');
    const taskQueue = uniqueName('stop-refused');
    await ctx.startWorker(taskQueue);
    const request = await novaFineTune(ctx.aws.s3, prefix, 20, {
      jobTags: [simulatorTags.timeScale(2), { key: 'simulator:refused-stops', value: '3' }],
    });
    request.orchestration = { ...request.orchestration, stopTimeout: '15s' };
    const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
    const jobArn = await waitFor('the job', async () => (await run.progress()).jobArn);
    try {
      await run.stop('refused every time');
      const failure = await failureOf(run.result());
      expect(failure.type).toBe('BedrockJobStopped');
      await recordHistory(run.handle, 'stop-refused');
      const progress = await run.progress();
      expect(progress.cleanup?.outcome).toBe('stop-refused');
      expect(progress.cleanup?.message).toMatch(/Bedrock refused the stop 3 times/);
      expect(progress.cleanup?.message).toContain(`stop-model-customization-job --job-identifier ${jobArn}`);
      expect(await jobStatus(jobArn)).toBe('InProgress');
    } finally {
      await stopByHand(jobArn);
    }
  });
});

describe('skip if unchanged', () => {
  it('a continued-as-new run whose job trains never checks again, even when the check would now say skip', async () => {
    const taskQueue = uniqueName('skip-after-job');
    await ctx.startWorker(taskQueue);
    const prefix = uniqueName('skip-after-job');
    const request: FineTuneRequest = await novaFineTune(ctx.aws.s3, prefix, 20, {
      jobTags: [simulatorTags.timeScale(100)],
    });
    request.orchestration = { ...request.orchestration, skipIfUnchanged: true };
    const fingerprint = 'ab'.repeat(32);
    // The job the first run created, before it continued as new.
    const job = await createJobDirectly(ctx.aws.bedrock, request, {
      jobName: `${prefix}-job`,
      jobTags: [simulatorTags.timeScale(100), { key: LINEAGE_TAG_WORKFLOW_ID, value: prefix }],
    });
    const now = new Date().toISOString();
    const carried: RunState = {
      phase: 'training',
      timeline: [{ phase: 'training', at: now }],
      startedAt: now,
      scheduled: { scheduleId: `${prefix}-schedule`, scheduledAt: now },
      polling: { initialMs: 500, coefficient: 2, maximumMs: 1_000, jitter: 0.1 },
      delayMs: 500,
      pollsRecorded: 0,
      pokeRequested: false,
      preflight: { modelId: request.baseModelIdentifier, customizationType: 'FINE_TUNING' },
      dataset: {
        fingerprint,
        reportUri: `s3://finetune-outputs/${prefix}/validation-report.json`,
        trainingRecords: 20,
        validationRecords: 0,
        estimatedTokens: 100,
        warnings: 0,
        duplicatesRemoved: 0,
        bytes: 1,
        trainingDataConfig: request.trainingDataConfig,
      },
      createStarted: true,
      job: { jobArn: job.jobArn!, jobName: `${prefix}-job`, clientRequestToken: 'x', createdAt: now, adopted: false },
    };
    // Its schedule's record now matches this data and these settings: a check made now would say skip.
    const record: TrainedRunRecord = {
      workflowId: `${prefix}-earlier`,
      runId: 'r',
      scheduledAt: now,
      completedAt: now,
      datasetFingerprint: fingerprint,
      jobArn: 'arn:aws:bedrock:us-east-1:123456789012:model-customization-job/earlier',
      settings: trainingSettings(request),
    };
    const handle = await ctx.client.workflow.start(FINE_TUNE_WORKFLOW_TYPE, {
      args: [request, carried],
      workflowId: prefix,
      taskQueue,
      memo: { [LAST_TRAINED_MEMO_KEY]: record },
    });
    const result = (await handle.result()) as { status: string; jobArn?: string };
    await recordHistory(handle, 'continued-as-new-never-skips');
    expect(result.status).toBe('Completed');
    expect(result.jobArn).toBe(job.jobArn);
  });
});
