// The fineTune workflow end to end: real dev server, real worker, the simulator over HTTP, real S3.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetModelCustomizationJobCommand, StopModelCustomizationJobCommand } from '@aws-sdk/client-bedrock';
import { BedrockJobStatusKey, FineTunePhaseKey, TrainingLossKey } from '../../src/core/search-attributes';
import { parseS3Uri } from '../../src/core/bedrock-patterns';
import { LINEAGE_TAG_WORKFLOW_ID } from '../../src/core/lineage';
import {
  createJobDirectly,
  datasets,
  DATA_BUCKET,
  FAST_POLLING,
  LOGS_BUCKET,
  novaDistillation,
  novaFineTune,
  OUTPUT_BUCKET,
  put,
  ROLE_ARN,
  simulatorTags,
} from '../support/datasets';
import { STOPPABLE_JOB_TIME_SCALE } from '../support/constants';
import { currentDetails } from '../support/details';
import { jobsOfRun } from '../support/jobs';
import { recordHistory } from '../support/histories';
import { testContext, uniqueName, type TestContext } from '../support/temporal';
import { failureOf, waitFor } from '../support/wait';

const taskQueue = uniqueName('wf');
let ctx: TestContext;

beforeAll(async () => {
  ctx = await testContext(taskQueue);
  await ctx.startWorker(taskQueue);
});
afterAll(() => ctx?.close());

async function s3Text(uri: string): Promise<string> {
  const { bucket, key } = parseS3Uri(uri);
  const object = await ctx.aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return object.Body!.transformToString();
}

/** The run's jobs, by its lineage tag: a job under any name would be counted. */
const jobsOf = (workflowId: string) => jobsOfRun(ctx.aws.bedrock, workflowId);

describe('happy paths', () => {
  it('fine-tunes Nova Micro to a custom model with metrics, report, chart and search attributes', async () => {
    const prefix = uniqueName('happy-ft');
    const request = await novaFineTune(ctx.aws.s3, prefix, 24, {
      validationDataConfig: {
        validators: [
          { s3Uri: await put(ctx.aws.s3, DATA_BUCKET, `${prefix}/validation.jsonl`, datasets.conversation(10)) },
        ],
      },
    });
    const run = await ctx.fineTune.start(request, { workflowId: prefix });
    const result = await run.result();

    expect(result.status).toBe('Completed');
    expect(result.jobArn).toMatch(
      /^arn:aws:bedrock:us-east-1:\d{12}:model-customization-job\/amazon\.nova-micro-v1:0:128k\/[a-z0-9]{12}$/,
    );
    expect(result.customModelArn).toMatch(/:custom-model\//);
    expect(result.metrics?.epochs.length).toBe(2);
    expect(result.metrics?.finalTrainingLoss).toBeGreaterThan(0);
    expect(result.metrics?.finalValidationLoss).toBeGreaterThan(0);
    expect(result.datasetFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(await s3Text(result.reportUri!))).toMatchObject({ jobArn: result.jobArn });
    expect(await s3Text(result.chartUri!)).toContain('<svg');

    const job = await ctx.aws.bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: result.jobArn }));
    expect(job.clientRequestToken).toMatch(/^[0-9a-f]{64}$/);

    const description = await run.handle.describe();
    expect(description.typedSearchAttributes.get(FineTunePhaseKey)).toBe('completed');
    expect(description.typedSearchAttributes.get(BedrockJobStatusKey)).toBe('Completed');
    expect(description.typedSearchAttributes.get(TrainingLossKey)).toBeCloseTo(result.metrics!.finalTrainingLoss!, 6);
    const progress = await run.progress();
    expect(progress.phase).toBe('completed');
    expect(progress.dataset?.trainingRecords).toBe(24);
  });

  it('runs continued pre-training on Titan Text Express', async () => {
    const prefix = uniqueName('happy-cpt');
    const s3Uri = await put(ctx.aws.s3, DATA_BUCKET, `${prefix}/train.jsonl`, datasets.continuedPretraining(30));
    const run = await ctx.fineTune.start(
      {
        customModelName: `${prefix}-model`,
        roleArn: ROLE_ARN,
        baseModelIdentifier: 'amazon.titan-text-express-v1:0:8k',
        customizationType: 'CONTINUED_PRE_TRAINING',
        trainingDataConfig: { s3Uri },
        outputDataConfig: { s3Uri: `s3://${OUTPUT_BUCKET}/${prefix}/` },
        hyperParameters: { epochCount: '1', batchSize: '1', learningRate: '0.00001' },
        orchestration: { polling: { ...FAST_POLLING } },
      },
      { workflowId: prefix },
    );
    const result = await run.result();
    expect(result.status).toBe('Completed');
    expect(result.metrics?.epochs.length).toBe(1);
  });

  it('distils Nova Pro into Nova Micro from S3 prompts', async () => {
    const prefix = uniqueName('happy-distill');
    const s3Uri = await put(ctx.aws.s3, DATA_BUCKET, `${prefix}/prompts.jsonl`, datasets.distillationPrompts(120));
    const result = await (
      await ctx.fineTune.start(novaDistillation(prefix, { s3Uri }, 1000), { workflowId: prefix })
    ).result();
    expect(result.status).toBe('Completed');
    expect(result.customModelArn).toBeDefined();
  });

  it('distils from invocation logs, filtered by request metadata', async () => {
    const prefix = uniqueName('happy-logs');
    const logPrefix = `${prefix}/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/11/27/10`;
    await put(
      ctx.aws.s3,
      LOGS_BUCKET,
      `${logPrefix}/20261127T101527Z_0a1b2c3d.json.gz`,
      datasets.invocationLogs(130, 'amazon.nova-pro-v1:0'),
    );
    const logs = {
      invocationLogsConfig: {
        invocationLogSource: { s3Uri: `s3://${LOGS_BUCKET}/${prefix}/AWSLogs` },
        usePromptResponse: true,
        requestMetadataFilters: { equals: { project: 'support-bot' } },
      },
    };
    const result = await (await ctx.fineTune.start(novaDistillation(prefix, logs), { workflowId: prefix })).result();
    expect(result.status).toBe('Completed');
  });
});

