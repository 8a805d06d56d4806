// Reinforcement fine-tuning on the simulator, over HTTP with the AWS SDK: what CreateModelCustomizationJob
// accepts and refuses for rftConfig, an RFT job's lifecycle and outputs (rewards in the metrics), a grader
// failure forced by the reserved job tag, and RFT from invocation logs.
import {
  BedrockClient,
  CreateModelCustomizationJobCommand,
  GetCustomModelCommand,
  GetFoundationModelCommand,
  ValidationException,
  type CreateModelCustomizationJobCommandInput,
} from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import { datasets, GRADER_ARN, NOVA_2_LITE } from '../support/datasets';
import {
  bedrockClient,
  DATASETS,
  getText,
  LOGS,
  OUTPUTS,
  parseCsv,
  putText,
  s3Client,
  unique,
  waitForJob,
} from './helpers';

// Jest applies testTimeout only globally, not per project: these tests wait on simulated jobs.
jest.setTimeout(60_000);

let bedrock: BedrockClient;
let s3: S3Client;
let promptsUri: string;

beforeAll(async () => {
  bedrock = bedrockClient();
  s3 = s3Client();
  promptsUri = await putText(s3, DATASETS, `simulator-tests/${unique('rft')}.jsonl`, datasets.rftPrompts(120));
});

afterAll(() => {
  bedrock.destroy();
  s3.destroy();
});

const rftConfig = {
  graderConfig: { lambdaGrader: { lambdaArn: GRADER_ARN } },
  hyperParameters: {
    epochCount: 2,
    batchSize: 16,
    learningRate: 0.00005,
    maxPromptLength: 4096,
    trainingSamplePerPrompt: 4,
    inferenceMaxTokens: 8192,
    reasoningEffort: 'high' as const,
    evalInterval: 50,
  },
};

function rftRequest(overrides: Partial<CreateModelCustomizationJobCommandInput> = {}) {
  const name = unique('rft');
  return {
    jobName: name,
    customModelName: `${name}-model`,
    roleArn: 'arn:aws:iam::123456789012:role/BedrockFineTuning',
    baseModelIdentifier: NOVA_2_LITE,
    customizationType: 'REINFORCEMENT_FINE_TUNING',
    trainingDataConfig: { s3Uri: promptsUri },
    outputDataConfig: { s3Uri: `s3://${OUTPUTS}/simulator-tests/` },
    customizationConfig: { rftConfig },
    ...overrides,
  } satisfies CreateModelCustomizationJobCommandInput;
}

const withHyperParameters = (hyperParameters: Record<string, unknown>) =>
  rftRequest({ customizationConfig: { rftConfig: { ...rftConfig, hyperParameters: hyperParameters as never } } });

async function refusal(input: CreateModelCustomizationJobCommandInput): Promise<Error> {
  const err = await bedrock.send(new CreateModelCustomizationJobCommand(input)).catch((e: unknown) => e);
  if (!(err instanceof Error)) throw new Error(`expected a refusal, got ${JSON.stringify(err)}`);
  return err;
}

test('an RFT job runs to a custom model; its metrics CSV carries the grader rewards', async () => {
  const request = rftRequest();
  const { jobArn } = await bedrock.send(new CreateModelCustomizationJobCommand(request));
  expect(jobArn).toContain(`model-customization-job/${NOVA_2_LITE}/`);

  const job = await waitForJob(bedrock, jobArn!);
  expect(job).toMatchObject({
    status: 'Completed',
    customizationType: 'REINFORCEMENT_FINE_TUNING',
    customizationConfig: { rftConfig },
    hyperParameters: {},
  });
  expect(job.trainingMetrics?.trainingLoss).toBeGreaterThan(0);

  const jobId = jobArn!.split('/').pop();
  const rows = parseCsv(
    await getText(
      s3,
      `s3://${OUTPUTS}/simulator-tests/model-customization-job-${jobId}/training_artifacts/step_wise_training_metrics.csv`,
    ),
  );
  // 120 prompts in batches of 16: 8 steps an epoch, two epochs (rftConfig's, not the SFT default).
  expect(rows.length).toBe(16);
  expect(rows.at(-1)).toMatchObject({ step_number: 15, epoch_number: 1 });
  for (const row of rows) {
    expect(row['critic/rewards/min']).toBeLessThanOrEqual(row['critic/rewards/mean']);
    expect(row['critic/rewards/mean']).toBeLessThanOrEqual(row['critic/rewards/max']);
    expect(row['critic/rewards/max']).toBeLessThanOrEqual(1);
    expect(row['critic/rewards/min']).toBeGreaterThanOrEqual(0);
  }
  expect(rows.at(-1)!['critic/rewards/mean']).toBeGreaterThan(rows[0]['critic/rewards/mean']);

  const model = await bedrock.send(new GetCustomModelCommand({ modelIdentifier: job.outputModelArn! }));
  expect(model).toMatchObject({ customizationType: 'REINFORCEMENT_FINE_TUNING', customizationConfig: { rftConfig } });
});

