// Least privilege, checked against what the worker really does: every AWS call the worker's code made
// in this test run (recorded by a middleware on the clients handed to workers and activities, in this
// file and in every integration test file before it: test/support/sequencer.js runs this file last),
// as the IAM action it needs on the resource it touched, must be allowed by a statement of
// docs/iam/worker-policy.json (its action, and one of its Resource patterns), and every action the
// policy grants must have been used.
// This file also drives the worker through every path itself, so it stands alone when run by itself: a
// completed run with data preparation, a stopped run, and a large preparation that checkpoints, is
// stopped, resumes from its checkpoint, uploads its prepared file in parts and deletes its checkpoints.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import {
  prepareDatasetActivities,
  type PrepareDatasetInput,
  type PrepareDatasetProgress,
  type PrepareDatasetResult,
} from '../../src/activities/prepare-dataset';
import { createBedrockClient, createS3Client, createSqsClient } from '../../src/aws/clients';
import { S3ObjectWriter } from '../../src/aws/s3-writer';
import { lineageScope } from '../../src/config';
import { JobEventsConsumer } from '../../src/events/job-events-consumer';
import { EVENTS_QUEUE_NAME } from '../../src/stack/events-queue';
import { recorded, recordedCalls, STACK_ACCOUNT, type AwsCall } from '../support/aws-operations';
import {
  datasets,
  DATA_BUCKET,
  LOGS_BUCKET,
  novaFineTune,
  OUTPUT_BUCKET,
  put,
  ROLE_ARN,
  simulatorTags,
} from '../support/datasets';
import { STOPPABLE_JOB_TIME_SCALE } from '../support/constants';
import { testContext, uniqueName, type TestContext } from '../support/temporal';
import { failureOf, waitFor } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

interface Statement {
  Sid: string;
  Action: string | string[];
  Resource: string | string[];
}

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

function policy(file: string): Statement[] {
  return (JSON.parse(readFileSync(join(ROOT, 'docs', 'iam', file), 'utf8')) as { Statement: Statement[] }).Statement;
}

function policyActions(file: string): Set<string> {
  return new Set(policy(file).flatMap((s) => list(s.Action)));
}

/**
 * The worker policy's statements with their placeholders replaced by the test stack's values (a
 * placeholder with several values, such as the two data buckets, makes one pattern each), and each
 * Resource as a regular expression: IAM's `*` matches any characters, `/` included, and `?` one.
 * Conditions (iam:PassedToService) are Bedrock's to check, not this test's.
 */
