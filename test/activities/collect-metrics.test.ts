// The metrics activity against the stack's real S3 server and Bedrock simulator: CSV fixtures written
// where Bedrock writes them (both validation paths seen in the wild), a tiny simulated job run to
// Completed and collected end to end, report.json and loss.svg read back.
//
// What the simulator cannot be made to answer (a model whose loss disagrees with its CSV, throttling on
// one call) comes from a stub request handler inside a real Bedrock client, so the SDK's own
// deserialisation and error mapping still run.
import {
  BedrockClient,
  CreateModelCustomizationJobCommand,
  GetModelCustomizationJobCommand,
  type GetModelCustomizationJobCommandOutput,
} from '@aws-sdk/client-bedrock';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createBedrockClient, createS3Client } from '../../src/aws/clients';
import { loadAwsConfig } from '../../src/config';
import {
  collectMetricsActivities,
  type CollectMetricsInput,
  type CollectMetricsResult,
  type MetricsReport,
} from '../../src/activities/collect-metrics';
import { ActivityFailureType } from '../../src/core/failures';
import { NO_METRICS_TEXT } from '../../src/core/loss-chart';

const BUCKET = 'finetune-outputs';
const RUN = `collect-metrics-${Date.now().toString(36)}`;
const SCHEDULED = Date.UTC(2026, 0, 2, 3, 4, 5);
const BASE_MODEL = 'amazon.titan-text-express-v1:0:8k';

let s3: S3Client;
/** The stack's Bedrock simulator. */
let simulator: BedrockClient;
const bedrockClients: BedrockClient[] = [];

beforeAll(() => {
  const aws = loadAwsConfig(process.env);
  s3 = createS3Client(aws);
  simulator = createBedrockClient(aws);
});

afterAll(() => {
  s3.destroy();
  simulator.destroy();
  for (const client of bedrockClients) client.destroy();
});

/** A Bedrock client whose every request gets `respond`'s answer; the requests are recorded. */
function stubBedrock(respond: (path: string) => { status: number; body: unknown; errorType?: string }) {
  const requests: string[] = [];
  const client = new BedrockClient({
    region: 'us-east-1',
    endpoint: 'http://bedrock.stub.invalid',
    credentials: { accessKeyId: 'stub', secretAccessKey: 'stub' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { method: string; path: string }) => {
        requests.push(`${request.method} ${request.path}`);
        const { status, body, errorType } = respond(request.path);
        return {
          response: {
            statusCode: status,
            headers: { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) },
            body: new TextEncoder().encode(JSON.stringify(body)),
          },
        };
      },
    },
  });
  bedrockClients.push(client);
  return { client, requests };
}

const noBedrock = () =>
  stubBedrock(() => ({
    status: 500,
    body: { message: 'GetCustomModel must not be called' },
    errorType: 'InternalServerException',
  }));

function job(name: string, extra: Partial<CollectMetricsInput> = {}): CollectMetricsInput & { prefix: string } {
  const id = `${name}${Math.random().toString(36).slice(2, 8)}`.slice(0, 12);
  const output = `s3://${BUCKET}/${RUN}/${name}`;
  return {
    jobArn: `arn:aws:bedrock:us-east-1:123456789012:model-customization-job/${BASE_MODEL}/${id}`,
    jobName: `job-${name}`,
    outputS3Uri: `${output}/`,
    baseModelIdentifier: BASE_MODEL,
    jobStatus: 'Completed',
    prefix: `${RUN}/${name}/model-customization-job-${id}`,
    ...extra,
  };
}

