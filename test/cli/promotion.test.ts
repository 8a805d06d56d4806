// The promotion commands on the real stack: `promote` (promoted: exit 0; gated: exit 1; a bad promotion:
// exit 2 before anything starts), `approve` and `reject`, `rollback`, `deployments` and `status` with
// the comparison table. A simulator of its own (deployment quotas raised, as in
// test/workflows/promotion.test.ts), which the worker and the CLI both talk to; the simulator's judge
// scores a model around its training job's `simulator:eval-score` tag.
import {
  CreateCustomModelDeploymentCommand,
  GetCustomModelDeploymentCommand,
  type BedrockClient,
} from '@aws-sdk/client-bedrock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ApprovalDecision,
  FineTuneTrainedResult,
  PromotionProgress,
  PromotionResult,
  PromotionSpec,
} from '../../src/client';
import { withLineage } from '../../src/aws/lineage-tags';
import { lineageScope } from '../../src/config';
import type { DeploymentView } from '../../src/cli/deployments';
import type { PromotionStatus } from '../../src/cli/status';
import { DATA_BUCKET, novaFineTune, put } from '../support/datasets';
import { recordHistory } from '../support/histories';
import { ownSimulator, type OwnSimulator } from '../support/own-simulator';
import { testContext, uniqueName, type TestContext } from '../support/temporal';
import { waitFor } from '../support/wait';
import { loadExamples, uploadExample } from '../../src/cli/examples';
import { json, requestFile, runCli, testRequest } from './helpers';

let ctx: TestContext;
let sim: OwnSimulator;
let bedrock: BedrockClient;
let simEndpoint: string;
let promptsUri: string;
const taskQueue = uniqueName('cli-promotion');
const scratch = mkdtempSync(join(tmpdir(), 'finetune-cli-promotion-'));

const PROMPTS = Array.from({ length: 8 }, (_, i) =>
  JSON.stringify({ prompt: `Where is my parcel? (${i})`, referenceResponse: 'Track it with the link in your email.' }),
).join('\n');

