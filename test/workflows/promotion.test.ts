// From training to production on the real local stack: a fineTune run whose request has
// `orchestration.promotion` evaluates its model against the one in production (a staging deployment,
// Converse answers, judge evaluation jobs), gates, asks for approval when told to, promotes behind a
// stable deployment, smoke-tests and rolls back. A simulator of its own (deployment quotas raised, so
// tests do not share the stack's), its time scale high; scores centre on each training job's
// `simulator:eval-score` tag, and `simulator:outcome=fail-smoke` makes a model fail through Converse.
import {
  BedrockClient,
  GetCustomModelDeploymentCommand,
  GetProvisionedModelThroughputCommand,
  ListCustomModelDeploymentsCommand,
  ListEvaluationJobsCommand,
  ListProvisionedModelThroughputsCommand,
} from '@aws-sdk/client-bedrock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FineTuneTrainedResult, PromotionSpec } from '../../src/client';
import { getText } from '../../src/aws/s3-objects';
import { DATA_BUCKET, novaFineTune, put } from '../support/datasets';
import { recordHistory } from '../support/histories';
import { ownSimulator, type OwnSimulator } from '../support/own-simulator';
import { testContext, uniqueName, type TestContext } from '../support/temporal';
import { failureOf, waitFor } from '../support/wait';

let ctx: TestContext;
let sim: OwnSimulator;
let bedrock: BedrockClient;
let promptsUri: string;
const taskQueue = uniqueName('promotion');
const scratch = mkdtempSync(join(tmpdir(), 'finetune-promotion-'));

/** Deployment quotas raised: every test here makes some, and real accounts allow 10 (2 at once). */
const ROOMY = ['--max-deployments', '100', '--max-deployments-in-progress', '20'];

const PROMPTS = Array.from({ length: 8 }, (_, i) =>
  JSON.stringify({ prompt: `How do I reset my password? (${i})`, referenceResponse: 'Use the reset link.' }),
).join('\n');

