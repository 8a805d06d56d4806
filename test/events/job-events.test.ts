// Bedrock's job state changes reaching the runs, end to end with real parts: the simulator publishes each
// job's events to a queue of this file's own on the stack's SQS server (GoAws), the worker's consumer
// reads them and pokes the runs. Each test has its own queue and simulator (the event faults are flags
// of a simulator process), so no other file's events or consumers mix in.
import { ListModelCustomizationJobsCommand } from '@aws-sdk/client-bedrock';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFigures } from '../../bench/run-history';
import { createSqsClient } from '../../src/aws/clients';
import { lineageScope } from '../../src/config';
import { JobEventsConsumer } from '../../src/events/job-events-consumer';
import { LINEAGE_TAG_INSTALLATION, LINEAGE_TAG_NAMESPACE, LINEAGE_TAG_WORKFLOW_ID } from '../../src/core/lineage';
import type { FineTuneRequest } from '../../src/core/request';
import type { ManagedChild } from '../../src/stack/child-process';
import { EVENTS_QUEUE_NAME } from '../../src/stack/events-queue';
import { startWorkerProcess } from '../../src/stack/local-stack';
import { recorded } from '../support/aws-operations';
import { createJobDirectly, novaFineTune, simulatorTags } from '../support/datasets';
import { ownSimulator, type OwnSimulator } from '../support/own-simulator';
import { testContext, uniqueName, type TestContext } from '../support/temporal';
import { failureOf, waitFor } from '../support/wait';

/** Simulated seconds of the 20-record, 2-epoch job novaFineTune asks for (src/simulator/lifecycle.ts). */
const JOB_SIMULATED_S = 300 + 60 + 0.24 * 20 + 300 + 1.35 * 20 * 2;
/** The job tag that makes it last `seconds` of real time. */
const lasting = (seconds: number) => simulatorTags.timeScale(Number((JOB_SIMULATED_S / seconds).toFixed(3)));
const HOURLY = { initialInterval: '1h', maximumInterval: '1h' };
const FAST = { initialInterval: '200ms', maximumInterval: '1s' };

let ctx: TestContext;
let scratch: string;
let sqs: SQSClient;
const queues: string[] = [];
const simulators: OwnSimulator[] = [];
const quiet = { info: () => undefined, warn: () => undefined };

beforeAll(async () => {
  ctx = await testContext(uniqueName('events'));
  scratch = mkdtempSync(join(tmpdir(), 'finetune-events-'));
  sqs = createSqsClient(process.env.FINETUNE_TEST_EVENTS_QUEUE_URL!, ctx.config.aws.region);
});

afterAll(async () => {
  for (const s of simulators) await s.stop();
  for (const QueueUrl of queues) await sqs.send(new DeleteQueueCommand({ QueueUrl })).catch(() => undefined);
  sqs?.destroy();
  await ctx?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** A queue of this test's own on the stack's SQS server. */
async function ownQueue(visibilityTimeoutS = 30): Promise<string> {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: uniqueName(`${EVENTS_QUEUE_NAME}-test`),
      Attributes: { VisibilityTimeout: String(visibilityTimeoutS) },
    }),
  );
  queues.push(QueueUrl!);
  return QueueUrl!;
}

/** A simulator publishing to `queueUrl`, with more flags (event faults). */
async function publishingSimulator(queueUrl: string, flags: string[] = []): Promise<OwnSimulator> {
  const sim = await ownSimulator(scratch, { flags: ['--events-queue-url', queueUrl, ...flags] });
  simulators.push(sim);
  return sim;
}

/** A consumer of `queueUrl` as the worker runs it, its AWS calls recorded for the least-privilege test. */
function consumerOf(
  queueUrl: string,
  sim: OwnSimulator,
  options: { temporal?: Client; waitSeconds?: number } = {},
): JobEventsConsumer {
  return new JobEventsConsumer({
    queueUrl,
    sqs: recorded(createSqsClient(queueUrl, ctx.config.aws.region)),
    bedrock: recorded(sim.workerBedrock),
    temporal: options.temporal ?? ctx.client,
    scope: lineageScope(ctx.config),
    log: quiet,
    waitSeconds: options.waitSeconds ?? 1,
  });
}

