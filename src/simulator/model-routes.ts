// GetCustomModel, ListCustomModels and DeleteCustomModel.
import { foundationModelArn } from './arns';
import type { Engine } from './engine';
import { Violations } from './errors';
import { checkIdentifier } from './job-routes';
import { inTimeWindow, listReply, matchesName, readListParams } from './list-operations';
import {
  CUSTOM_MODEL_NAME_PATTERN,
  FOUNDATION_MODEL_ARN_PATTERN,
  MODEL_ARN_PATTERN,
  MODEL_IDENTIFIER_PATTERN,
} from './model-patterns';
import type { Route } from './router';
import type { ModelRecord } from './types';
import { checkString, rfc3339 } from './wire';

/** GetCustomModelResponse. */
function modelResponse(model: ModelRecord): object {
  return {
    modelArn: model.modelArn,
    modelName: model.modelName,
    jobName: model.jobName,
    jobArn: model.jobArn,
    baseModelArn: model.baseModelArn,
    customizationType: model.customizationType,
    ...(model.modelKmsKeyArn ? { modelKmsKeyArn: model.modelKmsKeyArn } : {}),
    hyperParameters: model.hyperParameters ?? {},
    trainingDataConfig: model.trainingDataConfig,
    validationDataConfig: model.validationDataConfig,
    outputDataConfig: model.outputDataConfig,
    trainingMetrics: { trainingLoss: model.trainingLoss },
    validationMetrics: model.validationLosses.map((validationLoss) => ({ validationLoss })),
    creationTime: rfc3339(model.creationTimeMs),
    ...(model.customizationConfig ? { customizationConfig: model.customizationConfig } : {}),
    modelStatus: 'Active',
  };
}

export function modelRoutes(engine: Engine, accountId: string, region: string): Route[] {
  const modelIdentifier = (label: string | undefined) =>
    checkIdentifier(label, 'modelIdentifier', MODEL_IDENTIFIER_PATTERN, 2048);
  return [
    {
      operation: 'GetCustomModel',
      method: 'GET',
      path: '/custom-models/{modelIdentifier}',
      handler: (_ctx, label) => ({ status: 200, body: modelResponse(engine.findModel(modelIdentifier(label))) }),
    },
    {
      operation: 'DeleteCustomModel',
      method: 'DELETE',
      path: '/custom-models/{modelIdentifier}',
      handler: async (_ctx, label) => {
        await engine.deleteModel(modelIdentifier(label));
        return { status: 200 };
      },
    },
    {
      operation: 'ListCustomModels',
      method: 'GET',
      path: '/custom-models',
      handler: (ctx) => {
        const q = ctx.query;
        const v = new Violations();
        const params = readListParams(q, v);
        const nameContains = q.string('nameContains');
        checkString(v, 'nameContains', nameContains, { min: 1, max: 63, pattern: CUSTOM_MODEL_NAME_PATTERN });
        const baseModelArnEquals = q.string('baseModelArnEquals');
        checkString(v, 'baseModelArnEquals', baseModelArnEquals, { min: 20, max: 1011, pattern: MODEL_ARN_PATTERN });
        const foundationModelArnEquals = q.string('foundationModelArnEquals');
        checkString(v, 'foundationModelArnEquals', foundationModelArnEquals, { pattern: FOUNDATION_MODEL_ARN_PATTERN });
        const modelStatus = q.string('modelStatus');
        checkString(v, 'modelStatus', modelStatus, { enumValues: ['Active', 'Creating', 'Failed'] });
        const isOwned = q.boolean('isOwned');
        v.throwIfAny();
        const matching = engine.allModels().filter(
          (m) =>
            inTimeWindow(m.creationTimeMs, params) &&
            matchesName(m.modelName, nameContains) &&
            (baseModelArnEquals === undefined || m.baseModelArn === baseModelArnEquals) &&
            (foundationModelArnEquals === undefined ||
              foundationModelArn({ region, accountId }, m.foundationModelId) === foundationModelArnEquals) &&
            (modelStatus === undefined || modelStatus === 'Active') &&
            // Every model here belongs to the simulated account; none is shared from another.
            isOwned !== false,
        );
        return listReply(
          matching,
          (m) => ({ creationTimeMs: m.creationTimeMs, arn: m.modelArn }),
          params,
          'modelSummaries',
          (m) => ({
            modelArn: m.modelArn,
            modelName: m.modelName,
            creationTime: rfc3339(m.creationTimeMs),
            baseModelArn: m.baseModelArn,
            // The model requires 1-63 chars of `provider.name`; a recorded real response had "" (reference
            // 1.4). The base model's id up to its version fits the model's pattern and says something.
            baseModelName: m.foundationModelId.split(':')[0],
            customizationType: m.customizationType,
            ownerAccountId: accountId,
            modelStatus: 'Active',
          }),
        );
      },
    },
  ];
}
