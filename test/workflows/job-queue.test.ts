// The fair queue for the job quota (FINETUNE_JOB_QUEUE=on), on a simulator of its own whose quota is 2
// while the keeper first assumes 3: runs wait in the keeper's queue, not on timers; never more jobs in
// progress than the quota; one job per run and about one create per job; first come first served
// within a key and fair shares across keys; a cancel while queued leaves no job; a terminated holder's
// slot comes back; the keeper continues-as-new with its queue intact; a keeper lost while runs wait is
// started anew by their asking again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StopModelCustomizationJobCommand, type BedrockClient } from '@aws-sdk/client-bedrock';
import { jobSlotSettings, jobSlotsKeeperId } from '../../src/activities/job-slots';
import { jobSlotsQuery } from '../../src/core/job-slots-contract';
import { JobQueueAheadKey } from '../../src/core/search-attributes';
import type { FineTuneRequest } from '../../src/core/request';
import type { FineTuneRun } from '../../src/client';
import { novaFineTune, simulatorTags } from '../support/datasets';
import { recordHistory } from '../support/histories';
import { allJobs, jobsOfRun } from '../support/jobs';
import { ownSimulator, type OwnSimulator } from '../support/own-simulator';
import { testContext, uniqueName, type TestContext } from '../support/temporal';
import { failureOf, waitFor } from '../support/wait';

let ctx: TestContext;
let sim: OwnSimulator;
const scratch = mkdtempSync(join(tmpdir(), 'finetune-job-queue-'));
const taskQueue = uniqueName('job-queue');
const creates = { count: 0 };

/** Counts the worker's CreateModelCustomizationJob calls (each attempt, refused ones too). */
function countCreates(bedrock: BedrockClient): void {
  bedrock.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'CreateModelCustomizationJobCommand') creates.count += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countCreates' },
  );
}

