// What CreateModelCustomizationJob validates, each refusal arriving as the SDK's own exception class;
// idempotency by clientRequestToken; names in use.
import {
  BedrockClient,
  CreateModelCustomizationJobCommand,
  GetModelCustomizationJobCommand,
  ResourceNotFoundException,
  StopModelCustomizationJobCommand,
  TooManyTagsException,
  ValidationException,
  type CreateModelCustomizationJobCommandInput,
} from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  bedrockClient,
  DATASETS,
  jobRequest,
  LOGS,
  promptCompletionLines,
  putText,
  s3Client,
  unique,
  waitForJob,
} from './helpers';

// Jest applies testTimeout only globally, not per project: these tests wait on simulated jobs.
jest.setTimeout(60_000);

let bedrock: BedrockClient;
let s3: S3Client;
let trainingUri: string;

beforeAll(async () => {
  bedrock = bedrockClient();
  s3 = s3Client();
  trainingUri = await putText(s3, DATASETS, `simulator-tests/${unique('create')}.jsonl`, promptCompletionLines(20));
});

afterAll(() => {
  bedrock.destroy();
  s3.destroy();
});

async function refusal(input: CreateModelCustomizationJobCommandInput): Promise<Error> {
  const err = await bedrock.send(new CreateModelCustomizationJobCommand(input)).catch((e: unknown) => e);
  if (!(err instanceof Error)) throw new Error(`expected a refusal, got ${JSON.stringify(err)}`);
  return err;
}

const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
const distillation = (teacher: string) => ({
  distillationConfig: { teacherModelConfig: { teacherModelIdentifier: teacher, maxResponseLengthForInference: 1000 } },
});

