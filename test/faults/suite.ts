// The fault suite: one stack of its own, a warm-up run to learn how long the steps take here, then N
// runs one after the other, each with one seeded fault, each checked against the simulator (after one
// reconcile pass, for a run that cannot clean up); a last sweep over every job the simulator holds.
// Returns the table's rows; main.ts prints them.
import {
  BedrockClient,
  CreateCustomModelDeploymentCommand,
  GetCustomModelDeploymentCommand,
} from '@aws-sdk/client-bedrock';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createS3Client } from '../../src/aws/clients';
import { LOCAL_S3_CREDENTIALS } from '../../src/aws/local-credentials';
import {
  FINE_TUNE_WORKFLOW_TYPE,
  FineTuneClient,
  FineTuneRun,
  reconcileNow,
  type PromotionSpec,
} from '../../src/client';
import { parseRequest, type FineTuneRequest } from '../../src/core/request';
import {
  createJobDirectly,
  datasets,
  FAST_POLLING,
  put,
  ROLE_ARN,
  OUTPUT_BUCKET,
  DATA_BUCKET,
} from '../support/datasets';
import { belowRate, pointHits, type PointHits } from './hits';
import { createScheduled, deliver, type Delivery, type RunContext } from './inject';
import { SimulatorJobs } from './jobs';
import { describePlan, drawPlan, promoting, reconciled, waitsForSlot, type FaultKind, type FaultPlan } from './plan';
import { promotionSeen, type PromotionTarget } from './promotion-state';
import { seededRandom } from './random';
import { simulatorCalls } from './simulator-log';
import { FaultStack } from './stack';
import { endingOf, finalSweep, judge, type Outcome, type PassSeen, type Verdict } from './verdict';

/** A run that has not closed after this long is stuck (a killed worker's activity takes up to 3 minutes). */
const RUN_BUDGET_MS = 12 * 60_000;
/** simulator:time-scale of the warm-up job; the job lengths of the runs are scaled from it. */
const WARM_UP_SCALE = 90;
/**
 * How long the last sweep waits for a Stopping job of a closed run to reach Stopped (simulated 120 s:
 * 1-2 s, or 8-15 s for the longer jobs of the runs a reconcile pass cleans up after).
 */
const STOPPED_WITHIN_MS = 60_000;
/** events-disordered: each copy of a job event is held 0 to this many seconds in the queue. */
const EVENT_HOLD_MAX_S = 4;
/** How long after a run closed its one reconcile pass starts. */
const PASS_SETTLE_MS = 1_000;
/** A reconcile pass lists, looks up and ends a few resources: seconds. */
const PASS_BUDGET_MS = 3 * 60_000;
/** The evaluation prompts of every promotion: 8, so a judge job lasts about 3 s at the stack's time scale. */
const EVALUATION_PROMPTS = Array.from({ length: 8 }, (_, i) =>
  JSON.stringify({ prompt: `How do I reset my password? (${i})`, referenceResponse: 'Use the reset link.' }),
).join('\n');

export interface SuiteOptions {
  runs: number;
  seed: string;
  /** Every run draws this fault (its point and numbers are still drawn). */
  only?: FaultKind;
  /** Only this run of the seed (1-based), to replay it alone. */
  run?: number;
  /** Keep the stack's folder (logs, SQLite, simulator state) even when every run is right. */
  keep?: boolean;
  log: (line: string) => void;
}

export interface RunRecord {
  run: number;
  plan: FaultPlan;
  delivery: Delivery;
  ending: string;
  jobs: number;
  /** The run's job's status when the run was judged. */
  jobStatus?: string;
  /** What the reconcile pass after the run did with its job (runs that cannot clean up). */
  pass?: PassSeen;
  verdict: Verdict;
  seconds: number;
}

export interface SuiteResult {
  seed: string;
  records: RunRecord[];
  right: number;
  /** Per (fault, point) drawn: how many of its faults landed where aimed. */
  hits: PointHits[];
  /** Every run right, and every point drawn hit in at least 80 % of its draws. */
  passed: boolean;
  seconds: number;
  /** The stack's folder, when kept. */
  dir?: string;
}

