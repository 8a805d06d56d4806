// Worker Versioning on the real dev server: a run started by one build of the worker finishes on the
// next one, made current while the run's job trained, after the first build stopped. The procedure is
// the one docs/OPERATIONS.md gives operators ("Rolling out a new worker build").
import { ListModelCustomizationJobsCommand } from '@aws-sdk/client-bedrock';
import { decodeVersioningBehavior, type WorkerDeploymentVersion } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import type { FineTuneRun } from '../../src/client';
import { VERSIONING_BEHAVIOR } from '../../src/worker';
import { novaFineTune, simulatorTags } from '../support/datasets';
import { testContext, uniqueName, type TestContext } from '../support/temporal';
import { waitFor } from '../support/wait';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await testContext(uniqueName('versioning'));
});
afterAll(() => ctx?.close());

/**
 * A job of about 24 s at this time scale (20 records, 2 epochs: ~720 simulated s): time enough to swap
 * builds, which took under 3 s here.
 */
const SLOW_JOB_TIME_SCALE = 30;

function versioned(version: WorkerDeploymentVersion) {
  return { deployment: version };
}

/** The worker polls before the server knows its version: set it current as soon as the server accepts. */
async function makeCurrent(version: WorkerDeploymentVersion): Promise<void> {
  await waitFor(
    `build ${version.buildId} to be accepted as current`,
    async () => {
      await ctx.client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace: ctx.config.temporal.namespace,
        deploymentName: version.deploymentName,
        buildId: version.buildId,
        identity: 'worker-versioning test',
      });
      return true;
    },
    30_000,
    250,
  );
}

/** Wait until the server has seen a poller of `version` (as `temporal worker deployment describe` lists it). */
async function deployed(version: WorkerDeploymentVersion): Promise<void> {
  await waitFor(`build ${version.buildId} to be listed in its deployment`, async () => {
    const { workerDeploymentInfo } = await ctx.client.workflowService.describeWorkerDeployment({
      namespace: ctx.config.temporal.namespace,
      deploymentName: version.deploymentName,
    });
    const known = workerDeploymentInfo?.versionSummaries?.some((v) => v.deploymentVersion?.buildId === version.buildId);
    return known ? true : undefined;
  });
}

interface CompletedTask {
  eventId: number;
  /** `unversioned` for a worker without a deployment version. */
  buildId: string;
  behavior: string;
}

/** Who completed each of the run's workflow tasks: the build and the versioning behaviour it reported. */
async function completedTasks(run: FineTuneRun): Promise<CompletedTask[]> {
  const { events } = await run.handle.fetchHistory();
  return (events ?? []).flatMap((e) => {
    const done = e.workflowTaskCompletedEventAttributes;
    if (!done) return [];
    return [
      {
        eventId: Number(e.eventId),
        buildId: done.deploymentVersion?.buildId || 'unversioned',
        behavior: decodeVersioningBehavior(done.versioningBehavior) ?? 'unspecified',
      },
    ];
  });
}

async function jobsNamed(jobName: string) {
  const page = await ctx.aws.bedrock.send(
    new ListModelCustomizationJobsCommand({ nameContains: jobName, maxResults: 100 }),
  );
  return (page.modelCustomizationJobSummaries ?? []).filter((j) => j.jobName === jobName);
}

/** A run whose job trains for about 24 s, started on `taskQueue` and waited for until it trains. */
async function trainingRun(taskQueue: string, label: string): Promise<{ run: FineTuneRun; jobName: string }> {
  const prefix = uniqueName(label);
  const jobName = `${prefix}-job`;
  const request = await novaFineTune(ctx.aws.s3, prefix, 20, {
    jobName,
    jobTags: [simulatorTags.timeScale(SLOW_JOB_TIME_SCALE)],
  });
  const run = await ctx.fineTune.start(request, { workflowId: prefix, taskQueue });
  await waitFor('the run to reach phase training', async () =>
    (await run.progress()).phase === 'training' ? true : undefined,
  );
  return { run, jobName };
}

/** The run's result, or a failure that says the run stopped moving (no worker takes its tasks). */
async function resultWithin(run: FineTuneRun, ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the run did not finish within ${ms / 1000} s: no running worker takes its tasks`)),
      ms,
    );
  });
  try {
    return await Promise.race([run.result(), stalled]);
  } finally {
    clearTimeout(timer);
  }
}

it('finishes a run on the build made current while its job trained, after the old build stopped', async () => {
  const taskQueue = uniqueName('versioned');
  const deploymentName = uniqueName('finetune');
  const buildA: WorkerDeploymentVersion = { deploymentName, buildId: 'build-a' };
  const buildB: WorkerDeploymentVersion = { deploymentName, buildId: 'build-b' };

  const workerA: Worker = await ctx.startWorker(taskQueue, undefined, undefined, versioned(buildA));
  await makeCurrent(buildA);
  const { run, jobName } = await trainingRun(taskQueue, 'versioned');

  // Deployed beside A, not yet current: B takes none of the run's tasks. A poke makes one now.
  await ctx.startWorker(taskQueue, undefined, undefined, versioned(buildB));
  await deployed(buildB);
  const beforePoke = (await completedTasks(run)).length;
  await run.poke();
  const afterPoke = await waitFor('a workflow task for the poke', async () => {
    const tasks = await completedTasks(run);
    return tasks.length > beforePoke ? tasks : undefined;
  });
  expect(afterPoke.map((t) => t.buildId)).toEqual(afterPoke.map(() => 'build-a'));

  await makeCurrent(buildB);
  await ctx.stopWorker(workerA);
  const result = await resultWithin(run, 60_000);

  expect(result.status).toBe('Completed');
  expect(result.customModelArn).toBeDefined();
  expect(await jobsNamed(jobName)).toHaveLength(1);
  const tasks = await completedTasks(run);
  const builds = tasks.map((t) => t.buildId);
  // A from the start until the switch, then B only: the run moved once and never back.
  const firstOnB = builds.indexOf('build-b');
  expect(firstOnB).toBeGreaterThan(afterPoke.length - 1);
  expect(builds.slice(0, firstOnB).every((b) => b === 'build-a')).toBe(true);
  expect(builds.slice(firstOnB).every((b) => b === 'build-b')).toBe(true);
  expect(tasks.every((t) => t.behavior === VERSIONING_BEHAVIOR)).toBe(true);
});

it('moves a run started on an unversioned worker to the first versioned build made current', async () => {
  const taskQueue = uniqueName('unversioned');
  const build: WorkerDeploymentVersion = { deploymentName: uniqueName('finetune'), buildId: 'build-1' };

  const unversioned = await ctx.startWorker(taskQueue);
  const { run, jobName } = await trainingRun(taskQueue, 'unversioned');
  await ctx.startWorker(taskQueue, undefined, undefined, versioned(build));
  await makeCurrent(build);
  await ctx.stopWorker(unversioned);
  const result = await resultWithin(run, 60_000);

  expect(result.status).toBe('Completed');
  expect(await jobsNamed(jobName)).toHaveLength(1);
  const builds = (await completedTasks(run)).map((t) => t.buildId);
  const firstOnBuild = builds.indexOf('build-1');
  expect(firstOnBuild).toBeGreaterThan(0);
  expect(builds.slice(0, firstOnBuild).every((b) => b === 'unversioned')).toBe(true);
  expect(builds.slice(firstOnBuild).every((b) => b === 'build-1')).toBe(true);
});
