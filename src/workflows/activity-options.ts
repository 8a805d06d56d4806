// Activity proxies with the timeouts and retries each step needs. Kept apart from the workflow so the
// flow reads without them.
import { ActivityCancellationType, proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { quotaBackoff } from '../core/backoff';
import { NON_RETRYABLE_TYPES } from '../core/failures';

const nonRetryableErrorTypes = [...NON_RETRYABLE_TYPES];
const QUOTA_DEFAULT = quotaBackoff();

export interface ActivityChoices {
  /**
   * Whether a cancelled step waits for its activity to answer (WAIT_CANCELLATION_COMPLETED) before the
   * run goes on: a create in flight may have made the job the clean-up must find, and a data
   * preparation aborts its uploads. (Left unset, the SDK sends TRY_CANCEL, whatever its typedoc says:
   * sdk-typescript#2442.) Runs from before the patch 'run-owns-its-job' keep TRY_CANCEL: the order of
   * their history depends on it.
   */
  waitForCancellation: boolean;
  /** How long stopping the job may take in all (the request's stopTimeout): clean-up is bounded. */
  stopTimeoutMs: number;
}

export function activitiesFor(choices: ActivityChoices) {
  const cancellationType = choices.waitForCancellation
    ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
    : ActivityCancellationType.TRY_CANCEL;
  // One short Bedrock/S3 call each (seconds, with the SDK's own retries); the summary names the step in
  // the UI's timeline. A worker killed mid-call is noticed when this passes, so it is kept short.
  const quick = (summary: string, scheduleToCloseTimeout?: number) =>
    proxyActivities<Activities>({
      summary,
      startToCloseTimeout: '1 minute',
      cancellationType,
      ...(scheduleToCloseTimeout !== undefined ? { scheduleToCloseTimeout } : {}),
      retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2 minutes', nonRetryableErrorTypes },
    });
  const data = proxyActivities<Activities>({
    summary: 'validate and prepare the dataset',
    // Streams whole datasets from S3: hours for the largest files, so liveness comes from heartbeats,
    // which also bring a stop or a cancel to it.
    startToCloseTimeout: '12 hours',
    heartbeatTimeout: '2 minutes',
    cancellationType,
    retry: {
      initialInterval: '5s',
      backoffCoefficient: 2,
      maximumInterval: '5 minutes',
      maximumAttempts: 10,
      nonRetryableErrorTypes,
    },
  });
  const quota = proxyActivities<Activities>({
    summary: 'wait for a free customization-job slot',
    // Retries until a slot frees; the activity picks each delay from the request's quotaBackoff (these
    // are the server's fallback, the default one). Cancel or stop ends it.
    startToCloseTimeout: '1 minute',
    cancellationType,
    retry: {
      initialInterval: QUOTA_DEFAULT.initialMs,
      backoffCoefficient: QUOTA_DEFAULT.coefficient,
      maximumInterval: QUOTA_DEFAULT.maximumMs,
      nonRetryableErrorTypes,
    },
  });
  const poll = proxyActivities<Activities>({
    summary: 'look at the Bedrock job until it changes',
    // One GetModelCustomizationJob per attempt; the attempts are the polls (see poll-job.ts).
    startToCloseTimeout: '1 minute',
    cancellationType: ActivityCancellationType.TRY_CANCEL,
    retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5 minutes', nonRetryableErrorTypes },
  });
  const metrics = proxyActivities<Activities>({
    summary: 'collect metrics, write report and chart',
    cancellationType,
    // A few CSVs and two small writes: seconds even for long jobs.
    startToCloseTimeout: '3 minutes',
    retry: {
      initialInterval: '5s',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 5,
      nonRetryableErrorTypes,
    },
  });
  const bookkeeping = proxyActivities<Activities>({
    summary: 'record this training on the schedule',
    // Bookkeeping after the model exists: a few tries, then the run completes and says it could not.
    startToCloseTimeout: '1 minute',
    cancellationType,
    retry: {
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      maximumAttempts: 5,
      nonRetryableErrorTypes,
    },
  });
  return {
    preflight: quick('preflight checks').preflight,
    prepareDataset: data.prepareDataset,
    createJob: quick('create the Bedrock job').createJob,
    requestJobSlot: quick('ask the keeper for a customization-job slot').requestJobSlot,
    createJobWaitingForQuota: quota.createJob,
    // Clean-up steps, bounded like the rest of the clean-up: what they cannot do in time is recorded.
    findOwnJob: quick("find the run's job by its name and token", choices.stopTimeoutMs).findOwnJob,
    pollJob: poll.pollJob,
    stopJob: quick('stop the Bedrock job', choices.stopTimeoutMs).stopJob,
    collectMetrics: metrics.collectMetrics,
    recordPromotionInReport: metrics.recordPromotionInReport,
    recordTrainedRun: bookkeeping.recordTrainedRun,
  };
}

export type RunActivities = ReturnType<typeof activitiesFor>;

/** The reconcile workflow's steps: bounded retries, then the pass records what it could not do. */
export function reconcileActivitiesFor() {
  const retry: RetryPolicy = {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes,
  };
  return {
    // Every page of the listing and one ListTagsForResource per live resource: minutes at most.
    listOwnResources: proxyActivities<Activities>({
      summary: "list live Bedrock resources with this project's lineage",
      startToCloseTimeout: '5 minutes',
      retry,
    }).listOwnResources,
    lookUpRuns: proxyActivities<Activities>({
      summary: 'ask the namespace about the runs they name',
      startToCloseTimeout: '2 minutes',
      retry,
    }).lookUpRuns,
    endResource: proxyActivities<Activities>({
      summary: 'end a resource its closed run left behind',
      startToCloseTimeout: '1 minute',
      retry,
    }).endResource,
  };
}

/**
 * The promote workflow's steps. Creates wait for their answer when cancelled (the clean-up must know
 * whether a resource exists); waits are benign retries of one look each; generating answers paces
 * itself (4 requests a minute by default: hours for 1,000 prompts), so it heartbeats and resumes.
 */
export function promotionActivitiesFor() {
  const cancellationType = ActivityCancellationType.WAIT_CANCELLATION_COMPLETED;
  const retry: RetryPolicy = {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    nonRetryableErrorTypes,
  };
  const quick = (summary: string) =>
    proxyActivities<Activities>({ summary, startToCloseTimeout: '2 minutes', cancellationType, retry });
  const wait = (summary: string) =>
    proxyActivities<Activities>({
      summary,
      startToCloseTimeout: '1 minute',
      cancellationType: ActivityCancellationType.TRY_CANCEL,
      retry: { ...retry, initialInterval: '30s' },
    });
  const long = (summary: string, startToCloseTimeout: string) =>
    proxyActivities<Activities>({
      summary,
      startToCloseTimeout: startToCloseTimeout as '1 minute',
      heartbeatTimeout: '2 minutes',
      cancellationType,
      retry: { ...retry, maximumAttempts: 10 },
    });
  return {
    checkPromotion: quick('check the model, the evaluation dataset and what serves the deployment').checkPromotion,
    lookUpServing: quick('look at the deployment').lookUpServing,
    createServing: quick('create the deployment (derived token)').createServing,
    updateServing: quick('point the deployment at the model').updateServing,
    waitServing: wait('wait until the deployment serves the model').waitServing,
    deleteServing: quick('delete the deployment').deleteServing,
    generateAnswers: long("ask the model the evaluation's prompts (Converse)", '24 hours').generateAnswers,
    startEvaluation: quick('create the judge evaluation job (derived token)').startEvaluation,
    waitEvaluation: wait('wait for the evaluation job').waitEvaluation,
    readEvaluationScores: quick('average the judge scores').readEvaluationScores,
    stopEvaluation: quick('stop the evaluation job').stopEvaluation,
    smokeTest: long('smoke-test production (Converse)', '30 minutes').smokeTest,
  };
}

export type PromotionActivities = ReturnType<typeof promotionActivitiesFor>;