interface Timings {
  /** From the run's start to its create activity being scheduled. */
  toCreateMs: number;
  /** The warm-up job's length, at WARM_UP_SCALE. */
  jobMs: number;
}

interface SuiteContext {
  stack: FaultStack;
  client: Client;
  fineTune: FineTuneClient;
  bedrock: BedrockClient;
  jobs: SimulatorJobs;
  trainingUri: string;
  /** The evaluation prompts every promotion scores with. */
  promptsUri: string;
  seed: string;
  timings?: Timings;
  /** The second warm-up's custom model: what an existing production deployment serves before a run. */
  warmUpModelArn?: string;
}

const eventMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

/** A deployment name of the run (1-63 letters, digits and single dashes), unique per seed and run. */
function deploymentName(seed: string, index: number): string {
  const cleaned = seed
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .slice(0, 24)
    .replace(/^-+|-+$/g, '');
  return `faults-${cleaned || 'seed'}-${index}-prod`;
}

/**
 * The promotion of a run: judged on 8 prompts at 6,000 requests a minute (the default of 4 would take
 * minutes); a gate the model passes (its scores centre on 0.9), none for a smoke-fail run, whose model
 * fails through Converse so that only the smoke test stops it.
 */
function promotionFor(ctx: SuiteContext, deployment: string, plan: FaultPlan): PromotionSpec {
  return {
    deployment,
    evaluation: { dataset: ctx.promptsUri, metrics: ['Builtin.Correctness'], requestsPerMinute: 6000 },
    ...(plan.kind === 'smoke-fail' ? {} : { gate: { 'Builtin.Correctness': { min: 0.6 } } }),
    smokeTest: { prompts: 3 },
  };
}

function requestFor(
  ctx: SuiteContext,
  name: string,
  plan?: FaultPlan,
  deadlineMs?: number,
  deployment?: string,
): FineTuneRequest {
  const tags = [{ key: 'simulator:time-scale', value: String(plan?.jobTimeScale ?? WARM_UP_SCALE) }];
  // The simulator's --reply-delay-ms holds every answer of a deployment-create or -update run instead.
  if (plan?.replyDelayMs && !deployment)
    tags.push({ key: 'simulator:reply-delay-ms', value: String(plan.replyDelayMs) });
  if (plan?.lostReplies) tags.push({ key: 'simulator:lost-replies', value: String(plan.lostReplies) });
  if (deployment) tags.push({ key: 'simulator:eval-score', value: '0.9' });
  if (plan?.kind === 'smoke-fail') tags.push({ key: 'simulator:outcome', value: 'fail-smoke' });
  return {
    customModelName: `${name}-model`,
    roleArn: ROLE_ARN,
    baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
    customizationType: 'FINE_TUNING',
    trainingDataConfig: { s3Uri: ctx.trainingUri },
    outputDataConfig: { s3Uri: `s3://${OUTPUT_BUCKET}/faults/${name}/` },
    hyperParameters: { epochCount: '2', learningRate: '0.00001' },
    jobTags: tags,
    orchestration: {
      ...pollingFor(plan),
      ...(deadlineMs !== undefined ? { deadline: `${Math.max(1, Math.round(deadlineMs))}ms` } : {}),
      ...(plan && deployment ? { promotion: promotionFor(ctx, deployment, plan) } : {}),
    },
  };
}

/**
 * How the run polls: fast (0.5-1 s), except under lossy events. Every event lost: every 2-4 s, so the end
 * is found by polling alone, a little later than by fast polling. Events disordered: unset, the events'
 * defaults (first look after 5 minutes): the run ends by its job's (late, duplicated) events.
 */
function pollingFor(plan: FaultPlan | undefined): Pick<NonNullable<FineTuneRequest['orchestration']>, 'polling'> {
  if (plan?.point === 'events-disordered') return {};
  if (plan?.point === 'end-event-lost') return { polling: { initialInterval: '2s', maximumInterval: '4s' } };
  return { polling: { ...FAST_POLLING } };
}

