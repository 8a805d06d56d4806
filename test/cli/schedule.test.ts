// `finetune schedule ...`: scheduled retraining through Temporal Schedules, from create to delete, and
// a triggered run carried through to its custom model; runs that skip unchanged data.
import {
  OverlapPolicyRefusedError,
  type FineTuneScheduleDescription,
  type FineTuneScheduleSummary,
  type ScheduleOverlap,
} from '../../src/client';
import { ListModelCustomizationJobsCommand } from '@aws-sdk/client-bedrock';
import {
  BedrockJobArnKey,
  CustomModelNameKey,
  DatasetFingerprintKey,
  FineTunePhaseKey,
} from '../../src/core/search-attributes';
import { DATA_BUCKET, datasets, put } from '../support/datasets';
import { currentDetails } from '../support/details';
import { recordHistory } from '../support/histories';
import { uniqueName, type TestContext } from '../support/temporal';
import { waitFor } from '../support/wait';
import { contextWithExample, json, requestFile, runCli, testRequest } from './helpers';

const taskQueue = uniqueName('cli-schedule');
let ctx: TestContext;
const created: string[] = [];

beforeAll(async () => {
  ctx = await contextWithExample(taskQueue, 'fine-tuning-conversation');
});
afterAll(async () => {
  for (const id of created) await ctx.fineTune.schedules.delete(id).catch(() => undefined);
  await ctx?.close();
});

function scheduleRequestFile(id: string): string {
  return requestFile(id, testRequest('fine-tuning-conversation', id));
}

it('creates, describes, lists, triggers, pauses, unpauses and deletes a schedule', async () => {
  const id = uniqueName('sched');
  created.push(id);
  const create = await runCli(
    [
      'schedule',
      'create',
      id,
      scheduleRequestFile(id),
      '--every',
      '30d',
      '--overlap',
      'BUFFER_ONE',
      '--catchup-window',
      '1h',
      '--pause-on-failure',
      '--json',
    ],
    { taskQueue },
  );
  expect(create.code).toBe(0);
  expect(json<FineTuneScheduleDescription>(create)).toMatchObject({
    scheduleId: id,
    spec: 'every 30d',
    paused: false,
    overlap: 'BUFFER_ONE',
    catchupWindowMs: 3_600_000,
    pauseOnFailure: true,
    taskQueue,
    workflowType: 'fineTune',
    customModelName: `${id}-model`,
    actionsTaken: 0,
  });

  const described = await runCli(['schedule', 'describe', id], { taskQueue });
  expect(described.code).toBe(0);
  expect(described.stdout).toContain(`${id}  active`);
  expect(described.stdout).toMatch(/spec +every 30d/);
  expect(described.stdout).toMatch(/overlap +BUFFER_ONE/);
  expect(described.stdout).toMatch(/catch-up window +1h 00m/);
  expect(described.stdout).toMatch(/starts +fineTune on task queue /);

  const listed = json<{ schedules: FineTuneScheduleSummary[] }>(
    await runCli(['schedule', 'list', '--json'], { taskQueue }),
  );
  expect(listed.schedules).toEqual(
    expect.arrayContaining([expect.objectContaining({ scheduleId: id, spec: 'every 30d', paused: false })]),
  );

  const trigger = await runCli(['schedule', 'trigger', id, '--json'], { taskQueue });
  expect(trigger.code).toBe(0);
  const { workflowId } = json<{ workflowId: string }>(trigger);
  expect(workflowId.startsWith(`${id}-`)).toBe(true);
  expect((await ctx.fineTune.run(workflowId).result()).status).toBe('Completed');

  const paused = await runCli(['schedule', 'pause', id, '--note', 'dataset under review'], { taskQueue });
  expect(paused).toMatchObject({ code: 0, stdout: `Schedule ${id} paused.\n` });
  expect(
    json<FineTuneScheduleDescription>(await runCli(['schedule', 'describe', id, '--json'], { taskQueue })),
  ).toMatchObject({
    paused: true,
    note: 'dataset under review',
    actionsTaken: 1,
    recentRuns: [expect.objectContaining({ workflowId })],
  });
  expect((await runCli(['schedule', 'unpause', id], { taskQueue })).code).toBe(0);
  expect((await ctx.fineTune.schedules.describe(id)).paused).toBe(false);

  const deleted = await runCli(['schedule', 'delete', id], { taskQueue });
  expect(deleted).toMatchObject({ code: 0, stdout: `Schedule ${id} deleted.\n` });
  const gone = await runCli(['schedule', 'describe', id], { taskQueue });
  expect(gone.code).toBe(2);
  expect(gone.stderr).toContain(`No schedule with ID ${id} in namespace default`);
});

