// The examples: `finetune examples list|upload`, and every example request run through the workflow to
// its end on the simulator (an issue requirement), with the data its request reads.
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invocationLogFiles } from '../../examples/distillation-invocation-logs/generate';
import { parseS3Uri } from '../../src/core/bedrock-patterns';
import { inputUris } from '../../src/cli/examples';
import { testContext, uniqueName, type TestContext } from '../support/temporal';
import { EXAMPLES, exampleRequest, json, runCli, testRequest } from './helpers';

const NAMES = [
  'continued-pretraining',
  'distillation-invocation-logs',
  'distillation-prompts',
  'fine-tuning-conversation',
  'fine-tuning-promotion',
  'fine-tuning-prompt-completion',
  'reinforcement-fine-tuning',
];

/** What each example's dataset holds, as the run's dataset stats must report it. */
const RECORDS: Record<string, { training: number; validation: number; epochs: number }> = {
  'continued-pretraining': { training: 40, validation: 6, epochs: 1 },
  'distillation-invocation-logs': { training: 129, validation: 0, epochs: 2 },
  'distillation-prompts': { training: 120, validation: 0, epochs: 2 },
  'fine-tuning-conversation': { training: 36, validation: 10, epochs: 2 },
  'fine-tuning-promotion': { training: 24, validation: 8, epochs: 2 },
  'fine-tuning-prompt-completion': { training: 95, validation: 20, epochs: 3 },
  'reinforcement-fine-tuning': { training: 150, validation: 0, epochs: 2 },
};

const taskQueue = uniqueName('cli-examples');
let ctx: TestContext;

beforeAll(async () => {
  ctx = await testContext(taskQueue);
  await ctx.startWorker(taskQueue);
  const upload = await runCli(['examples', 'upload'], { taskQueue });
  expect(upload).toMatchObject({ code: 0 });
});
afterAll(() => ctx?.close());

it('lists one example per customization type and record format', async () => {
  const listed = json<{ examples: { name: string; request: { customizationType: string } }[] }>(
    await runCli(['examples', 'list', '--json'], { taskQueue }),
  );
  expect(listed.examples.map((e) => e.name)).toEqual(NAMES);
  expect(new Set(listed.examples.map((e) => e.request.customizationType))).toEqual(
    new Set(['FINE_TUNING', 'CONTINUED_PRE_TRAINING', 'DISTILLATION', 'REINFORCEMENT_FINE_TUNING']),
  );
});

it('uploads every object and log prefix the requests read', async () => {
  for (const name of NAMES) {
    const { objects, prefixes } = inputUris(exampleRequest(name));
    for (const uri of objects) {
      const { bucket, key } = parseS3Uri(uri);
      const head = await ctx.aws.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect(head.ContentLength).toBeGreaterThan(0);
    }
    for (const uri of prefixes) {
      const { bucket, key } = parseS3Uri(uri);
      const listed = await ctx.aws.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }));
      expect(listed.Contents?.filter((o) => o.Key?.endsWith('.json.gz')).length).toBe(3);
    }
  }
});

it('refuses to upload an example that does not exist (exit 2)', async () => {
  const result = await runCli(['examples', 'upload', 'no-such-example'], { taskQueue });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('No example named no-such-example');
});

describe.each(NAMES)('example %s', (name) => {
  it('runs through the workflow on the simulator to a custom model with metrics', async () => {
    const id = uniqueName(`ex-${name.slice(0, 24)}`);
    const run = await ctx.fineTune.start(testRequest(name, id), { workflowId: id });
    const result = await run.result();
    expect(result.status).toBe('Completed');
    expect(result.customModelArn).toMatch(/:custom-model\//);
    expect(result.metrics?.epochs.length).toBe(RECORDS[name].epochs);
    expect(result.metrics?.finalTrainingLoss).toBeGreaterThan(0);
    const progress = await run.progress();
    expect(progress.dataset).toMatchObject({
      trainingRecords: RECORDS[name].training,
      validationRecords: RECORDS[name].validation,
    });
    // The example with a promotion carries its model on to a deployment, past its gate.
    const promotion = testRequest(name, id).orchestration?.promotion;
    if (promotion) {
      expect(result.promotion).toMatchObject({ outcome: 'promoted', deployment: { name: promotion.deployment } });
      expect(result.promotion?.scores.map((r) => r.verdict)).toEqual(['pass', 'pass', 'no-gate']);
    } else expect(result.promotion).toBeUndefined();
  });
});

it('keeps the committed invocation logs exactly what generate.ts writes', () => {
  const dataDir = join(EXAMPLES, 'distillation-invocation-logs', 'data');
  const files = invocationLogFiles();
  expect(files.length).toBe(4);
  for (const file of files) expect(readFileSync(join(dataDir, file.path)).equals(file.content)).toBe(true);
});
