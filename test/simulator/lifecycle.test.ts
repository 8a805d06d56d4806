// A job from create to Completed at the test stack's time scale, its outputs in S3 and its custom model;
// a stopped job; forced failures through the reserved job tag; the per-job time scale.
import {
  BedrockClient,
  ConflictException,
  CreateModelCustomizationJobCommand,
  GetCustomModelCommand,
  GetModelCustomizationJobCommand,
  ListTagsForResourceCommand,
  StopModelCustomizationJobCommand,
} from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  bedrockClient,
  DATASETS,
  getText,
  jobRequest,
  OUTPUTS,
  parseCsv,
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
let validationUri: string;

beforeAll(async () => {
  bedrock = bedrockClient();
  s3 = s3Client();
  trainingUri = await putText(s3, DATASETS, `simulator-tests/${unique('train')}.jsonl`, promptCompletionLines(40));
  validationUri = await putText(
    s3,
    DATASETS,
    `simulator-tests/${unique('validation')}.jsonl`,
    promptCompletionLines(10),
  );
});

afterAll(() => {
  bedrock.destroy();
  s3.destroy();
});

test('a job runs validation, data processing and training, then writes its metrics and creates its model', async () => {
  const request = jobRequest(trainingUri, {
    validationDataConfig: { validators: [{ s3Uri: validationUri }] },
    customModelKmsKeyId: 'alias/finetune-test',
    customModelTags: [{ key: 'team', value: 'ml' }],
    jobTags: [{ key: 'purpose', value: 'lifecycle' }],
    clientRequestToken: unique('token'),
  });
  const created = await bedrock.send(new CreateModelCustomizationJobCommand(request));
  expect(created.$metadata.httpStatusCode).toBe(201);
  expect(created.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(created.jobArn).toMatch(
    /^arn:aws:bedrock:us-east-1:123456789012:model-customization-job\/amazon\.titan-text-express-v1:0:8k\/[a-z0-9]{12}$/,
  );

  const first = await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: created.jobArn }));
  expect(first.status).toBe('InProgress');
  expect(first.statusDetails?.validationDetails?.status).toBe('InProgress');
  expect(first.statusDetails?.trainingDetails?.status).toBe('NotStarted');
  expect(first.creationTime).toBeInstanceOf(Date);
  expect(first.clientRequestToken).toBe(request.clientRequestToken);
  expect(first.validationDataConfig?.validators).toEqual([{ s3Uri: validationUri }]);

  // Phases are seen in order while polling.
  const seen: string[] = [];
  let job = first;
  while (job.status === 'InProgress') {
    const d = job.statusDetails!;
    const phase =
      d.trainingDetails?.status === 'InProgress'
        ? 'training'
        : d.dataProcessingDetails?.status === 'InProgress'
          ? 'dataProcessing'
          : 'validation';
    if (seen[seen.length - 1] !== phase) seen.push(phase);
    await new Promise((r) => setTimeout(r, 50));
    job = await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: request.jobName }));
  }
  expect(job.status).toBe('Completed');
  expect(seen[0]).toBe('validation');
  expect(seen).toEqual(
    [...seen].sort(
      (a, b) =>
        ['validation', 'dataProcessing', 'training'].indexOf(a) -
        ['validation', 'dataProcessing', 'training'].indexOf(b),
    ),
  );
  const d = job.statusDetails!;
  expect([d.validationDetails?.status, d.dataProcessingDetails?.status, d.trainingDetails?.status]).toEqual([
    'Completed',
    'Completed',
    'Completed',
  ]);
  expect(d.validationDetails!.lastModifiedTime!.getTime()).toBe(d.dataProcessingDetails!.creationTime!.getTime());
  expect(d.dataProcessingDetails!.lastModifiedTime!.getTime()).toBe(d.trainingDetails!.creationTime!.getTime());
  expect(job.endTime!.getTime()).toBe(d.trainingDetails!.lastModifiedTime!.getTime());
  expect(job.outputModelKmsKeyArn).toBe('arn:aws:kms:us-east-1:123456789012:alias/finetune-test');

  // Metrics files, parseable, agreeing with the API.
  const jobId = created.jobArn!.split('/').pop();
  const prefix = `s3://${OUTPUTS}/simulator-tests/model-customization-job-${jobId}`;
  const training = parseCsv(await getText(s3, `${prefix}/training_artifacts/step_wise_training_metrics.csv`));
  const validation = parseCsv(
    await getText(s3, `${prefix}/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv`),
  );
  expect(Object.keys(training[0])).toEqual(['step_number', 'epoch_number', 'training_loss', 'perplexity']);
  expect(Object.keys(validation[0])).toEqual(['step_number', 'epoch_number', 'validation_loss', 'perplexity']);
  expect(training).toHaveLength(80); // 40 records, batch size 1, 2 epochs
  expect(validation).toHaveLength(2);
  expect(training[training.length - 1].training_loss).toBeLessThan(training[0].training_loss);
  expect(training.every((r) => Math.abs(r.perplexity - Math.exp(r.training_loss)) < 1e-3 * r.perplexity)).toBe(true);
  expect(validation[1].validation_loss).toBeGreaterThan(training[training.length - 1].training_loss);
  expect(job.trainingMetrics?.trainingLoss).toBe(training[training.length - 1].training_loss);
  expect(job.validationMetrics).toEqual([{ validationLoss: validation[validation.length - 1].validation_loss }]);

  // The custom model, by ARN and by name.
  expect(job.outputModelArn).toMatch(
    /^arn:aws:bedrock:us-east-1:123456789012:custom-model\/amazon\.titan-text-express-v1:0:8k\/[a-z0-9]{12}$/,
  );
  const model = await bedrock.send(new GetCustomModelCommand({ modelIdentifier: job.outputModelArn }));
  const byName = await bedrock.send(new GetCustomModelCommand({ modelIdentifier: request.customModelName }));
  expect(byName.modelArn).toBe(model.modelArn);
  expect(model).toMatchObject({
    modelName: request.customModelName,
    jobArn: created.jobArn,
    jobName: request.jobName,
    baseModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1:0:8k',
    customizationType: 'FINE_TUNING',
    modelKmsKeyArn: job.outputModelKmsKeyArn,
    hyperParameters: request.hyperParameters,
    trainingDataConfig: { s3Uri: trainingUri },
    validationDataConfig: { validators: [{ s3Uri: validationUri }] },
    outputDataConfig: request.outputDataConfig,
    trainingMetrics: job.trainingMetrics,
    validationMetrics: job.validationMetrics,
    modelStatus: 'Active',
  });
  const modelTags = await bedrock.send(new ListTagsForResourceCommand({ resourceARN: model.modelArn }));
  expect(modelTags.tags).toEqual([{ key: 'team', value: 'ml' }]);
  const jobTags = await bedrock.send(new ListTagsForResourceCommand({ resourceARN: created.jobArn }));
  expect(jobTags.tags).toEqual([{ key: 'purpose', value: 'lifecycle' }]);

  // A finished job cannot be stopped.
  await expect(
    bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: created.jobArn })),
  ).rejects.toBeInstanceOf(ConflictException);
});