/**
 * A caller's workflowRunTimeout that expires while the job trains: the create is scheduled `toCreateMs`
 * after the start and answers at once (no reply held), so training is under way a second later.
 */
function runTimeoutMsFor(plan: FaultPlan, t: Timings): number {
  return t.toCreateMs + 1_000 + plan.delayMs;
}

/** The deadline that lands the planned point, from the warm-up's timings. */
function deadlineMsFor(plan: FaultPlan, t: Timings): number {
  const f = plan.deadlineFraction ?? 0.5;
  const jobMs = (t.jobMs * WARM_UP_SCALE) / plan.jobTimeScale;
  switch (plan.point) {
    case 'before-create':
      // The early part of the window: how long preflight and preparation take varies from run to run.
      return (f / 2) * t.toCreateMs;
    case 'create-in-flight':
      return t.toCreateMs + f * (plan.replyDelayMs ?? 0);
    default:
      return t.toCreateMs + (plan.replyDelayMs ?? 0) + f * jobMs;
  }
}

/**
 * The run's outcome, asking again through server restarts; terminated and 'stuck' past the budget;
 * 'lost' when the server answers (five times over, not during a restart) that it has no such run.
 */
async function outcomeOf(run: FineTuneRun, budgetMs: number): Promise<Outcome> {
  const until = Date.now() + budgetMs;
  let notFound = 0;
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) {
      await run.handle.terminate('fault suite: the run did not close within its budget').catch(() => undefined);
      return 'stuck';
    }
    const timer = new AbortController();
    try {
      const ended = await Promise.race([
        run.outcome(),
        sleep(left, 'budget' as const, { signal: timer.signal }).catch(() => 'budget' as const),
      ]);
      if (ended !== 'budget') return ended;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError && ++notFound >= 5) return 'lost';
      await sleep(1_000); // the server is restarting: ask again
    } finally {
      timer.abort();
    }
  }
}

/** Whether the run scheduled its create; undefined when its history is gone with the server's state. */
async function createStarted(run: FineTuneRun, lost: boolean): Promise<boolean | undefined> {
  if (lost) return undefined;
  return createScheduled(run);
}

/**
 * One reconcile pass on the stack's task queue (the suite's workers run the reconcile workflow too),
 * and what it did with the run's job. Bounded: a pass that does not finish makes the run wrong.
 */
async function reconcilePass(ctx: SuiteContext, workflowId: string): Promise<PassSeen> {
  // An activity a worker had begun before the run closed (a create, its answer not yet back) finishes
  // what it does within this; a job it makes later is the next pass's (the schedule's, every 15 minutes).
  await sleep(PASS_SETTLE_MS);
  const startedAt = Date.now();
  const timer = new AbortController();
  try {
    const pass = await Promise.race([
      reconcileNow(ctx.client, { taskQueue: ctx.stack.endpoints.taskQueue }),
      sleep(PASS_BUDGET_MS, undefined, { signal: timer.signal }).then(() => {
        throw new Error(`no answer within ${PASS_BUDGET_MS / 60_000} minutes`);
      }),
    ]);
    const items = pass.report.items.filter(
      (i) => i.resource.kind === 'customization-job' && i.resource.lineage.workflowId === workflowId,
    );
    const item = items
      .map((i) => `${i.decision.verdict}${i.ended ? ` ${i.ended.outcome}` : ''}: ${i.decision.why}`)
      .join('; ');
    return { startedAt, finishedAt: Date.now(), ...(item ? { item } : {}) };
  } catch (err) {
    return { startedAt, finishedAt: Date.now(), error: (err as Error).message };
  } finally {
    timer.abort();
  }
}

/**
 * Production as it is before a run that updates it: a deployment made by hand (no lineage, so no run
 * and no reconcile pass owns it) serving the second warm-up's model, Active.
 */