beforeAll(async () => {
  ctx = await testContext(taskQueue);
  sim = await ownSimulator(scratch, { flags: [...ROOMY, '--max-no-commitment-model-units', '20'] });
  bedrock = sim.bedrock;
  await ctx.startWorker(taskQueue, { bedrock: sim.workerBedrock, runtime: sim.runtime });
  promptsUri = await put(ctx.aws.s3, DATA_BUCKET, `${uniqueName('eval')}/prompts.jsonl`, PROMPTS);
});
afterAll(async () => {
  await ctx?.close();
  await sim?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function promotion(deployment: string, over: Partial<PromotionSpec> = {}): PromotionSpec {
  return {
    deployment,
    evaluation: {
      dataset: promptsUri,
      metrics: ['Builtin.Correctness', 'Builtin.Helpfulness'],
      requestsPerMinute: 6000,
    },
    gate: { 'Builtin.Correctness': { min: 0.7, maxDrop: 0.02 } },
    smokeTest: { prompts: 3 },
    ...over,
  };
}

/** A fine-tune whose model's judge scores centre on `score`, promoted as `spec` says. */
async function trainAndPromote(
  prefix: string,
  score: number,
  spec: PromotionSpec,
  extraTags: { key: string; value: string }[] = [],
) {
  const request = await novaFineTune(ctx.aws.s3, prefix, 20, {
    jobTags: [{ key: 'simulator:eval-score', value: String(score) }, ...extraTags],
  });
  request.orchestration = { ...request.orchestration, promotion: spec };
  return ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
}

async function deployment(name: string) {
  return bedrock.send(new GetCustomModelDeploymentCommand({ customModelDeploymentIdentifier: name }));
}

async function stagingLeft(): Promise<string[]> {
  const page = await bedrock.send(new ListCustomModelDeploymentsCommand({ nameContains: 'stg', maxResults: 1000 }));
  return (page.modelDeploymentSummaries ?? []).map((d) => d.customModelDeploymentName!).filter((n) => /-stg-/.test(n));
}

describe('promoted', () => {
  const name = uniqueName('support-bot')
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .slice(0, 40);
  let first: FineTuneTrainedResult;

  it('creates the deployment when none exists: evaluated, gated, promoted, smoke-tested, the table in the result', async () => {
    const run = await trainAndPromote(uniqueName('promote-create'), 0.85, promotion(name));
    first = (await run.result()) as FineTuneTrainedResult;
    await recordHistory(run.handle, 'fine-tune-promoted');
    await recordHistory(ctx.client.workflow.getHandle(`${run.workflowId}-promote`), 'promote-created');
    expect(first.promotion).toMatchObject({ outcome: 'promoted', deployment: { kind: 'deployment', name } });
    expect(first.promotion?.previousModelArn).toBeUndefined();
    const rows = first.promotion!.scores;
    expect(rows.map((r) => r.metric)).toEqual(['Builtin.Correctness', 'Builtin.Helpfulness']);
    expect(rows[0].new).toBeGreaterThan(0.8);
    expect(rows[0]).toMatchObject({ current: null, min: 0.7, verdict: 'pass' });
    const served = await deployment(name);
    expect(served.status).toBe('Active');
    expect(served.modelArn).toBe(first.customModelArn);
    expect(first.promotion?.deployment.arn).toBe(served.customModelDeploymentArn);
    expect(await stagingLeft()).toEqual([]);
    // The table is in report.json too, beside the metrics.
    const report = JSON.parse((await getText(ctx.aws.s3, first.reportUri!))!) as {
      promotion?: { outcome: string; scores: unknown[] };
    };
    expect(report.promotion).toMatchObject({ outcome: 'promoted', scores: rows });
  });

  it('updates it to a better model, same ARN, and the next one rolls back when its smoke test fails', async () => {
    const run = await trainAndPromote(uniqueName('promote-update'), 0.9, promotion(name));
    const second = (await run.result()) as FineTuneTrainedResult;
    await recordHistory(ctx.client.workflow.getHandle(`${run.workflowId}-promote`), 'promote-updated');
    expect(second.promotion).toMatchObject({ outcome: 'promoted', previousModelArn: first.customModelArn });
    expect(second.promotion?.deployment.arn).toBe(first.promotion?.deployment.arn);
    expect(second.promotion!.scores[0].current).toBeGreaterThan(0.8);
    expect((await deployment(name)).modelArn).toBe(second.customModelArn);

    // A model that cannot answer (Converse fails on it), promoted with no gate: the smoke test is the net.
    const broken = await trainAndPromote(uniqueName('promote-smoke'), 0.95, promotion(name, { gate: undefined }), [
      { key: 'simulator:outcome', value: 'fail-smoke' },
    ]);
    const failure = await failureOf(broken.result());
    await recordHistory(ctx.client.workflow.getHandle(`${broken.workflowId}-promote`), 'promote-rolled-back');
    expect(failure.type).toBe('PromotionRolledBack');
    expect(failure.message).toMatch(/smoke test .* failed/);
    const served = await deployment(name);
    expect(served.modelArn).toBe(second.customModelArn);
    expect(served.customModelDeploymentArn).toBe(first.promotion?.deployment.arn);
  });
});

it('a model below the gate is not promoted; the run completes, production untouched', async () => {
  const name = uniqueName('gated')
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .slice(0, 40);
  const run = await trainAndPromote(uniqueName('promote-gated'), 0.4, promotion(name));
  const result = (await run.result()) as FineTuneTrainedResult;
  await recordHistory(ctx.client.workflow.getHandle(`${run.workflowId}-promote`), 'promote-gated');
  expect(result.status).toBe('Completed');
  expect(result.promotion).toMatchObject({ outcome: 'gated' });
  expect(result.promotion?.reasons?.[0]).toMatch(/Builtin.Correctness 0\.\d{4} is below the minimum 0.7/);
  await expect(deployment(name)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  expect(await stagingLeft()).toEqual([]);
});

describe('approval', () => {
  const spec = (name: string, timeout = '1h') => promotion(name, { approval: { required: true, timeout } });

  it('waits, searchable as awaiting-approval, and promotes once approved', async () => {
    const name = uniqueName('approved')
      .replace(/[^a-zA-Z0-9]+/g, '-')
      .slice(0, 40);
    const run = await trainAndPromote(uniqueName('promote-approve'), 0.85, spec(name));
    const promotionRun = await waitFor('the promotion', async () =>
      ctx.fineTune.promotions.of(run.workflowId).catch(() => undefined),
    );
    await waitFor('awaiting-approval', async () =>
      (await promotionRun.progress()).phase === 'awaiting-approval' ? true : undefined,
    );
    const found = [];
    for await (const w of ctx.client.workflow.list({
      query: `WorkflowId = '${promotionRun.workflowId}' AND FineTunePhase = 'awaiting-approval'`,
    }))
      found.push(w);
    expect(found).toHaveLength(1);
    await expect(promotionRun.approve('scores look right', 'ana')).resolves.toMatchObject({
      approved: true,
      by: 'ana',
    });
    const result = (await run.result()) as FineTuneTrainedResult;
    await recordHistory(promotionRun.handle, 'promote-approved');
    expect(result.promotion).toMatchObject({
      outcome: 'promoted',
      approval: { approved: true, reason: 'scores look right' },
    });
    expect((await deployment(name)).modelArn).toBe(result.customModelArn);
  });

  it('a rejection ends the promotion, production untouched', async () => {
    const name = uniqueName('rejected')
      .replace(/[^a-zA-Z0-9]+/g, '-')
      .slice(0, 40);
    const run = await trainAndPromote(uniqueName('promote-reject'), 0.85, spec(name));
    const promotionRun = await waitFor('the promotion', async () =>
      ctx.fineTune.promotions.of(run.workflowId).catch(() => undefined),
    );
    await waitFor('awaiting-approval', async () =>
      (await promotionRun.progress()).phase === 'awaiting-approval' ? true : undefined,
    );
    await promotionRun.reject('not this week', 'ben');
    const result = (await run.result()) as FineTuneTrainedResult;
    await recordHistory(promotionRun.handle, 'promote-rejected');
    expect(result.promotion).toMatchObject({ outcome: 'rejected', reasons: ['rejected by ben: not this week'] });
    await expect(deployment(name)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('no answer by the timeout means not promoted', async () => {
    const name = uniqueName('timeout')
      .replace(/[^a-zA-Z0-9]+/g, '-')
      .slice(0, 40);
    const run = await trainAndPromote(uniqueName('promote-timeout'), 0.85, spec(name, '2s'));
    const result = (await run.result()) as FineTuneTrainedResult;
    expect(result.promotion).toMatchObject({ outcome: 'not-approved' });
    await expect(deployment(name)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

it('cancel during the evaluation: the staging deployment is deleted, the evaluation jobs stopped, nothing left', async () => {
  const name = uniqueName('cancelled')
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .slice(0, 40);
  // Slow answers (one a second) hold the promotion in its evaluation long enough to cancel it there.
  const run = await trainAndPromote(
    uniqueName('promote-cancel'),
    0.85,
    promotion(name, { evaluation: { dataset: promptsUri, metrics: ['Builtin.Correctness'], requestsPerMinute: 60 } }),
  );
  const promotionRun = await waitFor('the promotion', async () =>
    ctx.fineTune.promotions.of(run.workflowId).catch(() => undefined),
  );
  await waitFor('the staging deployment', async () => ((await promotionRun.progress()).staging ? true : undefined));
  await run.cancel();
  expect((await failureOf(run.result())).type).toBe('cancelled');
  await recordHistory(promotionRun.handle, 'promote-cancelled');
  expect(await stagingLeft()).toEqual([]);
  const jobs = await bedrock.send(new ListEvaluationJobsCommand({ nameContains: name.toLowerCase().slice(0, 20) }));
  expect((jobs.jobSummaries ?? []).filter((j) => j.status === 'InProgress')).toEqual([]);
  await expect(deployment(name)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  const progress = await promotionRun.progress();
  expect(progress.phase).toBe('cancelled');
  expect(progress.cleanup?.join('\n')).toMatch(/staging deployment .*: deleted/);
});

it('kind provisioned: creates a Provisioned Throughput, then points it at the next model (same ARN)', async () => {
  const name = uniqueName('pt')
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .slice(0, 40);
  const spec = promotion(name, { kind: 'provisioned', modelUnits: 1 });
  const first = (await (await trainAndPromote(uniqueName('promote-pt'), 0.85, spec)).result()) as FineTuneTrainedResult;
  expect(first.promotion).toMatchObject({ outcome: 'promoted', deployment: { kind: 'throughput', name } });
  const run = await trainAndPromote(uniqueName('promote-pt-update'), 0.9, spec);
  const second = (await run.result()) as FineTuneTrainedResult;
  await recordHistory(ctx.client.workflow.getHandle(`${run.workflowId}-promote`), 'promote-throughput-updated');
  expect(second.promotion).toMatchObject({ outcome: 'promoted', previousModelArn: first.customModelArn });
  const pt = await bedrock.send(new GetProvisionedModelThroughputCommand({ provisionedModelId: name }));
  expect(pt).toMatchObject({
    status: 'InService',
    modelArn: second.customModelArn,
    provisionedModelArn: first.promotion?.deployment.arn,
  });
  // The staging copy was an on-demand deployment (Nova Micro deploys on demand here): no candidate throughput left.
  const pts = await bedrock.send(new ListProvisionedModelThroughputsCommand({ nameContains: name.slice(0, 20) }));
  expect((pts.provisionedModelSummaries ?? []).map((p) => p.provisionedModelName)).toEqual([name]);
});

describe('on a simulator of their own', () => {
  const own: OwnSimulator[] = [];
  afterAll(async () => {
    for (const o of own) await o.stop();
  });

  /** A simulator with `flags`, and a worker on a task queue of its own whose Bedrock it is. */
  async function stackWith(flags: string[], timeScale: number) {
    const o = await ownSimulator(scratch, { flags: [...ROOMY, ...flags], timeScale });
    own.push(o);
    const queue = uniqueName('promotion-own');
    await ctx.startWorker(queue, { bedrock: o.workerBedrock, runtime: o.runtime });
    return { bedrock: o.bedrock, queue };
  }

  it('cancel while an evaluation job runs: the job is stopped, the staging deployment gone', async () => {
    const own = await stackWith([], 100);
    const name = uniqueName('eval-cancel')
      .replace(/[^a-zA-Z0-9]+/g, '-')
      .slice(0, 40);
    const prefix = uniqueName('promote-eval-cancel');
    const request = await novaFineTune(ctx.aws.s3, prefix, 20, {
      jobTags: [{ key: 'simulator:eval-score', value: '0.9' }],
    });
    request.orchestration = { ...request.orchestration, promotion: promotion(name) };
    const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue: own.queue });
    const promotionRun = await waitFor('the promotion', async () =>
      ctx.fineTune.promotions.of(prefix).catch(() => undefined),
    );
    await waitFor(
      'a running evaluation job',
      async () => (((await promotionRun.progress()).evaluationJobs ?? []).length > 0 ? true : undefined),
      90_000,
      100,
    );
    await run.cancel();
    expect((await failureOf(run.result())).type).toBe('cancelled');
    await recordHistory(promotionRun.handle, 'promote-cancelled-while-evaluating');
    const jobs = await own.bedrock.send(
      new ListEvaluationJobsCommand({ nameContains: name.toLowerCase().slice(0, 20) }),
    );
    expect(jobs.jobSummaries?.length).toBeGreaterThan(0);
    expect((jobs.jobSummaries ?? []).map((j) => j.status).filter((s) => s === 'InProgress')).toEqual([]);
    const progress = await promotionRun.progress();
    expect(progress.cleanup?.join('\n')).toMatch(/evaluation job .*: stopped/);
    const left = await own.bedrock.send(
      new ListCustomModelDeploymentsCommand({ nameContains: 'stg', maxResults: 1000 }),
    );
    expect(left.modelDeploymentSummaries ?? []).toEqual([]);
  });

  it('with every other create, update and delete answer lost: one of each resource, and promoted', async () => {
    const own = await stackWith(['--lost-reply-rate', '0.5'], 1000);
    const name = uniqueName('lost')
      .replace(/[^a-zA-Z0-9]+/g, '-')
      .slice(0, 40);
    const prefix = uniqueName('promote-lost');
    const request = await novaFineTune(ctx.aws.s3, prefix, 20, {
      jobTags: [{ key: 'simulator:eval-score', value: '0.9' }],
    });
    request.orchestration = { ...request.orchestration, promotion: promotion(name) };
    const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue: own.queue });
    const result = (await run.result()) as FineTuneTrainedResult;
    await recordHistory(ctx.client.workflow.getHandle(`${prefix}-promote`), 'promote-lost-replies');
    expect(result.promotion).toMatchObject({ outcome: 'promoted' });
    const deployments = await own.bedrock.send(new ListCustomModelDeploymentsCommand({ maxResults: 1000 }));
    const names = (deployments.modelDeploymentSummaries ?? []).map((d) => d.customModelDeploymentName);
    // Production, once; the staging copy was created once and is gone.
    expect(names).toEqual([name]);
    const evaluations = await own.bedrock.send(new ListEvaluationJobsCommand({ maxResults: 1000 }));
    expect((evaluations.jobSummaries ?? []).map((j) => j.jobName)).toHaveLength(1);
  });
});
