// The rollBack workflow: `finetune rollback <deployment>` points a deployment back at the model it served
// before its last promotion and waits until Bedrock says it serves it. A workflow, not a CLI call, so the
// operator's act is durable (a lost connection does not leave it half-done) and recorded in Temporal.
import { ApplicationFailure, log } from '@temporalio/workflow';
import { FailureType } from '../core/failures';
import { pollingFrom } from '../core/polling';
import type { ServingKind } from '../core/promotion-contract';
import type { PollingOptions } from '../core/request';
import { promotionActivitiesFor } from './activity-options';
import { PROMOTION_WAIT } from './promotion';

export interface RollBackInput {
  kind: ServingKind;
  name: string;
  toModelArn: string;
  fromModelArn: string;
  reason: string;
  /** How often to look while it updates (a promotion's default: 30 s doubling to 2 minutes). */
  polling?: PollingOptions;
}

export interface RollBackResult {
  deploymentArn: string;
  modelArn: string;
  /** What it served when the rollback began: already `toModelArn` means there was nothing to do. */
  servedBefore: string;
}

export async function rollBack(input: RollBackInput): Promise<RollBackResult> {
  const acts = promotionActivitiesFor();
  const ref = { kind: input.kind, name: input.name };
  const before = await acts.lookUpServing(ref);
  if (!before) {
    throw ApplicationFailure.nonRetryable(`there is no ${input.kind} named ${input.name}`, FailureType.InvalidRequest);
  }
  if (before.modelArn === input.toModelArn && before.ready) {
    log.info(`${input.name} already serves ${input.toModelArn}: nothing to roll back`);
    return { deploymentArn: before.arn, modelArn: before.modelArn, servedBefore: before.modelArn };
  }
  log.info(`rolling ${input.name} back to ${input.toModelArn}`, { from: before.modelArn, reason: input.reason });
  await acts.updateServing({ ...ref, modelArn: input.toModelArn });
  const served = await acts.waitServing({
    ...ref,
    modelArn: input.toModelArn,
    ...(input.polling ? { backoff: pollingFrom(input.polling, PROMOTION_WAIT) } : {}),
  });
  return { deploymentArn: served.arn, modelArn: served.modelArn, servedBefore: before.modelArn };
}