test('an RFT job needs neither hyperparameters nor a grader in the service model', async () => {
  const { jobArn } = await bedrock.send(
    new CreateModelCustomizationJobCommand(rftRequest({ customizationConfig: { rftConfig: {} } })),
  );
  const job = await waitForJob(bedrock, jobArn!);
  expect(job.status).toBe('Completed');
  // Forge's default batch size (128) over 120 prompts: one step an epoch; its default of one epoch.
  const jobId = jobArn!.split('/').pop();
  const csv = await getText(
    s3,
    `s3://${OUTPUTS}/simulator-tests/model-customization-job-${jobId}/training_artifacts/step_wise_training_metrics.csv`,
  );
  expect(parseCsv(csv)).toHaveLength(1);
});

test('a grader failure (reserved tag) fails the job early in training, naming the Lambda', async () => {
  const { jobArn } = await bedrock.send(
    new CreateModelCustomizationJobCommand(
      rftRequest({ jobTags: [{ key: 'simulator:outcome', value: 'fail-grader' }] }),
    ),
  );
  const job = await waitForJob(bedrock, jobArn!);
  expect(job.status).toBe('Failed');
  expect(job.failureMessage).toContain(`the reward function ${GRADER_ARN} returned an error`);
  expect(job.statusDetails).toMatchObject({
    validationDetails: { status: 'Completed' },
    dataProcessingDetails: { status: 'Completed' },
    trainingDetails: { status: 'Failed' },
  });
  expect(job.outputModelArn).toBeUndefined();
});

test('RFT trains on invocation logs from any model (there is no teacher to match)', async () => {
  const prefix = `simulator-tests/${unique('rft-logs')}/AWSLogs`;
  await putText(
    s3,
    LOGS,
    `${prefix}/123456789012/BedrockModelInvocationLogs/us-east-1/2026/11/27/10/20261127T101527Z_0a1b2c3d.json.gz`,
    datasets.invocationLogs(110, 'amazon.nova-lite-v1:0'),
  );
  const { jobArn } = await bedrock.send(
    new CreateModelCustomizationJobCommand(
      rftRequest({
        trainingDataConfig: {
          invocationLogsConfig: {
            invocationLogSource: { s3Uri: `s3://${LOGS}/${prefix}` },
            requestMetadataFilters: { equals: { project: 'support-bot' } },
          },
        },
      }),
    ),
  );
  expect((await waitForJob(bedrock, jobArn!)).status).toBe('Completed');
});

test('GetFoundationModel lists Nova 2 Lite without RFT: the ModelCustomization enum has no such value', async () => {
  const { modelDetails } = await bedrock.send(new GetFoundationModelCommand({ modelIdentifier: NOVA_2_LITE }));
  expect(modelDetails?.customizationsSupported).toEqual(['FINE_TUNING']);
});

