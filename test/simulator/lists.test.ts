// ListModelCustomizationJobs and ListCustomModels with every filter, both sort orders and pagination to
// the end (also through the SDK's paginators); GetCustomModel, DeleteCustomModel and tagging.
import {
  BedrockClient,
  CreateModelCustomizationJobCommand,
  DeleteCustomModelCommand,
  GetCustomModelCommand,
  ListCustomModelsCommand,
  ListModelCustomizationJobsCommand,
  ListTagsForResourceCommand,
  paginateListCustomModels,
  paginateListModelCustomizationJobs,
  ResourceNotFoundException,
  StopModelCustomizationJobCommand,
  TagResourceCommand,
  TooManyTagsException,
  UntagResourceCommand,
  ValidationException,
  type ModelCustomizationJobSummary,
  type ListModelCustomizationJobsCommandInput,
  type ListCustomModelsCommandInput,
} from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  bedrockClient,
  createdApart,
  DATASETS,
  jobRequest,
  promptCompletionLines,
  putText,
  s3Client,
  unique,
  waitForJob,
} from './helpers';

// Jest applies testTimeout only globally, not per project: these tests wait on simulated jobs.
jest.setTimeout(60_000);

let bedrock: BedrockClient;
let s3: S3Client;
/** Every job and model name in this file shares it, so filters see only this file's resources. */
const group = unique('lst');
const jobArns: string[] = [];
let modelArn: string;
let modelName: string;
let slowJobArn: string;
let before: Date;

beforeAll(async () => {
  bedrock = bedrockClient();
  s3 = s3Client();
  const trainingUri = await putText(s3, DATASETS, `simulator-tests/${group}.jsonl`, promptCompletionLines(10));
  before = new Date(Date.now() - 1000);
  const created = await createdApart(5, async (i) => {
    const request = jobRequest(trainingUri, { jobName: `${group}-${i}`, customModelName: `${group}-model-${i}` });
    return (await bedrock.send(new CreateModelCustomizationJobCommand(request))).jobArn!;
  });
  jobArns.push(...created);
  for (const arn of jobArns) expect((await waitForJob(bedrock, arn)).status).toBe('Completed');
  const slow = jobRequest(trainingUri, {
    jobName: `${group}-slow`,
    customModelName: `${group}-model-slow`,
    jobTags: [{ key: 'simulator:time-scale', value: '1' }],
  });
  slowJobArn = (await bedrock.send(new CreateModelCustomizationJobCommand(slow))).jobArn!;
  const job = await waitForJob(bedrock, jobArns[0]);
  modelArn = job.outputModelArn!;
  modelName = job.outputModelName!;
});

afterAll(async () => {
  await bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: slowJobArn })).catch(() => undefined);
  bedrock.destroy();
  s3.destroy();
});

