// The reconciler on the real stack: a simulator of its own (so a pass sees only this file's jobs), a
// worker on its own task queue running the fineTune and reconcile workflows, runs ended the ways a
// workflow cannot clean up after (terminate, a caller's run timeout, no run at all), and jobs that are
// not this installation's, which must never be touched.
import {
  BedrockClient,
  CreateCustomModelDeploymentCommand,
  GetCustomModelDeploymentCommand,
  GetModelCustomizationJobCommand,
  ListTagsForResourceCommand,
  StopModelCustomizationJobCommand,
} from '@aws-sdk/client-bedrock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reconcileNow, type ReconcileReport } from '../../src/client';
import { lineageScope } from '../../src/config';
import { isTerminalJobStatus } from '../../src/core/bedrock-patterns';
import { FINE_TUNE_WORKFLOW_TYPE } from '../../src/core/fine-tune-contract';
import {
  LINEAGE_TAG_INSTALLATION,
  LINEAGE_TAG_NAMESPACE,
  LINEAGE_TAG_ROLE,
  LINEAGE_TAG_WORKFLOW_ID,
} from '../../src/core/lineage';
import { ReconcileEndedKey, ReconcileNeedsAttentionKey } from '../../src/core/search-attributes';
import { json, runCli } from '../cli/helpers';
import { STOPPABLE_JOB_TIME_SCALE } from '../support/constants';
import { createJobDirectly, novaFineTune, simulatorTags } from '../support/datasets';
import { currentDetails } from '../support/details';
import { ownSimulator, type OwnSimulator } from '../support/own-simulator';
import { testContext, uniqueName, type TestContext } from '../support/temporal';
import { failureOf, waitFor } from '../support/wait';

let ctx: TestContext;
let sim: OwnSimulator;
let bedrock: BedrockClient;
const taskQueue = uniqueName('reconcile');
const scratch = mkdtempSync(join(tmpdir(), 'finetune-reconcile-'));

beforeAll(async () => {
  ctx = await testContext(taskQueue);
  sim = await ownSimulator(scratch);
  bedrock = sim.bedrock;
  await ctx.startWorker(taskQueue, { bedrock: sim.workerBedrock });
});
afterAll(async () => {
  await ctx?.close();
  await sim?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const statusOf = async (jobArn: string) =>
  (await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }))).status;

const itemOf = (report: ReconcileReport, jobArn: string) => report.items.find((i) => i.resource.arn === jobArn);

/**
 * A job still running when the test acts: at time scale 1 it lasts hours (and a stop takes its own
 * simulated time to settle), at 20 minutes.
 */
async function longRun(prefix: string, timeScale = 1) {
  const request = await novaFineTune(ctx.aws.s3, prefix, 20, { jobTags: [simulatorTags.timeScale(timeScale)] });
  return { request };
}

async function stopByHand(jobArn: string): Promise<void> {
  if (!isTerminalJobStatus(await statusOf(jobArn)) && (await statusOf(jobArn)) !== 'Stopping')
    await bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: jobArn }));
}

it('a run terminated mid-job: its job carries the lineage, a dry run reports it, a pass stops it and says so', async () => {
  const prefix = uniqueName('terminated');
  const { request } = await longRun(prefix);
  const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
  const jobArn = await waitFor('the job', async () => (await run.progress()).jobArn);
  const { tags } = await bedrock.send(new ListTagsForResourceCommand({ resourceARN: jobArn }));
  const scope = lineageScope(ctx.config);
  expect(tags).toEqual(
    expect.arrayContaining([
      { key: LINEAGE_TAG_WORKFLOW_ID, value: prefix },
      { key: LINEAGE_TAG_NAMESPACE, value: scope.namespace },
      { key: LINEAGE_TAG_INSTALLATION, value: scope.installation },
      { key: LINEAGE_TAG_ROLE, value: 'training-job' },
    ]),
  );
  await run.handle.terminate('a person terminated it');

  const dry = await reconcileNow(ctx.client, { taskQueue, dryRun: true });
  expect(itemOf(dry.report, jobArn)).toMatchObject({
    run: { state: 'closed', status: 'TERMINATED' },
    decision: { verdict: 'end', action: 'stop' },
    ended: { outcome: 'dry-run' },
  });
  expect(await statusOf(jobArn)).toBe('InProgress');

  const pass = await reconcileNow(ctx.client, { taskQueue });
  expect(itemOf(pass.report, jobArn)).toMatchObject({ ended: { outcome: 'ended' } });
  expect(pass.report.ended).toBeGreaterThanOrEqual(1);
  expect(['Stopping', 'Stopped']).toContain(await statusOf(jobArn));
  // Recorded where operators look: the pass's search attributes and its details in the UI.
  const described = await ctx.client.workflow.getHandle(pass.workflowId).describe();
  expect(described.typedSearchAttributes.get(ReconcileEndedKey)).toBe(pass.report.ended);
  expect(described.typedSearchAttributes.get(ReconcileNeedsAttentionKey)).toBe(pass.report.needAttention);
  const details = await currentDetails(ctx.client, pass.workflowId);
  expect(details).toContain(prefix);
  expect(details).toMatch(/stop: ended, stop requested/);

  // The next pass finds nothing more to do for it.
  const again = await reconcileNow(ctx.client, { taskQueue });
  expect(itemOf(again.report, jobArn)?.ended?.outcome ?? 'not listed').not.toBe('ended');
});