describe('bad input never creates a job', () => {
  it('fails InvalidRequest listing every problem, before any job', async () => {
    const prefix = uniqueName('bad-request');
    const request = await novaFineTune(ctx.aws.s3, prefix, 20, {
      hyperParameters: { epochCount: '50', batchSize: '8' },
      validationDataConfig: { validators: [{ s3Uri: `s3://${DATA_BUCKET}/${prefix}/missing.jsonl` }] },
      outputDataConfig: { s3Uri: 's3://no-such-bucket-here/out/' },
    });
    const failure = await failureOf((await ctx.fineTune.start(request, { workflowId: prefix })).result());
    expect(failure.type).toBe('InvalidRequest');
    expect(failure.message).toMatch(/epochCount=50 is out of range/);
    expect(failure.message).toMatch(/batchSize is not a hyperparameter/);
    expect(failure.message).toMatch(/missing\.jsonl does not exist/);
    expect(failure.message).toMatch(/no-such-bucket-here does not exist/);
    expect(await jobsOf(prefix)).toEqual([]);
  });

  it('fails DatasetInvalid with line numbers and the report URI, before any job', async () => {
    const prefix = uniqueName('bad-data');
    const good = datasets.conversation(20).split('\n');
    good[4] =
      '{"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "assistant", "content": [{"text": "hi"}]}]}';
    good[9] = '{not json';
    const s3Uri = await put(ctx.aws.s3, DATA_BUCKET, `${prefix}/bad.jsonl`, good.join('\n'));
    const request = await novaFineTune(ctx.aws.s3, prefix, 20, { trainingDataConfig: { s3Uri } });
    const failure = await failureOf((await ctx.fineTune.start(request, { workflowId: prefix })).result());
    expect(failure.type).toBe('DatasetInvalid');
    expect(failure.message).toMatch(/line 5/);
    expect(failure.message).toMatch(/line 10/);
    expect(JSON.stringify(failure.details)).toMatch(/validation-report\.json/);
    expect(await jobsOf(prefix)).toEqual([]);
  });
});