describe('ListModelCustomizationJobs', () => {
  const list = (input: ListModelCustomizationJobsCommandInput) =>
    bedrock.send(new ListModelCustomizationJobsCommand(input));

  test('nameContains, statusEquals and the creation-time window filter; summaries carry the members', async () => {
    const all = await list({ nameContains: group });
    expect(all.modelCustomizationJobSummaries).toHaveLength(6);
    const completed = await list({ nameContains: group, statusEquals: 'Completed' });
    expect(completed.modelCustomizationJobSummaries?.map((s) => s.jobArn).sort()).toEqual([...jobArns].sort());
    const inProgress = await list({ nameContains: group.toUpperCase(), statusEquals: 'InProgress' });
    expect(inProgress.modelCustomizationJobSummaries?.map((s) => s.jobArn)).toEqual([slowJobArn]);
    const summary = completed.modelCustomizationJobSummaries![0] as ModelCustomizationJobSummary;
    expect(summary).toMatchObject({
      status: 'Completed',
      customizationType: 'FINE_TUNING',
      baseModelArn: expect.stringContaining('foundation-model/'),
    });
    expect(summary.customModelArn).toMatch(/custom-model\//);
    expect(summary.customModelName).toMatch(new RegExp(`^${group}-model-`));
    expect(summary.creationTime).toBeInstanceOf(Date);
    expect(summary.endTime).toBeInstanceOf(Date);
    expect(summary.statusDetails?.trainingDetails?.status).toBe('Completed');

    const second = (await list({ nameContains: `${group}-1` })).modelCustomizationJobSummaries![0];
    expect(
      (await list({ nameContains: group, creationTimeAfter: second.creationTime })).modelCustomizationJobSummaries
        ?.map((s) => s.jobName)
        .sort(),
    ).toEqual([`${group}-2`, `${group}-3`, `${group}-4`, `${group}-slow`]);
    expect(
      (
        await list({ nameContains: group, creationTimeBefore: second.creationTime })
      ).modelCustomizationJobSummaries?.map((s) => s.jobName),
    ).toEqual([`${group}-0`]);
    expect((await list({ nameContains: group, creationTimeBefore: before })).modelCustomizationJobSummaries).toEqual(
      [],
    );
  });

  test('sorted by creation time, newest first unless asked otherwise', async () => {
    const desc = (await list({ nameContains: group, sortBy: 'CreationTime' })).modelCustomizationJobSummaries!.map(
      (s) => s.jobName,
    );
    const asc = (
      await list({ nameContains: group, sortBy: 'CreationTime', sortOrder: 'Ascending' })
    ).modelCustomizationJobSummaries!.map((s) => s.jobName);
    expect(asc).toEqual([`${group}-0`, `${group}-1`, `${group}-2`, `${group}-3`, `${group}-4`, `${group}-slow`]);
    expect(desc).toEqual([...asc].reverse());
  });

  test('pagination to the end, by hand and with the SDK paginator', async () => {
    const names: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await list({ nameContains: group, maxResults: 2, sortOrder: 'Ascending', nextToken });
      expect(page.modelCustomizationJobSummaries!.length).toBeLessThanOrEqual(2);
      names.push(...page.modelCustomizationJobSummaries!.map((s) => s.jobName!));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(names).toHaveLength(6);
    const viaPaginator: string[] = [];
    for await (const page of paginateListModelCustomizationJobs(
      { client: bedrock, pageSize: 4 },
      { nameContains: group },
    )) {
      viaPaginator.push(...page.modelCustomizationJobSummaries!.map((s) => s.jobName!));
    }
    expect(viaPaginator.sort()).toEqual([...names].sort());
  });

  test('constraints on the query members are ValidationExceptions', async () => {
    await expect(list({ maxResults: 0 })).rejects.toBeInstanceOf(ValidationException);
    await expect(list({ maxResults: 1001 })).rejects.toBeInstanceOf(ValidationException);
    await expect(list({ statusEquals: 'Done' as never })).rejects.toBeInstanceOf(ValidationException);
    await expect(list({ sortOrder: 'Sideways' as never })).rejects.toBeInstanceOf(ValidationException);
    await expect(list({ nextToken: 'garbage' })).rejects.toBeInstanceOf(ValidationException);
  });
});

describe('custom models', () => {
  const list = (input: ListCustomModelsCommandInput) => bedrock.send(new ListCustomModelsCommand(input));

  test('ListCustomModels filters, sorts and paginates', async () => {
    const mine = await list({ nameContains: group, sortBy: 'CreationTime', sortOrder: 'Ascending' });
    expect(mine.modelSummaries?.map((m) => m.modelName)).toEqual([0, 1, 2, 3, 4].map((i) => `${group}-model-${i}`));
    const summary = mine.modelSummaries![0];
    expect(summary).toMatchObject({
      modelArn,
      modelName,
      baseModelName: 'amazon.titan-text-express-v1',
      customizationType: 'FINE_TUNING',
      ownerAccountId: '123456789012',
      modelStatus: 'Active',
    });
    expect(summary.creationTime).toBeInstanceOf(Date);
    const foundation = 'arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1:0:8k';
    expect((await list({ nameContains: group, baseModelArnEquals: foundation })).modelSummaries).toHaveLength(5);
    expect((await list({ nameContains: group, foundationModelArnEquals: foundation })).modelSummaries).toHaveLength(5);
    expect(
      (
        await list({
          nameContains: group,
          foundationModelArnEquals: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k',
        })
      ).modelSummaries,
    ).toEqual([]);
    expect((await list({ nameContains: group, modelStatus: 'Active', isOwned: true })).modelSummaries).toHaveLength(5);
    expect((await list({ nameContains: group, modelStatus: 'Creating' })).modelSummaries).toEqual([]);
    expect((await list({ nameContains: group, isOwned: false })).modelSummaries).toEqual([]);
    expect(
      (await list({ nameContains: group, creationTimeAfter: summary.creationTime, sortOrder: 'Ascending' }))
        .modelSummaries,
    ).toHaveLength(4);
    expect((await list({ nameContains: group, creationTimeBefore: before })).modelSummaries).toEqual([]);

    const names: string[] = [];
    for await (const page of paginateListCustomModels({ client: bedrock, pageSize: 2 }, { nameContains: group })) {
      expect(page.modelSummaries!.length).toBeLessThanOrEqual(2);
      names.push(...page.modelSummaries!.map((m) => m.modelName!));
    }
    expect(names).toEqual([4, 3, 2, 1, 0].map((i) => `${group}-model-${i}`));
    await expect(list({ baseModelArnEquals: 'not-an-arn-but-long-enough' })).rejects.toBeInstanceOf(
      ValidationException,
    );
  });

  test('DeleteCustomModel removes a model, by name; it is then not found', async () => {
    const doomed = `${group}-model-4`;
    const model = await bedrock.send(new GetCustomModelCommand({ modelIdentifier: doomed }));
    await bedrock.send(new DeleteCustomModelCommand({ modelIdentifier: doomed }));
    await expect(bedrock.send(new GetCustomModelCommand({ modelIdentifier: model.modelArn }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(bedrock.send(new DeleteCustomModelCommand({ modelIdentifier: doomed }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(bedrock.send(new ListTagsForResourceCommand({ resourceARN: model.modelArn }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});

describe('tags', () => {
  test('TagResource adds and overwrites, UntagResource removes, on jobs and models', async () => {
    for (const arn of [jobArns[1], modelArn]) {
      await bedrock.send(
        new TagResourceCommand({
          resourceARN: arn,
          tags: [
            { key: 'stage', value: 'dev' },
            { key: 'owner', value: 'ana' },
          ],
        }),
      );
      await bedrock.send(new TagResourceCommand({ resourceARN: arn, tags: [{ key: 'stage', value: 'prod' }] }));
      expect((await bedrock.send(new ListTagsForResourceCommand({ resourceARN: arn }))).tags).toEqual([
        { key: 'stage', value: 'prod' },
        { key: 'owner', value: 'ana' },
      ]);
      await bedrock.send(new UntagResourceCommand({ resourceARN: arn, tagKeys: ['stage', 'absent'] }));
      expect((await bedrock.send(new ListTagsForResourceCommand({ resourceARN: arn }))).tags).toEqual([
        { key: 'owner', value: 'ana' },
      ]);
    }
  });

  test('more than 50 tags on a resource is TooManyTagsException naming it', async () => {
    const tags = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ key: `t${from + i}`, value: 'x' }));
    await bedrock.send(new TagResourceCommand({ resourceARN: jobArns[2], tags: tags(0, 30) }));
    // Existing and new tags count together: 30 + 21 > 50.
    const err = await bedrock
      .send(new TagResourceCommand({ resourceARN: jobArns[2], tags: tags(30, 21) }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TooManyTagsException);
    expect((err as TooManyTagsException).resourceName).toBe(jobArns[2]);
    expect((await bedrock.send(new ListTagsForResourceCommand({ resourceARN: jobArns[2] }))).tags).toHaveLength(30);
  });

  test('an unknown resource is ResourceNotFoundException; a bad tag is ValidationException', async () => {
    const unknown = jobArns[3].replace(/[a-z0-9]{12}$/, 'zzzzzzzzzzzz');
    await expect(bedrock.send(new ListTagsForResourceCommand({ resourceARN: unknown }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(
      bedrock.send(new TagResourceCommand({ resourceARN: unknown, tags: [{ key: 'a', value: 'b' }] })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      bedrock.send(new TagResourceCommand({ resourceARN: jobArns[3], tags: [{ key: '', value: 'b' }] })),
    ).rejects.toBeInstanceOf(ValidationException);
    await expect(
      bedrock.send(new UntagResourceCommand({ resourceARN: unknown, tagKeys: ['a'] })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
