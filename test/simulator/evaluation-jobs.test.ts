// Model evaluation jobs over real HTTP with the AWS SDK, results read back from the real S3 server: a
// judge job on answers collected with Converse from a deployment (bring your own inference), scores
// centred on the training job's simulator:eval-score and the same on every run, a job that has the
// simulator answer as a Provisioned Throughput, programmatic metric names, the request checks, a bad
// dataset failing with its lines named, Stop, BatchDelete, idempotency, lists, reply faults, restart.
import {
  BatchDeleteEvaluationJobCommand,
  CreateCustomModelDeploymentCommand,
  CreateEvaluationJobCommand,
  CreateProvisionedModelThroughputCommand,
  GetCustomModelDeploymentCommand,
  GetEvaluationJobCommand,
  GetProvisionedModelThroughputCommand,
  ListEvaluationJobsCommand,
  ListTagsForResourceCommand,
  StopEvaluationJobCommand,
  type BedrockClient,
  type CreateEvaluationJobCommandInput,
  type EvaluationTaskType,
  type GetEvaluationJobCommandOutput,
} from '@aws-sdk/client-bedrock';
import { ConverseCommand, type BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failure, ROOMY, runtimeClient, trainModel, waitUntil } from './after-training';
import { DATASETS, getText, OUTPUTS, putText, ROLE_ARN, s3Client, unique } from './helpers';
import { SimulatorPool } from './simulator-pool';

jest.setTimeout(90_000);

const JUDGE = 'amazon.nova-pro-v1:0';
/** What every AWS judge example sends; not in the SDK's enum (model-lifecycle.md 6.1), so sent as is. */
const GENERAL = 'General' as EvaluationTaskType;

let bedrock: BedrockClient;
let runtime: BedrockRuntimeClient;
let s3: S3Client;
let dir: string;
const pool = new SimulatorPool();

/** A deployment serving a model trained with simulator:eval-score=`score`. */
let deploymentHigh: string;
let modelHigh: string;

const PROMPTS = Array.from({ length: 10 }, (_, i) => `Question ${i}: how do I reset my password on device ${i}?`);

beforeAll(async () => {
  s3 = s3Client();
  dir = mkdtempSync(join(tmpdir(), 'finetune-evaluations-'));
  const { endpoint } = await pool.start(ROOMY);
  bedrock = pool.client(endpoint);
  runtime = pool.keep(runtimeClient(endpoint));
  modelHigh = await trainModel(bedrock, s3, { jobTags: [{ key: 'simulator:eval-score', value: '0.8' }] });
  deploymentHigh = await deployActive(modelHigh);
});