async function existingProduction(ctx: SuiteContext, name: string): Promise<{ arn: string; modelArn: string }> {
  const modelArn = ctx.warmUpModelArn!;
  const { customModelDeploymentArn } = await ctx.bedrock.send(
    new CreateCustomModelDeploymentCommand({ modelDeploymentName: name, modelArn }),
  );
  for (let i = 0; i < 600; i++) {
    const d = await ctx.bedrock.send(new GetCustomModelDeploymentCommand({ customModelDeploymentIdentifier: name }));
    if (d.status === 'Active') return { arn: customModelDeploymentArn!, modelArn };
    if (d.status === 'Failed')
      throw new Error(`the deployment ${name} the run is to update failed: ${d.failureMessage}`);
    await sleep(200);
  }
  throw new Error(`the deployment ${name} the run is to update was not Active within 2 minutes`);
}

/** The simulator's flags for the run: throttling, answers held (a deployment change) or lost, lossy events. */
function simulatorFlagsFor(plan: FaultPlan): string[] | undefined {
  if (plan.kind === 'throttling') return ['--throttle-rate', '0.3', '--error-rate', '0.05'];
  if (plan.point === 'end-event-lost') return ['--events-drop-rate', '1'];
  if (plan.point === 'events-disordered')
    return ['--events-duplicate-rate', '1', '--events-max-delay-seconds', String(EVENT_HOLD_MAX_S)];
  if (plan.point === 'deployment-create' || plan.point === 'deployment-update')
    return ['--reply-delay-ms', String(plan.replyDelayMs)];
  if (plan.lostReplyRate !== undefined) return ['--lost-reply-rate', String(plan.lostReplyRate)];
  return undefined;
}

/**
 * A run with no fault: proves the stack works and measures the steps the deadlines are aimed with. The
 * suite makes two and keeps the second's numbers: the first pays for cold workers.
 */
async function warmUp(ctx: SuiteContext, attempt: number): Promise<Timings> {
  const name = `faults-${ctx.seed}-warm-up-${attempt}`;
  const run = await ctx.fineTune.start(requestFor(ctx, name), { workflowId: name });
  const outcome = await outcomeOf(run, RUN_BUDGET_MS);
  if (outcome === 'stuck' || outcome === 'lost' || !outcome.ok)
    throw new Error(`the warm-up run did not complete (${endingOf(outcome)}): the stack does not work`);
  const events = (await run.handle.fetchHistory()).events ?? [];
  const started = eventMs(events[0]?.eventTime);
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createJob');
  const [job] = await ctx.jobs.of(name);
  ctx.warmUpModelArn = job.outputModelArn;
  return {
    toCreateMs: eventMs(scheduled?.eventTime) - started,
    jobMs: job.endTime!.getTime() - job.creationTime!.getTime(),
  };
}

/**
 * A concurrent-job quota of one, held by a job of no run for about 4 s (8 s for `queued`, so that the
 * run's wait outlasts the fault's delay): the run's first create is refused (or, once the keeper has
 * learned the quota of one, its ask), it waits for the slot in the queue, and its create goes through only
 * when the slot frees and the keeper sees it in its listing.
 */
async function fillTheQuota(ctx: SuiteContext, name: string, plan: FaultPlan): Promise<void> {
  const idle = async () =>
    (await ctx.jobs.all()).every(({ job }) => job.status !== 'InProgress' && job.status !== 'Stopping');
  for (let i = 0; i < 100 && !(await idle()); i++) await sleep(100);
  await ctx.stack.restartSimulator(0, ['--max-concurrent-jobs', '1']);
  const blocker = requestFor(ctx, `${name}-blocker`);
  await createJobDirectly(ctx.bedrock, blocker, {
    jobName: `${name}-blocker`,
    jobTags: [{ key: 'simulator:time-scale', value: plan.point === 'queued' ? '90' : '180' }],
  });
}

