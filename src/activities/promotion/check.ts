// Before a promotion creates anything: the model is one Bedrock can deploy here, the evaluation
// dataset is one an evaluation job takes (line numbers), and what serves the deployment's name today
// (the model to compare with, and to roll back to).
import { GetCustomModelCommand, type BedrockClient } from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { awsErrorMessage, awsErrorName } from '../../aws/errors';
import { getText } from '../../aws/s3-objects';
import { deployableOnDemand, findModel, onDemandDeployableModels } from '../../core/catalog';
import { parseEvaluationDataset } from '../../core/evaluation-dataset';
import { FailureType } from '../../core/failures';
import type { ServingKind, ServingState } from '../../core/promotion-contract';
import { kindOf, type PromotionSpec } from '../../core/promotion';
import { failFastOnRejection } from '../bedrock-errors';

export interface PromotionCheck {
  /** The base model the custom model was customized from. */
  baseModelId: string;
  /** How the staging copy is served for evaluation: a deployment where the base allows it. */
  stagingKind: ServingKind;
  /** What the deployment's name serves today; undefined when it does not exist yet. */
  current?: ServingState;
  prompts: number;
}

export function promotionCheckActivities(deps: {
  bedrock: BedrockClient;
  s3: S3Client;
  region: () => Promise<string>;
  lookUpServing: (ref: { kind: ServingKind; name: string }) => Promise<ServingState | undefined>;
}) {
  return {
    async checkPromotion(input: { customModelArn: string; promotion: PromotionSpec }): Promise<PromotionCheck> {
      const problems: string[] = [];
      const region = await deps.region();
      let baseModelId = '';
      try {
        const model = await deps.bedrock.send(new GetCustomModelCommand({ modelIdentifier: input.customModelArn }));
        if (model.modelStatus && model.modelStatus !== 'Active') {
          problems.push(
            `the custom model ${input.customModelArn} is ${model.modelStatus}, not Active: only an Active model can be deployed`,
          );
        }
        baseModelId = (model.baseModelArn ?? '').split('/').pop() ?? '';
      } catch (err) {
        if (awsErrorName(err) === 'ResourceNotFoundException' || awsErrorName(err) === 'ValidationException') {
          problems.push(`the custom model ${input.customModelArn} cannot be found: ${awsErrorMessage(err)}`);
        } else failFastOnRejection(err, 'GetCustomModel');
      }
      const base = baseModelId ? findModel(baseModelId) : undefined;
      const kind = kindOf(input.promotion);
      const onDemand = base !== undefined && deployableOnDemand(base, region);
      if (baseModelId && kind === 'on-demand' && !onDemand) {
        const deployable = onDemandDeployableModels(region);
        problems.push(
          `custom models of ${baseModelId} cannot be deployed on demand in ${region}` +
            (deployable.length > 0 ? ` (here: ${deployable.join(', ')})` : ' (no base model can be, here)') +
            '; use kind "provisioned" with modelUnits, or another Region',
        );
      }
      if (baseModelId && kind === 'provisioned' && base?.noProvisionedThroughput) {
        problems.push(`no Provisioned Throughput is sold for ${baseModelId}: use kind "on-demand"`);
      }
      const text = await getText(deps.s3, input.promotion.evaluation.dataset);
      let prompts = 0;
      if (text === undefined)
        problems.push(`the evaluation dataset ${input.promotion.evaluation.dataset} does not exist`);
      else {
        const parsed = parseEvaluationDataset(text, input.promotion.evaluation.dataset);
        problems.push(...parsed.problems);
        prompts = parsed.prompts.length;
      }
      const current = await deps.lookUpServing({
        kind: kind === 'on-demand' ? 'deployment' : 'throughput',
        name: input.promotion.deployment,
      });
      if (current && current.status === 'Failed') {
        problems.push(
          `${input.promotion.deployment} exists but has Failed (${current.failureMessage ?? 'no message'}): delete it or choose another name`,
        );
      }
      if (problems.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `The promotion cannot go ahead:\n  - ${problems.join('\n  - ')}`,
          FailureType.InvalidRequest,
        );
      }
      return {
        baseModelId,
        stagingKind: onDemand ? 'deployment' : 'throughput',
        ...(current ? { current } : {}),
        prompts,
      };
    },
  };
}