it('runs two triggered runs of one schedule side by side, each with its own job and model name', async () => {
  const id = uniqueName('sched-twice');
  created.push(id);
  expect(
    (await runCli(['schedule', 'create', id, scheduleRequestFile(id), '--every', '30d'], { taskQueue })).code,
  ).toBe(0);
  const first = json<{ workflowId: string }>(
    await runCli(['schedule', 'trigger', id, '--json'], { taskQueue }),
  ).workflowId;
  // Scheduled times have one-second resolution: the second trigger must land in another second.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const second = json<{ workflowId: string }>(
    await runCli(['schedule', 'trigger', id, '--json'], { taskQueue }),
  ).workflowId;
  expect(second).not.toBe(first);
  const [a, b] = await Promise.all([ctx.fineTune.run(first).result(), ctx.fineTune.run(second).result()]);
  expect([a.status, b.status]).toEqual(['Completed', 'Completed']);
  expect(a.jobName).not.toBe(b.jobName);
  expect(a.customModelArn).not.toBe(b.customModelArn);
  // Each run's model name carries its scheduled time (UTC yyyyMMdd-HHmmss).
  for (const workflowId of [first, second]) {
    const modelName = (await ctx.fineTune.run(workflowId).handle.describe()).typedSearchAttributes.get(
      CustomModelNameKey,
    );
    expect(modelName).toMatch(new RegExp(`^${id}-model-\\d{8}-\\d{6}$`));
  }
});

it('creates on a cron expression and shows the next run times', async () => {
  const id = uniqueName('sched-cron');
  created.push(id);
  const result = await runCli(
    ['schedule', 'create', id, scheduleRequestFile(id), '--cron', '0 3 * * MON', '--paused', '--json'],
    { taskQueue },
  );
  expect(result.code).toBe(0);
  const schedule = json<FineTuneScheduleDescription & { nextActionTimes: string[] }>(result);
  expect(schedule).toMatchObject({ spec: 'cron 0 3 * * MON', paused: true });
  // Paused schedules still report when they would run: Mondays at 03:00 UTC.
  for (const at of schedule.nextActionTimes.map((t) => new Date(t)))
    expect([at.getUTCDay(), at.getUTCHours(), at.getUTCMinutes()]).toEqual([1, 3, 0]);
});

it('refuses a duplicate ID, a fixed jobName, a missing spec and a bad cron expression (exit 2)', async () => {
  const id = uniqueName('sched-bad');
  created.push(id);
  const file = scheduleRequestFile(id);
  expect((await runCli(['schedule', 'create', id, file, '--every', '1d', '--paused'], { taskQueue })).code).toBe(0);

  const duplicate = await runCli(['schedule', 'create', id, file, '--every', '1d'], { taskQueue });
  expect(duplicate.code).toBe(2);
  expect(duplicate.stderr).toContain(`A schedule with ID ${id} already exists`);

  const fixedName = requestFile(`${id}-named`, {
    ...testRequest('fine-tuning-conversation', id),
    jobName: 'always-the-same',
  });
  const named = await runCli(['schedule', 'create', `${id}-named`, fixedName, '--every', '1d'], { taskQueue });
  expect(named.code).toBe(2);
  expect(named.stderr).toContain('jobName: leave it out of a scheduled request');

  const noSpec = await runCli(['schedule', 'create', `${id}-nospec`, file], { taskQueue });
  expect(noSpec.code).toBe(2);
  expect(noSpec.stderr).toContain('give --cron <expression> or --every <duration>');

  const badCron = await runCli(['schedule', 'create', `${id}-cron`, file, '--cron', 'every tuesday'], { taskQueue });
  expect(badCron.code).toBe(2);
  expect(badCron.stderr).toContain('The schedule is not valid:\n  - cron: CronString does not have 5-7 fields');

  const both = await runCli(['schedule', 'create', `${id}-both`, file, '--cron', '@daily', '--every', '1d'], {
    taskQueue,
  });
  expect(both.code).toBe(2);
  expect(both.stderr).toMatch(/cannot be used with/);
});