it("a caller's workflowRunTimeout shorter than the job: the timed-out run's job is stopped by the next pass", async () => {
  const prefix = uniqueName('run-timeout');
  const { request } = await longRun(prefix);
  const handle = await ctx.client.workflow.start(FINE_TUNE_WORKFLOW_TYPE, {
    args: [request],
    workflowId: prefix,
    taskQueue,
    workflowRunTimeout: '15s',
  });
  await expect(handle.result()).rejects.toThrow();
  expect((await handle.describe()).status.name).toBe('TIMED_OUT');
  const jobArn = (await handle.query<{ jobArn?: string }>('progress').catch(() => undefined))?.jobArn;
  const pass = await reconcileNow(ctx.client, { taskQueue });
  const item = pass.report.items.find((i) => i.resource.lineage.workflowId === prefix);
  expect(item).toMatchObject({ run: { state: 'closed', status: 'TIMED_OUT' }, ended: { outcome: 'ended' } });
  expect(['Stopping', 'Stopped']).toContain(await statusOf(jobArn ?? item!.resource.arn));
});

it('leaves alone the job of a run that is open', async () => {
  const prefix = uniqueName('open');
  // Its own clean-up waits for Stopped when the test cancels it: a scale at which that takes seconds.
  const { request } = await longRun(prefix, STOPPABLE_JOB_TIME_SCALE);
  const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
  const jobArn = await waitFor('the job', async () => (await run.progress()).jobArn);
  const pass = await reconcileNow(ctx.client, { taskQueue });
  expect(itemOf(pass.report, jobArn)).toMatchObject({
    run: { state: 'open' },
    decision: { verdict: 'leave', why: expect.stringMatching(/run is open/) },
  });
  expect(itemOf(pass.report, jobArn)?.ended).toBeUndefined();
  expect(await statusOf(jobArn)).toBe('InProgress');
  await run.cancel();
  expect((await failureOf(run.result())).type).toBe('cancelled');
});