async function request(prefix: string, extra: Partial<FineTuneRequest>, polling = HOURLY): Promise<FineTuneRequest> {
  const r = await novaFineTune(ctx.aws.s3, prefix, 20, extra);
  return { ...r, orchestration: { ...r.orchestration, polling } };
}

/** The run's result, or a failure once `seconds` have passed: far sooner than its hourly poll could come. */
async function resultWithin<T>(run: { result(): Promise<T> }, seconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the run had not ended ${seconds} s on`)), seconds * 1000);
  });
  try {
    return await Promise.race([run.result(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** From the job's end in Bedrock to the run recording it, from the run's history (bench:orchestrate's figure). */
async function detectionLagMs(handle: WorkflowHandle): Promise<number> {
  return runFigures(handle.workflowId, await handle.fetchHistory()).detectionLagMs!;
}

async function signalsOf(handle: WorkflowHandle): Promise<number> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'poke').length;
}

async function receive(queueUrl: string, waitSeconds = 5): Promise<Message | undefined> {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      WaitTimeSeconds: waitSeconds,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  );
  return Messages?.[0];
}

async function messagesLeft(queueUrl: string): Promise<number> {
  const { Attributes: a } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(a?.ApproximateNumberOfMessages ?? 0) + Number(a?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

test('a run polling once an hour notices its job end within seconds, through the worker process consuming the events', async () => {
  const queueUrl = await ownQueue();
  const sim = await publishingSimulator(queueUrl);
  const taskQueue = uniqueName('events-process');
  let worker: ManagedChild | undefined;
  try {
    // `finetune worker` as deployed: FINETUNE_EVENTS_QUEUE_URL set, its consumer beside the Temporal worker.
    worker = await startWorkerProcess({
      name: 'events worker',
      env: {
        TASK_QUEUE: taskQueue,
        AWS_ENDPOINT_URL_BEDROCK: sim.endpoint,
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: sim.endpoint,
        FINETUNE_EVENTS_QUEUE_URL: queueUrl,
      },
      logFile: join(scratch, `${taskQueue}.log`),
    });
    const prefix = uniqueName('events-hourly');
    const hourly = await ctx.fineTune.start(await request(prefix, { jobTags: [lasting(6)] }), {
      workflowId: prefix,
      taskQueue,
    });
    // No polling in the request: the events' safety-net defaults, first look after 5 min.
    const unset = await request(`${prefix}-defaults`, { jobTags: [lasting(6)] });
    delete unset.orchestration!.polling;
    const defaults = await ctx.fineTune.start(unset, { workflowId: `${prefix}-defaults`, taskQueue });
    await waitFor('the run to be training', async () => ((await defaults.progress()).jobArn ? true : undefined));
    expect((await defaults.progress()).polling).toEqual({
      initialInterval: '300s',
      maximumInterval: '3600s',
      backoffCoefficient: 2,
      jitter: 0.1,
    });
    // Well before any poll: the hourly run's first look is an hour away, the other's 5 minutes.
    expect((await resultWithin(hourly, 30)).status).toBe('Completed');
    expect((await resultWithin(defaults, 30)).status).toBe('Completed');
    for (const run of [hourly, defaults]) expect(await detectionLagMs(run.handle)).toBeLessThan(5_000);
    expect(readFileSync(join(scratch, `${taskQueue}.log`), 'utf8')).toContain('job events: run poked');
  } finally {
    await worker?.stop();
  }
}, 120_000);

test("an event that comes while the run's create is still answering is not lost: the run looks at once", async () => {
  const queueUrl = await ownQueue();
  const sim = await publishingSimulator(queueUrl);
  const taskQueue = uniqueName('events-early');
  await ctx.startWorker(taskQueue, { bedrock: sim.workerBedrock, jobEvents: true });
  const consumer = consumerOf(queueUrl, sim);
  consumer.start();
  try {
    const prefix = uniqueName('events-early');
    // The job is committed, then its answer held 4 s; it ends after 1 s: both its events are out (and
    // the run poked) before the run knows the job's ARN. It polls once an hour.
    const hold = { key: 'simulator:reply-delay-ms', value: '4000' };
    const run = await ctx.fineTune.start(await request(prefix, { jobTags: [lasting(1), hold] }), {
      workflowId: prefix,
      taskQueue,
    });
    expect((await resultWithin(run, 30)).status).toBe('Completed');
    // The pokes came before the create's answer: the events were early, not lost.
    const { events } = await run.handle.fetchHistory();
    const at = (pick: (e: NonNullable<typeof events>[number]) => unknown) => (events ?? []).findIndex(pick);
    const firstPoke = at((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'poke');
    const createScheduled = (events ?? []).find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createJob',
    )?.eventId;
    const createDone = at(
      (e) => e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === createScheduled?.toString(),
    );
    expect(firstPoke).toBeGreaterThan(-1);
    expect(firstPoke).toBeLessThan(createDone);
  } finally {
    await consumer.stop();
  }
}, 120_000);

test('with every event dropped, a run still ends, by polling', async () => {
  const queueUrl = await ownQueue();
  const sim = await publishingSimulator(queueUrl, ['--events-drop-rate', '1']);
  const taskQueue = uniqueName('events-dropped');
  await ctx.startWorker(taskQueue, { bedrock: sim.workerBedrock, jobEvents: true });
  const consumer = consumerOf(queueUrl, sim);
  consumer.start();
  try {
    const prefix = uniqueName('events-dropped');
    const run = await ctx.fineTune.start(await request(prefix, { jobTags: [lasting(2)] }, FAST), {
      workflowId: prefix,
      taskQueue,
    });
    // Its own polling (every second at most) stands with events on: the safety net finds the end.
    expect((await resultWithin(run, 30)).status).toBe('Completed');
    expect(Object.values(consumer.counts).reduce((a, b) => a + b, 0)).toBe(0);
    expect(readFileSync(sim.child.logFile, 'utf8')).toMatch(/event Completed dropped \(--events-drop-rate\)/);
  } finally {
    await consumer.stop();
  }
}, 120_000);

test('duplicated, late and out-of-order events change no outcome', async () => {
  const queueUrl = await ownQueue();
  // Every event twice, each copy held 0-4 s: late, reordered, and many arriving after their run closed.
  const sim = await publishingSimulator(queueUrl, ['--events-duplicate-rate', '1', '--events-max-delay-seconds', '4']);
  const taskQueue = uniqueName('events-disorder');
  await ctx.startWorker(taskQueue, { bedrock: sim.workerBedrock, jobEvents: true });
  const consumer = consumerOf(queueUrl, sim);
  consumer.start();
  try {
    const prefix = uniqueName('events-disorder');
    const start = async (name: string, extra: Partial<FineTuneRequest>) =>
      ctx.fineTune.start(await request(`${prefix}-${name}`, extra), { workflowId: `${prefix}-${name}`, taskQueue });
    const completes = await start('completes', { jobTags: [lasting(3)] });
    const fails = await start('fails', { jobTags: [lasting(3), simulatorTags.outcome('fail-training')] });
    const stopped = await start('stopped', { jobTags: [lasting(60)] });
    await waitFor('the job to be created', async () => ((await stopped.progress()).jobArn ? true : undefined));
    await stopped.stop('events test');

    expect((await completes.result()).status).toBe('Completed');
    expect((await failureOf(fails.result())).type).toBe('BedrockJobFailed');
    expect((await failureOf(stopped.result())).type).toBe('BedrockJobStopped');
    const { modelCustomizationJobSummaries: jobs } = await sim.bedrock.send(
      new ListModelCustomizationJobsCommand({ nameContains: prefix.slice(0, 40) }),
    );
    expect((jobs ?? []).map((j) => j.status).sort()).toEqual(['Completed', 'Failed', 'Stopped']);
    // The copies that came after their run had ended were dropped as such.
    await waitFor(
      'every copy to be handled',
      async () => ((await messagesLeft(queueUrl)) === 0 ? true : undefined),
      30_000,
    );
    expect(consumer.counts['run-closed']).toBeGreaterThan(0);
    expect(consumer.counts.retry).toBe(0);
    // The faults did happen: copies sent twice, some held (so a later status may arrive first).
    const simLog = readFileSync(sim.child.logFile, 'utf8');
    expect(simLog).toMatch(/event \w+ sent \(copy 2 of 2\)/);
    expect(simLog).toMatch(/event \w+ sent \(copy \d of 2\), held [1-4] s/);
  } finally {
    await consumer.stop();
  }
}, 120_000);

describe('one message at a time', () => {
  let queueUrl: string;
  let sim: OwnSimulator;
  let run: WorkflowHandle;

  beforeAll(async () => {
    // A short visibility timeout: a message not deleted is back within 2 s.
    queueUrl = await ownQueue(2);
    sim = await publishingSimulator(queueUrl);
    const taskQueue = uniqueName('events-one');
    await ctx.startWorker(taskQueue, { bedrock: sim.workerBedrock, jobEvents: true });
    const prefix = uniqueName('events-one');
    run = (
      await ctx.fineTune.start(await request(prefix, { jobTags: [lasting(600)] }), { workflowId: prefix, taskQueue })
    ).handle;
  });

  afterAll(async () => {
    await run?.terminate('events test done').catch(() => undefined);
  });

  test('an InProgress event wakes no one; a message is deleted only after the run accepted the poke', async () => {
    const created = await waitFor('the job InProgress event', () => receive(queueUrl));
    const body = JSON.parse(created.Body!) as { detail: { jobStatus: string } };
    expect(body).toMatchObject({ detail: { jobStatus: 'InProgress' } });
    const before = await signalsOf(run);
    // The run's create answered InProgress already: deleted, no poke.
    expect(await consumerOf(queueUrl, sim).handle(created)).toBe('no-news');
    expect(await signalsOf(run)).toBe(before);
    expect(await messagesLeft(queueUrl)).toBe(0);

    // A change the run would want to hear of (someone else stopping its job, as the event would say).
    body.detail.jobStatus = 'Stopping';
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body) }));
    const first = await waitFor('the Stopping event', () => receive(queueUrl));

    // The server refuses the signal (the namespace does not exist): the message must stay.
    const connection = await Connection.connect(ctx.config.temporal.connectionOptions);
    const elsewhere = new Client({ connection, namespace: uniqueName('no-such-namespace') });
    try {
      expect(await consumerOf(queueUrl, sim, { temporal: elsewhere }).handle(first)).toBe('retry');
    } finally {
      await connection.close();
    }
    // Received anew (GoAws reports ApproximateReceiveCount 1 every time: a new receipt handle tells).
    const again = await waitFor('the message to come back', () => receive(queueUrl));
    expect({ id: again.MessageId, newReceipt: again.ReceiptHandle !== first.ReceiptHandle }).toEqual({
      id: first.MessageId,
      newReceipt: true,
    });
    expect(await signalsOf(run)).toBe(before);

    expect(await consumerOf(queueUrl, sim).handle(again)).toBe('poked');
    expect(await signalsOf(run)).toBe(before + 1);
    expect(await receive(queueUrl, 3)).toBeUndefined();
    expect(await messagesLeft(queueUrl)).toBe(0);
  });

  test("another installation's or namespace's job, a job with no lineage, and a message that is no event: deleted, no run poked", async () => {
    const before = await signalsOf(run);
    const base = await request(uniqueName('events-foreign'), {});
    const lineage = (installation: string, namespace: string) => [
      { key: LINEAGE_TAG_WORKFLOW_ID, value: run.workflowId },
      { key: LINEAGE_TAG_NAMESPACE, value: namespace },
      { key: LINEAGE_TAG_INSTALLATION, value: installation },
    ];
    const { installation, namespace } = lineageScope(ctx.config);
    const jobs: [string, { key: string; value: string }[]][] = [
      ['other-installation', lineage('someone-else', namespace)],
      ['other-namespace', lineage(installation, 'staging')],
      ['no-lineage', []],
    ];
    for (const [name, jobTags] of jobs) {
      await createJobDirectly(sim.bedrock, base, {
        jobName: uniqueName(`events-${name}`),
        customModelName: uniqueName(`events-${name}`),
        jobTags: [...jobTags, lasting(600)],
      });
    }
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"source":"aws.s3"}' }));

    const consumer = consumerOf(queueUrl, sim);
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const message = await waitFor('the next message', () => receive(queueUrl));
      outcomes.push(await consumer.handle(message));
    }
    expect(outcomes.sort()).toEqual(['not-a-job-event', 'not-ours', 'other-scope', 'other-scope']);
    expect(await messagesLeft(queueUrl)).toBe(0);
    expect(await signalsOf(run)).toBe(before);
  });
});