describe('TERMINATE_OTHER', () => {
  // Terminating a run skips its clean-up: its Bedrock job would train on with nothing to stop it.
  const terminate = 'TERMINATE_OTHER' as ScheduleOverlap;

  it('is refused by create, update, trigger and backfill (exit 2, naming CANCEL_OTHER), and by the client', async () => {
    const id = uniqueName('sched-terminate');
    created.push(id);
    const file = scheduleRequestFile(id);
    const refused = [
      await runCli(['schedule', 'create', id, file, '--every', '1d', '--overlap', 'TERMINATE_OTHER'], { taskQueue }),
    ];
    expect((await ctx.fineTune.schedules.list()).map((s) => s.scheduleId)).not.toContain(id);

    expect(
      (
        await runCli(['schedule', 'create', id, file, '--every', '1d', '--paused', '--overlap', 'CANCEL_OTHER'], {
          taskQueue,
        })
      ).code,
    ).toBe(0);
    refused.push(
      await runCli(['schedule', 'update', id, '--overlap', 'TERMINATE_OTHER'], { taskQueue }),
      await runCli(['schedule', 'trigger', id, '--overlap', 'TERMINATE_OTHER'], { taskQueue }),
      await runCli(
        [
          'schedule',
          'backfill',
          id,
          '--start',
          '2025-01-01T00:00:00Z',
          '--end',
          '2025-01-02T00:00:00Z',
          '--overlap',
          'TERMINATE_OTHER',
        ],
        { taskQueue },
      ),
    );
    for (const result of refused) {
      expect({ args: result.args, code: result.code }).toEqual({ args: result.args, code: 2 });
      expect(result.stderr).toContain('The overlap policy TERMINATE_OTHER is refused');
      expect(result.stderr).toContain('keeps training (and billing)');
      expect(result.stderr).toContain('Use CANCEL_OTHER');
    }
    const d = await ctx.fineTune.schedules.describe(id);
    expect({ overlap: d.overlap, actionsTaken: d.actionsTaken, warnings: d.warnings }).toEqual({
      overlap: 'CANCEL_OTHER',
      actionsTaken: 0,
      warnings: undefined,
    });

    const request = testRequest('fine-tuning-conversation', id);
    const schedules = ctx.fineTune.schedules;
    for (const call of [
      () => schedules.create({ scheduleId: `${id}-client`, request, every: '1d', overlap: terminate }),
      () => schedules.update(id, { overlap: terminate }),
      () => schedules.trigger(id, { overlap: terminate }),
      () => schedules.backfill(id, { start: new Date(0), end: new Date(1000), overlap: terminate }),
    ])
      await expect(call()).rejects.toThrow(OverlapPolicyRefusedError);
    expect((await schedules.describe(id)).actionsTaken).toBe(0);
  });

  it('is named in a warning by describe when the schedule was made with it elsewhere; update clears it', async () => {
    const id = uniqueName('sched-terminated');
    created.push(id);
    await ctx.fineTune.schedules.create({
      scheduleId: id,
      request: testRequest('fine-tuning-conversation', id),
      every: '30d',
      paused: true,
    });
    // As `temporal schedule update --overlap-policy TerminateOther` would: Temporal's own client, not ours.
    await ctx.client.schedule
      .getHandle(id)
      .update((previous) => ({ ...previous, policies: { ...previous.policies, overlap: 'TERMINATE_OTHER' } }));

    const described = await runCli(['schedule', 'describe', id], { taskQueue });
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/overlap +TERMINATE_OTHER/);
    expect(described.stdout).toContain(
      `  warning  overlap TERMINATE_OTHER: TERMINATE_OTHER ends the previous run without its clean-up`,
    );
    expect(described.stdout).toContain(`(finetune schedule update ${id} --overlap CANCEL_OTHER)`);
    const asJson = json<FineTuneScheduleDescription>(
      await runCli(['schedule', 'describe', id, '--json'], { taskQueue }),
    );
    expect(asJson.overlap).toBe('TERMINATE_OTHER');
    expect(asJson.warnings).toEqual([expect.stringContaining('Use CANCEL_OTHER')]);

    const fixed = json<FineTuneScheduleDescription>(
      await runCli(['schedule', 'update', id, '--overlap', 'CANCEL_OTHER', '--json'], { taskQueue }),
    );
    expect(fixed.overlap).toBe('CANCEL_OTHER');
    expect(fixed.warnings).toBeUndefined();
  });
});