describe('what is not provably this installation’s is never touched', () => {
  const made: string[] = [];
  afterAll(async () => {
    for (const arn of made) await stopByHand(arn);
  });

  async function jobTagged(label: string, tags: { key: string; value: string }[]): Promise<string> {
    const prefix = uniqueName(label);
    const request = await novaFineTune(ctx.aws.s3, prefix, 20);
    const { jobArn } = await createJobDirectly(bedrock, request, {
      jobName: prefix,
      customModelName: `${prefix}-model`,
      jobTags: [simulatorTags.timeScale(1), ...tags],
    });
    made.push(jobArn!);
    return jobArn!;
  }

  it('ends a job of this namespace and installation whose run was never in the namespace; leaves the others', async () => {
    const scope = lineageScope(ctx.config);
    const lineage = (workflowId: string, namespace: string, installation: string) => [
      { key: LINEAGE_TAG_WORKFLOW_ID, value: workflowId },
      { key: LINEAGE_TAG_NAMESPACE, value: namespace },
      { key: LINEAGE_TAG_INSTALLATION, value: installation },
      { key: LINEAGE_TAG_ROLE, value: 'training-job' },
    ];
    const orphan = await jobTagged('orphan', lineage(uniqueName('lost-run'), scope.namespace, scope.installation));
    const otherNamespace = await jobTagged(
      'staging',
      lineage(uniqueName('lost-run'), 'ml-staging', scope.installation),
    );
    const otherInstallation = await jobTagged('elsewhere', lineage(uniqueName('lost-run'), scope.namespace, 'prod'));
    const noLineage = await jobTagged('no-lineage', [{ key: 'team', value: 'search' }]);
    const legacy = await jobTagged('legacy', [{ key: LINEAGE_TAG_WORKFLOW_ID, value: uniqueName('lost-run') }]);

    const pass = await reconcileNow(ctx.client, { taskQueue });
    expect(itemOf(pass.report, orphan)).toMatchObject({ run: { state: 'unknown' }, ended: { outcome: 'ended' } });
    expect(['Stopping', 'Stopped']).toContain(await statusOf(orphan));
    for (const arn of [otherNamespace, otherInstallation]) {
      expect(itemOf(pass.report, arn)).toMatchObject({ decision: { verdict: 'leave' } });
    }
    expect(itemOf(pass.report, noLineage)).toBeUndefined();
    expect(itemOf(pass.report, legacy)).toMatchObject({
      decision: {
        verdict: 'report',
        command: expect.stringContaining(`stop-model-customization-job --job-identifier ${legacy}`),
      },
    });
    expect(pass.report.needAttention).toBeGreaterThanOrEqual(1);
    for (const arn of [otherNamespace, otherInstallation, noLineage, legacy])
      expect(await statusOf(arn)).toBe('InProgress');
  });

  it("deletes a staging deployment a lost promotion left; never production, even a closed run's", async () => {
    const scope = lineageScope(ctx.config);
    const trained = await waitFor('a custom model', async () => {
      const prefix = uniqueName('model');
      const request = await novaFineTune(ctx.aws.s3, prefix, 20);
      const { jobArn } = await createJobDirectly(bedrock, request, {
        jobName: prefix,
        customModelName: `${prefix}-model`,
      });
      return waitFor('its model', async () => {
        const job = await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }));
        return job.status === 'Completed' ? job.outputModelArn : undefined;
      });
    });
    const deploy = async (name: string, role: string) => {
      const { customModelDeploymentArn } = await bedrock.send(
        new CreateCustomModelDeploymentCommand({
          modelDeploymentName: name,
          modelArn: trained,
          tags: [
            { key: LINEAGE_TAG_WORKFLOW_ID, value: uniqueName('lost-promotion') },
            { key: LINEAGE_TAG_NAMESPACE, value: scope.namespace },
            { key: LINEAGE_TAG_INSTALLATION, value: scope.installation },
            { key: LINEAGE_TAG_ROLE, value: role },
          ],
        }),
      );
      await waitFor(`${name} Active`, async () =>
        (await bedrock.send(new GetCustomModelDeploymentCommand({ customModelDeploymentIdentifier: name }))).status ===
        'Active'
          ? true
          : undefined,
      );
      return customModelDeploymentArn!;
    };
    const staging = await deploy(uniqueName('bot-stg').replace(/[^a-zA-Z0-9]+/g, '-'), 'staging-deployment');
    const production = await deploy(uniqueName('bot').replace(/[^a-zA-Z0-9]+/g, '-'), 'production');
    const pass = await reconcileNow(ctx.client, { taskQueue });
    expect(itemOf(pass.report, staging)).toMatchObject({
      resource: { kind: 'custom-model-deployment' },
      run: { state: 'unknown' },
      decision: { verdict: 'end', action: 'delete' },
      ended: { outcome: 'ended' },
    });
    await expect(
      bedrock.send(new GetCustomModelDeploymentCommand({ customModelDeploymentIdentifier: staging })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(itemOf(pass.report, production)).toMatchObject({ decision: { verdict: 'leave' } });
    expect(
      (await bedrock.send(new GetCustomModelDeploymentCommand({ customModelDeploymentIdentifier: production }))).status,
    ).toBe('Active');
  });

  it("`finetune reconcile --json` stops a terminated run's job, prints the pass and exits 1 while something needs a person", async () => {
    const prefix = uniqueName('cli-terminated');
    const run = await ctx.fineTune.start((await longRun(prefix)).request, { workflowId: prefix, taskQueue });
    const jobArn = await waitFor('the job', async () => (await run.progress()).jobArn);
    await run.handle.terminate('terminated before the CLI pass');
    const result = await runCli(['reconcile', '--json'], { taskQueue });
    expect(result.stderr).toBe('');
    const out = json<{ workflowId: string; report: ReconcileReport }>(result);
    expect(itemOf(out.report, jobArn)).toMatchObject({ ended: { outcome: 'ended' } });
    expect(['Stopping', 'Stopped']).toContain(await statusOf(jobArn));
    expect(out.report.needAttention).toBeGreaterThanOrEqual(1);
    expect(result.code).toBe(1);
    const text = await runCli(['reconcile', '--dry-run'], { taskQueue });
    expect(text.stdout).toMatch(/dry run: nothing was ended/);
    expect(text.stdout).toMatch(/NEEDS A PERSON customization-job/);
  });
});