async function executeRun(ctx: SuiteContext, index: number, plan: FaultPlan): Promise<RunRecord> {
  const began = Date.now();
  const name = `faults-${ctx.seed}-${index}`;
  await ctx.stack.settle();
  let promotion: PromotionTarget | undefined;
  if (promoting(plan)) {
    promotion = { deployment: deploymentName(ctx.seed, index), childId: `${name}-promote` };
    if (plan.production === 'existing') {
      const before = await existingProduction(ctx, promotion.deployment);
      promotion = { ...promotion, previousArn: before.arn, previousModelArn: before.modelArn };
    }
  }
  const flags = simulatorFlagsFor(plan);
  if (flags) await ctx.stack.restartSimulator(0, flags);
  if (waitsForSlot(plan)) await fillTheQuota(ctx, name, plan);
  const deadlineMs = plan.kind === 'deadline' ? deadlineMsFor(plan, ctx.timings!) : undefined;
  const request = requestFor(ctx, name, plan, deadlineMs, promotion?.deployment);
  if (waitsForSlot(plan))
    request.orchestration = { ...request.orchestration, quotaWait: { initialInterval: '1s', maximumInterval: '1s' } };
  const simulatorLog = ctx.stack.simulatorLogMark();
  const startedAt = Date.now();
  const run =
    plan.kind === 'run-timeout'
      ? // A caller that starts fineTune itself, with a workflowRunTimeout shorter than the job.
        new FineTuneRun(
          await ctx.client.workflow.start(FINE_TUNE_WORKFLOW_TYPE, {
            args: [parseRequest(request)],
            workflowId: name,
            taskQueue: ctx.stack.endpoints.taskQueue,
            workflowRunTimeout: Math.round(runTimeoutMsFor(plan, ctx.timings!)),
          }),
        )
      : await ctx.fineTune.start(request, { workflowId: name });
  const runCtx: RunContext = {
    run,
    stack: ctx.stack,
    bedrock: ctx.bedrock,
    customModelName: request.customModelName,
    startedAt,
    simulatorLog,
    ...(promotion ? { promotion } : {}),
  };
  const delivering = deliver(runCtx, plan, deadlineMs !== undefined ? startedAt + deadlineMs : undefined).catch(
    (err: unknown): Delivery => ({
      point: 'not delivered',
      landed: false,
      note: `the fault could not be delivered: ${String(err)}`,
    }),
  );
  const outcome = await outcomeOf(run, RUN_BUDGET_MS);
  const delivery = await delivering;
  if (flags || waitsForSlot(plan)) await ctx.stack.restartSimulator(0, []);
  // The run cannot clean up after itself: one reconcile pass, then the judgement.
  const pass = reconciled(plan) ? await reconcilePass(ctx, name) : undefined;
  const jobs = await ctx.jobs.of(name);
  const seen = promotion
    ? await promotionSeen(ctx.bedrock, promotion, simulatorCalls(ctx.stack.simulatorLogSince(simulatorLog)).created)
    : undefined;
  const verdict = judge({
    plan,
    delivery,
    outcome,
    createStarted: await createStarted(run, outcome === 'lost'),
    jobs,
    ...(seen ? { promotion: seen } : {}),
    ...(pass ? { pass } : {}),
  });
  return {
    run: index,
    plan,
    delivery,
    ending: endingOf(outcome),
    jobs: jobs.length,
    ...(jobs.length === 1 ? { jobStatus: jobs[0].status } : {}),
    ...(pass ? { pass } : {}),
    verdict,
    seconds: (Date.now() - began) / 1000,
  };
}

const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));

export function tableHeader(): string {
  return `${pad('run', 4)} ${pad('fault', 25)} ${pad('aimed at', 18)} ${pad('landed', 6)} ${pad('where', 52)} ${pad('outcome', 11)} ${pad('jobs', 4)} ${pad('verdict', 7)} time`;
}

export function tableRow(r: RunRecord): string {
  return `${pad(String(r.run), 4)} ${pad(describePlan(r.plan), 25)} ${pad(r.plan.point, 18)} ${pad(r.delivery.landed ? 'yes' : 'MISS', 6)} ${pad(r.delivery.point, 52)} ${pad(r.ending, 11)} ${pad(String(r.jobs), 4)} ${pad(r.verdict.right ? 'right' : 'WRONG', 7)} ${r.seconds.toFixed(0)} s`;
}