it('updates the request, spec and policies of a schedule, keeping it; --json on pause, unpause and delete', async () => {
  const id = uniqueName('sched-update');
  created.push(id);
  expect(
    (
      await runCli(['schedule', 'create', id, scheduleRequestFile(id), '--every', '30d', '--pause-on-failure'], {
        taskQueue,
      })
    ).code,
  ).toBe(0);
  const v2 = requestFile(`${id}-v2`, { ...testRequest('fine-tuning-conversation', id), customModelName: `${id}-v2` });
  const updated = await runCli(
    [
      'schedule',
      'update',
      id,
      v2,
      '--cron',
      '0 4 * * SUN',
      '--overlap',
      'BUFFER_ONE',
      '--no-pause-on-failure',
      '--note',
      'v2 data',
      '--json',
    ],
    { taskQueue },
  );
  expect(updated.code).toBe(0);
  const d = json<FineTuneScheduleDescription & { updatedAt: string }>(updated);
  expect(d).toMatchObject({
    scheduleId: id,
    spec: 'cron 0 4 * * SUN',
    overlap: 'BUFFER_ONE',
    pauseOnFailure: false,
    note: 'v2 data',
    customModelName: `${id}-v2`,
    request: { customModelName: `${id}-v2` },
    taskQueue,
  });
  expect(d.updatedAt).toEqual(expect.any(String));
  const listed = json<{ schedules: FineTuneScheduleSummary[] }>(
    await runCli(['schedule', 'list', '--json'], { taskQueue }),
  );
  expect(listed.schedules.find((s) => s.scheduleId === id)).toMatchObject({
    spec: 'cron 0 4 * * SUN',
    customModelName: `${id}-v2`,
  });

  // Only the interval: the request and the policies stay.
  const every = json<FineTuneScheduleDescription>(
    await runCli(['schedule', 'update', id, '--every', '12h', '--json'], { taskQueue }),
  );
  expect(every).toMatchObject({ spec: 'every 12h', overlap: 'BUFFER_ONE', customModelName: `${id}-v2` });

  const nothing = await runCli(['schedule', 'update', id], { taskQueue });
  expect(nothing.code).toBe(2);
  expect(nothing.stderr).toContain('Say what to change');
  const named = requestFile(`${id}-named`, { ...testRequest('fine-tuning-conversation', id), jobName: 'fixed' });
  const refused = await runCli(['schedule', 'update', id, named], { taskQueue });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('jobName: leave it out of a scheduled request');
  expect((await runCli(['schedule', 'update', 'no-such-schedule', '--every', '1d'], { taskQueue })).code).toBe(2);

  expect(json(await runCli(['schedule', 'pause', id, '--note', 'hold', '--json'], { taskQueue }))).toMatchObject({
    scheduleId: id,
    paused: true,
    note: 'hold',
  });
  expect(json(await runCli(['schedule', 'unpause', id, '--json'], { taskQueue }))).toMatchObject({ paused: false });
  expect(json(await runCli(['schedule', 'delete', id, '--json'], { taskQueue }))).toEqual({
    scheduleId: id,
    deleted: true,
  });
});

