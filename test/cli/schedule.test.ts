// `finetune schedule ...`: scheduled retraining through Temporal Schedules, from create to delete, and
// a triggered run carried through to its custom model.
import type { FineTuneScheduleDescription, FineTuneScheduleSummary } from '../../src/client';
import { CustomModelNameKey } from '../../src/core/search-attributes';
import { uniqueName, type TestContext } from '../support/temporal';
import { contextWithExample, json, removeRequestFiles, requestFile, runCli, testRequest } from './helpers';

const taskQueue = uniqueName('cli-schedule');
let ctx: TestContext;
const created: string[] = [];

beforeAll(async () => {
  ctx = await contextWithExample(taskQueue, 'fine-tuning-conversation');
});
afterAll(async () => {
  for (const id of created) await ctx.fineTune.schedules.delete(id).catch(() => undefined);
  await ctx?.close();
  removeRequestFiles();
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