describe('one job per request', () => {
  it('adopts our own job found under our name after a clash', async () => {
    const prefix = uniqueName('adopt');
    const request = await novaFineTune(ctx.aws.s3, prefix, 20, {
      jobName: `${prefix}-job`,
      clientRequestToken: `${prefix}-token`,
    });
    // Our job already exists (as after a crash between Bedrock's answer and the run's record of it),
    // created with the same name, token and lineage but an older body.
    const existing = await createJobDirectly(ctx.aws.bedrock, request, {
      jobTags: [{ key: LINEAGE_TAG_WORKFLOW_ID, value: prefix }],
    });
    const result = await (await ctx.fineTune.start(request, { workflowId: prefix })).result();
    expect(result.jobArn).toBe(existing.jobArn);
    expect((await jobsOf(prefix)).map((j) => j.jobArn)).toEqual([existing.jobArn]);
  });

  it("fails JobNameTaken when another's job holds the name", async () => {
    const prefix = uniqueName('taken');
    const theirs = await novaFineTune(ctx.aws.s3, `${prefix}-theirs`, 20, {
      jobName: `${prefix}-job`,
      clientRequestToken: 'someone-elses-token',
    });
    await createJobDirectly(ctx.aws.bedrock, theirs);
    const ours = await novaFineTune(ctx.aws.s3, prefix, 20, { jobName: `${prefix}-job` });
    const failure = await failureOf((await ctx.fineTune.start(ours, { workflowId: prefix })).result());
    expect(failure.type).toBe('JobNameTaken');
    expect(failure.message).toMatch(new RegExp(`${prefix}-job is taken by another job`));
    expect(await jobsOf(prefix)).toEqual([]);
  });
});