describe('refused with ValidationException', () => {
  const cases: [string, () => Partial<CreateModelCustomizationJobCommandInput>, RegExp][] = [
    [
      'a job name over 63 characters',
      () => ({ jobName: 'j'.repeat(64) }),
      /at 'jobName' failed to satisfy constraint: Member must have length less than or equal to 63/,
    ],
    [
      'a job name breaking the pattern',
      () => ({ jobName: 'bad_name' }),
      /at 'jobName' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    ],
    ['a custom model name breaking the pattern', () => ({ customModelName: '-model' }), /at 'customModelName'/],
    ['a role that is not an IAM role ARN', () => ({ roleArn: 'arn:aws:iam::123456789012:user/x' }), /at 'roleArn'/],
    [
      'an S3 URI with a space',
      () => ({ outputDataConfig: { s3Uri: 's3://finetune-outputs/a b' } }),
      /at 'outputDataConfig.s3Uri'/,
    ],
    [
      'an unknown customization type',
      () => ({ customizationType: 'PRETRAINING' as never }),
      /at 'customizationType' failed to satisfy constraint: Member must satisfy enum value set/,
    ],
    ['a bad client request token', () => ({ clientRequestToken: 'under_score' }), /at 'clientRequestToken'/],
    ['a bad KMS key id', () => ({ customModelKmsKeyId: 'not a key' }), /at 'customModelKmsKeyId'/],
    [
      'a tag key with a forbidden character',
      () => ({ jobTags: [{ key: 'a*b', value: 'v' }] }),
      /at 'jobTags.1.member.key'/,
    ],
    [
      'more than 10 validators',
      () => ({ validationDataConfig: { validators: Array.from({ length: 11 }, () => ({ s3Uri: trainingUri })) } }),
      /at 'validationDataConfig.validators' failed to satisfy constraint: Member must have length less than or equal to 10/,
    ],
    [
      'a VPC config without subnets',
      () => ({ vpcConfig: { subnetIds: [], securityGroupIds: ['sg-1'] } }),
      /at 'vpcConfig.subnetIds'/,
    ],
    [
      'a model that does not support the type',
      () => ({ customizationType: 'DISTILLATION' }),
      /does not support the customization type DISTILLATION/,
    ],
    [
      'an on-demand id instead of the customizable one',
      () => ({ baseModelIdentifier: 'amazon.titan-text-express-v1' }),
      /Use its customizable version: amazon.titan-text-express-v1:0:8k/,
    ],
    [
      'an unknown hyperparameter',
      () => ({ hyperParameters: { epochs: '2' } }),
      /hyperParameters.epochs is not a hyperparameter/,
    ],
    [
      'a hyperparameter out of range',
      () => ({ hyperParameters: { epochCount: '11' } }),
      /epochCount=11 is out of range: allowed 1 to 10/,
    ],
    [
      'a non-numeric hyperparameter',
      () => ({ hyperParameters: { learningRate: 'fast' } }),
      /learningRate="fast" must be a number/,
    ],
    [
      'customizationConfig without DISTILLATION',
      () => ({ customizationConfig: distillation('amazon.nova-pro-v1:0') }),
      /only valid when customizationType is DISTILLATION/,
    ],
    [
      'DISTILLATION without customizationConfig',
      () => ({
        baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
        customizationType: 'DISTILLATION',
        hyperParameters: {},
      }),
      /distillationConfig is required/,
    ],
    [
      'a teacher of another provider',
      () => ({
        baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
        customizationType: 'DISTILLATION',
        hyperParameters: {},
        customizationConfig: distillation('meta.llama3-1-405b-instruct-v1:0'),
      }),
      /teacher and student must come from the same provider/,
    ],
    [
      'invocation logs for fine-tuning',
      () => ({
        trainingDataConfig: { invocationLogsConfig: { invocationLogSource: { s3Uri: `s3://${LOGS}/AWSLogs` } } },
      }),
      /invocationLogsConfig is only supported for DISTILLATION/,
    ],
    [
      'a metadata filter union with two members',
      () => ({
        baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
        customizationType: 'DISTILLATION',
        hyperParameters: {},
        customizationConfig: distillation('amazon.nova-pro-v1:0'),
        trainingDataConfig: {
          invocationLogsConfig: {
            invocationLogSource: { s3Uri: `s3://${LOGS}/AWSLogs` },
            requestMetadataFilters: { equals: { a: 'b' }, notEquals: { c: 'd' } },
          },
        },
      }),
      /requestMetadataFilters is a union/,
    ],
    [
      'an equals filter with two entries',
      () => ({
        baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
        customizationType: 'DISTILLATION',
        hyperParameters: {},
        customizationConfig: distillation('amazon.nova-pro-v1:0'),
        trainingDataConfig: {
          invocationLogsConfig: {
            invocationLogSource: { s3Uri: `s3://${LOGS}/AWSLogs` },
            requestMetadataFilters: { equals: { a: 'b', c: 'd' } },
          },
        },
      }),
      /requestMetadataFilters.equals' failed to satisfy constraint: Member must have length less than or equal to 1/,
    ],
    ['neither s3Uri nor invocation logs', () => ({ trainingDataConfig: {} }), /trainingDataConfig must set s3Uri/],
    [
      'a bad reserved tag value',
      () => ({ jobTags: [{ key: 'simulator:outcome', value: 'explode' }] }),
      /simulator:outcome takes one of/,
    ],
    [
      'a reply delay that is not a whole number of milliseconds',
      () => ({ jobTags: [{ key: 'simulator:reply-delay-ms', value: '1.5' }] }),
      /simulator:reply-delay-ms takes a whole number of milliseconds from 0 to 600000; got '1.5'/,
    ],
    [
      'a negative count of lost replies',
      () => ({ jobTags: [{ key: 'simulator:lost-replies', value: '-1' }] }),
      /simulator:lost-replies takes a whole number of replies from 0 to 100; got '-1'/,
    ],
  ];

  test.each(cases)('%s', async (_name, overrides, message) => {
    const err = await refusal(jobRequest(trainingUri, overrides()));
    expect(err).toBeInstanceOf(ValidationException);
    expect((err as ValidationException).$metadata.httpStatusCode).toBe(400);
    expect(err.message).toMatch(message);
  });
});