function workerStatements(region: string): { sid: string; actions: string[]; resources: RegExp[] }[] {
  const values: Record<string, string[]> = {
    REGION: [region],
    ACCOUNT_ID: [STACK_ACCOUNT],
    JOB_ROLE_NAME: [ROLE_ARN.split('/').pop()!],
    DATA_BUCKET: [DATA_BUCKET, LOGS_BUCKET],
    OUTPUT_BUCKET: [OUTPUT_BUCKET],
    // The stack's queue, and the queues test/events/ makes beside it.
    EVENTS_QUEUE_NAME: [EVENTS_QUEUE_NAME, `${EVENTS_QUEUE_NAME}-test-*`],
  };
  const expand = (pattern: string): string[] => {
    const placeholder = Object.keys(values).find((p) => pattern.includes(p));
    return placeholder ? values[placeholder].flatMap((v) => expand(pattern.replaceAll(placeholder, v))) : [pattern];
  };
  const regex = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replaceAll('*', '.*')
        .replaceAll('?', '.')}$`,
    );
  return policy('worker-policy.json').map((s) => ({
    sid: s.Sid,
    actions: list(s.Action),
    resources: list(s.Resource).flatMap(expand).map(regex),
  }));
}

const taskQueue = uniqueName('iam');
const used: AwsCall[] = [];
let ctx: TestContext;

/** About 10 MiB of Nova conversation records, every 50th repeated: a prepared file of several parts. */
function largeDataset(): string {
  const lines: string[] = [];
  for (let i = 0; i < 4_000; i++) {
    const line = JSON.stringify({
      schemaVersion: 'bedrock-conversation-2024',
      messages: [
        { role: 'user', content: [{ text: `Question ${i}: ${'why '.repeat(600)}?` }] },
        { role: 'assistant', content: [{ text: `Answer ${i}.` }] },
      ],
    });
    lines.push(line);
    if (i % 50 === 0) lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

/** One attempt of the real preparation activity on recorded clients, stopped after `stopAfter` checkpoints. */
async function prepare(
  input: PrepareDatasetInput,
  options: { previous?: PrepareDatasetProgress; stopAfter?: number },
): Promise<{ result?: PrepareDatasetResult; last?: PrepareDatasetProgress }> {
  const env = new MockActivityEnvironment(
    {
      attempt: options.previous ? 2 : 1,
      heartbeatDetails: options.previous,
      activityId: 'prepare',
      workflowExecution: { workflowId: `${input.outputS3Uri}-wf`, runId: 'r' },
    },
    { logger: new DefaultLogger('ERROR') },
  );
  const s3 = recorded(createS3Client(ctx.config.aws), used);
  let last: PrepareDatasetProgress | undefined;
  let checkpoints = 0;
  env.on('heartbeat', (details: PrepareDatasetProgress) => {
    if (details.checkpoint && details.checkpoint !== last?.checkpoint) checkpoints++;
    last = details;
    if (checkpoints === options.stopAfter) env.cancel();
  });
  // The checkpoint threshold is lowered from 64 MiB to 1 MiB: the same calls, on a tenth of the data.
  const { prepareDataset } = prepareDatasetActivities({ s3, checkpointBytes: 1024 * 1024 });
  try {
    return { result: await env.run(prepareDataset, input), last };
  } catch (err) {
    if (options.stopAfter === undefined) throw err;
    return { last };
  } finally {
    s3.destroy();
  }
}

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
  const slow = await novaFineTune(ctx.aws.s3, `${prefix}-stop`, 20, {
    jobTags: [simulatorTags.timeScale(STOPPABLE_JOB_TIME_SCALE)],
  });
  const run = await ctx.fineTune.start(slow, { workflowId: `${prefix}-stop` });
  await waitFor('the job to be created', async () => ((await run.progress()).jobArn ? true : undefined), 60_000);
  await run.stop('least-privilege test');
  expect((await failureOf(run.result())).type).toBe('BedrockJobStopped');

  // A large preparation: checkpoints, stopped, resumed from its last checkpoint, prepared file uploaded
  // in parts, checkpoints deleted.
  const large: PrepareDatasetInput = {
    baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
    customizationType: 'FINE_TUNING',
    trainingDataConfig: { s3Uri: await put(ctx.aws.s3, DATA_BUCKET, `${prefix}/large.jsonl`, largeDataset()) },
    outputS3Uri: `s3://${OUTPUT_BUCKET}/${prefix}/large/`,
    preparation: { dedupe: true },
  };
  const stopped = await prepare(large, { stopAfter: 2 });
  expect(stopped.result).toBeUndefined();
  expect(stopped.last?.checkpoint).toMatch(/state-1-000002\.json$/);
  const resumed = await prepare(large, { previous: stopped.last });
  expect(resumed.result?.stats.duplicatesRemoved).toBe(80);
  const ops = (name: string) => used.filter((c) => c.operation === name && c.ok).length;
  expect(ops('s3:UploadPart')).toBeGreaterThan(1);
  expect(ops('s3:DeleteObjects')).toBeGreaterThan(3);

  // The prepared-file writer's multipart path given up (as prepareDataset does on failure).
  const s3 = recorded(createS3Client(ctx.config.aws), used);
  const partBytes = 5 * 1024 * 1024;
  const writer = new S3ObjectWriter(s3, OUTPUT_BUCKET, `${prefix}/multipart-abort.bin`, { partBytes });
  await writer.write(new Uint8Array(partBytes + 1));
  await writer.abort();
  s3.destroy();

  // The job events of these runs (the stack's simulator publishes every job's), consumed as a worker
  // with FINETUNE_EVENTS_QUEUE_URL does: the queue checked, messages received, each deleted once handled.
  const queueUrl = process.env.FINETUNE_TEST_EVENTS_QUEUE_URL!;
  const sqs = recorded(createSqsClient(queueUrl, ctx.config.aws.region), used);
  const consumer = new JobEventsConsumer({
    queueUrl,
    sqs,
    bedrock: recorded(createBedrockClient(ctx.config.aws), used),
    temporal: ctx.client,
    scope: lineageScope(ctx.config),
    log: { info: () => undefined, warn: () => undefined },
    waitSeconds: 1,
  });
  await consumer.checkQueue();
  consumer.start();
  await waitFor('an event of this test to be handled', async () =>
    consumer.counts['run-closed'] > 0 ? true : undefined,
  );
  await consumer.stop();
  sqs.destroy();
}, 300_000);