export async function runFaultSuite(options: SuiteOptions): Promise<SuiteResult> {
  const began = Date.now();
  const log = options.log;
  const dir = mkdtempSync(join(tmpdir(), 'finetune-faults-'));
  log(
    `fault suite: seed ${options.seed}, ${options.run ? `run ${options.run}` : `${options.runs} runs`}; stack in ${dir}`,
  );
  const stack = await FaultStack.start(dir);
  const connection = await Connection.connect({ address: stack.endpoints.temporalAddress });
  const client = new Client({ connection, namespace: stack.endpoints.namespace });
  // Patient: the simulator may be throttling, or restarting.
  const bedrock = new BedrockClient({
    region: stack.endpoints.region,
    endpoint: stack.endpoints.bedrockEndpoint,
    credentials: LOCAL_S3_CREDENTIALS,
    maxAttempts: 10,
  });
  const records: RunRecord[] = [];
  let kept = false;
  try {
    const s3 = createS3Client(
      { region: stack.endpoints.region, s3Endpoint: stack.endpoints.s3Endpoint },
      LOCAL_S3_CREDENTIALS,
    );
    const trainingUri = await put(s3, DATA_BUCKET, 'faults/train.jsonl', datasets.conversation(20));
    const promptsUri = await put(s3, DATA_BUCKET, 'faults/prompts.jsonl', EVALUATION_PROMPTS);
    s3.destroy();
    const ctx: SuiteContext = {
      stack,
      client,
      promptsUri,
      fineTune: new FineTuneClient(client, stack.endpoints.taskQueue),
      bedrock,
      jobs: new SimulatorJobs(bedrock),
      trainingUri,
      seed: options.seed,
    };
    await warmUp(ctx, 1);
    ctx.timings = await warmUp(ctx, 2);
    log(
      `warm-up runs completed: create scheduled ${(ctx.timings.toCreateMs / 1000).toFixed(1)} s after start, job ${(ctx.timings.jobMs / 1000).toFixed(1)} s at ${WARM_UP_SCALE}x`,
    );
    log(tableHeader());
    const indices = options.run ? [options.run] : Array.from({ length: options.runs }, (_, i) => i + 1);
    for (const index of indices) {
      const plan = drawPlan(seededRandom(`${options.seed}:${index}`), options.only);
      const record = await executeRun(ctx, index, plan);
      records.push(record);
      log(tableRow(record));
      const detail = [
        record.delivery.note,
        record.pass
          ? `reconcile pass: ${record.pass.error ?? record.pass.item ?? 'no job of the run listed'}`
          : undefined,
        record.verdict.right ? undefined : record.verdict.why,
      ].filter(Boolean);
      if (detail.length > 0) log(`     ${detail.join('; ')}`);
    }
    // The last look: no job of a closed run InProgress, every Stopping one Stopped.
    const runOf = new Map(records.map((r) => [`faults-${options.seed}-${r.run}`, r]));
    const swept = await finalSweep(
      async () => (await ctx.jobs.all()).filter(({ owner }) => runOf.has(owner)),
      new Map([...runOf].map(([owner, r]) => [owner, r.jobStatus])),
      STOPPED_WITHIN_MS,
      log,
    );
    for (const [owner, why] of swept) {
      const record = runOf.get(owner)!;
      if (record.verdict.right) record.verdict = { right: false, why };
    }
    const right = records.filter((r) => r.verdict.right).length;
    const hits = pointHits(records);
    const passed = right === records.length && !hits.some(belowRate);
    kept = options.keep === true || !passed;
    return {
      seed: options.seed,
      records,
      right,
      hits,
      passed,
      seconds: (Date.now() - began) / 1000,
      ...(kept ? { dir } : {}),
    };
  } catch (err) {
    kept = true;
    throw err;
  } finally {
    bedrock.destroy();
    await connection.close();
    await stack.stop();
    if (!kept) rmSync(dir, { recursive: true, force: true });
    else log(`kept the stack's folder (logs, SQLite, simulator state): ${dir}`);
  }
}