test('a job without validators reports empty validationMetrics and writes no validation file', async () => {
  const request = jobRequest(trainingUri);
  const { jobArn } = await bedrock.send(new CreateModelCustomizationJobCommand(request));
  const job = await waitForJob(bedrock, jobArn!);
  expect(job.status).toBe('Completed');
  expect(job.validationDataConfig).toEqual({ validators: [] });
  expect(job.validationMetrics).toEqual([]);
  const prefix = `s3://${OUTPUTS}/simulator-tests/model-customization-job-${jobArn!.split('/').pop()}`;
  await expect(
    getText(s3, `${prefix}/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv`),
  ).rejects.toThrow();
});

test('Stop goes InProgress, Stopping, Stopped; a second stop while Stopping is accepted; a stopped job cannot be stopped', async () => {
  // 1 simulated second per real second: this job stays in validation for the whole test.
  const request = jobRequest(trainingUri, { jobTags: [{ key: 'simulator:time-scale', value: '1' }] });
  const { jobArn } = await bedrock.send(new CreateModelCustomizationJobCommand(request));
  const running = await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }));
  expect(running.status).toBe('InProgress');

  await bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: jobArn }));
  const stopping = await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }));
  expect(stopping.status).toBe('Stopping');
  expect(stopping.statusDetails?.validationDetails?.status).toBe('Stopping');
  expect(stopping.endTime).toBeUndefined();
  await bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: request.jobName }));

  // Stopping lasts 120 simulated seconds: two minutes at this job's scale. A job at the stack's scale
  // shows the whole way to Stopped.
  const fast = jobRequest(trainingUri);
  const fastJob = await bedrock.send(new CreateModelCustomizationJobCommand(fast));
  await bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: fastJob.jobArn }));
  const stopped = await waitForJob(bedrock, fastJob.jobArn!);
  expect(stopped.status).toBe('Stopped');
  expect(stopped.endTime).toBeInstanceOf(Date);
  expect(stopped.outputModelArn).toBeUndefined();
  const err = await bedrock
    .send(new StopModelCustomizationJobCommand({ jobIdentifier: fastJob.jobArn }))
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConflictException);
  expect((err as ConflictException).message).toContain('Stopped');
});

test.each([
  ['fail-validation', 'validationDetails'],
  ['fail-training', 'trainingDetails'],
])('the reserved tag simulator:outcome=%s fails the job in that phase', async (outcome, detail) => {
  const { jobArn } = await bedrock.send(
    new CreateModelCustomizationJobCommand(
      jobRequest(trainingUri, { jobTags: [{ key: 'simulator:outcome', value: outcome }] }),
    ),
  );
  const job = await waitForJob(bedrock, jobArn!);
  expect(job.status).toBe('Failed');
  expect(job.failureMessage).toContain(`simulator:outcome=${outcome}`);
  expect((job.statusDetails as Record<string, { status?: string }>)[detail].status).toBe('Failed');
  expect(job.endTime).toBeInstanceOf(Date);
  expect(job.outputModelArn).toBeUndefined();
});
