// The rollBack workflow: `finetune rollback <deployment>` points a deployment back at the model it served
// before its last promotion and waits until Bedrock says it serves it. A workflow, not a CLI call, so the
// operator's act is durable (a lost connection does not leave it half-done) and recorded in Temporal.
import { log } from '@temporalio/workflow';
import type { ServingKind } from '../core/promotion-contract';
import { promotionActivitiesFor } from './activity-options';

export interface RollBackInput {
  kind: ServingKind;
  name: string;
  toModelArn: string;
  fromModelArn: string;
  reason: string;
}

export async function rollBack(input: RollBackInput): Promise<{ deploymentArn: string; modelArn: string }> {
  const acts = promotionActivitiesFor();
  log.info(`rolling ${input.name} back to ${input.toModelArn}`, { from: input.fromModelArn, reason: input.reason });
  await acts.updateServing({ kind: input.kind, name: input.name, modelArn: input.toModelArn });
  const served = await acts.waitServing({ kind: input.kind, name: input.name, modelArn: input.toModelArn });
  return { deploymentArn: served.arn, modelArn: served.modelArn };
}
