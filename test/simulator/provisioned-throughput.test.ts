// Provisioned Throughput over real HTTP with the AWS SDK: Create 201, Get and List members (the plural
// list path), Creating -> InService, an update that serves the old model while Updating and ends with
// modelArn == desiredModelArn, the model-change rules, renames, the model-unit quotas, a committed PT
// that cannot be deleted before its term, idempotency, tags, reply faults and a restart.
import {
  CreateProvisionedModelThroughputCommand,
  DeleteProvisionedModelThroughputCommand,
  GetProvisionedModelThroughputCommand,
  ListProvisionedModelThroughputsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateProvisionedModelThroughputCommand,
  paginateListProvisionedModelThroughputs,
  type BedrockClient,
  type CreateProvisionedModelThroughputCommandInput,
  type GetProvisionedModelThroughputCommandOutput,
} from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failure, NOVA_LITE, NOVA_MICRO, ROOMY, trainModel, waitUntil } from './after-training';
import { createdApart, s3Client, unique } from './helpers';
import { SimulatorPool } from './simulator-pool';

jest.setTimeout(90_000);

const FOUNDATION = `arn:aws:bedrock:us-east-1::foundation-model/${NOVA_MICRO}`;

let bedrock: BedrockClient;
let s3: S3Client;
let dir: string;
let modelA: string;
let modelB: string;
const pool = new SimulatorPool();

beforeAll(async () => {
  s3 = s3Client();
  dir = mkdtempSync(join(tmpdir(), 'finetune-pt-'));
  bedrock = pool.client((await pool.start(ROOMY)).endpoint);
  modelA = await trainModel(bedrock, s3);
  modelB = await trainModel(bedrock, s3);
});