test('an unknown base model is ResourceNotFoundException', async () => {
  const err = await refusal(jobRequest(trainingUri, { baseModelIdentifier: 'acme.unknown-v1:0' }));
  expect(err).toBeInstanceOf(ResourceNotFoundException);
  expect((err as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
});

test('more than 50 job tags is TooManyTagsException', async () => {
  const err = await refusal(jobRequest(trainingUri, { jobTags: tags(51) }));
  expect(err).toBeInstanceOf(TooManyTagsException);
});

test('a valid distillation request with a same-provider teacher (by inference profile) and invocation logs is accepted', async () => {
  const { jobArn } = await bedrock.send(
    new CreateModelCustomizationJobCommand(
      jobRequest(trainingUri, {
        baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
        customizationType: 'DISTILLATION',
        hyperParameters: { epochCount: '1' },
        // Slow enough to stop while still in validation (no logs are in the bucket).
        jobTags: [{ key: 'simulator:time-scale', value: '1' }],
        customizationConfig: distillation(
          'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0',
        ),
        trainingDataConfig: {
          invocationLogsConfig: {
            invocationLogSource: { s3Uri: `s3://${LOGS}/AWSLogs` },
            usePromptResponse: false,
            requestMetadataFilters: { andAll: [{ equals: { project: 'support' } }, { notEquals: { env: 'dev' } }] },
          },
        },
      }),
    ),
  );
  expect(jobArn).toContain('model-customization-job/amazon.nova-micro-v1:0:128k/');
  await bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: jobArn }));
});

describe('idempotency and names', () => {
  test('the same token with the same body returns the same jobArn', async () => {
    const request = jobRequest(trainingUri, { clientRequestToken: unique('tok') });
    const first = await bedrock.send(new CreateModelCustomizationJobCommand(request));
    const second = await bedrock.send(new CreateModelCustomizationJobCommand(request));
    expect(second.jobArn).toBe(first.jobArn);
    expect(second.$metadata.httpStatusCode).toBe(201);
  });

  test('the same token with a different body is a ValidationException', async () => {
    const request = jobRequest(trainingUri, { clientRequestToken: unique('tok') });
    await bedrock.send(new CreateModelCustomizationJobCommand(request));
    const err = await refusal({ ...request, hyperParameters: { epochCount: '3' } });
    expect(err).toBeInstanceOf(ValidationException);
    expect(err.message).toContain('different parameters');
  });

  test('a job name in use is "The provided job name is currently in use."', async () => {
    const request = jobRequest(trainingUri);
    await bedrock.send(new CreateModelCustomizationJobCommand(request));
    const err = await refusal({ ...request, customModelName: unique('other') });
    expect(err).toBeInstanceOf(ValidationException);
    expect(err.message).toBe('The provided job name is currently in use.');
  });

  test('a custom model name in use, by a model or a running job, is a ValidationException', async () => {
    const done = jobRequest(trainingUri);
    const { jobArn } = await bedrock.send(new CreateModelCustomizationJobCommand(done));
    expect((await waitForJob(bedrock, jobArn!)).status).toBe('Completed');
    const taken = await refusal(jobRequest(trainingUri, { customModelName: done.customModelName }));
    expect(taken).toBeInstanceOf(ValidationException);
    expect(taken.message).toBe('The provided custom model name is currently in use.');

    const slow = jobRequest(trainingUri, { jobTags: [{ key: 'simulator:time-scale', value: '1' }] });
    const slowJob = await bedrock.send(new CreateModelCustomizationJobCommand(slow));
    const reserved = await refusal(jobRequest(trainingUri, { customModelName: slow.customModelName }));
    expect(reserved.message).toBe('The provided custom model name is currently in use.');
    await bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: slowJob.jobArn }));
  });

  test('the SDK fills in a token when the caller gives none, and the job echoes it', async () => {
    const { jobArn } = await bedrock.send(new CreateModelCustomizationJobCommand(jobRequest(trainingUri)));
    const job = await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }));
    expect(job.clientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
  });
});
