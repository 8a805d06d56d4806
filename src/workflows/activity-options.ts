// Activity proxies with the timeouts and retries each step needs. Kept apart from the workflow so the
// flow reads without them.
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** Errors that retrying cannot fix (activities translate most; these catch an untranslated one). */
const NON_RETRYABLE = [
  'InvalidRequest',
  'DatasetInvalid',
  'JobNameTaken',
  'AccessDeniedException',
  'ValidationException',
  'ResourceNotFoundException',
];

export function activitiesFor() {
  // One short Bedrock/S3 call each; the summary names the step in the UI's timeline.
  const quick = (summary: string) =>
    proxyActivities<Activities>({
      summary,
      startToCloseTimeout: '2 minutes',
      retry: {
        initialInterval: '2s',
        backoffCoefficient: 2,
        maximumInterval: '2 minutes',
        nonRetryableErrorTypes: NON_RETRYABLE,
      },
    });
  const data = proxyActivities<Activities>({
    summary: 'validate and prepare the dataset',
    // Streams whole datasets from S3: hours for the largest files, so liveness comes from heartbeats.
    startToCloseTimeout: '12 hours',
    heartbeatTimeout: '2 minutes',
    retry: {
      initialInterval: '5s',
      backoffCoefficient: 2,
      maximumInterval: '5 minutes',
      maximumAttempts: 10,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
  const quota = proxyActivities<Activities>({
    summary: 'wait for a free customization-job slot',
    // Retries until a slot frees; the activity picks each delay (1 to 10 minutes). Cancel or stop ends it.
    startToCloseTimeout: '2 minutes',
    cancellationType: ActivityCancellationType.TRY_CANCEL,
    retry: {
      initialInterval: '1 minute',
      backoffCoefficient: 2,
      maximumInterval: '10 minutes',
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
  const poll = proxyActivities<Activities>({
    summary: 'look at the Bedrock job until it changes',
    // One GetModelCustomizationJob per attempt; the attempts are the polls (see poll-job.ts).
    startToCloseTimeout: '1 minute',
    cancellationType: ActivityCancellationType.TRY_CANCEL,
    retry: {
      initialInterval: '5s',
      backoffCoefficient: 2,
      maximumInterval: '5 minutes',
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
  const metrics = proxyActivities<Activities>({
    summary: 'collect metrics, write report and chart',
    startToCloseTimeout: '10 minutes',
    retry: {
      initialInterval: '5s',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 5,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
  return {
    preflight: quick('preflight checks').preflight,
    prepareDataset: data.prepareDataset,
    createJob: quick('create the Bedrock job').createJob,
    createJobWaitingForQuota: quota.createJob,
    pollJob: poll.pollJob,
    stopJob: quick('stop the Bedrock job').stopJob,
    collectMetrics: metrics.collectMetrics,
  };
}