afterAll(async () => {
  await pool.close();
  s3.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function deployActive(modelArn: string): Promise<string> {
  const { customModelDeploymentArn } = await bedrock.send(
    new CreateCustomModelDeploymentCommand({ modelDeploymentName: unique('dep'), modelArn }),
  );
  await waitUntil(
    () =>
      bedrock.send(new GetCustomModelDeploymentCommand({ customModelDeploymentIdentifier: customModelDeploymentArn })),
    (d) => d.status === 'Active',
    'deployment Active',
  );
  return customModelDeploymentArn!;
}

/** Collects answers through Converse, as a worker does for bring your own inference, into a dataset in S3. */
async function byoiDataset(modelId: string, label: string, prompts = PROMPTS): Promise<string> {
  const lines: string[] = [];
  for (const [i, prompt] of prompts.entries()) {
    const out = await runtime.send(
      new ConverseCommand({ modelId, messages: [{ role: 'user', content: [{ text: prompt }] }] }),
    );
    const response = out.output!.message!.content![0].text!;
    lines.push(
      JSON.stringify({
        prompt,
        referenceResponse: `Open settings on device ${i}.`,
        category: i % 2 === 0 ? 'even' : 'odd',
        modelResponses: [{ response, modelIdentifier: label }],
      }),
    );
  }
  return putText(s3, DATASETS, `simulator-tests/${unique('eval')}.jsonl`, lines.join('\n') + '\n');
}

function judgeJob(
  datasetUri: string,
  model: { label: string } | { modelIdentifier: string },
  overrides: Partial<CreateEvaluationJobCommandInput> = {},
  metricNames = ['Builtin.Correctness', 'Builtin.Helpfulness'],
): CreateEvaluationJobCommandInput {
  return {
    jobName: unique('eval'),
    roleArn: ROLE_ARN,
    evaluationConfig: {
      automated: {
        datasetMetricConfigs: [
          { taskType: GENERAL, dataset: { name: 'support', datasetLocation: { s3Uri: datasetUri } }, metricNames },
        ],
        evaluatorModelConfig: { bedrockEvaluatorModels: [{ modelIdentifier: JUDGE }] },
      },
    },
    inferenceConfig: {
      models: [
        'label' in model
          ? { precomputedInferenceSource: { inferenceSourceIdentifier: model.label } }
          : { bedrockModel: { modelIdentifier: model.modelIdentifier } },
      ],
    },
    outputDataConfig: { s3Uri: `s3://${OUTPUTS}/evaluation-tests/` },
    ...overrides,
  };
}

const getJob = (client: BedrockClient, jobIdentifier: string) =>
  client.send(new GetEvaluationJobCommand({ jobIdentifier }));

function finished(client: BedrockClient, arn: string): Promise<GetEvaluationJobCommandOutput> {
  return waitUntil(
    () => getJob(client, arn),
    (j) => !['InProgress', 'Stopping'].includes(j.status ?? ''),
    `${arn} finished`,
  );
}

interface ResultLine {
  automatedEvaluationResult: {
    scores: { metricName: string; result: number | null; evaluatorDetails?: { modelIdentifier: string }[] }[];
  };
  inputRecord: Record<string, unknown>;
  modelResponses?: { modelIdentifier: string; response: string }[];
}

/** Every key under the job's folder, and the parsed `_output.jsonl` lines (a robust reader's way). */
async function results(jobName: string): Promise<{ keys: string[]; lines: ResultLine[] }> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: OUTPUTS, Prefix: `evaluation-tests/${jobName}/` }));
  const keys = (listed.Contents ?? []).map((o) => o.Key!);
  const lines: ResultLine[] = [];
  for (const key of keys.filter((k) => k.endsWith('_output.jsonl'))) {
    const text = await getText(s3, `s3://${OUTPUTS}/${key}`);
    lines.push(
      ...text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as ResultLine),
    );
  }
  return { keys, lines };
}

function means(lines: ResultLine[]): Record<string, number> {
  const sums: Record<string, number[]> = {};
  for (const line of lines)
    for (const s of line.automatedEvaluationResult.scores) (sums[s.metricName] ??= []).push(s.result!);
  return Object.fromEntries(Object.entries(sums).map(([m, v]) => [m, v.reduce((a, b) => a + b, 0) / v.length]));
}

test('a judge job on answers collected from a deployment: Completed, results in the observed layout, scores centred on the eval-score tag', async () => {
  const dataset = await byoiDataset(deploymentHigh, 'candidate');
  const request = judgeJob(dataset, { label: 'candidate' });
  const out = await bedrock.send(new CreateEvaluationJobCommand(request));
  expect(out.$metadata.httpStatusCode).toBe(202);
  expect(out.jobArn).toMatch(/^arn:aws:bedrock:us-east-1:123456789012:evaluation-job\/[a-z0-9]{12}$/);
  const running = await getJob(bedrock, out.jobArn!);
  expect(running).toMatchObject({
    jobName: request.jobName,
    status: 'InProgress',
    jobType: 'Automated',
    roleArn: ROLE_ARN,
  });
  expect(running.evaluationConfig).toEqual(request.evaluationConfig);
  expect(running.inferenceConfig).toEqual(request.inferenceConfig);

  const done = await finished(bedrock, out.jobArn!);
  expect(done.status).toBe('Completed');
  const jobId = out.jobArn!.split('/').pop();
  const { keys, lines } = await results(request.jobName!);
  const base = `evaluation-tests/${request.jobName}/${request.jobName}`;
  expect(keys).toContain(`${base}/amazon-bedrock-evaluations-permission-check`);
  const outputs = keys.filter((k) => k.endsWith('_output.jsonl'));
  expect(outputs).toHaveLength(1);
  expect(outputs[0]).toMatch(
    new RegExp(`^${base}/${jobId}/models/candidate/taskTypes/General/datasets/support/[0-9a-f-]{36}_output\\.jsonl$`),
  );
  expect(lines).toHaveLength(PROMPTS.length);
  expect(lines[0].inputRecord.prompt).toBe(PROMPTS[0]);
  expect((lines[0].inputRecord.modelResponses as { modelIdentifier: string }[])[0].modelIdentifier).toBe('candidate');
  expect(lines[0].automatedEvaluationResult.scores.map((s) => s.metricName)).toEqual([
    'Builtin.Correctness',
    'Builtin.Helpfulness',
  ]);
  expect(lines[0].automatedEvaluationResult.scores[0].evaluatorDetails![0].modelIdentifier).toBe(JUDGE);
  for (const line of lines) {
    for (const s of line.automatedEvaluationResult.scores) {
      expect(s.result).toBeGreaterThanOrEqual(0.75);
      expect(s.result).toBeLessThanOrEqual(0.85);
    }
  }
  for (const mean of Object.values(means(lines))) expect(Math.abs(mean - 0.8)).toBeLessThan(0.03);
});

