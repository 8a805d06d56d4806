// The one register of failure types (`ApplicationFailure.type`). Three kinds, kept apart because the
// worker treats them differently: what a run ends with, what an activity says between its attempts
// (expected, retried, never a run's ending), and the Bedrock exceptions no retry can fix.

/** Failure types a run ends with: `ApplicationFailure.type` on the workflow's failure. */
export const FailureType = {
  InvalidRequest: 'InvalidRequest',
  DatasetInvalid: 'DatasetInvalid',
  JobNameTaken: 'JobNameTaken',
  BedrockJobFailed: 'BedrockJobFailed',
  /** The job was stopped: on the `stop` update, or outside the run (console, CLI, API). */
  BedrockJobStopped: 'BedrockJobStopped',
  /** The `stop` update came before any job existed: no job was created. */
  StoppedBeforeJob: 'StoppedBeforeJob',
  DeadlineExceeded: 'DeadlineExceeded',
  AccessDenied: 'AccessDeniedException',
  /** A promotion's smoke test failed through production: rolled back to the model served before. */
  PromotionRolledBack: 'PromotionRolledBack',
  /** A deployment or Provisioned Throughput Bedrock could not create or update (its failureMessage). */
  DeploymentFailed: 'DeploymentFailed',
  /** An evaluation job that Failed or was stopped outside the run (its failureMessages). */
  EvaluationFailed: 'EvaluationFailed',
  /** A Bedrock quota refused a create that waiting does not free (deployments, model units). */
  QuotaExceeded: 'ServiceQuotaExceededException',
  /** A promotion ended by an error no other type names. */
  PromotionFailed: 'PromotionFailed',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** The failure type `type` names, if it is one of the register's. */
export function failureTypeOf(type: string | null | undefined): FailureType | undefined {
  return (Object.values(FailureType) as string[]).includes(type ?? '') ? (type as FailureType) : undefined;
}

/**
 * Types an activity fails with to be run again later, choosing its own `nextRetryDelay`: the waiting
 * of the "infrequent polling" pattern, not errors (BENIGN where they are routine).
 */
export const RetryLaterType = {
  /** The poll saw no change worth recording. */
  JobUnchanged: 'JobUnchanged',
  /** Bedrock's concurrent-job quota is full. */
  WaitingForQuota: 'WaitingForQuota',
  /** Bedrock cannot assume a role that was just created (IAM propagation). */
  IamRoleNotReady: 'IamRoleNotReady',
  /** A deployment, Provisioned Throughput or evaluation job is not where the wait wants it yet. */
  ResourceNotReady: 'ResourceNotReady',
} as const;
export type RetryLaterType = (typeof RetryLaterType)[keyof typeof RetryLaterType];

/** An activity's own failures that retrying cannot fix. */
export const ActivityFailureType = {
  /** A metrics CSV Bedrock wrote has no column the parser knows. */
  MetricsCsvInvalid: 'MetricsCsvInvalid',
} as const;

/**
 * Activity failure types no retry can fix. Activities translate most errors into non-retryable
 * failures themselves; this list also catches an untranslated AWS SDK exception (its type is the
 * exception's class name).
 */
export const NON_RETRYABLE_TYPES: readonly string[] = [
  FailureType.InvalidRequest,
  FailureType.DatasetInvalid,
  FailureType.JobNameTaken,
  FailureType.AccessDenied,
  FailureType.DeploymentFailed,
  FailureType.EvaluationFailed,
  FailureType.QuotaExceeded,
  ActivityFailureType.MetricsCsvInvalid,
  'ValidationException',
  'ResourceNotFoundException',
];