describe('refused with ValidationException', () => {
  const lambdaPath = 'customizationConfig.rftConfig.graderConfig.lambdaGrader.lambdaArn';
  const hpPath = 'customizationConfig.rftConfig.hyperParameters';
  const cases: [string, () => CreateModelCustomizationJobCommandInput, RegExp][] = [
    [
      'a Lambda ARN breaking the pattern',
      () =>
        rftRequest({
          customizationConfig: {
            rftConfig: { graderConfig: { lambdaGrader: { lambdaArn: 'arn:aws:lambda:us-east-1:1234:function:g' } } },
          },
        }),
      new RegExp(`at '${lambdaPath}' failed to satisfy constraint: Member must satisfy regular expression pattern`),
    ],
    [
      'a Lambda ARN over 512 characters',
      () =>
        rftRequest({
          customizationConfig: {
            rftConfig: { graderConfig: { lambdaGrader: { lambdaArn: `${GRADER_ARN}${'x'.repeat(512)}` } } },
          },
        }),
      new RegExp(`at '${lambdaPath}' failed to satisfy constraint: Member must have length less than or equal to 512`),
    ],
    [
      'epochCount over 50 and batchSize under 16, both reported',
      () => withHyperParameters({ epochCount: 51, batchSize: 8 }),
      new RegExp(
        `2 validation errors detected: Value '51' at '${hpPath}.epochCount' failed to satisfy constraint: Member must have value less than or equal to 50; Value '8' at '${hpPath}.batchSize' failed to satisfy constraint: Member must have value greater than or equal to 16`,
      ),
    ],
    [
      'a learning rate over 1e-3',
      () => withHyperParameters({ learningRate: 0.01 }),
      new RegExp(
        `at '${hpPath}.learningRate' failed to satisfy constraint: Member must have value less than or equal to 0.001`,
      ),
    ],
    [
      'trainingSamplePerPrompt under 2',
      () => withHyperParameters({ trainingSamplePerPrompt: 1 }),
      new RegExp(`at '${hpPath}.trainingSamplePerPrompt'`),
    ],
    [
      'evalInterval over 100',
      () => withHyperParameters({ evalInterval: 101 }),
      new RegExp(`at '${hpPath}.evalInterval'`),
    ],
    [
      'a reasoning effort outside the enum',
      () => withHyperParameters({ reasoningEffort: 'extreme' }),
      new RegExp(`at '${hpPath}.reasoningEffort' failed to satisfy constraint: Member must satisfy enum value set`),
    ],
    [
      'both distillationConfig and rftConfig',
      () =>
        rftRequest({
          customizationConfig: {
            rftConfig,
            distillationConfig: { teacherModelConfig: { teacherModelIdentifier: 'amazon.nova-pro-v1:0' } },
          } as never,
        }),
      /customizationConfig is a union: set exactly one of distillationConfig or rftConfig/,
    ],
    [
      'RFT on a model without it',
      () => rftRequest({ baseModelIdentifier: 'amazon.nova-micro-v1:0:128k' }),
      /amazon.nova-micro-v1:0:128k does not support the customization type REINFORCEMENT_FINE_TUNING\. Supported customization types: FINE_TUNING, DISTILLATION/,
    ],
    [
      'rftConfig on a fine-tuning job',
      () => rftRequest({ customizationType: 'FINE_TUNING', hyperParameters: {} }),
      /rftConfig is only valid when customizationType is REINFORCEMENT_FINE_TUNING, not FINE_TUNING/,
    ],
    [
      'distillationConfig on an RFT job',
      () =>
        rftRequest({
          customizationConfig: {
            distillationConfig: { teacherModelConfig: { teacherModelIdentifier: 'amazon.nova-pro-v1:0' } },
          },
        }),
      /distillationConfig is only valid when customizationType is DISTILLATION, not REINFORCEMENT_FINE_TUNING/,
    ],
    [
      'string hyperparameters on an RFT job',
      () => rftRequest({ hyperParameters: { epochCount: '2' } }),
      /hyperParameters.epochCount: this customization type takes it in customizationConfig.rftConfig.hyperParameters/,
    ],
    [
      'the grader-failure tag on a job without a grader',
      () =>
        rftRequest({
          customizationType: 'FINE_TUNING',
          customizationConfig: undefined,
          baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
          jobTags: [{ key: 'simulator:outcome', value: 'fail-grader' }],
        }),
      /simulator:outcome=fail-grader applies to REINFORCEMENT_FINE_TUNING jobs only/,
    ],
  ];

  test.each(cases)('%s', async (_name, input, message) => {
    const err = await refusal(input());
    expect(err).toBeInstanceOf(ValidationException);
    expect(err.message).toMatch(message);
  });
});

test('an epochCount that is not an integer is a SerializationException', async () => {
  const err = await refusal(withHyperParameters({ epochCount: 2.5 }));
  expect(err.name).toBe('SerializationException');
  expect(err.message).toContain(`Expected an integer at 'customizationConfig.rftConfig.hyperParameters.epochCount'`);
});
