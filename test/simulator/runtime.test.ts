// bedrock-runtime on the simulator's port, driven by @aws-sdk/client-bedrock-runtime (which speaks
// HTTP/2 to an http:// endpoint): Converse and InvokeModel on a deployment ARN, a Provisioned
// Throughput ARN and a foundation model; answers deterministic per model and prompt and marked with the
// custom model that gave them; the model a deployment serves changes at UpdateCompleted; the errors
// (not ready, not found, not invocable, fail-smoke).
import {
  CreateCustomModelDeploymentCommand,
  CreateProvisionedModelThroughputCommand,
  DeleteCustomModelDeploymentCommand,
  GetCustomModelDeploymentCommand,
  GetProvisionedModelThroughputCommand,
  UpdateCustomModelDeploymentCommand,
  UpdateProvisionedModelThroughputCommand,
  type BedrockClient,
  type Tag,
} from '@aws-sdk/client-bedrock';
import { ConverseCommand, InvokeModelCommand, type BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { S3Client } from '@aws-sdk/client-s3';
import { createBedrockRuntimeClient } from '../../src/aws/clients';
import { loadConfig } from '../../src/config';
import { failure, ROOMY, runtimeClient, trainModel, waitUntil } from './after-training';
import { s3Client, unique } from './helpers';
import { SimulatorPool } from './simulator-pool';

jest.setTimeout(60_000);

let bedrock: BedrockClient;
let runtime: BedrockRuntimeClient;
let s3: S3Client;
let modelA: string;
let modelB: string;
let deployment: string;
const pool = new SimulatorPool();

const idOf = (arn: string) => arn.split('/').pop()!;

beforeAll(async () => {
  s3 = s3Client();
  const { endpoint } = await pool.start(ROOMY);
  bedrock = pool.client(endpoint);
  runtime = pool.keep(runtimeClient(endpoint, 1));
  modelA = await trainModel(bedrock, s3);
  modelB = await trainModel(bedrock, s3);
  deployment = await deploy(modelA);
  await active(deployment);
});

afterAll(async () => {
  await pool.close();
  s3.destroy();
});

async function deploy(modelArn: string, tags?: Tag[]): Promise<string> {
  const out = await bedrock.send(
    new CreateCustomModelDeploymentCommand({ modelDeploymentName: unique('dep'), modelArn, tags }),
  );
  return out.customModelDeploymentArn!;
}

const getDeployment = (arn: string) =>
  bedrock.send(new GetCustomModelDeploymentCommand({ customModelDeploymentIdentifier: arn }));
const active = (arn: string) =>
  waitUntil(
    () => getDeployment(arn),
    (d) => d.status === 'Active',
    'Active',
  );

function converse(modelId: string, text: string, client = runtime) {
  return client.send(
    new ConverseCommand({
      modelId,
      system: [{ text: 'You are a support assistant.' }],
      messages: [{ role: 'user', content: [{ text }] }],
      inferenceConfig: { maxTokens: 256, temperature: 0 },
    }),
  );
}

test('Converse on an Active deployment: the documented members, an answer marked with the custom model, the same every time', async () => {
  const out = await converse(deployment, 'How do I reset my password?');
  expect(out.$metadata.httpStatusCode).toBe(200);
  expect(out.stopReason).toBe('end_turn');
  expect(out.output!.message!.role).toBe('assistant');
  const text = out.output!.message!.content![0].text!;
  expect(text).toMatch(new RegExp(`\\[sim:${idOf(modelA)}\\]$`));
  expect(text).toContain('How do I reset my password?');
  expect(out.usage!.totalTokens).toBe(out.usage!.inputTokens! + out.usage!.outputTokens!);
  expect(out.usage!.outputTokens).toBeGreaterThan(0);
  expect(out.metrics!.latencyMs).toBeGreaterThan(0);
  const again = await converse(deployment, 'How do I reset my password?');
  expect(again.output!.message!.content![0].text).toBe(text);
  const other = await converse(deployment, 'Where is my invoice?');
  expect(other.output!.message!.content![0].text).not.toBe(text);
});

test('a deployment serves its new model from UpdateCompleted on, not before', async () => {
  const arn = await deploy(modelA);
  await active(arn);
  await bedrock.send(
    new UpdateCustomModelDeploymentCommand({ customModelDeploymentIdentifier: arn, modelArn: modelB }),
  );
  const during = await converse(arn, 'hello');
  expect(during.output!.message!.content![0].text).toMatch(new RegExp(`\\[sim:${idOf(modelA)}\\]$`));
  await waitUntil(
    () => getDeployment(arn),
    (d) => d.updateDetails?.updateStatus === 'UpdateCompleted',
    'updated',
  );
  const after = await converse(arn, 'hello');
  expect(after.output!.message!.content![0].text).toMatch(new RegExp(`\\[sim:${idOf(modelB)}\\]$`));
});

test('Creating is ModelNotReadyException (429); deleted or unknown ARNs are ResourceNotFoundException; a custom model ARN is not invocable', async () => {
  const creating = await deploy(modelA, [{ key: 'simulator:time-scale', value: '1' }]);
  const notReady = await failure(converse(creating, 'hi'));
  expect(notReady.name).toBe('ModelNotReadyException');
  expect(notReady.$metadata?.httpStatusCode).toBe(429);

  const doomed = await deploy(modelA);
  await active(doomed);
  await bedrock.send(new DeleteCustomModelDeploymentCommand({ customModelDeploymentIdentifier: doomed }));
  const deleted = await failure(converse(doomed, 'hi'));
  expect(deleted.name).toBe('ResourceNotFoundException');
  expect(deleted.$metadata?.httpStatusCode).toBe(404);
  const unknownPt = await failure(
    converse('arn:aws:bedrock:us-east-1:123456789012:provisioned-model/zzzzzzzzzzzz', 'hi'),
  );
  expect(unknownPt.name).toBe('ResourceNotFoundException');
  const direct = await failure(converse(modelA, 'hi'));
  expect(direct.name).toBe('ValidationException');
  expect(direct.message).toMatch(/custom model deployment/);
  const unknownModel = await failure(converse('amazon.nothing-v9:0', 'hi'));
  expect(unknownModel.name).toBe('ValidationException');
});

test('simulator:outcome=fail-smoke on the training job: Converse and InvokeModel answer ModelErrorException 424', async () => {
  const smoky = await trainModel(bedrock, s3, { jobTags: [{ key: 'simulator:outcome', value: 'fail-smoke' }] });
  const arn = await deploy(smoky);
  await active(arn);
  const err = await failure(converse(arn, 'hi'));
  expect(err.name).toBe('ModelErrorException');
  expect(err.$metadata?.httpStatusCode).toBe(424);
  expect(err.originalStatusCode).toBe(500);
  expect(err.resourceName).toBe(arn);
  expect(err.message).toMatch(/simulator:outcome=fail-smoke/);
  const invoke = await failure(
    runtime.send(
      new InvokeModelCommand({
        modelId: arn,
        body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
      }),
    ),
  );
  expect(invoke.name).toBe('ModelErrorException');
});

test('a Provisioned Throughput ARN serves its model, the old one while Updating', async () => {
  const { provisionedModelArn } = await bedrock.send(
    new CreateProvisionedModelThroughputCommand({ provisionedModelName: unique('pt'), modelId: modelA, modelUnits: 1 }),
  );
  const pt = provisionedModelArn!;
  expect((await failure(converse(pt, 'hi'))).name).toBe('ModelNotReadyException');
  const getPt = () => bedrock.send(new GetProvisionedModelThroughputCommand({ provisionedModelId: pt }));
  await waitUntil(getPt, (t) => t.status === 'InService', 'InService');
  expect((await converse(pt, 'hi')).output!.message!.content![0].text).toMatch(
    new RegExp(`\\[sim:${idOf(modelA)}\\]$`),
  );
  await bedrock.send(new UpdateProvisionedModelThroughputCommand({ provisionedModelId: pt, desiredModelId: modelB }));
  expect((await converse(pt, 'hi')).output!.message!.content![0].text).toMatch(
    new RegExp(`\\[sim:${idOf(modelA)}\\]$`),
  );
  await waitUntil(getPt, (t) => t.status === 'InService', 'updated');
  expect((await converse(pt, 'hi')).output!.message!.content![0].text).toMatch(
    new RegExp(`\\[sim:${idOf(modelB)}\\]$`),
  );
});

test('InvokeModel answers in the request family: Nova messages, Llama prompt, Titan inputText; a body of none is a ValidationException', async () => {
  const decode = (body: Uint8Array) => JSON.parse(new TextDecoder().decode(body)) as Record<string, unknown>;
  const nova = await runtime.send(
    new InvokeModelCommand({
      modelId: deployment,
      contentType: 'application/json',
      body: JSON.stringify({
        messages: [{ role: 'user', content: [{ text: 'hi' }] }],
        inferenceConfig: { maxTokens: 64 },
      }),
    }),
  );
  expect(nova.contentType).toBe('application/json');
  const novaBody = decode(nova.body) as { output: { message: { content: { text: string }[] } }; stopReason: string };
  expect(novaBody.stopReason).toBe('end_turn');
  expect(novaBody.output.message.content[0].text).toBe(
    (await converse(deployment, 'hi')).output!.message!.content![0].text,
  );
  const llama = decode(
    (
      await runtime.send(
        new InvokeModelCommand({
          modelId: 'meta.llama3-3-70b-instruct-v1:0',
          body: JSON.stringify({ prompt: 'hi', max_gen_len: 64 }),
        }),
      )
    ).body,
  );
  expect(llama).toMatchObject({ stop_reason: 'stop' });
  expect(typeof llama.generation).toBe('string');
  const titan = decode(
    (
      await runtime.send(
        new InvokeModelCommand({ modelId: 'amazon.titan-text-express-v1', body: JSON.stringify({ inputText: 'hi' }) }),
      )
    ).body,
  );
  expect((titan.results as { completionReason: string }[])[0].completionReason).toBe('FINISH');
  const bad = await failure(
    runtime.send(new InvokeModelCommand({ modelId: deployment, body: JSON.stringify({ nothing: 1 }) })),
  );
  expect(bad.name).toBe('ValidationException');
});

test("a foundation model answers without a marker; the stack's AWS_ENDPOINT_URL_BEDROCK_RUNTIME and createBedrockRuntimeClient reach the simulator", async () => {
  const config = loadConfig(process.env);
  expect(config.aws.bedrockRuntimeEndpoint).toBe(process.env.AWS_ENDPOINT_URL_BEDROCK);
  const client = pool.keep(createBedrockRuntimeClient(config.aws));
  const out = await converse('amazon.nova-pro-v1:0', 'What is 2 + 2?', client);
  const text = out.output!.message!.content![0].text!;
  expect(text).toContain('Nova Pro');
  expect(text).not.toMatch(/\[sim:/);
  const profile = await converse('us.amazon.nova-pro-v1:0', 'What is 2 + 2?', client);
  expect(profile.output!.message!.content![0].text).toBe(text);
});
