// GetFoundationModel and ListFoundationModels from the model catalog in src/core: every customizable
// base model (provisioned, with the customization types it supports) and every distillation teacher
// (on demand). Shapes follow FoundationModelDetails / FoundationModelSummary.
import { CATALOG, TEACHER_MODELS, modelIdOf } from '../core/catalog';
import { foundationModelArn, type Partition } from './arns';
import { validation, Violations } from './errors';
import { FOUNDATION_MODEL_IDENTIFIER_PATTERN, PROVIDER_PATTERN } from './model-patterns';
import { checkIdentifier } from './job-routes';
import type { Route } from './router';
import { checkString } from './wire';

const MODALITIES = ['TEXT', 'IMAGE', 'EMBEDDING'] as const;
/** The model's ModelCustomization enum: it has no REINFORCEMENT_FINE_TUNING, so the wire cannot list RFT. */
const MODEL_CUSTOMIZATIONS = ['FINE_TUNING', 'CONTINUED_PRE_TRAINING', 'DISTILLATION'] as const;
const INFERENCE_TYPES = ['ON_DEMAND', 'PROVISIONED'] as const;

interface FoundationModel {
  modelArn: string;
  modelId: string;
  modelName: string;
  providerName: string;
  inputModalities: string[];
  outputModalities: string[];
  responseStreamingSupported: boolean;
  customizationsSupported: string[];
  inferenceTypesSupported: string[];
  modelLifecycle: { status: 'ACTIVE' };
}

/** Only values of the model's ModelModality enum go on the wire (the catalog also knows VIDEO input). */
const wireModalities = (list: readonly string[]) => list.filter((m) => (MODALITIES as readonly string[]).includes(m));

export function foundationModels(p: Partition): FoundationModel[] {
  const customizable = CATALOG.map((m) => ({
    modelArn: foundationModelArn(p, m.modelId),
    modelId: m.modelId,
    modelName: m.modelName,
    providerName: m.provider,
    inputModalities: wireModalities(m.inputModalities),
    outputModalities: wireModalities(m.outputModalities),
    responseStreamingSupported: m.outputModalities.includes('TEXT'),
    customizationsSupported: Object.keys(m.customizations).filter((t) =>
      (MODEL_CUSTOMIZATIONS as readonly string[]).includes(t),
    ),
    // Customized models and their customizable bases serve through provisioned throughput.
    inferenceTypesSupported: ['PROVISIONED'],
    modelLifecycle: { status: 'ACTIVE' as const },
  }));
  const teachers = TEACHER_MODELS.map((t) => ({
    modelArn: foundationModelArn(p, t.modelId),
    modelId: t.modelId,
    modelName: t.modelName,
    providerName: t.provider,
    inputModalities: ['TEXT'],
    outputModalities: ['TEXT'],
    responseStreamingSupported: true,
    customizationsSupported: [],
    inferenceTypesSupported: ['ON_DEMAND'],
    modelLifecycle: { status: 'ACTIVE' as const },
  }));
  return [...customizable, ...teachers];
}

export function catalogRoutes(p: Partition): Route[] {
  const models = foundationModels(p);
  return [
    {
      operation: 'ListFoundationModels',
      method: 'GET',
      path: '/foundation-models',
      handler: (ctx) => {
        const q = ctx.query;
        const v = new Violations();
        const byProvider = q.string('byProvider');
        checkString(v, 'byProvider', byProvider, { pattern: PROVIDER_PATTERN });
        const byCustomizationType = q.string('byCustomizationType');
        checkString(v, 'byCustomizationType', byCustomizationType, { enumValues: MODEL_CUSTOMIZATIONS });
        const byOutputModality = q.string('byOutputModality');
        checkString(v, 'byOutputModality', byOutputModality, { enumValues: MODALITIES });
        const byInferenceType = q.string('byInferenceType');
        checkString(v, 'byInferenceType', byInferenceType, { enumValues: INFERENCE_TYPES });
        v.throwIfAny();
        const modelSummaries = models.filter(
          (m) =>
            (byProvider === undefined || m.providerName.toLowerCase() === byProvider.toLowerCase()) &&
            (byCustomizationType === undefined || m.customizationsSupported.includes(byCustomizationType)) &&
            (byOutputModality === undefined || m.outputModalities.includes(byOutputModality)) &&
            (byInferenceType === undefined || m.inferenceTypesSupported.includes(byInferenceType)),
        );
        return { status: 200, body: { modelSummaries } };
      },
    },
    {
      operation: 'GetFoundationModel',
      method: 'GET',
      path: '/foundation-models/{modelIdentifier}',
      handler: (_ctx, label) => {
        const id = modelIdOf(
          checkIdentifier(label, 'modelIdentifier', FOUNDATION_MODEL_IDENTIFIER_PATTERN, 2048),
        ).toLowerCase();
        const model = models.find((m) => m.modelId.toLowerCase() === id);
        if (!model) throw validation('The provided model identifier is invalid.');
        return { status: 200, body: { modelDetails: model } };
      },
    },
  ];
}
