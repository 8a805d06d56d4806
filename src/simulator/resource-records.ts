// Records of the resources that come after training: on-demand custom model deployments, Provisioned
// Throughputs and model evaluation jobs. Like jobs, each is a request as sent plus what happened at a
// time (updates, stops, deletes, the facts read from S3), and its status is a pure function of the record
// and the clock (resource-lifecycle.ts, evaluation-lifecycle.ts). Nothing is ever removed from the state
// file: a deleted resource keeps its record with the time it went away, so its clientRequestToken still
// names it and a restart agrees with the clock.
import type { Tag } from './types';

/** Fields every such resource has for idempotency, time and reply faults. */
export interface ResourceBase {
  arn: string;
  /** The last ARN segment, 12 lowercase alphanumerics. */
  id: string;
  clientRequestToken?: string;
  /** sha256 of the canonical request without its token: the same token must come with the same body. */
  requestDigest: string;
  creationTimeMs: number;
  /** Simulated seconds per real second, fixed at creation (`--time-scale` or the tag simulator:time-scale). */
  timeScale: number;
  /** From the tag simulator:reply-delay-ms: each answer to this resource's Create is held this long. */
  replyDelayMs?: number;
  /** From the tag simulator:lost-replies: Create answers still to be lost, counted down, persisted. */
  createRepliesToLose?: number;
  /** When it stops existing (Get answers ResourceNotFoundException from then on). */
  goneAtMs?: number;
}

/** One UpdateCustomModelDeployment or UpdateProvisionedModelThroughput that changed the model. */
export interface ModelUpdate {
  modelArn: string;
  requestedAtMs: number;
  /** Set when the update fails (the target model's training job has simulator:outcome=fail-deploy). */
  failureMessage?: string;
}

export interface DeploymentRecord extends ResourceBase {
  name: string;
  /** The custom model it was created with; `updates` change what it serves. */
  modelArn: string;
  description?: string;
  /** Set when the creation fails (the model's training job has simulator:outcome=fail-deploy). */
  createFailureMessage?: string;
  updates: ModelUpdate[];
}

export type CommitmentDuration = 'OneMonth' | 'SixMonths';

export interface ThroughputRecord extends ResourceBase {
  name: string;
  modelUnits: number;
  commitmentDuration?: CommitmentDuration;
  /** The model it was created with (custom model or foundation-model ARN); `updates` change it. */
  modelArn: string;
  /** The catalog id of the foundation model underneath. */
  foundationModelId: string;
  createFailureMessage?: string;
  updates: ModelUpdate[];
  lastRenamedAtMs?: number;
}

/** What the evaluation reads from each dataset when its setup ends: prompts, or why it fails. */
export type DatasetOutcome = { ok: true; prompts: number } | { ok: false; failureMessages: string[] };

/** What the evaluation wrote when its run ended, or why it could not. */
export type ResultsOutcome = { ok: true; keys: string[] } | { ok: false; failureMessages: string[] };

/** One dataset of an evaluation job and the metrics computed on it. */
export interface EvaluationDatasetPlan {
  name: string;
  s3Uri: string;
  taskType: string;
  metricNames: string[];
}

/** What an evaluation job does, read from its request once at create. */
export interface EvaluationPlan {
  datasets: EvaluationDatasetPlan[];
  /** The judge of built-in judge metrics (evaluatorModelConfig), when there are any. */
  judge?: string;
  /** The judge of custom metrics (customMetricConfig.evaluatorModelConfig), and their names. */
  customMetricsJudge?: string;
  customMetrics: string[];
  /** The model under test: a Bedrock model the simulator answers as, or a BYOI label. */
  model: { bedrockModelIdentifier: string } | { precomputedSource: string };
}

export interface EvaluationRecord extends ResourceBase {
  jobName: string;
  jobDescription?: string;
  roleArn: string;
  customerEncryptionKeyId?: string;
  applicationType: string;
  /** The request's members as sent, echoed by GetEvaluationJob. */
  evaluationConfig: unknown;
  inferenceConfig: unknown;
  outputDataConfig: { s3Uri: string };
  plan: EvaluationPlan;
  /** From the tag simulator:outcome=fail-evaluation: fails when its run would have completed. */
  forcedFailure?: boolean;
  datasets?: DatasetOutcome;
  results?: ResultsOutcome;
  stopRequestedAtMs?: number;
  deleteRequestedAtMs?: number;
}

export type ResourceKind = 'deployment' | 'throughput' | 'evaluation';

export interface ResourceRecords {
  deployment: DeploymentRecord;
  throughput: ThroughputRecord;
  evaluation: EvaluationRecord;
}

export type AnyResource = ResourceRecords[ResourceKind];

export type { Tag };