describe('how jobs end', () => {
  it("reports a Failed job as BedrockJobFailed with Bedrock's failureMessage verbatim", async () => {
    const prefix = uniqueName('failed');
    const request = await novaFineTune(ctx.aws.s3, prefix, 20, { jobTags: [simulatorTags.outcome('fail-training')] });
    const run = await ctx.fineTune.start(request, { workflowId: prefix });
    const failure = await failureOf(run.result());
    expect(failure.type).toBe('BedrockJobFailed');
    const job = await ctx.aws.bedrock.send(
      new GetModelCustomizationJobCommand({ jobIdentifier: (await run.progress()).jobArn! }),
    );
    expect(failure.message).toBe(job.failureMessage);
    expect((await run.progress()).phase).toBe('failed');
  });

  it('reports a job stopped from outside as BedrockJobStopped', async () => {
    const prefix = uniqueName('outside-stop');
    const run = await ctx.fineTune.start(
      await novaFineTune(ctx.aws.s3, prefix, 20, { jobTags: [simulatorTags.timeScale(STOPPABLE_JOB_TIME_SCALE)] }),
      { workflowId: prefix },
    );
    const jobArn = await waitFor('the job', async () => (await run.progress()).jobArn);
    await ctx.aws.bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: jobArn }));
    await run.poke();
    const failure = await failureOf(run.result());
    expect(failure.type).toBe('BedrockJobStopped');
    expect(failure.message).toMatch(/stopped outside this run/);
  });

  it('stops the Bedrock job when the run is cancelled', async () => {
    const prefix = uniqueName('cancel');
    const run = await ctx.fineTune.start(
      await novaFineTune(ctx.aws.s3, prefix, 20, { jobTags: [simulatorTags.timeScale(STOPPABLE_JOB_TIME_SCALE)] }),
      { workflowId: prefix },
    );
    const jobArn = await waitFor('the job', async () => (await run.progress()).jobArn);
    await run.cancel();
    const failure = await failureOf(run.result());
    expect(failure.type).toBe('cancelled');
    const job = await ctx.aws.bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }));
    expect(job.status).toBe('Stopped');
    expect((await run.progress()).phase).toBe('cancelled');
  });

  it('stops the Bedrock job through the stop update and ends BedrockJobStopped', async () => {
    const prefix = uniqueName('stop-update');
    const run = await ctx.fineTune.start(
      await novaFineTune(ctx.aws.s3, prefix, 20, { jobTags: [simulatorTags.timeScale(STOPPABLE_JOB_TIME_SCALE)] }),
      { workflowId: prefix },
    );
    const jobArn = await waitFor('the job', async () => (await run.progress()).jobArn);
    await expect(run.stop('wrong data')).resolves.toMatchObject({ accepted: true });
    const failure = await failureOf(run.result());
    await recordHistory(run.handle, 'stop-update');
    expect(failure.type).toBe('BedrockJobStopped');
    expect(failure.message).toMatch(/wrong data/);
    expect((await ctx.aws.bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }))).status).toBe(
      'Stopped',
    );
    // The UI's details say why the run stopped and how the job was left.
    const details = await currentDetails(ctx.client, prefix);
    expect(details).toContain('| Stop reason | wrong data |');
    expect(details).toContain('| Clean-up | done: the job was stopped |');
    const timeline = details.slice(details.indexOf('#### Timeline')).match(/^\| [a-z-]+ \|/gm);
    expect(timeline?.slice(-4)).toEqual(['| training |', '| stopping |', '| collecting-metrics |', '| stopped |']);
  });

  it('stops the Bedrock job at the deadline and ends DeadlineExceeded', async () => {
    const prefix = uniqueName('deadline');
    const request = await novaFineTune(ctx.aws.s3, prefix, 20, {
      jobTags: [simulatorTags.timeScale(STOPPABLE_JOB_TIME_SCALE)],
    });
    request.orchestration = { ...request.orchestration, deadline: '8s' };
    const run = await ctx.fineTune.start(request, { workflowId: prefix });
    const failure = await failureOf(run.result());
    expect(failure.type).toBe('DeadlineExceeded');
    const jobArn = (await run.progress()).jobArn!;
    expect((await ctx.aws.bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }))).status).toBe(
      'Stopped',
    );
    // Waiting for Stopped after the deadline is a bounded poll, not a loop of zero-length waits.
    expect((await run.handle.describe()).historyLength).toBeLessThan(150);
  });

  it('changes polling mid-run and polls at once on poke', async () => {
    const prefix = uniqueName('polling');
    const request = await novaFineTune(ctx.aws.s3, prefix, 20, { jobTags: [simulatorTags.timeScale(100)] });
    request.orchestration = { polling: { initialInterval: '1h', maximumInterval: '1h' } };
    const run = await ctx.fineTune.start(request, { workflowId: prefix });
    await waitFor('the job', async () => (await run.progress()).jobArn);
    expect((await run.progress()).jobStatus).toBeUndefined(); // first look is an hour away
    // The UI's details show when the first look is due: an hour (give or take the jitter) from now.
    const nextPoll = await waitFor('the next poll in the details', async () => {
      const row = /\| Next poll \| (\S+) (\S+)Z \(while nothing changes, later looks back off to every 1h 00m/.exec(
        await currentDetails(ctx.client, prefix),
      );
      return row ? Date.parse(`${row[1]}T${row[2]}Z`) : undefined;
    });
    expect(Math.abs(nextPoll - (Date.now() + 3_600_000))).toBeLessThan(60_000);
    await run.poke();
    await waitFor(
      'the first poll after poke',
      async () => ((await run.progress()).jobStatus ? true : undefined),
      10_000,
    );
    await expect(run.setPolling({ initialInterval: '500ms', maximumInterval: '1s' })).resolves.toMatchObject({
      maximumInterval: '1s',
    });
    const result = await run.result();
    expect(result.status).toBe('Completed');
  });
});
