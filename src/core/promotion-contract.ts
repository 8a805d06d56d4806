// The contract of a promote run (the child a fineTune run starts when its request has
// `orchestration.promotion`, or `finetune promote` alone): its workflow type, input, the approve and
// reject updates, the progress query, and the result other services and the CLI read.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { PromotionSpec, ScoreRow } from './promotion';
import type { PollingOptions } from './request';

export const PROMOTE_WORKFLOW_TYPE = 'promote';

/** The promote run a fineTune run starts: `<workflow id>-promote`. */
export const promotionWorkflowId = (workflowId: string) => `${workflowId}-promote`;

/** Where a promotion is. Also the `FineTunePhase` search attribute of a promote run. */
export type PromotionPhase =
  | 'checking'
  | 'evaluating'
  | 'awaiting-approval'
  | 'promoting'
  | 'smoke-testing'
  | 'rolling-back'
  | 'promoted'
  | 'gated'
  | 'rejected'
  | 'not-approved'
  | 'rolled-back'
  | 'cancelled'
  | 'failed';

/** An on-demand custom model deployment, or a Provisioned Throughput. */
export type ServingKind = 'deployment' | 'throughput';

/** What Bedrock's Get and List answers both say of one deployment or Provisioned Throughput. */
export interface ServingBasics {
  kind: ServingKind;
  name: string;
  arn: string;
  /** Creating | Active | Failed (deployment); Creating | InService | Updating | Failed (throughput). */
  status: string;
  /** The model it serves now. */
  modelArn: string;
  /** The model an update in progress moves it to. */
  updatingTo?: string;
}

/** What Bedrock's Get says of one deployment or Provisioned Throughput. */
export interface ServingState extends ServingBasics {
  updateStatus?: string;
  /** Active or InService, no update in progress. */
  ready: boolean;
  failureMessage?: string;
  commitment?: string;
}

export interface PromoteInput {
  customModelArn: string;
  promotion: PromotionSpec;
  /** The evaluation job's role when the promotion names none. */
  roleArn: string;
  /** The evaluation's answers and results go under `<it>/promotion/<workflow id>/`. */
  outputS3Uri: string;
  /** The run that trained the model, when a fineTune run started this one. */
  trainedBy?: { workflowId: string; runId: string };
  /** The parent run's deadline, which cuts the promotion short too. */
  deadlineAt?: string;
  /** How often to look at deployments and evaluation jobs (the run's `orchestration.polling`). */
  polling?: PollingOptions;
}

export interface ApprovalDecision {
  approved: boolean;
  reason: string;
  /** Who sent it (the CLI sends the user and host). */
  by: string;
  at: string;
}

export interface ApprovalRequest {
  reason?: string;
  by?: string;
}

/** How a promotion ended; 'rolled-back' only in a PromotionRolledBack failure's details. */
export type PromotionOutcome = 'promoted' | 'gated' | 'rejected' | 'not-approved' | 'cancelled' | 'rolled-back';

export interface PromotionResult {
  outcome: PromotionOutcome;
  /** Why it was gated, rejected, not approved or cut short. */
  reasons?: string[];
  deployment: { kind: ServingKind; name: string; arn?: string };
  modelArn: string;
  /** What production served before (the rollback target); absent when the deployment is new. */
  previousModelArn?: string;
  scores: ScoreRow[];
  approval?: ApprovalDecision;
  evaluation?: { newJobArn?: string; currentJobArn?: string; outputUri: string };
  smokeTest?: { prompts: number; passed: boolean };
  /** What the promotion created and removed again (staging deployment, candidate throughput). */
  cleanup?: string[];
  timings: { startedAt: string; finishedAt: string };
}

export interface PromotionProgress {
  phase: PromotionPhase;
  deployment: string;
  modelArn: string;
  previousModelArn?: string;
  scores?: ScoreRow[];
  approval?: ApprovalDecision;
  /** When an approval stops waiting. */
  approvalDeadline?: string;
  staging?: string;
  evaluationJobs?: string[];
  cleanup?: string[];
}

export const promotionProgressQuery = defineQuery<PromotionProgress>('promotionProgress');
export const approveUpdate = defineUpdate<ApprovalDecision, [ApprovalRequest]>('approve');
export const rejectUpdate = defineUpdate<ApprovalDecision, [ApprovalRequest]>('reject');