async function put(key: string, body: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

async function get(uri: string): Promise<{ body: string; contentType?: string }> {
  const key = uri.replace(`s3://${BUCKET}/`, '');
  const response = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { body: await response.Body!.transformToString('utf-8'), contentType: response.ContentType };
}

/** One attempt in a mock activity context: every attempt shares the first attempt's schedule time. */
const run = (
  activities: ReturnType<typeof collectMetricsActivities>,
  input: CollectMetricsInput,
  attempt = 1,
): Promise<CollectMetricsResult> =>
  new MockActivityEnvironment(
    { scheduledTimestampMs: SCHEDULED, currentAttemptScheduledTimestampMs: SCHEDULED + attempt * 1000, attempt },
    // Several tests expect a failure: the mock's "Activity failed" warnings would only be noise.
    { logger: new DefaultLogger('ERROR') },
  ).run<[CollectMetricsInput], CollectMetricsResult, typeof activities.collectMetrics>(
    activities.collectMetrics,
    input,
  );

// 0-based steps and epochs, as the user guide shows; CRLF and a perplexity column.
const TRAINING_CSV = [
  'step_number,epoch_number,training_loss,perplexity',
  '0,0,2.0,7.39',
  '1,0,1.8,6.05',
  '2,0,1.6,4.95',
  '3,0,1.4,4.06',
  '4,1,1.2,3.32',
  '5,1,1.0,2.72',
  '6,1,0.9,2.46',
  '7,1,0.8,2.23',
  '',
].join('\r\n');
// The documented path, documented columns.
const VALIDATION_A = 'step_number,epoch_number,validation_loss\n0,0,1.5\n1,1,1.1\n';
// The path with the extra `validation/` folder, with a BOM, another column order and an extra column.
const VALIDATION_B = '\uFEFFepoch_number,step_number,validation_loss,perplexity\n0,0,1.7,5.47\n1,1,1.3,3.67\n';

describe('collectMetrics', () => {
  it('summarises a completed job from both validation paths, cross-checks GetCustomModel and writes the report and chart', async () => {
    const input = job('done', {});
    const customModelArn = `arn:aws:bedrock:us-east-1:123456789012:custom-model/${BASE_MODEL}/abcdefghijkl`;
    await put(`${input.prefix}/training_artifacts/step_wise_training_metrics.csv`, TRAINING_CSV);
    await put(`${input.prefix}/validation_artifacts/post_fine_tuning_validation/validation_metrics.csv`, VALIDATION_A);
    await put(
      `${input.prefix}/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv`,
      VALIDATION_B,
    );
    // Other artifacts in the same folders are not metrics.
    await put(`${input.prefix}/validation_artifacts/post_fine_tuning_validation/validation/details.json`, '{}');
    await put(`${input.prefix}/training_artifacts/other.csv`, 'a,b\n1,2\n');
    const bedrock = stubBedrock(() => ({
      status: 200,
      body: {
        modelArn: customModelArn,
        modelName: 'm',
        creationTime: '2026-01-02T03:04:05Z',
        trainingMetrics: { trainingLoss: 0.8 },
        validationMetrics: [{ validationLoss: 1.1 }, { validationLoss: 1.3 }],
      },
    }));
    const activities = collectMetricsActivities({ s3, bedrock: bedrock.client });

    const result = await run(activities, { ...input, customModelArn });

    const root = `s3://${BUCKET}/${input.prefix}`;
    expect(bedrock.requests).toEqual([`GET /custom-models/${encodeURIComponent(customModelArn)}`]);
    expect(result).toEqual({
      summary: {
        epochs: [
          {
            epoch: 0,
            trainingLoss: expect.closeTo(1.7, 9),
            lastStepTrainingLoss: 1.4,
            validationLoss: expect.closeTo(1.6, 9),
          },
          {
            epoch: 1,
            trainingLoss: expect.closeTo(0.975, 9),
            lastStepTrainingLoss: 0.8,
            validationLoss: expect.closeTo(1.2, 9),
          },
        ],
        steps: 8,
        finalTrainingLoss: 0.8,
        finalValidationLoss: expect.closeTo(1.2, 9),
        bestEpoch: 1,
        customModelTrainingLoss: 0.8,
        customModelValidationLoss: expect.closeTo(1.2, 9),
        crossCheck: 'match',
      },
      reportUri: `${root}/report/report.json`,
      chartUri: `${root}/report/loss.svg`,
      trainingCsvUri: `${root}/training_artifacts/step_wise_training_metrics.csv`,
      validationCsvUris: [
        `${root}/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv`,
        `${root}/validation_artifacts/post_fine_tuning_validation/validation_metrics.csv`,
      ],
    });

    const report = await get(result.reportUri!);
    expect(report.contentType).toBe('application/json');
    const parsed = JSON.parse(report.body) as MetricsReport;
    expect(parsed).toEqual({
      jobArn: input.jobArn,
      jobName: 'job-done',
      jobStatus: 'Completed',
      customModelArn,
      baseModelIdentifier: BASE_MODEL,
      generatedAt: '2026-01-02T03:04:05.000Z',
      summary: result.summary,
      trainingCsvUri: result.trainingCsvUri,
      validationCsvUris: result.validationCsvUris,
      validationFiles: [
        { uri: result.validationCsvUris[0], evaluations: 2, finalValidationLoss: 1.3 },
        { uri: result.validationCsvUris[1], evaluations: 2, finalValidationLoss: 1.1 },
      ],
      chartUri: result.chartUri,
      notes: [],
    });

    const chart = await get(result.chartUri!);
    expect(chart.contentType).toBe('image/svg+xml');
    expect(chart.body).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="800" height="450"/);
    expect(chart.body).toContain('<title>Loss: job-done</title>');
    expect(chart.body).toContain(`base model ${BASE_MODEL} · job Completed · 8 steps, 2 epochs · best epoch 1`);
    expect(chart.body.match(/<path d="/g)).toHaveLength(3);
    for (const label of [
      'training loss',
      'validation loss (post_fine_tuning_validation)',
      'validation loss (post_fine_tuning_validation/validation)',
    ]) {
      expect(chart.body).toContain(`>${label}</text>`);
    }
    expect(chart.body).toContain('>epoch 0</text>');
    expect(chart.body).toContain('>training step</text>');
  });

  it('collects a simulated job run to Completed, agreeing with its custom model', async () => {
    const name = `metrics-${Math.random().toString(36).slice(2, 10)}`;
    const lines = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        JSON.stringify({ prompt: `What is ${i} + ${i}?`, completion: `${2 * i}` }),
      ).join('\n') + '\n';
    await s3.send(
      new PutObjectCommand({ Bucket: 'finetune-datasets', Key: `${RUN}/${name}/train.jsonl`, Body: lines(40) }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: 'finetune-datasets', Key: `${RUN}/${name}/validation.jsonl`, Body: lines(10) }),
    );
    const outputS3Uri = `s3://${BUCKET}/${RUN}/${name}/`;
    const { jobArn } = await simulator.send(
      new CreateModelCustomizationJobCommand({
        jobName: name,
        customModelName: `${name}-model`,
        roleArn: 'arn:aws:iam::123456789012:role/BedrockFineTuning',
        baseModelIdentifier: BASE_MODEL,
        trainingDataConfig: { s3Uri: `s3://finetune-datasets/${RUN}/${name}/train.jsonl` },
        validationDataConfig: { validators: [{ s3Uri: `s3://finetune-datasets/${RUN}/${name}/validation.jsonl` }] },
        outputDataConfig: { s3Uri: outputS3Uri },
        hyperParameters: { epochCount: '2', batchSize: '1', learningRate: '0.00001' },
        // The simulator's reserved tag: simulated seconds per real second for this job alone.
        jobTags: [{ key: 'simulator:time-scale', value: '50000' }],
      }),
    );
    let finished: GetModelCustomizationJobCommandOutput;
    for (const deadline = Date.now() + 60_000; ;) {
      finished = await simulator.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }));
      if (finished.status !== 'InProgress' || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(finished.status).toBe('Completed');

    const result = await run(collectMetricsActivities({ s3, bedrock: simulator }), {
      jobArn: jobArn!,
      jobName: name,
      outputS3Uri,
      customModelArn: finished.outputModelArn,
      baseModelIdentifier: BASE_MODEL,
      jobStatus: finished.status!,
    });

    const root = `s3://${BUCKET}/${RUN}/${name}/model-customization-job-${jobArn!.split('/').pop()}`;
    // 40 records at batch size 1 for 2 epochs; one evaluation per epoch.
    expect(result.summary).toMatchObject({ steps: 80, crossCheck: 'match', bestEpoch: expect.any(Number) });
    expect(result.summary.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    expect(result.summary.epochs.every((e) => e.validationLoss !== undefined)).toBe(true);
    expect(result.summary.customModelTrainingLoss).toBe(finished.trainingMetrics?.trainingLoss);
    expect(result.summary.finalTrainingLoss).toBe(finished.trainingMetrics?.trainingLoss);
    expect(result.summary.finalValidationLoss).toBe(finished.validationMetrics?.[0]?.validationLoss);
    expect(result.summary.customModelValidationLoss).toBe(result.summary.finalValidationLoss);
    expect(result.trainingCsvUri).toBe(`${root}/training_artifacts/step_wise_training_metrics.csv`);
    expect(result.validationCsvUris).toEqual([
      `${root}/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv`,
    ]);

    const report = JSON.parse((await get(result.reportUri!)).body) as MetricsReport;
    expect(report).toMatchObject({
      jobArn,
      customModelArn: finished.outputModelArn,
      jobStatus: 'Completed',
      summary: result.summary,
      notes: [],
    });
    const chart = (await get(result.chartUri!)).body;
    expect(chart).toContain(`<title>Loss: ${name}</title>`);
    expect(chart.match(/<path d="/g)).toHaveLength(2);
    expect(chart).toContain('>validation loss</text>');
    expect(chart).toContain('>epoch 1</text>');
  });

  it('writes the same bytes when retried', async () => {
    const input = job('retry');
    await put(`${input.prefix}/training_artifacts/step_wise_training_metrics.csv`, TRAINING_CSV);
    await put(`${input.prefix}/validation_artifacts/post_fine_tuning_validation/validation_metrics.csv`, VALIDATION_A);
    const activities = collectMetricsActivities({ s3, bedrock: noBedrock().client });

    const first = await run(activities, input, 1);
    const [report1, chart1] = [await get(first.reportUri!), await get(first.chartUri!)];
    const second = await run(activities, input, 2);
    const [report2, chart2] = [await get(second.reportUri!), await get(second.chartUri!)];

    expect(second).toEqual(first);
    expect(report2.body).toBe(report1.body);
    expect(chart2.body).toBe(chart1.body);
    expect(chart1.body).toContain('>validation loss</text>');
  });

  it('finds validation files across list pages', async () => {
    const input = job('pages');
    await put(`${input.prefix}/training_artifacts/step_wise_training_metrics.csv`, TRAINING_CSV);
    for (const folder of ['a', 'b', 'c']) await put(`${input.prefix}/validation_artifacts/${folder}/notes.txt`, 'x');
    await put(
      `${input.prefix}/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv`,
      VALIDATION_B,
    );
    // Two keys per ListObjectsV2 page, set on a client of this test's own.
    const paged = createS3Client(loadAwsConfig(process.env));
    const listCalls: unknown[] = [];
    paged.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ListObjectsV2Command') {
          (args.input as { MaxKeys?: number }).MaxKeys = 2;
          listCalls.push(args.input);
        }
        return next(args);
      },
      { step: 'initialize', name: 'twoKeysPerPage' },
    );
    try {
      const result = await run(collectMetricsActivities({ s3: paged, bedrock: noBedrock().client }), input);
      expect(listCalls).toHaveLength(2);
      expect(result.validationCsvUris).toEqual([
        `s3://${BUCKET}/${input.prefix}/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv`,
      ]);
      expect(result.summary.finalValidationLoss).toBe(1.3);
    } finally {
      paged.destroy();
    }
  });

  it('reports a job stopped before any metrics: empty summary, a report and a chart that say so', async () => {
    const input = job('stopped', { jobStatus: 'Stopped' });
    const bedrock = noBedrock();
    const result = await run(collectMetricsActivities({ s3, bedrock: bedrock.client }), input);

    expect(bedrock.requests).toEqual([]);
    expect(result.summary).toEqual({ epochs: [], steps: 0, crossCheck: 'unavailable' });
    expect(result.trainingCsvUri).toBeUndefined();
    expect(result.validationCsvUris).toEqual([]);

    const report = JSON.parse((await get(result.reportUri!)).body) as MetricsReport;
    expect(report).toMatchObject({
      jobStatus: 'Stopped',
      customModelArn: null,
      trainingCsvUri: null,
      validationCsvUris: [],
      validationFiles: [],
    });
    expect(report.summary).toEqual({ epochs: [], steps: 0, crossCheck: 'unavailable' });
    expect(report.notes).toEqual([
      `no training metrics at s3://${BUCKET}/${input.prefix}/training_artifacts/step_wise_training_metrics.csv`,
      `no validation_metrics.csv under s3://${BUCKET}/${input.prefix}/validation_artifacts/`,
    ]);
    const chart = await get(result.chartUri!);
    expect(chart.body).toContain(`>${NO_METRICS_TEXT}</text>`);
    expect(chart.body).toContain('job Stopped');
    expect(chart.body).not.toContain('<path');
  });

  it('reads an RFT training file with reward columns and no training_loss (layout UNCONFIRMED), and says so', async () => {
    const input = job('rft-rewards-only');
    await put(
      `${input.prefix}/training_artifacts/step_wise_training_metrics.csv`,
      'step_number,epoch_number,critic/rewards/mean,critic/rewards/max,critic/rewards/min\n0,0,0.2,0.6,0\n1,0,0.4,0.8,0.1\n2,1,0.7,1,0.3\n',
    );
    const result = await run(collectMetricsActivities({ s3, bedrock: noBedrock().client }), input);
    expect(result.summary).toMatchObject({
      epochs: [],
      steps: 0,
      rewards: { steps: 3, firstMean: 0.2, finalMean: 0.7, bestMean: 0.7 },
    });
    const report = JSON.parse((await get(result.reportUri!)).body) as MetricsReport;
    expect(report.notes).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'reward statistics from the columns critic/rewards/mean, critic/rewards/max, critic/rewards/min',
        ),
        'the training CSV has reward columns but no training_loss',
      ]),
    );
  });

  it('gives crossCheck "unavailable" when GetCustomModel answers ResourceNotFound', async () => {
    const input = job('gone');
    await put(`${input.prefix}/training_artifacts/step_wise_training_metrics.csv`, TRAINING_CSV);
    const customModelArn = `arn:aws:bedrock:us-east-1:123456789012:custom-model/${BASE_MODEL}/zzzzzzzzzzzz`;

    const result = await run(collectMetricsActivities({ s3, bedrock: simulator }), { ...input, customModelArn });

    expect(result.summary).toMatchObject({ steps: 8, finalTrainingLoss: 0.8, crossCheck: 'unavailable' });
    expect(result.summary.customModelTrainingLoss).toBeUndefined();
    const report = JSON.parse((await get(result.reportUri!)).body) as MetricsReport;
    expect(report.notes).toContain(
      `GetCustomModel: ${customModelArn} was not found, so there is nothing to cross-check`,
    );
  });

  it('reports a mismatch with GetCustomModel, and lets other Bedrock errors through for a retry', async () => {
    const input = job('mismatch');
    await put(`${input.prefix}/training_artifacts/step_wise_training_metrics.csv`, TRAINING_CSV);
    const customModelArn = `arn:aws:bedrock:us-east-1:123456789012:custom-model/${BASE_MODEL}/yyyyyyyyyyyy`;
    const differs = stubBedrock(() => ({
      status: 200,
      body: {
        modelArn: customModelArn,
        modelName: 'm',
        creationTime: '2026-01-02T03:04:05Z',
        trainingMetrics: { trainingLoss: 0.85 },
      },
    }));
    const result = await run(collectMetricsActivities({ s3, bedrock: differs.client }), {
      ...input,
      customModelArn,
    });
    expect(result.summary).toMatchObject({
      finalTrainingLoss: 0.8,
      customModelTrainingLoss: 0.85,
      crossCheck: 'mismatch',
    });

    const throttled = stubBedrock(() => ({
      status: 429,
      body: { message: 'Rate exceeded' },
      errorType: 'ThrottlingException',
    }));
    await expect(
      run(collectMetricsActivities({ s3, bedrock: throttled.client }), { ...input, customModelArn }),
    ).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
  });

  it('fails without retry on a CSV missing a required column, naming the file and the column', async () => {
    const input = job('badcsv');
    const key = `${input.prefix}/validation_artifacts/post_fine_tuning_validation/validation_metrics.csv`;
    await put(`${input.prefix}/training_artifacts/step_wise_training_metrics.csv`, TRAINING_CSV);
    await put(key, 'step_number,epoch_number,loss\n0,0,1.5\n');

    const error = await run(collectMetricsActivities({ s3, bedrock: noBedrock().client }), input).catch(
      (err: unknown) => err,
    );

    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: ActivityFailureType.MetricsCsvInvalid, nonRetryable: true });
    expect((error as Error).message).toBe(
      `s3://${BUCKET}/${key}: missing required column "validation_loss" (columns found: "step_number", "epoch_number", "loss")`,
    );
  });

  it('refuses an input it cannot locate outputs from, without retry', async () => {
    const activities = collectMetricsActivities({ s3, bedrock: noBedrock().client });
    await expect(run(activities, { ...job('bad'), outputS3Uri: 'finetune-outputs/x' })).rejects.toMatchObject({
      type: 'InvalidRequest',
      nonRetryable: true,
    });
    await expect(run(activities, { ...job('bad'), jobArn: 'not-an-arn' })).rejects.toMatchObject({
      type: 'InvalidRequest',
      nonRetryable: true,
    });
  });
});
