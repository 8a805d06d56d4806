// GetFoundationModel and ListFoundationModels, served from the catalog in src/core.
import {
  BedrockClient,
  GetFoundationModelCommand,
  ListFoundationModelsCommand,
  ValidationException,
  type ListFoundationModelsCommandInput,
} from '@aws-sdk/client-bedrock';
import { CATALOG } from '../../src/core/catalog';
import { bedrockClient } from './helpers';

// Jest applies testTimeout only globally, not per project: these tests wait on simulated jobs.
jest.setTimeout(60_000);

let bedrock: BedrockClient;
beforeAll(() => {
  bedrock = bedrockClient();
});
afterAll(() => bedrock.destroy());

test('every customizable model of the catalog is listed with its customization types', async () => {
  const { modelSummaries } = await bedrock.send(new ListFoundationModelsCommand({}));
  for (const model of CATALOG) {
    const summary = modelSummaries!.find((m) => m.modelId === model.modelId);
    expect(summary).toMatchObject({
      modelArn: `arn:aws:bedrock:us-east-1::foundation-model/${model.modelId}`,
      providerName: model.provider,
      // The wire's ModelCustomization enum has no REINFORCEMENT_FINE_TUNING (see the simulator README).
      customizationsSupported: Object.keys(model.customizations).filter((t) => t !== 'REINFORCEMENT_FINE_TUNING'),
      inferenceTypesSupported: ['PROVISIONED'],
      modelLifecycle: { status: 'ACTIVE' },
    });
  }
  const required = [
    'amazon.titan-text-express-v1:0:8k',
    'amazon.titan-text-lite-v1:0:4k',
    'amazon.titan-text-premier-v1:0:32k',
    'anthropic.claude-3-haiku-20240307-v1:0:200k',
    'meta.llama3-1-8b-instruct-v1:0:128k',
    'meta.llama3-1-70b-instruct-v1:0:128k',
    'meta.llama3-2-1b-instruct-v1:0:128k',
    'meta.llama3-2-3b-instruct-v1:0:128k',
    'meta.llama3-2-11b-instruct-v1:0:128k',
    'meta.llama3-2-90b-instruct-v1:0:128k',
    'meta.llama3-3-70b-instruct-v1:0:128k',
    'amazon.nova-micro-v1:0:128k',
    'amazon.nova-lite-v1:0:300k',
    'amazon.nova-2-lite-v1:0:256k',
    'amazon.nova-pro-v1:0:300k',
    'cohere.command-text-v14:7:4k',
    'cohere.command-light-text-v14:7:4k',
  ];
  expect(modelSummaries!.map((m) => m.modelId)).toEqual(expect.arrayContaining(required));
  // Modalities stay within the service model's enum.
  for (const m of modelSummaries!)
    for (const x of [...m.inputModalities!, ...m.outputModalities!])
      expect(['TEXT', 'IMAGE', 'EMBEDDING']).toContain(x);
});

test('each filter narrows the list', async () => {
  const list = async (input: ListFoundationModelsCommandInput) =>
    (await bedrock.send(new ListFoundationModelsCommand(input))).modelSummaries!;
  const cpt = await list({ byCustomizationType: 'CONTINUED_PRE_TRAINING' });
  expect(cpt.map((m) => m.modelId).sort()).toEqual([
    'amazon.titan-text-express-v1:0:8k',
    'amazon.titan-text-lite-v1:0:4k',
  ]);
  const distill = await list({ byCustomizationType: 'DISTILLATION' });
  expect(distill.every((m) => m.customizationsSupported!.includes('DISTILLATION'))).toBe(true);
  expect(distill.map((m) => m.modelId)).toContain('amazon.nova-micro-v1:0:128k');
  expect((await list({ byProvider: 'meta' })).every((m) => m.providerName === 'Meta')).toBe(true);
  expect((await list({ byOutputModality: 'IMAGE' })).map((m) => m.modelId)).toContain('amazon.nova-canvas-v1:0');
  const onDemand = await list({ byInferenceType: 'ON_DEMAND' });
  expect(onDemand.map((m) => m.modelId)).toContain('amazon.nova-pro-v1:0'); // a teacher
  expect(onDemand.every((m) => m.customizationsSupported!.length === 0)).toBe(true);
  await expect(list({ byCustomizationType: 'RLHF' as never })).rejects.toBeInstanceOf(ValidationException);
});

test('GetFoundationModel by id or ARN; an unknown id is a ValidationException', async () => {
  const byId = await bedrock.send(
    new GetFoundationModelCommand({ modelIdentifier: 'meta.llama3-2-90b-instruct-v1:0:128k' }),
  );
  expect(byId.modelDetails).toMatchObject({
    modelName: 'Llama 3.2 90B Vision Instruct',
    inputModalities: ['TEXT', 'IMAGE'],
    customizationsSupported: ['FINE_TUNING'],
  });
  const byArn = await bedrock.send(new GetFoundationModelCommand({ modelIdentifier: byId.modelDetails!.modelArn }));
  expect(byArn.modelDetails).toEqual(byId.modelDetails);
  await expect(
    bedrock.send(new GetFoundationModelCommand({ modelIdentifier: 'acme.nothing-v1:0' })),
  ).rejects.toBeInstanceOf(ValidationException);
});