test('scores are deterministic: the same model and prompts score the same in a second job; another model centres on its own tag, unmarked answers on 0.5', async () => {
  const dataset = await byoiDataset(deploymentHigh, 'candidate');
  const first = judgeJob(dataset, { label: 'candidate' });
  const second = judgeJob(dataset, { label: 'candidate' });
  const a = await bedrock.send(new CreateEvaluationJobCommand(first));
  const b = await bedrock.send(new CreateEvaluationJobCommand(second));
  await finished(bedrock, a.jobArn!);
  await finished(bedrock, b.jobArn!);
  const scores = (lines: ResultLine[]) => lines.map((l) => l.automatedEvaluationResult.scores.map((s) => s.result));
  const ra = (await results(first.jobName!)).lines;
  expect(scores(ra)).toEqual(scores((await results(second.jobName!)).lines));

  const lowModel = await trainModel(bedrock, s3, { jobTags: [{ key: 'simulator:eval-score', value: '0.3' }] });
  const low = await byoiDataset(await deployActive(lowModel), 'production');
  const lowJob = judgeJob(low, { label: 'production' });
  await finished(bedrock, (await bedrock.send(new CreateEvaluationJobCommand(lowJob))).jobArn!);
  for (const mean of Object.values(means((await results(lowJob.jobName!)).lines)))
    expect(Math.abs(mean - 0.3)).toBeLessThan(0.03);

  const plain = PROMPTS.map((prompt) =>
    JSON.stringify({ prompt, modelResponses: [{ response: `My own answer to ${prompt}`, modelIdentifier: 'mine' }] }),
  );
  const own = judgeJob(await putText(s3, DATASETS, `simulator-tests/${unique('own')}.jsonl`, plain.join('\n')), {
    label: 'mine',
  });
  await finished(bedrock, (await bedrock.send(new CreateEvaluationJobCommand(own))).jobArn!);
  for (const mean of Object.values(means((await results(own.jobName!)).lines)))
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.03);
});

