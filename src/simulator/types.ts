// The simulator's records. Request members keep their wire names and shapes, so a record echoes back
// exactly what the caller sent; what the simulator adds (times, outcomes) is named for what it is.
import type { JobStatus, ReasoningEffort, RftNumericHyperParameter } from '../core/bedrock-patterns';
import { CUSTOMIZATION_TYPES } from '../core/catalog';
import type { MetadataBaseFilter, MetadataFilters } from '../core/dataset/types';

/**
 * Every customizationType the service model knows: the catalog's, and IMPORTED (a model imported, not
 * customized: the wire names it, no job creates one). The catalog decides which a model supports.
 */
export const WIRE_CUSTOMIZATION_TYPES = [...CUSTOMIZATION_TYPES, 'IMPORTED'] as const;
export type WireCustomizationType = (typeof WIRE_CUSTOMIZATION_TYPES)[number];

export interface Tag {
  key: string;
  value: string;
}

/** The same shapes the dataset engine applies (a union: exactly one member is set). */
export type RequestMetadataBaseFilters = MetadataBaseFilter;
export type RequestMetadataFilters = MetadataFilters;

export interface InvocationLogsConfig {
  invocationLogSource: { s3Uri: string };
  usePromptResponse?: boolean;
  requestMetadataFilters?: RequestMetadataFilters;
}

export interface TrainingDataConfig {
  s3Uri?: string;
  invocationLogsConfig?: InvocationLogsConfig;
}

export interface ValidationDataConfig {
  validators: { s3Uri: string }[];
}

export interface OutputDataConfig {
  s3Uri: string;
}

export interface VpcConfig {
  subnetIds: string[];
  securityGroupIds: string[];
}

export interface TeacherModelConfig {
  teacherModelIdentifier: string;
  maxResponseLengthForInference?: number;
}

/** RFTHyperParameters: JSON numbers (and one enum), unlike the string map of `hyperParameters`. */
export type RftHyperParameters = Partial<Record<RftNumericHyperParameter, number>> & {
  reasoningEffort?: ReasoningEffort;
};

export interface RftConfig {
  /** A union whose only member is lambdaGrader; optional in the service model. */
  graderConfig?: { lambdaGrader: { lambdaArn: string } };
  hyperParameters?: RftHyperParameters;
}

/** A union: exactly one member is set. */
export interface CustomizationConfig {
  distillationConfig?: { teacherModelConfig: TeacherModelConfig };
  rftConfig?: RftConfig;
}

/** A CreateModelCustomizationJob body that passed the modelled constraints. */
export interface CreateJobRequest {
  jobName: string;
  customModelName: string;
  roleArn: string;
  clientRequestToken?: string;
  baseModelIdentifier: string;
  customizationType?: WireCustomizationType;
  customModelKmsKeyId?: string;
  jobTags?: Tag[];
  customModelTags?: Tag[];
  trainingDataConfig: TrainingDataConfig;
  validationDataConfig?: ValidationDataConfig;
  outputDataConfig: OutputDataConfig;
  hyperParameters?: Record<string, string>;
  vpcConfig?: VpcConfig;
  customizationConfig?: CustomizationConfig;
}

/** Outcomes forced through the reserved job tag `simulator:outcome` (see README.md). */
export const FORCED_OUTCOMES = ['fail-validation', 'fail-data-processing', 'fail-training', 'fail-grader'] as const;
export type ForcedOutcome = (typeof FORCED_OUTCOMES)[number];

/** What the validation phase found in S3, recorded once when the clock passes the end of validation. */
export type DataCheckOutcome =
  { ok: true; trainingRecords: number; validationRecords: number } | { ok: false; failureMessage: string };

/** What happened when training ended: outputs written and the model created, or why not. */
export type CompletionOutcome =
  | { ok: true; modelArn: string; trainingLoss: number; validationLosses: number[] }
  | { ok: false; failureMessage: string };

export interface JobRecord {
  jobArn: string;
  /** The last ARN segment: 12 lowercase alphanumerics, also the output folder's suffix. */
  jobId: string;
  jobName: string;
  outputModelName: string;
  roleArn: string;
  clientRequestToken?: string;
  /** sha256 of the canonical request without its token: the same token must come with the same body. */
  requestDigest: string;
  /** As Bedrock reports it: the foundation-model ARN, or the custom model's ARN when customizing one. */
  baseModelArn: string;
  /** The catalog id of the foundation model underneath. */
  foundationModelId: string;
  customizationType: WireCustomizationType;
  hyperParameters?: Record<string, string>;
  trainingDataConfig: TrainingDataConfig;
  validationDataConfig: ValidationDataConfig;
  outputDataConfig: OutputDataConfig;
  outputModelKmsKeyArn?: string;
  customModelTags: Tag[];
  /**
   * The request's jobTags as sent (the tags map holds the live copy TagResource changes). Passed to the
   * custom model, whose behaviour they decide (README "Reserved tags"). Absent in state files written
   * before it existed: the live tags stand in.
   */
  jobTags?: Tag[];
  vpcConfig?: VpcConfig;
  customizationConfig?: CustomizationConfig;
  creationTimeMs: number;
  /** Simulated seconds per real second for this job, fixed at creation. */
  timeScale: number;
  /** Effective epochs (requested or the model's default), fixed at creation. */
  epochs: number;
  /** Effective batch size, for the number of steps in the metrics. */
  batchSize: number;
  forcedOutcome?: ForcedOutcome;
  /** From the reserved tag simulator:reply-delay-ms: each answer to this job's Create is held this long. */
  replyDelayMs?: number;
  /** From the reserved tag simulator:lost-replies: Create answers still to be lost, counted down, persisted. */
  createRepliesToLose?: number;
  /** From the reserved tag simulator:refused-stops: Stops still to be refused, counted down, persisted. */
  stopsToRefuse?: number;
  stopRequestedAtMs?: number;
  dataCheck?: DataCheckOutcome;
  completion?: CompletionOutcome;
  /**
   * The last status whose state-change event went out (simulator/job-events.ts); 'none' before the first.
   * Absent on jobs created while the simulator published no events: they never publish.
   */
  publishedStatus?: JobStatus | 'none';
}

export interface ModelRecord {
  modelArn: string;
  modelName: string;
  jobArn: string;
  jobName: string;
  baseModelArn: string;
  foundationModelId: string;
  customizationType: WireCustomizationType;
  modelKmsKeyArn?: string;
  hyperParameters?: Record<string, string>;
  trainingDataConfig: TrainingDataConfig;
  validationDataConfig: ValidationDataConfig;
  outputDataConfig: OutputDataConfig;
  trainingLoss: number;
  validationLosses: number[];
  customizationConfig?: CustomizationConfig;
  creationTimeMs: number;
  /**
   * The jobTags of the customization request that trained it: `simulator:eval-score` and
   * `simulator:outcome=fail-smoke|fail-deploy` there decide how it scores and serves. Absent in state
   * files written before it existed (such a model scores around 0.5 and serves normally).
   */
  jobTags?: Tag[];
}

export type { JobStatus };