it('backfills the runs a schedule would have started in a past range, each named after its scheduled time', async () => {
  const id = uniqueName('sched-backfill');
  created.push(id);
  // Once a year, so nothing fires by itself during the test.
  expect(
    (await runCli(['schedule', 'create', id, scheduleRequestFile(id), '--cron', '0 3 1 1 *'], { taskQueue })).code,
  ).toBe(0);
  const backfill = await runCli(
    ['schedule', 'backfill', id, '--start', '2024-12-31T00:00:00Z', '--end', '2026-01-02T00:00:00Z', '--json'],
    { taskQueue },
  );
  expect(backfill.code).toBe(0);
  expect(json(backfill)).toEqual({
    scheduleId: id,
    start: '2024-12-31T00:00:00.000Z',
    end: '2026-01-02T00:00:00.000Z',
    overlap: 'BUFFER_ALL',
  });
  const expected = [`${id}-2025-01-01T03:00:00Z`, `${id}-2026-01-01T03:00:00Z`];
  for (const workflowId of expected) {
    const run = ctx.fineTune.run(workflowId);
    const result = await waitFor(
      `backfilled run ${workflowId}`,
      () => run.result().catch(() => undefined),
      90_000,
      500,
    );
    expect(result.status).toBe('Completed');
  }
  const names = await Promise.all(
    expected.map(async (w) =>
      (await ctx.fineTune.run(w).handle.describe()).typedSearchAttributes.get(CustomModelNameKey),
    ),
  );
  expect(names).toEqual([`${id}-model-20250101-030000`, `${id}-model-20260101-030000`]);

  const backwards = await runCli(
    ['schedule', 'backfill', id, '--start', '2026-01-02T00:00:00Z', '--end', '2025-01-01T00:00:00Z'],
    { taskQueue },
  );
  expect(backwards.code).toBe(2);
  expect(backwards.stderr).toContain('start must be before end');
  expect((await runCli(['schedule', 'backfill', id, '--start', 'soon', '--end', 'later'], { taskQueue })).code).toBe(2);
});