test('the simulator answers as the model under test: a Provisioned Throughput ARN (modelResponses beside inputRecord), programmatic metric names without Builtin.', async () => {
  const model = await trainModel(bedrock, s3, { jobTags: [{ key: 'simulator:eval-score', value: '0.7' }] });
  const { provisionedModelArn } = await bedrock.send(
    new CreateProvisionedModelThroughputCommand({ provisionedModelName: unique('pt'), modelId: model, modelUnits: 1 }),
  );
  await waitUntil(
    () => bedrock.send(new GetProvisionedModelThroughputCommand({ provisionedModelId: provisionedModelArn })),
    (t) => t.status === 'InService',
    'PT InService',
  );
  const lines = PROMPTS.map((prompt, i) => JSON.stringify({ prompt, referenceResponse: `answer ${i}` }));
  const dataset = await putText(s3, DATASETS, `simulator-tests/${unique('pt')}.jsonl`, lines.join('\n'));
  const judged = judgeJob(dataset, { modelIdentifier: provisionedModelArn! });
  await finished(bedrock, (await bedrock.send(new CreateEvaluationJobCommand(judged))).jobArn!);
  const got = (await results(judged.jobName!)).lines;
  expect(got[0].modelResponses![0].modelIdentifier).toBe(provisionedModelArn);
  expect(got[0].modelResponses![0].response).toMatch(/\[sim:[a-z0-9]{12}\]$/);
  expect(got[0].inputRecord).toEqual({ prompt: PROMPTS[0], referenceResponse: 'answer 0' });
  for (const mean of Object.values(means(got))) expect(Math.abs(mean - 0.7)).toBeLessThan(0.03);

  const programmatic: CreateEvaluationJobCommandInput = {
    ...judgeJob(dataset, { modelIdentifier: JUDGE }, {}, ['Builtin.Accuracy', 'Builtin.Toxicity']),
  };
  delete (programmatic.evaluationConfig as { automated: { evaluatorModelConfig?: unknown } }).automated
    .evaluatorModelConfig;
  (
    programmatic.evaluationConfig as { automated: { datasetMetricConfigs: { taskType: string }[] } }
  ).automated.datasetMetricConfigs[0].taskType = 'QuestionAndAnswer';
  await finished(bedrock, (await bedrock.send(new CreateEvaluationJobCommand(programmatic))).jobArn!);
  const prog = (await results(programmatic.jobName!)).lines;
  expect(prog[0].automatedEvaluationResult.scores.map((s) => s.metricName)).toEqual(['Accuracy', 'Toxicity']);
  expect(prog[0].automatedEvaluationResult.scores[0]).not.toHaveProperty('evaluatorDetails');
  for (const mean of Object.values(means(prog))) expect(Math.abs(mean - 0.5)).toBeLessThan(0.03);
});

test('request checks: name pattern, 1-5 datasets, known metrics, a judge for judge metrics, a foundation-model judge, one model, no deployment ARN', async () => {
  const dataset = `s3://${DATASETS}/simulator-tests/none.jsonl`;
  const cases: [Partial<CreateEvaluationJobCommandInput>, RegExp][] = [
    [{ jobName: 'Upper-Case' }, /jobName.*failed to satisfy constraint/],
    [
      {
        evaluationConfig: {
          automated: {
            datasetMetricConfigs: Array.from({ length: 6 }, (_, i) => ({
              taskType: GENERAL,
              dataset: { name: `d${i}`, datasetLocation: { s3Uri: dataset } },
              metricNames: ['Builtin.Helpfulness'],
            })),
            evaluatorModelConfig: { bedrockEvaluatorModels: [{ modelIdentifier: JUDGE }] },
          },
        },
      },
      /datasetMetricConfigs.*length less than or equal to 5/,
    ],
    [
      {
        evaluationConfig: {
          automated: {
            datasetMetricConfigs: [
              {
                taskType: GENERAL,
                dataset: { name: 'd', datasetLocation: { s3Uri: dataset } },
                metricNames: ['Builtin.Wisdom'],
              },
            ],
            evaluatorModelConfig: { bedrockEvaluatorModels: [{ modelIdentifier: JUDGE }] },
          },
        },
      },
      /Unknown metric Builtin.Wisdom/,
    ],
    [
      {
        evaluationConfig: {
          automated: {
            datasetMetricConfigs: [
              {
                taskType: GENERAL,
                dataset: { name: 'd', datasetLocation: { s3Uri: dataset } },
                metricNames: ['Builtin.Helpfulness'],
              },
            ],
          },
        },
      },
      /needs a judge/,
    ],
    [
      {
        evaluationConfig: {
          automated: {
            datasetMetricConfigs: [
              {
                taskType: GENERAL,
                dataset: { name: 'd', datasetLocation: { s3Uri: dataset } },
                metricNames: ['Builtin.Helpfulness'],
              },
            ],
            evaluatorModelConfig: { bedrockEvaluatorModels: [{ modelIdentifier: modelHigh }] },
          },
        },
      },
      /custom models cannot judge/,
    ],
    [
      {
        inferenceConfig: {
          models: [
            { precomputedInferenceSource: { inferenceSourceIdentifier: 'a' } },
            { precomputedInferenceSource: { inferenceSourceIdentifier: 'b' } },
          ],
        },
      },
      /exactly one model/,
    ],
    [
      { inferenceConfig: { models: [{ bedrockModel: { modelIdentifier: deploymentHigh } }] } },
      /bring your own inference/,
    ],
  ];
  for (const [override, message] of cases) {
    const err = await failure(
      bedrock.send(new CreateEvaluationJobCommand(judgeJob(dataset, { label: 'x' }, override))),
    );
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(message);
  }
  const unknownPt = await failure(
    bedrock.send(
      new CreateEvaluationJobCommand(
        judgeJob(dataset, { modelIdentifier: 'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/zzzzzzzzzzzz' }),
      ),
    ),
  );
  expect(unknownPt.name).toBe('ResourceNotFoundException');
});

