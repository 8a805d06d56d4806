// Least privilege, checked against what the worker really does: every AWS operation the worker's code
// sent in this test run (recorded by a middleware on the clients handed to workers, in this file and in
// every integration test file before it: test/support/sequencer.js runs this file last) must be
// granted by docs/iam/worker-policy.json, and the policy must grant nothing the worker never used.
// This file also drives the worker through every step itself (a completed run with data preparation,
// a stopped run, a multipart upload given up), so it stands alone when run by itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBedrockClient, createS3Client } from '../../src/aws/clients';
import { S3ObjectWriter } from '../../src/aws/s3-writer';
import { recorded, recordedOperations } from '../support/aws-operations';
import { datasets, DATA_BUCKET, novaFineTune, OUTPUT_BUCKET, put, simulatorTags } from '../support/datasets';
import { testContext, uniqueName, type TestContext } from '../support/temporal';
import { failureOf, waitFor } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

/**
 * The IAM actions each operation needs (Service Authorization Reference): HEAD requests are
 * authorized as the GET/List they shadow, every part of a multipart upload as s3:PutObject, and a job
 * created with tags (the worker always adds its lineage tags) as bedrock:TagResource and iam:PassRole too.
 */
const ACTIONS_OF: Record<string, string[]> = {
  'bedrock:CreateModelCustomizationJob': ['bedrock:CreateModelCustomizationJob', 'bedrock:TagResource', 'iam:PassRole'],
  'bedrock:GetModelCustomizationJob': ['bedrock:GetModelCustomizationJob'],
  'bedrock:StopModelCustomizationJob': ['bedrock:StopModelCustomizationJob'],
  'bedrock:GetFoundationModel': ['bedrock:GetFoundationModel'],
  'bedrock:GetCustomModel': ['bedrock:GetCustomModel'],
  's3:HeadBucket': ['s3:ListBucket'],
  's3:ListObjectsV2': ['s3:ListBucket'],
  's3:HeadObject': ['s3:GetObject'],
  's3:GetObject': ['s3:GetObject'],
  's3:PutObject': ['s3:PutObject'],
  's3:CreateMultipartUpload': ['s3:PutObject'],
  's3:UploadPart': ['s3:PutObject'],
  's3:CompleteMultipartUpload': ['s3:PutObject'],
  's3:AbortMultipartUpload': ['s3:AbortMultipartUpload'],
};

interface Statement {
  Action: string | string[];
}

function policyActions(file: string): Set<string> {
  const policy = JSON.parse(readFileSync(join(ROOT, 'docs', 'iam', file), 'utf8')) as { Statement: Statement[] };
  return new Set(policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
}

const taskQueue = uniqueName('iam');
const used = new Set<string>();
let ctx: TestContext;

beforeAll(async () => {
  ctx = await testContext(taskQueue);
  await ctx.startWorker(taskQueue, {
    bedrock: recorded(createBedrockClient(ctx.config.aws), used),
    s3: recorded(createS3Client(ctx.config.aws), used),
  });
  const prefix = uniqueName('iam');

  // Completed, with a validation file and data preparation that rewrites the data (duplicates removed).
  const training = datasets.conversation(20) + datasets.conversation(5);
  const complete = await novaFineTune(ctx.aws.s3, prefix, 20, {
    trainingDataConfig: { s3Uri: await put(ctx.aws.s3, DATA_BUCKET, `${prefix}/dupes.jsonl`, training) },
    validationDataConfig: {
      validators: [{ s3Uri: await put(ctx.aws.s3, DATA_BUCKET, `${prefix}/val.jsonl`, datasets.conversation(6)) }],
    },
  });
  complete.orchestration = { ...complete.orchestration, dataPreparation: { prepare: true, dedupe: true } };
  const done = await (await ctx.fineTune.start(complete, { workflowId: `${prefix}-complete` })).result();
  expect(done.status).toBe('Completed');

  // Stopped by the stop update while training.
  const slow = await novaFineTune(ctx.aws.s3, `${prefix}-stop`, 20, { jobTags: [simulatorTags.timeScale(20)] });
  const run = await ctx.fineTune.start(slow, { workflowId: `${prefix}-stop` });
  await waitFor('the job to be created', async () => ((await run.progress()).jobArn ? true : undefined), 60_000);
  await run.stop('least-privilege test');
  expect((await failureOf(run.result())).type).toBe('BedrockJobStopped');

  // The prepared-file writer's multipart path, completed and given up (as prepareDataset does on failure).
  const s3 = recorded(createS3Client(ctx.config.aws), used);
  const partBytes = 5 * 1024 * 1024;
  for (const finish of ['end', 'abort'] as const) {
    const writer = new S3ObjectWriter(s3, OUTPUT_BUCKET, `${prefix}/multipart-${finish}.bin`, { partBytes });
    await writer.write(new Uint8Array(partBytes + 1));
    await (finish === 'end' ? writer.end() : writer.abort());
  }
  s3.destroy();
}, 180_000);

afterAll(() => ctx?.close());

test('every operation the worker performs is one this test knows the IAM actions of', () => {
  const all = new Set([...used, ...recordedOperations()]);
  expect([...all].filter((op) => !(op in ACTIONS_OF)).sort()).toEqual([]);
});

test('docs/iam/worker-policy.json grants every action the worker needs, and nothing else', () => {
  const all = new Set([...used, ...recordedOperations()]);
  const needed = new Set([...all].flatMap((op) => ACTIONS_OF[op] ?? []));
  const granted = policyActions('worker-policy.json');
  expect({
    missing: [...needed].filter((a) => !granted.has(a)).sort(),
    neverUsed: [...granted].filter((a) => !needed.has(a)).sort(),
  }).toEqual({ missing: [], neverUsed: [] });
});

test('docs/SECURITY.md gives the reason for every action of the worker policy and the job role policy', () => {
  const security = readFileSync(join(ROOT, 'docs', 'SECURITY.md'), 'utf8');
  const undocumented = [...policyActions('worker-policy.json'), ...policyActions('job-role-policy.json')].filter(
    (action) => !new RegExp(`^\\| \`${action.replace(/[.*]/g, '\\$&')}\` \\|`, 'm').test(security),
  );
  expect(undocumented).toEqual([]);
});

test('the README names no worker permission the policy does not grant', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const granted = policyActions('worker-policy.json');
  const named = [...readme.matchAll(/`((?:bedrock|s3|iam):[A-Za-z]+)`/g)].map((m) => m[1]);
  expect(named.filter((action) => !granted.has(action))).toEqual([]);
});
