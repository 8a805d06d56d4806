// The custom search attributes of a fineTune run (the design's contract) and of a reconcile run. The dev server registers
// them at start; a production namespace needs them created once (see the README).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const FineTunePhaseKey = defineSearchAttributeKey('FineTunePhase', SearchAttributeType.KEYWORD);
export const BedrockJobStatusKey = defineSearchAttributeKey('BedrockJobStatus', SearchAttributeType.KEYWORD);
export const BedrockJobArnKey = defineSearchAttributeKey('BedrockJobArn', SearchAttributeType.KEYWORD);
export const BaseModelKey = defineSearchAttributeKey('BaseModel', SearchAttributeType.KEYWORD);
export const CustomModelNameKey = defineSearchAttributeKey('CustomModelName', SearchAttributeType.KEYWORD);
export const CustomizationTypeKey = defineSearchAttributeKey('CustomizationType', SearchAttributeType.KEYWORD);
export const DatasetFingerprintKey = defineSearchAttributeKey('DatasetFingerprint', SearchAttributeType.KEYWORD);
export const TrainingLossKey = defineSearchAttributeKey('TrainingLoss', SearchAttributeType.DOUBLE);
export const ValidationLossKey = defineSearchAttributeKey('ValidationLoss', SearchAttributeType.DOUBLE);
/** A fineTune run waiting in the fair queue for a job slot: how many runs go before it. */
export const JobQueueAheadKey = defineSearchAttributeKey('JobQueueAhead', SearchAttributeType.INT);
/** A promote run: the deployment it promotes to (`finetune deployments` finds the runs by it). */
export const PromotionDeploymentKey = defineSearchAttributeKey('PromotionDeployment', SearchAttributeType.KEYWORD);
/** A reconcile run: how many resources it ended, and how many a person should look at. */
export const ReconcileEndedKey = defineSearchAttributeKey('ReconcileEnded', SearchAttributeType.INT);
export const ReconcileNeedsAttentionKey = defineSearchAttributeKey('ReconcileNeedsAttention', SearchAttributeType.INT);

/** Set by Temporal on every run a Schedule starts (system attributes: nothing to register). */
export const TemporalScheduledStartTimeKey = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);
export const TemporalScheduledByIdKey = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_KEYS = [
  FineTunePhaseKey,
  BedrockJobStatusKey,
  BedrockJobArnKey,
  BaseModelKey,
  CustomModelNameKey,
  CustomizationTypeKey,
  DatasetFingerprintKey,
  TrainingLossKey,
  ValidationLossKey,
  JobQueueAheadKey,
  PromotionDeploymentKey,
  ReconcileEndedKey,
  ReconcileNeedsAttentionKey,
] as const;

/** `Name=Type` as the Temporal CLI's `--search-attribute` flag takes it. */
export function searchAttributeFlags(): string[] {
  const cliType: Record<string, string> = { KEYWORD: 'Keyword', DOUBLE: 'Double', INT: 'Int' };
  return SEARCH_ATTRIBUTE_KEYS.map((key) => `${key.name}=${cliType[key.type]}`);
}