test('a bad dataset fails the job with failureMessages naming each bad line; a missing dataset names the object', async () => {
  const lines = [
    JSON.stringify({ prompt: 'ok', modelResponses: [{ response: 'r', modelIdentifier: 'candidate' }] }),
    '{not json',
    JSON.stringify({ prompt: 'q', modelResponses: [{ response: 'r', modelIdentifier: 'someone-else' }] }),
    JSON.stringify({ referenceResponse: 'no prompt' }),
  ];
  const dataset = await putText(s3, DATASETS, `simulator-tests/${unique('bad')}.jsonl`, lines.join('\n'));
  const job = await bedrock.send(new CreateEvaluationJobCommand(judgeJob(dataset, { label: 'candidate' })));
  const failed = await finished(bedrock, job.jobArn!);
  expect(failed.status).toBe('Failed');
  expect(failed.failureMessages).toHaveLength(3);
  expect(failed.failureMessages![0]).toMatch(/Dataset support \(s3:\/\/.+\) line 2: not valid JSON/);
  expect(failed.failureMessages![1]).toMatch(
    /line 3: modelResponses\[0\]\.modelIdentifier is "someone-else", but the job's inferenceSourceIdentifier is "candidate"/,
  );
  expect(failed.failureMessages![2]).toMatch(/line 4: "prompt" must be a non-empty string/);

  const missing = await bedrock.send(
    new CreateEvaluationJobCommand(
      judgeJob(`s3://${DATASETS}/simulator-tests/${unique('absent')}.jsonl`, { label: 'candidate' }),
    ),
  );
  const gone = await finished(bedrock, missing.jobArn!);
  expect(gone.status).toBe('Failed');
  expect(gone.failureMessages![0]).toMatch(/Unable to read the dataset at s3:\/\/.+absent.+: NoSuchKey/);
});

test('Stop: InProgress -> Stopping -> Stopped; Stop of a finished job is ConflictException', async () => {
  const dataset = await byoiDataset(deploymentHigh, 'candidate', PROMPTS.slice(0, 2));
  const slow = await bedrock.send(
    new CreateEvaluationJobCommand(
      judgeJob(dataset, { label: 'candidate' }, { jobTags: [{ key: 'simulator:time-scale', value: '100' }] }),
    ),
  );
  const stopped = await bedrock.send(new StopEvaluationJobCommand({ jobIdentifier: slow.jobArn }));
  expect(stopped.$metadata.httpStatusCode).toBe(200);
  expect((await getJob(bedrock, slow.jobArn!)).status).toBe('Stopping');
  await bedrock.send(new StopEvaluationJobCommand({ jobIdentifier: slow.jobArn })); // a repeat is accepted
  await waitUntil(
    () => getJob(bedrock, slow.jobArn!),
    (j) => j.status === 'Stopped',
    'Stopped',
  );
  const again = await failure(bedrock.send(new StopEvaluationJobCommand({ jobIdentifier: slow.jobArn })));
  expect(again.name).toBe('ConflictException');
  const unknown = await failure(
    bedrock.send(
      new StopEvaluationJobCommand({ jobIdentifier: slow.jobArn!.replace(/[a-z0-9]{12}$/, 'zzzzzzzzzzzz') }),
    ),
  );
  expect(unknown.name).toBe('ResourceNotFoundException');
});

