// Reinforcement fine-tuning through the real fineTune workflow: dev server, worker, simulator over HTTP,
// real S3. A run to a custom model with its rewards; each refusal before any job (from the typed client,
// and from a start that bypasses it, as the Temporal UI or another SDK would); a grader failure.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetModelCustomizationJobCommand, ListModelCustomizationJobsCommand } from '@aws-sdk/client-bedrock';
import { FINE_TUNE_WORKFLOW_TYPE, type FineTuneRequest } from '../../src/core/fine-tune-contract';
import { InvalidRequestError } from '../../src/core/request';
import { parseS3Uri } from '../../src/core/bedrock-patterns';
import { DATA_BUCKET, datasets, GRADER_ARN, novaRft, put, simulatorTags } from '../support/datasets';
import { currentDetails } from '../support/details';
import { testContext, uniqueName, type TestContext } from '../support/temporal';
import { failureOf } from '../support/wait';

const taskQueue = uniqueName('wf-rft');
let ctx: TestContext;

beforeAll(async () => {
  ctx = await testContext(taskQueue);
  await ctx.startWorker(taskQueue);
});
afterAll(() => ctx?.close());

async function s3Json(uri: string): Promise<Record<string, unknown>> {
  const { bucket, key } = parseS3Uri(uri);
  const object = await ctx.aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await object.Body!.transformToString()) as Record<string, unknown>;
}

async function jobsFor(customModelName: string) {
  const page = await ctx.aws.bedrock.send(new ListModelCustomizationJobsCommand({ maxResults: 1000 }));
  return (page.modelCustomizationJobSummaries ?? []).filter((j) => j.customModelName === customModelName);
}

/** Starts the workflow without the typed client's schema check, as the Temporal UI or another SDK could. */
async function startUnchecked(request: unknown, workflowId: string) {
  return ctx.client.workflow.start(FINE_TUNE_WORKFLOW_TYPE, { args: [request], taskQueue, workflowId });
}

it('runs RFT on Nova 2 Lite to a custom model, with the grader rewards in its metrics and report', async () => {
  const prefix = uniqueName('rft-happy');
  const request = await novaRft(ctx.aws.s3, prefix, 120);
  const run = await ctx.fineTune.start(request, { workflowId: prefix });
  const result = await run.result();

  expect(result.status).toBe('Completed');
  expect(result.customModelArn).toMatch(/:custom-model\/amazon\.nova-2-lite-v1:0:256k\//);
  expect(result.metrics?.epochs.length).toBe(2);
  expect(result.metrics?.epochs.every((e) => e.meanReward! > 0 && e.meanReward! <= 1)).toBe(true);
  const rewards = result.metrics!.rewards!;
  expect(rewards.steps).toBe(16);
  expect(rewards.finalMean).toBeGreaterThan(rewards.firstMean!);
  expect((await run.progress()).dataset).toMatchObject({ trainingRecords: 120, validationRecords: 0 });

  // The job was created with the request's rftConfig as typed JSON, and no string hyperparameters.
  const job = await ctx.aws.bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: result.jobArn }));
  expect(job.customizationType).toBe('REINFORCEMENT_FINE_TUNING');
  expect(job.customizationConfig).toEqual({ rftConfig: request.customizationConfig!.rftConfig });
  expect(job.hyperParameters).toEqual({});

  const report = await s3Json(result.reportUri!);
  expect(report.summary).toMatchObject({ rewards: { steps: 16, finalMean: rewards.finalMean } });
  expect((report.notes as string[]).join('\n')).toMatch(/reward statistics from the columns critic\/rewards\/mean/);
  expect(await currentDetails(ctx.client, prefix)).toMatch(/\| Mean reward \| 0\.\d{4} \|/);
});

it('warns, and still runs, when rftConfig names no grader (optional in the service model)', async () => {
  const prefix = uniqueName('rft-no-grader');
  const request = await novaRft(ctx.aws.s3, prefix, 100, {
    customizationConfig: { rftConfig: { hyperParameters: { epochCount: 1, batchSize: 64 } } },
  });
  const result = await (await ctx.fineTune.start(request, { workflowId: prefix })).result();
  expect(result.status).toBe('Completed');
  expect(await currentDetails(ctx.client, prefix)).toMatch(
    /\| Warnings \| customizationConfig\.rftConfig\.graderConfig\.lambdaGrader\.lambdaArn is not set/,
  );
});

it('warns when the grader Lambda is in another region than the job', async () => {
  const prefix = uniqueName('rft-far-grader');
  const lambdaArn = 'arn:aws:lambda:eu-west-1:123456789012:function:far-grader';
  const request = await novaRft(ctx.aws.s3, prefix, 100, {
    customizationConfig: { rftConfig: { graderConfig: { lambdaGrader: { lambdaArn } } } },
  });
  const result = await (await ctx.fineTune.start(request, { workflowId: prefix })).result();
  expect(result.status).toBe('Completed');
  expect(await currentDetails(ctx.client, prefix)).toContain(
    `| Warnings | the grader Lambda ${lambdaArn} is in eu-west-1 and the job runs in us-east-1:`,
  );
});