it('accepts templates that resolve to what Bedrock takes and refuses, at create, one that does not (exit 2)', async () => {
  const id = uniqueName('sched-tpl');
  created.push(id);
  const request = testRequest('fine-tuning-conversation', id);
  const good = requestFile(`${id}-good`, {
    ...request,
    customModelName: 'support-{{scheduledTime:yyyyMMdd}}',
    trainingDataConfig: { s3Uri: 's3://finetune-datasets/support/{{scheduledTime:yyyy/MM/dd}}/train.jsonl' },
    jobTags: [...(request.jobTags ?? []), { key: 'day', value: '{{scheduledTime:yyyy-MM-dd}}' }],
  });
  const ok = await runCli(['schedule', 'create', id, good, '--every', '1d', '--paused', '--json'], { taskQueue });
  expect(ok.code).toBe(0);
  expect(json<FineTuneScheduleDescription>(ok).request).toMatchObject({
    customModelName: 'support-{{scheduledTime:yyyyMMdd}}',
    trainingDataConfig: { s3Uri: 's3://finetune-datasets/support/{{scheduledTime:yyyy/MM/dd}}/train.jsonl' },
  });

  const bad = requestFile(`${id}-bad`, { ...request, customModelName: 'support-{{scheduledTime:yyyy/MM/dd}}' });
  const refused = await runCli(['schedule', 'create', `${id}-bad`, bad, '--every', '1d'], { taskQueue });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(
    /customModelName: must hold letters and digits with single _ or - between them \(the template "support-\{\{scheduledTime:yyyy\/MM\/dd\}\}" resolves to "support-\d{4}\/\d\d\/\d\d" at /,
  );
  const unknown = requestFile(`${id}-unknown`, { ...request, customModelName: 'support-{{runId}}' });
  const notResolvable = await runCli(['schedule', 'create', `${id}-unknown`, unknown, '--every', '1d'], { taskQueue });
  expect(notResolvable.code).toBe(2);
  expect(notResolvable.stderr).toContain(
    'customModelName: {{runId}} names "runId": the only variable is scheduledTime',
  );
  expect((await ctx.fineTune.schedules.list()).map((s) => s.scheduleId)).not.toContain(`${id}-bad`);
});

describe('--skip-if-unchanged', () => {
  /** Triggers a run of the schedule through the CLI, in a second of its own (scheduled times are per second). */
  async function trigger(id: string): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const result = await runCli(['schedule', 'trigger', id, '--json'], { taskQueue });
    expect(result.code).toBe(0);
    return json<{ workflowId: string }>(result).workflowId;
  }

  /** Every job this schedule's runs created (their names start with the schedule ID). */
  async function jobsOf(id: string) {
    const page = await ctx.aws.bedrock.send(
      new ListModelCustomizationJobsCommand({ nameContains: id, maxResults: 100 }),
    );
    return (page.modelCustomizationJobSummaries ?? []).filter((j) => j.jobName?.startsWith(id));
  }

  it('skips a run on unchanged data (no job) and trains on changed data, each run saying why', async () => {
    const id = uniqueName('sched-skip');
    created.push(id);
    const dataKey = `${id}/train.jsonl`;
    const request = {
      ...testRequest('fine-tuning-conversation', id),
      trainingDataConfig: { s3Uri: await put(ctx.aws.s3, DATA_BUCKET, dataKey, datasets.conversation(20)) },
    };
    const create = await runCli(
      ['schedule', 'create', id, requestFile(id, request), '--every', '30d', '--skip-if-unchanged', '--json'],
      { taskQueue },
    );
    expect(create.code).toBe(0);
    expect(json<FineTuneScheduleDescription>(create)).toMatchObject({
      skipIfUnchanged: true,
      request: { orchestration: { skipIfUnchanged: true } },
    });
    expect(json<FineTuneScheduleDescription>(create).lastTrainedRun).toBeUndefined();

    // 1. Nothing to compare with: it trains, and records itself on the schedule.
    const first = await trigger(id);
    const trained = await ctx.fineTune.run(first).result();
    if (trained.status === 'Skipped') throw new Error(`the first run skipped: ${trained.reason}`);
    expect(trained.status).toBe('Completed');
    const firstRunId = (await ctx.fineTune.run(first).summary()).runId;
    expect((await ctx.fineTune.schedules.describe(id)).lastTrainedRun).toEqual({
      workflowId: first,
      runId: firstRunId,
      scheduledAt: expect.any(String),
      completedAt: trained.timings.finishedAt,
      datasetFingerprint: trained.datasetFingerprint,
      jobArn: trained.jobArn,
      customModelArn: trained.customModelArn,
    });
    const firstDetails = await currentDetails(ctx.client, first);
    expect(firstDetails).toContain(
      `| Skip if unchanged | not skipped: schedule ${id} has no trained run on record yet`,
    );
    expect(firstDetails).toContain(`| Schedule record | done: recorded as schedule ${id}'s last trained run |`);
    // The UI's details after a completed run: the loss of each epoch, and when each phase began.
    const epochs = trained.metrics!.epochs;
    expect(epochs.length).toBe(2);
    expect(firstDetails).toContain(
      [
        '#### Loss per epoch',
        '',
        '| Epoch | Training loss | Validation loss |',
        '|---:|---:|---:|',
        ...epochs.map((e) => `| ${e.epoch} | ${e.trainingLoss.toFixed(4)} | ${e.validationLoss!.toFixed(4)} |`),
      ].join('\n'),
    );
    const timeline = firstDetails.slice(firstDetails.indexOf('#### Timeline'));
    expect(timeline.match(/^\| [a-z-]+ \|/gm)).toEqual([
      '| preflight |',
      '| preparing-data |',
      '| creating-job |',
      '| training |',
      '| collecting-metrics |',
      '| completed |',
    ]);

    // 2. The same data and settings: skipped, matching the first run; no job.
    const second = await trigger(id);
    const skipped = await ctx.fineTune.run(second).result();
    await recordHistory(ctx.client.workflow.getHandle(second), 'skipped');
    expect(skipped).toMatchObject({
      status: 'Skipped',
      matched: { workflowId: first, jobArn: trained.jobArn, customModelArn: trained.customModelArn },
      datasetFingerprint: trained.datasetFingerprint,
    });
    expect(skipped.jobArn).toBeUndefined();
    const skippedRun = await ctx.fineTune.run(second).handle.describe();
    expect(skippedRun.typedSearchAttributes.get(FineTunePhaseKey)).toBe('skipped');
    expect(skippedRun.typedSearchAttributes.get(DatasetFingerprintKey)).toBe(trained.datasetFingerprint);
    expect(skippedRun.typedSearchAttributes.get(BedrockJobArnKey)).toBeUndefined();
    const skippedDetails = await currentDetails(ctx.client, second);
    expect(skippedDetails).toMatch(new RegExp(`^### ${id}-model-\\d{8}-\\d{6}: skipped\n`));
    expect(skippedDetails).toContain(
      `| Skipped | the prepared dataset (\`${trained.datasetFingerprint!.slice(0, 12)}\`) and the training settings are those of ${first}, completed`,
    );
    expect((await ctx.fineTune.run(second).progress()).phase).toBe('skipped');
    expect(await jobsOf(id)).toHaveLength(1);

    // 3. Changed data: trains, a second job, and becomes the run the next one compares with.
    await put(ctx.aws.s3, DATA_BUCKET, dataKey, datasets.conversation(21));
    const third = await trigger(id);
    const retrained = await ctx.fineTune.run(third).result();
    await recordHistory(ctx.client.workflow.getHandle(third), 'changed-data');
    if (retrained.status === 'Skipped') throw new Error(`the run on changed data skipped: ${retrained.reason}`);
    expect(retrained.status).toBe('Completed');
    expect(retrained.datasetFingerprint).not.toBe(trained.datasetFingerprint);
    expect(retrained.jobArn).not.toBe(trained.jobArn);
    expect(await currentDetails(ctx.client, third)).toContain(
      `| Skip if unchanged | not skipped: the dataset changed since ${first} (\`${trained.datasetFingerprint!.slice(0, 12)}\` then, \`${retrained.datasetFingerprint!.slice(0, 12)}\` now) |`,
    );
    const jobs = await jobsOf(id);
    expect(jobs.map((j) => j.jobArn).sort()).toEqual([trained.jobArn, retrained.jobArn].sort());
    expect((await ctx.fineTune.schedules.describe(id)).lastTrainedRun).toMatchObject({
      workflowId: third,
      datasetFingerprint: retrained.datasetFingerprint,
    });
  }, 240_000);

  it('skips unchanged data that every run splits anew: the runs of one schedule share the split seed', async () => {
    const id = uniqueName('sched-split');
    created.push(id);
    const { validationDataConfig: _validators, ...example } = testRequest('fine-tuning-conversation', id);
    const request = {
      ...example,
      trainingDataConfig: { s3Uri: await put(ctx.aws.s3, DATA_BUCKET, `${id}/train.jsonl`, datasets.conversation(30)) },
      // No seed: a run's default would be its workflow ID, which carries its scheduled time.
      orchestration: { ...example.orchestration, dataPreparation: { prepare: true, validationSplit: 0.2 } },
    };
    // Through the typed client this time.
    await ctx.fineTune.schedules.create({ scheduleId: id, request, every: '30d', skipIfUnchanged: true });
    const trained = await ctx.fineTune.run(await trigger(id)).result();
    expect(trained.status).toBe('Completed');
    const skipped = await ctx.fineTune.run(await trigger(id)).result();
    expect(skipped).toMatchObject({ status: 'Skipped', datasetFingerprint: trained.datasetFingerprint });
    expect(await jobsOf(id)).toHaveLength(1);
  }, 240_000);

  it('completes a run whose schedule was deleted while it trained, with nothing recorded', async () => {
    const id = uniqueName('sched-gone');
    const request = testRequest('fine-tuning-conversation', id, { timeScale: 200 });
    await ctx.fineTune.schedules.create({ scheduleId: id, request, every: '30d', skipIfUnchanged: true });
    const run = ctx.fineTune.run(await trigger(id));
    await waitFor('the job', async () => (await run.progress()).jobArn);
    await ctx.fineTune.schedules.delete(id);
    expect((await run.result()).status).toBe('Completed');
    expect(await currentDetails(ctx.client, run.workflowId)).toContain(
      `| Schedule record | not needed: schedule ${id} no longer exists: nothing recorded |`,
    );
  }, 240_000);
});