test('BatchDelete: finished jobs go Deleting then away; running and unknown ones are per-job errors', async () => {
  const dataset = await byoiDataset(deploymentHigh, 'candidate', PROMPTS.slice(0, 2));
  const done = await bedrock.send(new CreateEvaluationJobCommand(judgeJob(dataset, { label: 'candidate' })));
  await finished(bedrock, done.jobArn!);
  const running = await bedrock.send(
    new CreateEvaluationJobCommand(
      judgeJob(dataset, { label: 'candidate' }, { jobTags: [{ key: 'simulator:time-scale', value: '1' }] }),
    ),
  );
  const unknown = done.jobArn!.replace(/[a-z0-9]{12}$/, 'zzzzzzzzzzzz');
  const out = await bedrock.send(
    new BatchDeleteEvaluationJobCommand({ jobIdentifiers: [done.jobArn!, running.jobArn!, unknown] }),
  );
  expect(out.$metadata.httpStatusCode).toBe(202);
  expect(out.evaluationJobs).toEqual([{ jobIdentifier: done.jobArn, jobStatus: 'Deleting' }]);
  expect(out.errors!.map((e) => [e.jobIdentifier, e.code])).toEqual([
    [running.jobArn, 'ConflictException'],
    [unknown, 'ResourceNotFoundException'],
  ]);
  // Deleting lasts a few simulated seconds: on a loaded machine the job may already be gone.
  const afterDelete = await getJob(bedrock, done.jobArn!).then(
    (job) => job.status,
    (e: Error) => e.name,
  );
  expect(['Deleting', 'ResourceNotFoundException']).toContain(afterDelete);
  await waitUntil(
    () => getJob(bedrock, done.jobArn!).catch((e: Error) => e.name),
    (r) => r === 'ResourceNotFoundException',
    'gone',
  );
});

test('clientRequestToken idempotency, unique names (ConflictException), tags, forced failure, and the list filters and pages', async () => {
  const dataset = await byoiDataset(deploymentHigh, 'candidate', PROMPTS.slice(0, 2));
  const prefix = unique('lst');
  const request = judgeJob(
    dataset,
    { label: 'candidate' },
    {
      jobName: `${prefix}-a`,
      clientRequestToken: unique('tok'),
      jobTags: [{ key: 'team', value: 'ml' }],
    },
  );
  const a = await bedrock.send(new CreateEvaluationJobCommand(request));
  expect((await bedrock.send(new CreateEvaluationJobCommand(request))).jobArn).toBe(a.jobArn);
  const otherBody = await failure(
    bedrock.send(new CreateEvaluationJobCommand({ ...request, jobDescription: 'changed' })),
  );
  expect(otherBody.name).toBe('ValidationException');
  const sameName = await failure(
    bedrock.send(new CreateEvaluationJobCommand({ ...request, clientRequestToken: undefined })),
  );
  expect(sameName.name).toBe('ConflictException');
  expect((await bedrock.send(new ListTagsForResourceCommand({ resourceARN: a.jobArn }))).tags).toEqual([
    { key: 'team', value: 'ml' },
  ]);

  const b = await bedrock.send(
    new CreateEvaluationJobCommand(
      judgeJob(
        dataset,
        { label: 'candidate' },
        { jobName: `${prefix}-b`, jobTags: [{ key: 'simulator:outcome', value: 'fail-evaluation' }] },
      ),
    ),
  );
  const failed = await finished(bedrock, b.jobArn!);
  expect(failed.failureMessages).toEqual([expect.stringMatching(/simulator:outcome=fail-evaluation/)]);
  await finished(bedrock, a.jobArn!);

  const page1 = await bedrock.send(new ListEvaluationJobsCommand({ nameContains: prefix, maxResults: 1 }));
  expect(page1.jobSummaries!.map((j) => j.jobArn)).toEqual([b.jobArn]);
  const page2 = await bedrock.send(
    new ListEvaluationJobsCommand({ nameContains: prefix, maxResults: 1, nextToken: page1.nextToken }),
  );
  expect(page2.jobSummaries!.map((j) => j.jobArn)).toEqual([a.jobArn]);
  expect(page2.nextToken).toBeUndefined();
  const summary = page2.jobSummaries![0];
  expect(summary).toMatchObject({
    jobName: `${prefix}-a`,
    status: 'Completed',
    jobType: 'Automated',
    evaluationTaskTypes: ['General'],
    evaluatorModelIdentifiers: [JUDGE],
    applicationType: 'ModelEvaluation',
    inferenceConfigSummary: {
      modelConfigSummary: { bedrockModelIdentifiers: [], precomputedInferenceSourceIdentifiers: ['candidate'] },
    },
  });
  const failedOnly = await bedrock.send(
    new ListEvaluationJobsCommand({ nameContains: prefix, statusEquals: 'Failed' }),
  );
  expect(failedOnly.jobSummaries!.map((j) => j.jobArn)).toEqual([b.jobArn]);
  const ascending = await bedrock.send(new ListEvaluationJobsCommand({ nameContains: prefix, sortOrder: 'Ascending' }));
  expect(ascending.jobSummaries!.map((j) => j.jobArn)).toEqual([a.jobArn, b.jobArn]);
  const after = await bedrock.send(
    new ListEvaluationJobsCommand({ nameContains: prefix, creationTimeAfter: summary.creationTime }),
  );
  expect(after.jobSummaries!.map((j) => j.jobArn)).toEqual([b.jobArn]);
});