beforeAll(async () => {
  ctx = await testContext(taskQueue);
  sim = await ownSimulator(scratch, { flags: ['--max-concurrent-jobs', '2'] });
  countCreates(sim.workerBedrock);
  await ctx.startWorker(taskQueue, {
    bedrock: sim.workerBedrock,
    jobSlots: jobSlotSettings({
      initialQuota: 3,
      listEveryMs: 1_000,
      continueAsNewAfterEvents: 120,
      askAgainAfterMs: 3_000,
    }),
  });
}, 60_000);
afterAll(async () => {
  await ctx?.close();
  await sim?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const keeperId = () => jobSlotsKeeperId('us-east-1', ctx.config.installation, taskQueue);
const keeper = () => ctx.client.workflow.getHandle(keeperId()).query(jobSlotsQuery);

async function request(prefix: string, key: string, jobScale: number): Promise<FineTuneRequest> {
  const r = await novaFineTune(ctx.aws.s3, prefix, 20, { jobTags: [simulatorTags.timeScale(jobScale)] });
  r.orchestration = { polling: { initialInterval: '300ms', maximumInterval: '1s' }, queue: { key } };
  return r;
}

/** Starts a run and waits until it has asked for its slot (holds one, or waits in the queue). */
async function startAsking(prefix: string, key: string, jobScale = 150): Promise<FineTuneRun> {
  const run = await ctx.fineTune.start(await request(prefix, key, jobScale), { workflowId: prefix, taskQueue });
  await waitFor(`${prefix} to ask for a slot`, async () => ((await run.progress()).queue ? true : undefined), 60_000);
  return run;
}

async function inProgress(): Promise<number> {
  return (await allJobs(sim.bedrock)).filter((j) => j.status === 'InProgress' || j.status === 'Stopping').length;
}

it('6 runs of two keys on a quota of 2: at most 2 jobs at once, one job each, fair and in order', async () => {
  let maxInProgress = 0;
  let watching = true;
  const watch = (async () => {
    while (watching) {
      maxInProgress = Math.max(maxInProgress, await inProgress());
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  const createsBefore = creates.count;
  const a: FineTuneRun[] = [];
  for (let i = 0; i < 4; i++) a.push(await startAsking(uniqueName(`qa${i}`), 'team-a'));
  // Queued visibly: phase, place, search attribute, details.
  const last = a[3];
  const p = await last.progress();
  expect(p.phase).toBe('waiting-for-quota');
  expect(p.queue).toMatchObject({ key: 'team-a', granted: false });
  expect(p.queue!.ahead).toBeGreaterThanOrEqual(0);
  await waitFor('the place in the search attribute', async () =>
    (await last.handle.describe()).typedSearchAttributes.get(JobQueueAheadKey) !== undefined ? true : undefined,
  );
  const b: FineTuneRun[] = [];
  for (let i = 0; i < 2; i++) b.push(await startAsking(uniqueName(`qb${i}`), 'team-b'));
  const results = await Promise.all([...a, ...b].map((r) => r.result()));
  watching = false;
  await watch;
  expect(results.map((r) => r.status)).toEqual(Array(6).fill('Completed'));
  expect(maxInProgress).toBeLessThanOrEqual(2);
  const jobs = await Promise.all([...a, ...b].map((r) => jobsOfRun(sim.bedrock, r.handle.workflowId)));
  expect(jobs.map((j) => j.length)).toEqual(Array(6).fill(1));
  // One create per job, plus the refusals that taught the keeper the quota was 2, not 3 (one, maybe two).
  const made = creates.count - createsBefore;
  process.stderr.write(`creates for 6 jobs: ${made}\n`);
  expect(made).toBeLessThanOrEqual(8);
  // First come first served within team-a; team-b's first run did not wait for all of team-a's.
  const created = (i: number, runs: FineTuneRun[]) => jobs[[...a, ...b].indexOf(runs[i])][0].creationTime!.getTime();
  for (let i = 1; i < 4; i++) expect(created(i, a)).toBeGreaterThanOrEqual(created(i - 1, a));
  expect(created(0, b)).toBeLessThan(created(3, a));
  await recordHistory(a[3].handle, 'fair-queue-completed');
  const view = await keeper();
  expect(view.quota).toBe(2);
  expect(view.holders).toEqual([]);
  expect(view.waiting).toEqual([]);
}, 240_000);

/** Two runs of long jobs hold both slots, and a third waits in the queue. */
async function slotsHeldAndOneQueued(prefix: string): Promise<{ holders: FineTuneRun[]; queued: FineTuneRun }> {
  const holders = [
    await startAsking(uniqueName(`${prefix}h1`), 'team-a', 10),
    await startAsking(uniqueName(`${prefix}h2`), 'team-a', 10),
  ];
  await waitFor('both holders granted', async () => ((await keeper()).holders.length === 2 ? true : undefined));
  const queued = await startAsking(uniqueName(`${prefix}q`), 'team-b');
  expect((await queued.progress()).phase).toBe('waiting-for-quota');
  return { holders, queued };
}

/** Stops the runs' jobs (which would hold Bedrock's slots a while yet after their runs ended), as the reconciler would. */
async function stopJobsOf(runs: FineTuneRun[]): Promise<void> {
  for (const run of runs) {
    for (const job of await jobsOfRun(sim.bedrock, run.handle.workflowId)) {
      await sim.bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: job.jobArn }));
    }
  }
}

async function endHolders(holders: FineTuneRun[]): Promise<void> {
  for (const run of holders) await run.handle.terminate('test: done');
  await stopJobsOf(holders);
}

it('a cancel while queued leaves the queue with no job; a terminated holder’s slot comes back', async () => {
  const {
    holders: [h1, h2],
    queued,
  } = await slotsHeldAndOneQueued('qc');
  await queued.cancel();
  const failure = await failureOf(queued.result());
  expect(failure.type).toBe('cancelled');
  await recordHistory(queued.handle, 'fair-queue-cancel-while-queued');
  expect(await jobsOfRun(sim.bedrock, queued.handle.workflowId)).toHaveLength(0);
  // At once, by the run's own release (the keeper would also drop it, but only when it next signals it).
  await waitFor(
    'the cancelled run out of the queue',
    async () => ((await keeper()).waiting.some((w) => w.holder === queued.handle.workflowId) ? undefined : true),
    3_000,
  );
  // A holder terminated without giving its slot back: the keeper sees it closed and frees its slot.
  await h1.handle.terminate('test: a holder that dies');
  await waitFor(
    'the terminated holder’s slot given back',
    async () => ((await keeper()).holders.some((h) => h.holder === h1.handle.workflowId) ? undefined : true),
    20_000,
  );
  await h2.handle.terminate('test: done');
  await stopJobsOf([h1, h2]);
}, 180_000);

it('the keeper continues-as-new with its queue intact', async () => {
  // Earlier tests ran well past 120 events: the keeper has continued-as-new at least once.
  const described = await ctx.client.workflow.getHandle(keeperId()).describe();
  expect(described.status.name).toBe('RUNNING');
  const executions = [];
  for await (const e of ctx.client.workflow.list({ query: `WorkflowId = '${keeperId()}'` })) executions.push(e);
  expect(executions.length).toBeGreaterThanOrEqual(2);
  // The keeper's first run, closed by its continue-as-new: a whole history of the keeper's code to replay.
  const first = executions
    .filter((e) => e.status.name === 'CONTINUED_AS_NEW')
    .sort((x, y) => +x.startTime - +y.startTime)[0];
  expect(first).toBeDefined();
  await recordHistory(ctx.client.workflow.getHandle(keeperId(), first.runId), 'fair-queue-keeper');
  // A run queued after it still gets its slot from the continued keeper.
  const run = await startAsking(uniqueName('qafter'), 'team-c');
  expect((await run.result()).status).toBe('Completed');
}, 120_000);

it('a keeper lost while a run waits: the run asks again, a new keeper grants it, one job', async () => {
  const { holders, queued } = await slotsHeldAndOneQueued('qk');
  // The keeper gone with its queue (an operator's terminate; a namespace whose state was lost): nobody
  // would ever grant the waiting run, but its own asking again (every 3 s here) starts a new keeper.
  const lost = await ctx.client.workflow.getHandle(keeperId()).describe();
  await ctx.client.workflow.getHandle(keeperId()).terminate('test: the keeper lost');
  await endHolders(holders);
  const result = await queued.result();
  expect(result.status).toBe('Completed');
  expect(await jobsOfRun(sim.bedrock, queued.handle.workflowId)).toHaveLength(1);
  const renewed = await ctx.client.workflow.getHandle(keeperId()).describe();
  expect(renewed.runId).not.toBe(lost.runId);
  await recordHistory(queued.handle, 'fair-queue-ask-again');
  expect((await keeper()).holders).toEqual([]);
}, 180_000);
