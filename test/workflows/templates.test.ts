// A request with templates run through the workflow: the run resolves them from its start time (a run
// no Schedule started), trains on the resolved data, names its model as resolved, and shows what it
// resolved in the UI's current details. (Scheduled runs resolve from their scheduled time: schedule tests.)
import { CustomModelNameKey } from '../../src/core/search-attributes';
import { formatTime } from '../../src/core/templates';
import { DATA_BUCKET, datasets, novaFineTune, put } from '../support/datasets';
import { currentDetails } from '../support/details';
import { testContext, uniqueName, type TestContext } from '../support/temporal';

const taskQueue = uniqueName('templates');
let ctx: TestContext;

beforeAll(async () => {
  ctx = await testContext(taskQueue);
  await ctx.startWorker(taskQueue);
});
afterAll(() => ctx?.close());

it('resolves templates in the data URI and the model name from the run start time', async () => {
  const prefix = uniqueName('tpl');
  // Today's folder, as the template will resolve it (a run starting just after midnight UTC would
  // look for the next day's: the test writes both).
  const today = new Date();
  const tomorrow = new Date(today.getTime() + 86_400_000);
  for (const day of [today, tomorrow]) {
    await put(
      ctx.aws.s3,
      DATA_BUCKET,
      `${prefix}/${formatTime(day, 'yyyy/MM/dd')}/train.jsonl`,
      datasets.conversation(20),
    );
  }
  const request = await novaFineTune(ctx.aws.s3, prefix, 20, {
    trainingDataConfig: { s3Uri: `s3://${DATA_BUCKET}/${prefix}/{{scheduledTime:yyyy/MM/dd}}/train.jsonl` },
  });
  request.customModelName = `${prefix.slice(0, 30)}-{{scheduledTime:yyyyMMdd}}`;
  const run = await ctx.fineTune.start(request, { workflowId: prefix });
  const result = await run.result();
  expect(result.status).toBe('Completed');

  const started = (await run.handle.describe()).startTime;
  const modelName = `${prefix.slice(0, 30)}-${formatTime(started, 'yyyyMMdd')}`;
  expect((await run.handle.describe()).typedSearchAttributes.get(CustomModelNameKey)).toBe(modelName);
  expect(result.customModelArn).toBeDefined();
  const details = await currentDetails(ctx.client, prefix);
  expect(details).toContain('Resolved templates');
  expect(details).toContain(`${prefix}/${formatTime(started, 'yyyy/MM/dd')}/train.jsonl`);
  expect(details).toContain(modelName);
});