test('a lost Create answer is retried by the SDK with the same token: one job', async () => {
  const dataset = await byoiDataset(deploymentHigh, 'candidate', PROMPTS.slice(0, 1));
  const request = judgeJob(
    dataset,
    { label: 'candidate' },
    { jobTags: [{ key: 'simulator:lost-replies', value: '2' }] },
  );
  const out = await bedrock.send(new CreateEvaluationJobCommand(request));
  expect(out.$metadata.attempts).toBe(3);
  const listed = await bedrock.send(new ListEvaluationJobsCommand({ nameContains: request.jobName }));
  expect(listed.jobSummaries!.map((j) => j.jobArn)).toEqual([out.jobArn]);
});

test('--lost-reply-rate: lost Stop and BatchDelete answers still took effect', async () => {
  const stateFile = join(dir, 'lossy.json');
  const lines = PROMPTS.slice(0, 2).map((prompt) =>
    JSON.stringify({ prompt, modelResponses: [{ response: 'mine', modelIdentifier: 'm' }] }),
  );
  const dataset = await putText(s3, DATASETS, `simulator-tests/${unique('lossy')}.jsonl`, lines.join('\n'));
  const {
    client: c2,
    done,
    running,
  } = await pool.restart(
    'stop',
    [...ROOMY, '--state-file', stateFile],
    async (c1) => {
      const done = await c1.send(new CreateEvaluationJobCommand(judgeJob(dataset, { label: 'm' })));
      await finished(c1, done.jobArn!);
      const running = await c1.send(
        new CreateEvaluationJobCommand(
          judgeJob(dataset, { label: 'm' }, { jobTags: [{ key: 'simulator:time-scale', value: '1' }] }),
        ),
      );
      return { done, running };
    },
    ['--lost-reply-rate', '1'],
  );
  const lostStop = await failure(c2.send(new StopEvaluationJobCommand({ jobIdentifier: running.jobArn })));
  expect(lostStop.message).toMatch(/socket hang up/);
  expect((await getJob(c2, running.jobArn!)).status).toBe('Stopping');
  const lostDelete = await failure(c2.send(new BatchDeleteEvaluationJobCommand({ jobIdentifiers: [done.jobArn!] })));
  expect(lostDelete.message).toMatch(/socket hang up/);
  expect((await getJob(c2, done.jobArn!)).status).toBe('Deleting');
});

test('a restart from the state file (after SIGKILL) continues where the clock is, and writes the results then', async () => {
  const stateFile = join(dir, 'restart.json');
  const lines = PROMPTS.slice(0, 3).map((prompt) =>
    JSON.stringify({ prompt, modelResponses: [{ response: 'mine', modelIdentifier: 'm' }] }),
  );
  const dataset = await putText(s3, DATASETS, `simulator-tests/${unique('restart')}.jsonl`, lines.join('\n'));
  // 60 s of setup and 156 s of run at 200x: about 1.1 s.
  const request = judgeJob(dataset, { label: 'm' }, { jobTags: [{ key: 'simulator:time-scale', value: '200' }] });
  const { client: c2, jobArn } = await pool.restart('kill', [...ROOMY, '--state-file', stateFile], async (c1) => {
    const { jobArn } = await c1.send(new CreateEvaluationJobCommand(request));
    expect((await getJob(c1, jobArn!)).status).toBe('InProgress');
    return { jobArn };
  });

  expect((await getJob(c2, jobArn!)).jobName).toBe(request.jobName);
  const done = await finished(c2, jobArn!);
  expect(done.status).toBe('Completed');
  expect((await results(request.jobName!)).lines).toHaveLength(3);
});
