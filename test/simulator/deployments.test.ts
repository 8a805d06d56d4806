// On-demand custom model deployments over real HTTP with the AWS SDK: wire shapes (Get's
// modelDeploymentName vs the summary's customModelDeploymentName), Creating -> Active, an update that
// keeps the status Active and switches modelArn at UpdateCompleted, the refusals (mutating state, not
// deployable, another base model, in use), idempotency, tags, quotas, list filters and pages, reply
// faults and a restart from the state file.
import {
  CreateCustomModelDeploymentCommand,
  DeleteCustomModelCommand,
  DeleteCustomModelDeploymentCommand,
  GetCustomModelDeploymentCommand,
  ListCustomModelDeploymentsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UpdateCustomModelDeploymentCommand,
  paginateListCustomModelDeployments,
  type BedrockClient,
  type GetCustomModelDeploymentCommandOutput,
} from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { failure, trainModel, waitUntil, NOVA_LITE, ROOMY } from './after-training';
import { createdApart, s3Client, TITAN_EXPRESS, unique } from './helpers';
import { SimulatorPool } from './simulator-pool';

jest.setTimeout(90_000);

let bedrock: BedrockClient;
let s3: S3Client;
let dir: string;
let modelA: string;
let modelB: string;
const pool = new SimulatorPool();

const SLOW = [{ key: 'simulator:time-scale', value: '1' }];

beforeAll(async () => {
  s3 = s3Client();
  dir = mkdtempSync(join(tmpdir(), 'finetune-deployments-'));
  bedrock = pool.client((await pool.start(ROOMY)).endpoint);
  modelA = await trainModel(bedrock, s3);
  modelB = await trainModel(bedrock, s3);
});