it('ends BedrockJobFailed with the message naming the grader when the grader fails', async () => {
  const prefix = uniqueName('rft-grader-fails');
  const request = await novaRft(ctx.aws.s3, prefix, 100, { jobTags: [simulatorTags.outcome('fail-grader')] });
  const failure = await failureOf((await ctx.fineTune.start(request, { workflowId: prefix })).result());
  expect(failure.type).toBe('BedrockJobFailed');
  expect(failure.message).toContain(`the reward function ${GRADER_ARN} returned an error`);
});

it('fails DatasetInvalid on RFT records that break the rules, with their lines, before any job', async () => {
  const prefix = uniqueName('rft-bad-data');
  const lines = datasets.rftPrompts(110).trimEnd().split('\n');
  lines[2] = JSON.stringify({ messages: [{ role: 'system', content: 'You are terse.' }], reference_answer: 'x' });
  lines[6] = JSON.stringify({
    messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 's3://b/a.png' } }] }],
    reference_answer: 'a cat',
  });
  const s3Uri = await put(ctx.aws.s3, DATA_BUCKET, `${prefix}/bad.jsonl`, lines.join('\n') + '\n');
  const request = await novaRft(ctx.aws.s3, prefix, 110, { trainingDataConfig: { s3Uri } });
  const failure = await failureOf((await ctx.fineTune.start(request, { workflowId: prefix })).result());
  expect(failure.type).toBe('DatasetInvalid');
  const problems = (failure.details?.[0] as { problems: { rule: string; line: number }[] }).problems;
  expect(problems.map((p) => `${p.line}:${p.rule}`)).toEqual(
    expect.arrayContaining(['3:no-user-message', '7:media-not-supported']),
  );
  expect(await jobsFor(request.customModelName)).toEqual([]);
});

describe('refused before any job', () => {
  const withRft = async (prefix: string, rftConfig: unknown, extra: Partial<FineTuneRequest> = {}) => ({
    ...(await novaRft(ctx.aws.s3, prefix, 100, extra)),
    customizationConfig: { rftConfig } as FineTuneRequest['customizationConfig'],
  });
  const cases: [string, (prefix: string) => Promise<FineTuneRequest>, RegExp][] = [
    [
      'a Lambda ARN that is not a function ARN',
      (prefix) =>
        withRft(prefix, { graderConfig: { lambdaGrader: { lambdaArn: 'arn:aws:iam::123456789012:role/grader' } } }),
      /customizationConfig\.rftConfig\.graderConfig\.lambdaGrader\.lambdaArn: must be a Lambda function ARN/,
    ],
    [
      'hyperparameters out of their bounds',
      (prefix) =>
        withRft(prefix, { hyperParameters: { epochCount: 60, learningRate: 0.01, trainingSamplePerPrompt: 1 } }),
      /hyperParameters\.epochCount: must be at most 50[\s\S]*hyperParameters\.learningRate: must be at most 0\.001[\s\S]*hyperParameters\.trainingSamplePerPrompt: must be at least 2/,
    ],
    [
      'both distillationConfig and rftConfig',
      async (prefix) => ({
        ...(await novaRft(ctx.aws.s3, prefix, 100)),
        customizationConfig: {
          rftConfig: {},
          distillationConfig: { teacherModelConfig: { teacherModelIdentifier: 'amazon.nova-pro-v1:0' } },
        },
      }),
      /customizationConfig: is a union: set exactly one of distillationConfig \(DISTILLATION\) or rftConfig \(REINFORCEMENT_FINE_TUNING\), not both/,
    ],
  ];

  it.each(cases)('%s: the typed client refuses to start it', async (_what, make, message) => {
    const prefix = uniqueName('rft-refused-client');
    const request = await make(prefix);
    const err = await ctx.fineTune.start(request, { workflowId: prefix }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as Error).message).toMatch(message);
  });

  it.each(cases)(
    '%s: a start that bypasses the client fails InvalidRequest in preflight',
    async (_what, make, message) => {
      const prefix = uniqueName('rft-refused-run');
      const request = await make(prefix);
      const failure = await failureOf((await startUnchecked(request, prefix)).result());
      expect(failure.type).toBe('InvalidRequest');
      expect(failure.message).toMatch(message);
      expect(await jobsFor(request.customModelName)).toEqual([]);
    },
  );

  it('RFT on a model without it fails InvalidRequest naming the model that has it', async () => {
    const prefix = uniqueName('rft-wrong-model');
    const request = await novaRft(ctx.aws.s3, prefix, 100, { baseModelIdentifier: 'amazon.nova-micro-v1:0:128k' });
    const failure = await failureOf((await ctx.fineTune.start(request, { workflowId: prefix })).result());
    expect(failure.type).toBe('InvalidRequest');
    expect(failure.message).toContain(
      'customizationType: Nova Micro supports FINE_TUNING, DISTILLATION, not REINFORCEMENT_FINE_TUNING; REINFORCEMENT_FINE_TUNING is available for amazon.nova-2-lite-v1:0:256k',
    );
    expect(await jobsFor(request.customModelName)).toEqual([]);
  });
});