beforeAll(async () => {
  ctx = await testContext(taskQueue);
  sim = await ownSimulator(scratch, { flags: ['--max-deployments', '100', '--max-deployments-in-progress', '20'] });
  simEndpoint = sim.endpoint;
  bedrock = sim.bedrock;
  await ctx.startWorker(taskQueue, { bedrock: sim.workerBedrock, runtime: sim.runtime });
  promptsUri = await put(ctx.aws.s3, DATA_BUCKET, `${uniqueName('cli-eval')}/prompts.jsonl`, PROMPTS);
  for (const example of (await loadExamples()).filter((e) => e.name === 'fine-tuning-promotion'))
    await uploadExample(ctx.aws.s3, example);
}, 60_000);
afterAll(async () => {
  await ctx?.close();
  await sim?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** The CLI against this file's simulator (Bedrock and bedrock-runtime) and task queue. */
const cli = (args: string[]) =>
  runCli(args, {
    taskQueue,
    env: { AWS_ENDPOINT_URL_BEDROCK: simEndpoint, AWS_ENDPOINT_URL_BEDROCK_RUNTIME: simEndpoint },
    timeoutMs: 110_000,
  });

const deploymentName = (prefix: string) =>
  uniqueName(prefix)
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .slice(0, 40);

/** A model trained by a fineTune run (no promotion) whose judge scores centre on `score`. */
async function trainModel(prefix: string, score: number): Promise<{ workflowId: string; arn: string }> {
  const workflowId = uniqueName(prefix);
  const request = await novaFineTune(ctx.aws.s3, workflowId, 20, {
    jobTags: [{ key: 'simulator:eval-score', value: String(score) }],
  });
  const result = (await (
    await ctx.fineTune.start(request, { workflowId, taskQueue })
  ).result()) as FineTuneTrainedResult;
  return { workflowId, arn: result.customModelArn! };
}

/** `finetune promote` of `modelArn` to `deployment`: fast answers and looks, a gate on correctness. */
const promoteArgs = (modelArn: string, deployment: string, more: string[] = []) => [
  'promote',
  modelArn,
  '--deployment',
  deployment,
  '--evaluation',
  promptsUri,
  '--metrics',
  'Builtin.Correctness,Helpfulness',
  '--gate',
  'Builtin.Correctness=min:0.7,maxDrop:0.02',
  '--requests-per-minute',
  '6000',
  '--smoke-prompts',
  '3',
  '--poll-initial',
  '200ms',
  '--poll-max',
  '1s',
  ...more,
];

async function served(name: string): Promise<string | undefined> {
  return bedrock
    .send(new GetCustomModelDeploymentCommand({ customModelDeploymentIdentifier: name }))
    .then((d) => d.modelArn)
    .catch((err: { name?: string }) => {
      if (err.name === 'ResourceNotFoundException') return undefined;
      throw err;
    });
}

describe('promote, rollback, deployments', () => {
  const name = deploymentName('cli-bot');
  let first: { workflowId: string; arn: string };
  let second: { workflowId: string; arn: string };

  it('promote --wait promotes a model trained elsewhere (exit 0) and prints the comparison table', async () => {
    first = await trainModel('cli-first', 0.85);
    // No --role-arn or --output: they come from the job that trained the model.
    const promoted = await cli([...promoteArgs(first.arn, name), '--wait']);
    expect(promoted.stderr).toBe('');
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toContain(`Started promotion promote-${name}-${first.arn.split('/').pop()}`);
    expect(promoted.stdout).toMatch(/^\d\d:\d\d:\d\d evaluating/m);
    expect(promoted.stdout).toContain(`Promotion ✓ promoted (deployment ${name})`);
    expect(promoted.stdout).toContain('previous model  none (the promotion created the deployment)');
    expect(promoted.stdout).toMatch(/^ +metric +new +current +threshold +verdict$/m);
    expect(promoted.stdout).toMatch(/^ +Builtin\.Correctness +0\.8\d{3} +- +min 0\.7, maxDrop 0\.02 +pass$/m);
    expect(promoted.stdout).toMatch(/^ +Builtin\.Helpfulness +0\.8\d{3} +- +- +-$/m);
    expect(await served(name)).toBe(first.arn);
  });

  it('promote --wait --json of a model below the gate: gated (exit 1), production untouched', async () => {
    const weak = await trainModel('cli-weak', 0.4);
    const gated = await cli([...promoteArgs(weak.arn, name), '--wait', '--json']);
    expect(gated.code).toBe(1);
    const out = json<{ workflowId: string; outcome: string; result: PromotionResult }>(gated);
    expect(out.outcome).toBe('gated');
    expect(out.result.reasons?.[0]).toMatch(/Builtin\.Correctness 0\.\d{4} is below the minimum 0\.7/);
    expect(out.result.scores[0]).toMatchObject({ metric: 'Builtin.Correctness', verdict: 'fail' });
    expect(out.result.scores[0].current).toBeGreaterThan(0.8);
    expect(await served(name)).toBe(first.arn);

    // Its status: the promote run's own progress and how it ended.
    const status = json<PromotionStatus>(await cli(['status', out.workflowId, '--json']));
    expect(status).toMatchObject({
      workflowType: 'promote',
      workflowStatus: 'COMPLETED',
      result: { outcome: 'gated' },
    });
    expect(status.progress?.phase).toBe('gated');
  });

  it('rollback points the deployment back at the model it served before its last promotion', async () => {
    second = await trainModel('cli-second', 0.9);
    const promoted = json<{ outcome: string; result: PromotionResult }>(
      await cli([...promoteArgs(second.arn, name), '--wait', '--json']),
    );
    expect(promoted.result).toMatchObject({ outcome: 'promoted', previousModelArn: first.arn });
    expect(await served(name)).toBe(second.arn);

    const rollback = [
      'rollback',
      name,
      '--reason',
      'answers regressed',
      '--poll-initial',
      '500ms',
      '--poll-max',
      '1s',
      '--json',
    ];
    const rolled = await cli(rollback);
    expect(rolled.code).toBe(0);
    await recordHistory(ctx.client.workflow.getHandle(json<{ workflowId: string }>(rolled).workflowId), 'roll-back');
    expect(json(rolled)).toEqual({
      deployment: name,
      workflowId: expect.stringMatching(new RegExp(`^rollback-${name}-\\d+$`)) as unknown,
      toModelArn: first.arn,
      fromModelArn: second.arn,
      alreadyServed: false,
    });
    expect(await served(name)).toBe(first.arn);
    // Again: it already serves that model, and says so.
    expect(json(await cli(rollback))).toMatchObject({ fromModelArn: first.arn, alreadyServed: true });
  }, 120_000);

  it('rollback refuses what it cannot do (exit 2): no promotion on record, a bad name, no reason', async () => {
    const none = await cli(['rollback', deploymentName('never-promoted'), '--reason', 'x']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no completed promotion to never-promoted-\S+ is on record/);
    expect((await cli(['rollback', 'not a name', '--reason', 'x'])).code).toBe(2);
    const noReason = await cli(['rollback', name]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain("required option '--reason <text>' not specified");
  });

  it('deployments --json: what serves where, how it got there, and a production deployment with no promotion on record', async () => {
    // Made by hand with this project's production lineage, never promoted to: listed, with '-' for the rest.
    const byHand = deploymentName('by-hand');
    const scope = lineageScope(ctx.config);
    await bedrock.send(
      new CreateCustomModelDeploymentCommand({
        modelDeploymentName: byHand,
        modelArn: second.arn,
        tags: withLineage([], { ...scope, workflowId: 'someone-else', role: 'production' }),
      }),
    );
    // Made by hand with no lineage and never promoted to: not this project's.
    const foreign = deploymentName('foreign');
    await bedrock.send(new CreateCustomModelDeploymentCommand({ modelDeploymentName: foreign, modelArn: second.arn }));

    const listed = await cli(['deployments', '--json']);
    expect(listed.code).toBe(0);
    const { deployments } = json<{ deployments: DeploymentView[] }>(listed);
    const names = deployments.map((d) => d.deployment);
    expect(names).toContain(name);
    expect(names).toContain(byHand);
    expect(names).not.toContain(foreign);
    // No staging copies: every promotion removed its own.
    expect(names.filter((n) => /-stg-/.test(n))).toEqual([]);

    const bot = deployments.find((d) => d.deployment === name)!;
    // Rolled back to the first model: the promotion that put it there, and the run that trained it.
    expect(bot).toMatchObject({
      kind: 'deployment',
      status: 'Active',
      modelArn: first.arn,
      promotedBy: `promote-${name}-${first.arn.split('/').pop()}`,
      trainedBy: first.workflowId,
    });
    expect(bot.previousModelArn).toBeUndefined();
    expect(bot.scores?.[0]).toMatchObject({ metric: 'Builtin.Correctness', verdict: 'pass' });
    expect(Date.parse(bot.promotedAt!)).toBeGreaterThan(0);
    expect(bot.note).toMatch(/serves another model than its last promotion put there/);

    expect(deployments.find((d) => d.deployment === byHand)).toEqual({
      deployment: byHand,
      kind: 'deployment',
      arn: expect.stringContaining(':custom-model-deployment/') as unknown,
      status: expect.any(String) as unknown,
      modelArn: second.arn,
      trainedBy: second.workflowId,
      note: expect.stringContaining('no promotion to it is on record') as unknown,
    });

    const text = await cli(['deployments']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${byHand}  deployment  (Creating|Active)$`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^  promoted +\\d{4}-\\d\\d-\\d\\d \\S+ by promote-${name}-`, 'm'));
  });
});

it('promote refuses a promotion that is not valid, with every problem (exit 2), before anything starts', async () => {
  const arn = 'arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/abcdefghijkl';
  const elsewhere = ['--role-arn', 'arn:aws:iam::123456789012:role/R', '--output', 's3://b/p/'];
  const bad = await cli([
    'promote',
    arn,
    '--deployment',
    'not a name',
    '--evaluation',
    'prompts.jsonl',
    '--metrics',
    'Builtin.Correctness,Builtin.Wit',
    '--gate',
    'Builtin.Correctness>0.7',
    '--smoke-prompts',
    'many',
    ...elsewhere,
  ]);
  expect(bad.code).toBe(2);
  expect(bad.stdout).toBe('');
  expect(bad.stderr).toContain('The promotion is not valid:');
  for (const problem of [
    /--gate "Builtin.Correctness>0.7": expected METRIC=min:0.7,maxDrop:0.02/,
    /--smoke-prompts "many": expected a whole number/,
    /promotion\.deployment \(--deployment\): must be 1-63 letters and digits/,
    /promotion\.evaluation\.dataset \(--evaluation\): must be an S3 URI/,
    /promotion\.evaluation\.metrics\.1 \(--metrics\): Invalid option: expected one of "Builtin.Correctness"/,
  ])
    expect(bad.stderr).toMatch(problem);

  // The rules across members, once each member is well formed.
  const across = await cli([
    'promote',
    arn,
    '--deployment',
    'bot',
    '--evaluation',
    promptsUri,
    '--metrics',
    'Correctness',
    '--gate',
    'Coherence=min:0.5',
    '--model-units',
    '2',
    ...elsewhere,
  ]);
  expect(across.code).toBe(2);
  expect(across.stderr).toMatch(
    /promotion\.modelUnits \(--model-units\): modelUnits applies to kind "provisioned" only/,
  );
  expect(across.stderr).toMatch(
    /promotion\.gate\.Builtin\.Coherence \(--gate Builtin\.Coherence\): gates a metric the evaluation does not compute/,
  );
  expect(await ctx.fineTune.list(`WorkflowType = 'promote' AND PromotionDeployment = 'bot'`)).toEqual([]);

  const notAnArn = await cli(['promote', 'my-model', '--deployment', 'x', '--evaluation', promptsUri]);
  expect(notAnArn.code).toBe(2);
  expect(notAnArn.stderr).toContain('"my-model" is not a custom model ARN');
});

describe('approval from the CLI', () => {
  /** A fineTune run whose promotion waits for approval. */
  async function awaitingApproval(prefix: string): Promise<string> {
    const workflowId = uniqueName(prefix);
    const request = await novaFineTune(ctx.aws.s3, workflowId, 20, {
      jobTags: [{ key: 'simulator:eval-score', value: '0.85' }],
    });
    const spec: PromotionSpec = {
      deployment: deploymentName(prefix),
      evaluation: { dataset: promptsUri, metrics: ['Builtin.Correctness'], requestsPerMinute: 6000 },
      gate: { 'Builtin.Correctness': { min: 0.7 } },
      approval: { required: true, timeout: '1h' },
      smokeTest: { prompts: 2 },
    };
    request.orchestration = { ...request.orchestration, promotion: spec };
    await ctx.fineTune.start(request, { workflowId, taskQueue });
    await waitFor(
      'the promotion to await approval',
      async () => {
        const run = await ctx.fineTune.promotions.of(workflowId).catch(() => undefined);
        return (await run?.progress())?.phase === 'awaiting-approval' ? true : undefined;
      },
      90_000,
    );
    return workflowId;
  }

  it('status shows the table and what the promotion waits for; approve sends who and why, and it promotes', async () => {
    const workflowId = await awaitingApproval('cli-approve');
    const status = await cli(['status', workflowId]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`promotion (${workflowId}-promote)`);
    expect(status.stdout).toMatch(/^ +phase +awaiting-approval$/m);
    expect(status.stdout).toMatch(
      new RegExp(`^ +approval +waiting until \\S+ \\S+: finetune approve\\|reject ${workflowId} --reason TEXT$`, 'm'),
    );
    expect(status.stdout).toMatch(/^ +Builtin\.Correctness +0\.8\d{3} +- +min 0\.7 +pass$/m);
    expect(status.stdout).toContain('▶ promote');
    const statusJson = json<{ phase: string; promotionProgress: PromotionProgress }>(
      await cli(['status', workflowId, '--json']),
    );
    expect(statusJson.phase).toBe('promoting');
    expect(statusJson.promotionProgress).toMatchObject({ phase: 'awaiting-approval' });

    const approved = await cli(['approve', workflowId, '--reason', 'scores look right', '--by', 'ana', '--json']);
    expect(approved.code).toBe(0);
    expect(json<{ workflowId: string; approval: ApprovalDecision }>(approved)).toEqual({
      workflowId: `${workflowId}-promote`,
      approval: { approved: true, reason: 'scores look right', by: 'ana', at: expect.any(String) as unknown },
    });
    const result = (await ctx.fineTune.run(workflowId).result()) as FineTuneTrainedResult;
    expect(result.promotion).toMatchObject({ outcome: 'promoted', approval: { by: 'ana' } });

    // The run's status now: its promotion's outcome and the table.
    const after = await cli(['status', workflowId]);
    expect(after.stdout).toContain('✓ promote  ✓ completed');
    expect(after.stdout).toContain(`Promotion ✓ promoted (deployment ${result.promotion!.deployment.name})`);
    expect(after.stdout).toMatch(/approval +approved by ana at .*: scores look right/);
    expect(after.stdout).toMatch(/^ +metric +new +current +threshold +verdict$/m);
    const afterJson = json<{ promotion: PromotionResult }>(await cli(['status', workflowId, '--json']));
    expect(afterJson.promotion).toMatchObject({ outcome: 'promoted', scores: [{ metric: 'Builtin.Correctness' }] });

    // An answer to a promotion that has ended is refused.
    const late = await cli(['approve', workflowId]);
    expect(late.code).toBe(2);
    expect(late.stderr).toContain(
      `Nothing to approve: the promotion ${workflowId}-promote has already ended (completed, promoted)`,
    );
  });

  it('reject needs a reason, ends the promotion rejected (user@host by default), production untouched', async () => {
    const workflowId = await awaitingApproval('cli-reject');
    const noReason = await cli(['reject', workflowId]);
    expect(noReason.code).toBe(2);
    const rejected = await cli(['reject', workflowId, '--reason', 'not this week']);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toMatch(/rejected by \S+@\S+ at .*: not this week/);
    const result = (await ctx.fineTune.run(workflowId).result()) as FineTuneTrainedResult;
    expect(result.promotion).toMatchObject({ outcome: 'rejected' });
    expect(result.promotion?.reasons?.[0]).toMatch(/^rejected by \S+@\S+: not this week$/);
    expect(await served(result.promotion!.deployment.name)).toBeUndefined();
  });

  it('an answer the promotion is not waiting for is refused with its reason (exit 2); a run without a promotion too', async () => {
    const model = await trainModel('cli-early', 0.85);
    // Slow answers hold the promotion in its evaluation, where approve is not taken.
    const started = json<{ workflowId: string }>(
      await cli([
        ...promoteArgs(model.arn, deploymentName('cli-early')),
        '--requests-per-minute',
        '20',
        '--approval-required',
        '--json',
      ]),
    );
    await waitFor('the evaluation', async () => {
      const run = await ctx.fineTune.promotions.of(started.workflowId);
      return (await run.progress()).phase === 'evaluating' ? true : undefined;
    });
    const early = await cli(['approve', started.workflowId, '--reason', 'too soon']);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain(
      `The promotion ${started.workflowId} refused to approve: the promotion is not awaiting approval (phase evaluating).`,
    );
    await ctx.client.workflow.getHandle(started.workflowId).cancel();

    const plain = await cli(['approve', model.workflowId]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain(`run ${model.workflowId} has no promotion (yet)`);
  });
});

it('the weekly loop: a schedule of a request with a promotion promotes what it trains, and an unchanged week skips, production untouched', async () => {
  const id = uniqueName('weekly-support-bot');
  const request = testRequest('fine-tuning-promotion', id);
  const deployment = request.orchestration!.promotion!.deployment;
  const create = await cli([
    'schedule',
    'create',
    id,
    requestFile(id, request),
    '--every',
    '7d',
    '--skip-if-unchanged',
  ]);
  expect(create.code).toBe(0);
  try {
    const trigger = async () => {
      // Scheduled times are per second: each trigger in a second of its own.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const triggered = await cli(['schedule', 'trigger', id, '--json']);
      expect(triggered.code).toBe(0);
      return json<{ workflowId: string }>(triggered).workflowId;
    };
    const first = await trigger();
    const trained = (await ctx.fineTune.run(first).result()) as FineTuneTrainedResult;
    expect(trained.promotion).toMatchObject({ outcome: 'promoted', deployment: { name: deployment } });
    expect(await served(deployment)).toBe(trained.customModelArn);

    const second = await trigger();
    const skipped = await ctx.fineTune.run(second).result();
    expect(skipped.status).toBe('Skipped');
    expect(skipped.promotion).toBeUndefined();
    expect(await served(deployment)).toBe(trained.customModelArn);
    await expect(ctx.client.workflow.getHandle(`${second}-promote`).describe()).rejects.toMatchObject({
      name: 'WorkflowNotFoundError',
    });
  } finally {
    await cli(['schedule', 'delete', id]);
  }
});