afterAll(async () => {
  await pool.close();
  s3.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function own(args: string[]): Promise<BedrockClient> {
  return pool.client((await pool.start(args)).endpoint, 1);
}

function get(client: BedrockClient, id: string): Promise<GetCustomModelDeploymentCommandOutput> {
  return client.send(new GetCustomModelDeploymentCommand({ customModelDeploymentIdentifier: id }));
}

async function deploy(
  client: BedrockClient,
  modelArn: string,
  extra: { tags?: { key: string; value: string }[]; name?: string } = {},
) {
  const name = extra.name ?? unique('dep');
  const out = await client.send(
    new CreateCustomModelDeploymentCommand({ modelDeploymentName: name, modelArn, tags: extra.tags }),
  );
  return { name, arn: out.customModelDeploymentArn!, out };
}

const active = (client: BedrockClient, arn: string) =>
  waitUntil(
    () => get(client, arn),
    (d) => d.status === 'Active',
    `${arn} Active`,
  );

test('create answers 202 with the ARN; Get shows Creating, then Active with the service model members', async () => {
  const { name, arn, out } = await deploy(bedrock, modelA);
  expect(out.$metadata.httpStatusCode).toBe(202);
  expect(arn).toMatch(/^arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment\/[a-z0-9]{12}$/);
  const creating = await get(bedrock, arn);
  expect(creating).toMatchObject({ customModelDeploymentArn: arn, modelDeploymentName: name, modelArn: modelA });
  expect(creating.createdAt).toBeInstanceOf(Date);
  const ready = await active(bedrock, arn);
  expect(ready.updateDetails).toBeUndefined();
  expect(ready.lastUpdatedAt!.getTime()).toBeGreaterThan(ready.createdAt!.getTime());
  // By name too (the identifier takes a name or an ARN).
  expect((await get(bedrock, name)).customModelDeploymentArn).toBe(arn);
});

test('an update keeps status Active, reports Updating, and switches modelArn at UpdateCompleted; a repeat is a no-op', async () => {
  const { arn } = await deploy(bedrock, modelA);
  await active(bedrock, arn);
  const out = await bedrock.send(
    new UpdateCustomModelDeploymentCommand({ customModelDeploymentIdentifier: arn, modelArn: modelB }),
  );
  expect(out.$metadata.httpStatusCode).toBe(202);
  expect(out.customModelDeploymentArn).toBe(arn);
  const updating = await get(bedrock, arn);
  expect(updating.status).toBe('Active');
  expect(updating.modelArn).toBe(modelA);
  expect(updating.updateDetails).toEqual({ modelArn: modelB, updateStatus: 'Updating' });
  // An activity retry of the same update: accepted, nothing new started.
  await bedrock.send(
    new UpdateCustomModelDeploymentCommand({ customModelDeploymentIdentifier: arn, modelArn: modelB }),
  );
  const done = await waitUntil(
    () => get(bedrock, arn),
    (d) => d.updateDetails?.updateStatus === 'UpdateCompleted',
    'UpdateCompleted',
  );
  expect(done.status).toBe('Active');
  expect(done.modelArn).toBe(modelB);
  // Roll back: the same call with the previous model.
  await bedrock.send(
    new UpdateCustomModelDeploymentCommand({ customModelDeploymentIdentifier: arn, modelArn: modelA }),
  );
  const back = await waitUntil(
    () => get(bedrock, arn),
    (d) => d.updateDetails?.updateStatus === 'UpdateCompleted' && d.modelArn === modelA,
    'rolled back',
  );
  expect(back.updateDetails?.modelArn).toBe(modelA);
});

test('Delete while Creating or Updating is ValidationException "mutating state"; when Active it is gone', async () => {
  const slow = await deploy(bedrock, modelA, { tags: SLOW });
  const err = await failure(
    bedrock.send(new DeleteCustomModelDeploymentCommand({ customModelDeploymentIdentifier: slow.arn })),
  );
  expect(err.name).toBe('ValidationException');
  expect(err.message).toBe('Custom model deployment is in a mutating state');
  const otherModelWhileCreating = await failure(
    bedrock.send(
      new UpdateCustomModelDeploymentCommand({ customModelDeploymentIdentifier: slow.arn, modelArn: modelB }),
    ),
  );
  expect(otherModelWhileCreating.name).toBe('ValidationException');

  const { arn } = await deploy(bedrock, modelA);
  await active(bedrock, arn);
  await bedrock.send(
    new UpdateCustomModelDeploymentCommand({ customModelDeploymentIdentifier: arn, modelArn: modelB }),
  );
  const whileUpdating = await failure(
    bedrock.send(new DeleteCustomModelDeploymentCommand({ customModelDeploymentIdentifier: arn })),
  );
  expect(whileUpdating.message).toBe('Custom model deployment is in a mutating state');
  await waitUntil(
    () => get(bedrock, arn),
    (d) => d.updateDetails?.updateStatus === 'UpdateCompleted',
    'updated',
  );
  const deleted = await bedrock.send(new DeleteCustomModelDeploymentCommand({ customModelDeploymentIdentifier: arn }));
  expect(deleted.$metadata.httpStatusCode).toBe(200);
  expect((await failure(get(bedrock, arn))).name).toBe('ResourceNotFoundException');
  const again = await failure(
    bedrock.send(new DeleteCustomModelDeploymentCommand({ customModelDeploymentIdentifier: arn })),
  );
  expect(again.name).toBe('ResourceNotFoundException');
});

test('only Active custom models of a deployable base, and updates only to a model of the same base', async () => {
  const titan = await trainModel(bedrock, s3, { base: TITAN_EXPRESS });
  const notDeployable = await failure(deploy(bedrock, titan));
  expect(notDeployable.name).toBe('ValidationException');
  expect(notDeployable.message).toMatch(/cannot be deployed on demand in us-east-1/);
  const unknown = await failure(deploy(bedrock, modelA.replace(/[a-z0-9]{12}$/, 'zzzzzzzzzzzz')));
  expect(unknown.name).toBe('ResourceNotFoundException');

  const lite = await trainModel(bedrock, s3, { base: NOVA_LITE });
  const { arn } = await deploy(bedrock, modelA);
  await active(bedrock, arn);
  const otherBase = await failure(
    bedrock.send(new UpdateCustomModelDeploymentCommand({ customModelDeploymentIdentifier: arn, modelArn: lite })),
  );
  expect(otherBase.name).toBe('ValidationException');
  expect(otherBase.message).toMatch(/same base model/);
});

test('a custom model a deployment serves cannot be deleted (ConflictException)', async () => {
  const model = await trainModel(bedrock, s3);
  const { arn } = await deploy(bedrock, model);
  const err = await failure(bedrock.send(new DeleteCustomModelCommand({ modelIdentifier: model })));
  expect(err.name).toBe('ConflictException');
  await active(bedrock, arn);
  await bedrock.send(new DeleteCustomModelDeploymentCommand({ customModelDeploymentIdentifier: arn }));
  await bedrock.send(new DeleteCustomModelCommand({ modelIdentifier: model }));
});

test('simulator:outcome=fail-deploy on the training job: the deployment ends Failed with a failureMessage', async () => {
  const model = await trainModel(bedrock, s3, { jobTags: [{ key: 'simulator:outcome', value: 'fail-deploy' }] });
  const { arn } = await deploy(bedrock, model);
  const failed = await waitUntil(
    () => get(bedrock, arn),
    (d) => d.status !== 'Creating',
    'settled',
  );
  expect(failed.status).toBe('Failed');
  expect(failed.failureMessage).toMatch(/simulator:outcome=fail-deploy/);
});

test('clientRequestToken: the same body returns the same deployment; another body is a ValidationException', async () => {
  const token = unique('tok');
  const request = { modelDeploymentName: unique('dep'), modelArn: modelA, clientRequestToken: token };
  const first = await bedrock.send(new CreateCustomModelDeploymentCommand(request));
  const second = await bedrock.send(new CreateCustomModelDeploymentCommand(request));
  expect(second.customModelDeploymentArn).toBe(first.customModelDeploymentArn);
  const other = await failure(bedrock.send(new CreateCustomModelDeploymentCommand({ ...request, description: 'x' })));
  expect(other.name).toBe('ValidationException');
  expect(other.message).toMatch(/already used/);
  const sameName = await failure(deploy(bedrock, modelA, { name: request.modelDeploymentName }));
  expect(sameName.name).toBe('ValidationException');
});

test('tags on create are listed; more than 50 is TooManyTagsException', async () => {
  const { arn } = await deploy(bedrock, modelA, { tags: [{ key: 'team', value: 'ml' }] });
  const { tags } = await bedrock.send(new ListTagsForResourceCommand({ resourceARN: arn }));
  expect(tags).toEqual([{ key: 'team', value: 'ml' }]);
  const many = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
  const err = await failure(bedrock.send(new TagResourceCommand({ resourceARN: arn, tags: many })));
  expect(err.name).toBe('TooManyTagsException');
  const onCreate = await failure(deploy(bedrock, modelA, { tags: [...many, { key: 'one-more', value: 'v' }] }));
  expect(onCreate.name).toBe('TooManyTagsException');
});

test('list: name, status and model filters, createdAfter, pages of maxResults, newest first by default', async () => {
  const prefix = unique('lst');
  const made = await createdApart(
    3,
    async (i) => (await deploy(bedrock, i === 2 ? modelB : modelA, { name: `${prefix}-${i}` })).arn,
  );
  const first = await bedrock.send(new ListCustomModelDeploymentsCommand({ nameContains: prefix, maxResults: 2 }));
  expect(first.modelDeploymentSummaries!.map((d) => d.customModelDeploymentArn)).toEqual([made[2], made[1]]);
  expect(first.nextToken).toBeDefined();
  const summary = first.modelDeploymentSummaries![0];
  expect(summary.customModelDeploymentName).toBe(`${prefix}-2`);
  expect(summary).not.toHaveProperty('updateDetails');
  const rest = await bedrock.send(
    new ListCustomModelDeploymentsCommand({ nameContains: prefix, maxResults: 2, nextToken: first.nextToken }),
  );
  expect(rest.modelDeploymentSummaries!.map((d) => d.customModelDeploymentArn)).toEqual([made[0]]);
  expect(rest.nextToken).toBeUndefined();
  const all: string[] = [];
  for await (const page of paginateListCustomModelDeployments(
    { client: bedrock, pageSize: 1 },
    { nameContains: prefix, sortOrder: 'Ascending' },
  )) {
    all.push(...page.modelDeploymentSummaries!.map((d) => d.customModelDeploymentArn!));
  }
  expect(all).toEqual(made);
  const byModel = await bedrock.send(
    new ListCustomModelDeploymentsCommand({ nameContains: prefix, modelArnEquals: modelB }),
  );
  expect(byModel.modelDeploymentSummaries!.map((d) => d.customModelDeploymentArn)).toEqual([made[2]]);
  const created1 = (await get(bedrock, made[1])).createdAt!;
  const after = await bedrock.send(
    new ListCustomModelDeploymentsCommand({ nameContains: prefix, createdAfter: created1 }),
  );
  expect(after.modelDeploymentSummaries!.map((d) => d.customModelDeploymentArn)).toEqual([made[2]]);
  await Promise.all(made.map((arn) => active(bedrock, arn)));
  const activeOnes = await bedrock.send(
    new ListCustomModelDeploymentsCommand({ nameContains: prefix, statusEquals: 'Active' }),
  );
  expect(activeOnes.modelDeploymentSummaries).toHaveLength(3);
  const creating = await bedrock.send(
    new ListCustomModelDeploymentsCommand({ nameContains: prefix, statusEquals: 'Creating' }),
  );
  expect(creating.modelDeploymentSummaries).toHaveLength(0);
});

test('quotas: --max-deployments-in-progress and --max-deployments answer ServiceQuotaExceededException', async () => {
  const sim = await own(['--max-deployments', '2', '--max-deployments-in-progress', '1', '--time-scale', '1000']);
  const model = await trainModel(sim, s3);
  const first = await deploy(sim, model);
  const inProgress = await failure(deploy(sim, model));
  expect(inProgress.name).toBe('ServiceQuotaExceededException');
  expect(inProgress.message).toMatch(/In-progress custom model deployments/);
  await active(sim, first.arn);
  const second = await deploy(sim, model);
  await active(sim, second.arn);
  const total = await failure(deploy(sim, model));
  expect(total.name).toBe('ServiceQuotaExceededException');
  expect(total.message).toMatch(/Total custom model deployments/);
});

test('reply faults: a lost Create answer is retried by the SDK with the same token (one deployment); lost Update and Delete answers still took effect', async () => {
  const name = unique('lost');
  const out = await bedrock.send(
    new CreateCustomModelDeploymentCommand({
      modelDeploymentName: name,
      modelArn: modelA,
      tags: [{ key: 'simulator:lost-replies', value: '1' }],
    }),
  );
  expect(out.$metadata.attempts).toBe(2);
  const listed = await bedrock.send(new ListCustomModelDeploymentsCommand({ nameContains: name }));
  expect(listed.modelDeploymentSummaries!.map((d) => d.customModelDeploymentArn)).toEqual([
    out.customModelDeploymentArn,
  ]);

  // Models trained and deployed on a simulator without faults; then the same state behind --lost-reply-rate 1.
  const stateFile = join(dir, 'lossy.json');
  const {
    client: sim,
    model,
    otherModel,
    arn,
  } = await pool.restart(
    'stop',
    ['--time-scale', '1000', '--state-file', stateFile],
    async (c1) => {
      const model = await trainModel(c1, s3);
      const otherModel = await trainModel(c1, s3);
      const { arn } = await deploy(c1, model);
      await active(c1, arn);
      return { model, otherModel, arn };
    },
    ['--lost-reply-rate', '1'],
  );
  const lostCreate = await failure(deploy(sim, model));
  expect(lostCreate.message).toMatch(/socket hang up/);
  expect((await sim.send(new ListCustomModelDeploymentsCommand({}))).modelDeploymentSummaries).toHaveLength(2);
  const lostUpdate = await failure(
    sim.send(new UpdateCustomModelDeploymentCommand({ customModelDeploymentIdentifier: arn, modelArn: otherModel })),
  );
  expect(lostUpdate.message).toMatch(/socket hang up/);
  expect((await get(sim, arn)).updateDetails?.modelArn).toBe(otherModel);
  await waitUntil(
    () => get(sim, arn),
    (d) => d.updateDetails?.updateStatus === 'UpdateCompleted',
    'updated',
  );
  const lostDelete = await failure(
    sim.send(new DeleteCustomModelDeploymentCommand({ customModelDeploymentIdentifier: arn })),
  );
  expect(lostDelete.message).toMatch(/socket hang up/);
  expect((await failure(get(sim, arn))).name).toBe('ResourceNotFoundException');
});

test('a restart from the state file (after SIGKILL) reports what the clock says', async () => {
  const stateFile = join(dir, 'restart.json');
  const {
    client: c2,
    model,
    slow,
    fast,
  } = await pool.restart('kill', [...ROOMY, '--state-file', stateFile], async (c1) => {
    const model = await trainModel(c1, s3);
    const slow = await deploy(c1, model, { tags: SLOW });
    const fast = await deploy(c1, model);
    await active(c1, fast.arn);
    await c1.send(
      new UpdateCustomModelDeploymentCommand({ customModelDeploymentIdentifier: fast.arn, modelArn: model }),
    );
    return { model, slow, fast };
  });
  const stillCreating = await get(c2, slow.arn);
  expect(stillCreating.status).toBe('Creating');
  expect(stillCreating.modelDeploymentName).toBe(slow.name);
  const stillActive = await get(c2, fast.arn);
  expect(stillActive.status).toBe('Active');
  expect(stillActive.modelArn).toBe(model);
});