afterAll(async () => {
  await pool.close();
  s3.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const get = (client: BedrockClient, id: string): Promise<GetProvisionedModelThroughputCommandOutput> =>
  client.send(new GetProvisionedModelThroughputCommand({ provisionedModelId: id }));

async function provision(
  client: BedrockClient,
  modelId: string,
  extra: Partial<CreateProvisionedModelThroughputCommandInput> = {},
) {
  const name = extra.provisionedModelName ?? unique('pt');
  const out = await client.send(
    new CreateProvisionedModelThroughputCommand({ provisionedModelName: name, modelId, modelUnits: 1, ...extra }),
  );
  return { name, arn: out.provisionedModelArn!, out };
}

const inService = (client: BedrockClient, arn: string) =>
  waitUntil(
    () => get(client, arn),
    (t) => t.status === 'InService',
    `${arn} InService`,
  );

test('create answers 201; Get shows Creating, then InService, with every required member', async () => {
  const { name, arn, out } = await provision(bedrock, modelA, { modelUnits: 2 });
  expect(out.$metadata.httpStatusCode).toBe(201);
  expect(arn).toMatch(/^arn:aws:bedrock:us-east-1:123456789012:provisioned-model\/[a-z0-9]{12}$/);
  const creating = await get(bedrock, arn);
  expect(creating).toMatchObject({
    provisionedModelName: name,
    provisionedModelArn: arn,
    modelArn: modelA,
    desiredModelArn: modelA,
    foundationModelArn: FOUNDATION,
    modelUnits: 2,
    desiredModelUnits: 2,
    status: 'Creating',
  });
  expect(creating.creationTime).toBeInstanceOf(Date);
  expect(creating.commitmentDuration).toBeUndefined();
  const ready = await inService(bedrock, arn);
  expect(ready.lastModifiedTime!.getTime()).toBeGreaterThan(ready.creationTime!.getTime());
  expect((await get(bedrock, name)).provisionedModelArn).toBe(arn);
});

test('an update serves the old model while Updating and ends InService with modelArn == desiredModelArn; renames apply at once', async () => {
  const { arn } = await provision(bedrock, modelA);
  await inService(bedrock, arn);
  const out = await bedrock.send(
    new UpdateProvisionedModelThroughputCommand({ provisionedModelId: arn, desiredModelId: modelB }),
  );
  expect(out.$metadata.httpStatusCode).toBe(200);
  const updating = await get(bedrock, arn);
  expect(updating).toMatchObject({ status: 'Updating', modelArn: modelA, desiredModelArn: modelB });
  await bedrock.send(new UpdateProvisionedModelThroughputCommand({ provisionedModelId: arn, desiredModelId: modelB })); // a repeat
  const done = await inService(bedrock, arn);
  expect(done.modelArn).toBe(modelB);
  expect(done.desiredModelArn).toBe(modelB);
  // To the base model (allowed for a PT of a custom model), and a new name.
  const renamed = unique('renamed');
  await bedrock.send(
    new UpdateProvisionedModelThroughputCommand({
      provisionedModelId: arn,
      desiredModelId: NOVA_MICRO,
      desiredProvisionedModelName: renamed,
    }),
  );
  expect((await get(bedrock, renamed)).provisionedModelArn).toBe(arn);
  const base = await waitUntil(
    () => get(bedrock, arn),
    (t) => t.status === 'InService' && t.modelArn === FOUNDATION,
    'on the base',
  );
  expect(base.desiredModelArn).toBe(FOUNDATION);
});

test('model changes: only to the base or a custom model of the same base, never from a base-model PT', async () => {
  const lite = await trainModel(bedrock, s3, { base: NOVA_LITE });
  const { arn } = await provision(bedrock, modelA);
  await inService(bedrock, arn);
  const otherBase = await failure(
    bedrock.send(new UpdateProvisionedModelThroughputCommand({ provisionedModelId: arn, desiredModelId: lite })),
  );
  expect(otherBase.name).toBe('ValidationException');
  expect(otherBase.message).toMatch(/customized from it/);
  const onBase = await provision(bedrock, NOVA_MICRO);
  await inService(bedrock, onBase.arn);
  const fromBase = await failure(
    bedrock.send(
      new UpdateProvisionedModelThroughputCommand({ provisionedModelId: onBase.arn, desiredModelId: modelA }),
    ),
  );
  expect(fromBase.name).toBe('ValidationException');
  expect(fromBase.message).toMatch(/cannot be changed/);
  const llama = await failure(provision(bedrock, 'meta.llama3-3-70b-instruct-v1:0:128k'));
  expect(llama.name).toBe('ValidationException');
  const unknown = await failure(provision(bedrock, 'amazon.nothing-v1:0:8k'));
  expect(unknown.name).toBe('ResourceNotFoundException');
  const unknownCustom = await failure(provision(bedrock, modelA.replace(/[a-z0-9]{12}$/, 'zzzzzzzzzzzz')));
  expect(unknownCustom.name).toBe('ResourceNotFoundException');
});

test('delete: a no-commitment PT is gone at once; a committed one before its term ends is ConflictException', async () => {
  const { arn } = await provision(bedrock, modelA);
  const deleted = await bedrock.send(new DeleteProvisionedModelThroughputCommand({ provisionedModelId: arn }));
  expect(deleted.$metadata.httpStatusCode).toBe(200);
  expect((await failure(get(bedrock, arn))).name).toBe('ResourceNotFoundException');
  expect(
    (await failure(bedrock.send(new DeleteProvisionedModelThroughputCommand({ provisionedModelId: arn })))).name,
  ).toBe('ResourceNotFoundException');
  const committed = await provision(bedrock, modelA, { commitmentDuration: 'OneMonth' });
  const got = await get(bedrock, committed.arn);
  expect(got.commitmentDuration).toBe('OneMonth');
  // A month simulated at 1000x is 43 minutes of real time.
  expect(got.commitmentExpirationTime!.getTime() - got.creationTime!.getTime()).toBe((30 * 24 * 3600 * 1000) / 1000);
  const early = await failure(
    bedrock.send(new DeleteProvisionedModelThroughputCommand({ provisionedModelId: committed.arn })),
  );
  expect(early.name).toBe('ConflictException');
  expect(early.message).toMatch(/OneMonth commitment/);
});

test('quotas: 2 no-commitment model units by default; no commitment units unless raised', async () => {
  const c = pool.client((await pool.start(['--time-scale', '1000'])).endpoint, 1);
  const model = await trainModel(c, s3);
  await provision(c, model, { modelUnits: 2 });
  const over = await failure(provision(c, model));
  expect(over.name).toBe('ServiceQuotaExceededException');
  expect(over.message).toMatch(/quota of 2/);
  const committed = await failure(provision(c, model, { commitmentDuration: 'SixMonths' }));
  expect(committed.name).toBe('ServiceQuotaExceededException');
  expect(committed.message).toBe(
    'Your account does not currently have any commitment model units reserved for amazon.nova-micro-v1:0:128k.',
  );
});

test('clientRequestToken idempotency, unique names, tags', async () => {
  const request = {
    provisionedModelName: unique('pt'),
    modelId: modelA,
    modelUnits: 1,
    clientRequestToken: unique('tok'),
    tags: [{ key: 'team', value: 'ml' }],
  };
  const first = await bedrock.send(new CreateProvisionedModelThroughputCommand(request));
  expect((await bedrock.send(new CreateProvisionedModelThroughputCommand(request))).provisionedModelArn).toBe(
    first.provisionedModelArn,
  );
  const other = await failure(bedrock.send(new CreateProvisionedModelThroughputCommand({ ...request, modelUnits: 2 })));
  expect(other.name).toBe('ValidationException');
  const sameName = await failure(provision(bedrock, modelA, { provisionedModelName: request.provisionedModelName }));
  expect(sameName.name).toBe('ValidationException');
  expect((await bedrock.send(new ListTagsForResourceCommand({ resourceARN: first.provisionedModelArn }))).tags).toEqual(
    request.tags,
  );
  await bedrock.send(
    new TagResourceCommand({ resourceARN: first.provisionedModelArn, tags: [{ key: 'stage', value: 'prod' }] }),
  );
  await bedrock.send(new UntagResourceCommand({ resourceARN: first.provisionedModelArn, tagKeys: ['team'] }));
  expect((await bedrock.send(new ListTagsForResourceCommand({ resourceARN: first.provisionedModelArn }))).tags).toEqual(
    [{ key: 'stage', value: 'prod' }],
  );
  await bedrock.send(new DeleteProvisionedModelThroughputCommand({ provisionedModelId: first.provisionedModelArn }));
  const gone = await failure(bedrock.send(new ListTagsForResourceCommand({ resourceARN: first.provisionedModelArn })));
  expect(gone.name).toBe('ResourceNotFoundException');
});

test('list: the plural path, filters (name, status, model, creationTimeAfter), pages, newest first', async () => {
  const prefix = unique('lst');
  const made = await createdApart(
    3,
    async (i) => (await provision(bedrock, i === 2 ? modelB : modelA, { provisionedModelName: `${prefix}-${i}` })).arn,
  );
  const first = await bedrock.send(new ListProvisionedModelThroughputsCommand({ nameContains: prefix, maxResults: 2 }));
  expect(first.provisionedModelSummaries!.map((t) => t.provisionedModelArn)).toEqual([made[2], made[1]]);
  expect(first.provisionedModelSummaries![0]).toMatchObject({
    provisionedModelName: `${prefix}-2`,
    modelArn: modelB,
    foundationModelArn: FOUNDATION,
  });
  expect(first.provisionedModelSummaries![0]).not.toHaveProperty('failureMessage');
  const all: string[] = [];
  for await (const page of paginateListProvisionedModelThroughputs(
    { client: bedrock, pageSize: 1 },
    { nameContains: prefix, sortOrder: 'Ascending' },
  )) {
    all.push(...page.provisionedModelSummaries!.map((t) => t.provisionedModelArn!));
  }
  expect(all).toEqual(made);
  const byModel = await bedrock.send(
    new ListProvisionedModelThroughputsCommand({ nameContains: prefix, modelArnEquals: modelB }),
  );
  expect(byModel.provisionedModelSummaries!.map((t) => t.provisionedModelArn)).toEqual([made[2]]);
  const created1 = (await get(bedrock, made[1])).creationTime!;
  const after = await bedrock.send(
    new ListProvisionedModelThroughputsCommand({ nameContains: prefix, creationTimeAfter: created1 }),
  );
  expect(after.provisionedModelSummaries!.map((t) => t.provisionedModelArn)).toEqual([made[2]]);
  await Promise.all(made.map((arn) => inService(bedrock, arn)));
  const ready = await bedrock.send(
    new ListProvisionedModelThroughputsCommand({ nameContains: prefix, statusEquals: 'InService' }),
  );
  expect(ready.provisionedModelSummaries).toHaveLength(3);
});

test('reply faults: lost Create answers are retried by the SDK with the same token; a lost Delete answer still deleted', async () => {
  const out = await bedrock.send(
    new CreateProvisionedModelThroughputCommand({
      provisionedModelName: unique('lost'),
      modelId: modelA,
      modelUnits: 1,
      tags: [{ key: 'simulator:lost-replies', value: '2' }],
    }),
  );
  expect(out.$metadata.attempts).toBe(3);

  const stateFile = join(dir, 'lossy.json');
  const { client: c2, arn } = await pool.restart(
    'stop',
    [...ROOMY, '--state-file', stateFile],
    async (c1) => provision(c1, await trainModel(c1, s3)),
    ['--lost-reply-rate', '1'],
  );
  const lost = await failure(c2.send(new DeleteProvisionedModelThroughputCommand({ provisionedModelId: arn })));
  expect(lost.message).toMatch(/socket hang up/);
  expect((await failure(get(c2, arn))).name).toBe('ResourceNotFoundException');
});

test('a restart from the state file (after SIGKILL) reports what the clock says', async () => {
  const stateFile = join(dir, 'restart.json');
  const {
    client: c2,
    other,
    slow,
    fast,
  } = await pool.restart('kill', [...ROOMY, '--state-file', stateFile], async (c1) => {
    const model = await trainModel(c1, s3);
    const other = await trainModel(c1, s3);
    const slow = await provision(c1, model, { tags: [{ key: 'simulator:time-scale', value: '1' }] });
    const fast = await provision(c1, model);
    await inService(c1, fast.arn);
    await c1.send(new UpdateProvisionedModelThroughputCommand({ provisionedModelId: fast.arn, desiredModelId: other }));
    return { other, slow, fast };
  });
  expect((await get(c2, slow.arn)).status).toBe('Creating');
  const updated = await inService(c2, fast.arn);
  expect(updated.modelArn).toBe(other);
});
