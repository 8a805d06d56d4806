// The contract of a fineTune run that other services, the CLI and operators rely on: the workflow
// type, its query/update/signal definitions, the progress and result shapes, and the failure types.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CustomizationType } from './catalog';
import type { JobStatus, PhaseStatus } from './bedrock-patterns';
import type { PromotionResult } from './promotion-contract';
import type { FineTuneRequest, PollingOptions } from './request';

export const FINE_TUNE_WORKFLOW_TYPE = 'fineTune';

/** Where a run is. Also the `FineTunePhase` search attribute. */
export type Phase =
  | 'preflight'
  | 'preparing-data'
  | 'creating-job'
  | 'waiting-for-quota'
  | 'training'
  | 'stopping'
  | 'collecting-metrics'
  | 'promoting'
  | 'completed'
  | 'skipped'
  | 'failed'
  | 'stopped'
  | 'cancelled';

export { FailureType } from './failures';

export interface PhaseDetail {
  status: PhaseStatus;
  creationTime?: string;
  lastModifiedTime?: string;
}

/** What one GetModelCustomizationJob told us, reduced to what the run tracks. */
export interface JobSnapshot {
  status: JobStatus;
  statusDetails?: { validation?: PhaseDetail; dataProcessing?: PhaseDetail; training?: PhaseDetail };
  failureMessage?: string;
  outputModelArn?: string;
  endTime?: string;
  trainingLoss?: number;
  validationLoss?: number;
}

export interface DatasetStats {
  fingerprint: string;
  reportUri: string;
  trainingRecords: number;
  validationRecords: number;
  estimatedTokens: number;
  warnings: number;
  duplicatesRemoved: number;
  bytes: number;
}

export interface MetricsSummaryView {
  epochs: { epoch: number; trainingLoss: number; validationLoss?: number; meanReward?: number }[];
  steps: number;
  finalTrainingLoss?: number;
  finalValidationLoss?: number;
  bestEpoch?: number;
  crossCheck: 'match' | 'mismatch' | 'unavailable';
  /** Reinforcement fine-tuning: the grader's mean reward at the first and last step, and the best. */
  rewards?: { steps: number; firstMean?: number; finalMean?: number; bestMean?: number };
}

/**
 * How the run left the remote job when it ended other than by the job's own end (cancel, stop,
 * deadline, a failure): what an operator needs to know that no paid job runs on unwatched.
 */
export interface JobCleanup {
  outcome:
    | 'no-job' // no job was created (or none was found under the run's name and token)
    | 'already-ended' // the job had ended on its own
    | 'stopped' // stopped, and Bedrock confirmed it
    | 'stop-unconfirmed' // stop requested; not Stopped within stopTimeout, or its status could not be read
    | 'stop-refused' // Bedrock refused every stop sent within stopTimeout while the job ran on
    | 'stop-failed'; // the job could not be looked for, or the stop request itself failed
  /** The job's last known status. */
  jobStatus?: JobStatus;
  message: string;
}

/** When the run entered each phase, in order (a phase entered twice appears twice). */
export interface PhaseTime {
  phase: Phase;
  at: string;
}

/** A run of the same schedule that trained a model: what a skipped run matched. */
export interface TrainedRun {
  workflowId: string;
  runId: string;
  /** The run's scheduled time (a trigger's or backfill's included). */
  scheduledAt: string;
  completedAt: string;
  datasetFingerprint: string;
  jobArn: string;
  customModelArn?: string;
}

/** What `skipIfUnchanged` decided, and why, in words an operator reads in the UI. */
export type SkipCheck =
  | { verdict: 'skip'; reason: string; matched: TrainedRun }
  | { verdict: 'train'; reason: string; comparedWith?: TrainedRun };

export interface FineTuneProgress {
  phase: Phase;
  jobArn?: string;
  jobName?: string;
  clientRequestToken?: string;
  jobStatus?: JobStatus;
  statusDetails?: JobSnapshot['statusDetails'];
  failureMessage?: string;
  /** Polls whose result the run has recorded (a poll that saw no change is not recorded in history). */
  pollsRecorded: number;
  /** The poll sequence in progress began with a wait: its first attempt made no Bedrock call. */
  pollSequenceWaitsFirst?: boolean;
  lastPollTime?: string;
  /** When the run will next look at the job, as far as the workflow knows (see client.ts for live values). */
  nextPollTime?: string;
  polling: { initialInterval: string; maximumInterval: string; backoffCoefficient: number; jitter: number };
  dataset?: DatasetStats;
  metrics?: MetricsSummaryView;
  /** Why there are no metrics, when collecting them failed. */
  metricsError?: string;
  stopReason?: string;
  cleanup?: JobCleanup;
  deadline?: string;
  startedAt: string;
  timeline?: PhaseTime[];
  skipCheck?: SkipCheck;
  /**
   * With the fair queue for the job quota: the run's fairness key, whether it holds a slot, and while it
   * waits how many runs go before it (`queued, 37 ahead`); the keeper workflow's ID.
   */
  queue?: { key: string; granted: boolean; ahead?: number; keeperId: string };
  /** With `orchestration.promotion`: the promotion's result once it ended. */
  promotion?: PromotionResult;
}

export interface FineTuneTimings {
  startedAt: string;
  jobCreatedAt?: string;
  jobEndedAt?: string;
  finishedAt: string;
  /** Seconds from job creation to its end, as the run saw them. */
  jobSeconds?: number;
}

/** A run that trained: its job completed (a job that failed or was stopped fails the run instead). */
export interface FineTuneTrainedResult {
  jobArn: string;
  jobName: string;
  customModelArn?: string;
  status: JobStatus;
  metrics?: MetricsSummaryView;
  /** Why there are no metrics, when collecting them failed (the job itself completed). */
  metricsError?: string;
  reportUri?: string;
  chartUri?: string;
  datasetReportUri?: string;
  datasetFingerprint?: string;
  /** With `orchestration.promotion`: how the promotion went (gated, rejected, promoted...). */
  promotion?: PromotionResult;
  timings: FineTuneTimings;
}

/**
 * A scheduled run with `skipIfUnchanged` whose prepared dataset and training settings were those of
 * the schedule's last trained run: no job was created. The model trained on this data is `matched`'s.
 */
export interface FineTuneSkippedFields {
  status: 'Skipped';
  reason: string;
  matched: TrainedRun;
  datasetFingerprint: string;
  datasetReportUri: string;
  timings: FineTuneTimings;
}

/** The members only a trained run has, absent from a skipped one: reading them gives undefined. */
type NoJob = { [K in Exclude<keyof FineTuneTrainedResult, keyof FineTuneSkippedFields>]?: never };
export type FineTuneSkippedResult = FineTuneSkippedFields & NoJob;

/** How a run that did not fail ended: narrow on `status` ('Skipped', or the job's final status). */
export type FineTuneResult = FineTuneTrainedResult | FineTuneSkippedResult;

export interface StopRequest {
  reason?: string;
}

export const progressQuery = defineQuery<FineTuneProgress>('progress');
export const stopUpdate = defineUpdate<{ accepted: true; phase: Phase }, [StopRequest]>('stop');
export const setPollingUpdate = defineUpdate<FineTuneProgress['polling'], [PollingOptions]>('setPolling');
export const pokeSignal = defineSignal('poke');

export type { FineTuneRequest, CustomizationType };