afterAll(() => ctx?.close());

const allCalls = () => [...used, ...recordedCalls()];
const STACK_BUCKETS = [DATA_BUCKET, LOGS_BUCKET, OUTPUT_BUCKET];

test('every operation the worker performs is one this test knows the IAM actions and resources of', () => {
  expect(
    [
      ...new Set(
        allCalls()
          .filter((c) => !c.action)
          .map((c) => c.operation),
      ),
    ].sort(),
  ).toEqual([]);
});

test('docs/iam/worker-policy.json allows every action the worker took, on the resource it took it on', () => {
  const statements = workerStatements(ctx.config.aws.region);
  const allowed = (c: AwsCall) =>
    statements.some((s) => s.actions.includes(c.action) && s.resources.some((r) => r.test(c.resource)));
  // A bucket the stack does not have is a test's missing bucket: the call failed, and under the policy
  // it fails too (AccessDenied, which the preflight reports as such).
  const missingBucket = (c: AwsCall) => {
    const bucket = /^arn:aws:s3:::([^/]+)/.exec(c.resource)?.[1];
    return bucket !== undefined && !STACK_BUCKETS.includes(bucket);
  };
  const calls = allCalls().filter((c) => c.action);
  expect(calls.filter((c) => missingBucket(c) && c.ok).map((c) => `${c.action} ${c.resource}`)).toEqual([]);
  const denied = calls.filter((c) => !missingBucket(c) && !allowed(c));
  expect([...new Set(denied.map((c) => `${c.action} ${c.resource}`))].sort()).toEqual([]);
});

test('docs/iam/worker-policy.json grants no action the worker never used', () => {
  const needed = new Set(allCalls().map((c) => c.action));
  expect([...policyActions('worker-policy.json')].filter((a) => !needed.has(a)).sort()).toEqual([]);
});

test('the calls include the large and resumed preparation: checkpoints read back, parts uploaded, checkpoints deleted', () => {
  const calls = allCalls().filter((c) => c.ok);
  const on = (operation: string, pattern: RegExp) =>
    calls.some((c) => c.operation === operation && pattern.test(c.resource));
  expect({
    checkpointRead: on('s3:GetObject', /\/prepared\/checkpoints\/[0-9a-f]{32}\/(state|delta)-1-\d{6}\.(json|bin)$/),
    partUploaded: on('s3:UploadPart', /\/prepared\//),
    checkpointDeleted: on('s3:DeleteObjects', /\/prepared\/checkpoints\/[0-9a-f]{32}\/(state|delta)-\d-\d{6}/),
  }).toEqual({ checkpointRead: true, partUploaded: true, checkpointDeleted: true });
});

test('docs/SECURITY.md gives the reason for every action of the worker policy and the job role policy', () => {
  const security = readFileSync(join(ROOT, 'docs', 'SECURITY.md'), 'utf8');
  const undocumented = [...policyActions('worker-policy.json'), ...policyActions('job-role-policy.json')].filter(
    (action) => !new RegExp(`^\\| \`${action.replace(/[.*]/g, '\\$&')}\` \\|`, 'm').test(security),
  );
  expect(undocumented).toEqual([]);
});

test('the README names no worker permission the policy does not grant, and its permissions paragraph every one', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const names = (text: string) => new Set([...text.matchAll(/`((?:bedrock|s3|iam|sqs):[A-Za-z]+)`/g)].map((m) => m[1]));
  const start = readme.indexOf('Permissions (least privilege');
  const paragraph = names(readme.slice(start, readme.indexOf('\n\n', start)));
  const granted = policyActions('worker-policy.json');
  expect({
    notGranted: [...names(readme)].filter((a) => !granted.has(a)),
    notInParagraph: [...granted].filter((a) => !paragraph.has(a)),
  }).toEqual({ notGranted: [], notInParagraph: [] });
});
