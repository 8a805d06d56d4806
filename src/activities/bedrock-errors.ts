// How Bedrock's exceptions become Temporal failures. Retryable conditions (throttling, 5xx, IAM role
// propagation, quota) stay retryable; a request Bedrock rejects fails at once with Bedrock's message.
import { ApplicationFailure } from '@temporalio/common';
import { awsErrorMessage, awsErrorName } from '../aws/errors';
import { FailureType } from '../core/fine-tune-contract';

/** Right after a role is created, Bedrock may not be able to assume it yet: worth a bounded retry. */
export function isRoleNotReady(err: unknown): boolean {
  return (
    awsErrorName(err) === 'ValidationException' && /could not assume provided iam role/i.test(awsErrorMessage(err))
  );
}

/** Bedrock refused the request itself: retrying cannot help. Anything else is rethrown as it is. */
export function failFastOnRejection(err: unknown, what: string): never {
  const name = awsErrorName(err);
  if (name === 'ValidationException' || name === 'ResourceNotFoundException' || name === 'TooManyTagsException') {
    throw ApplicationFailure.nonRetryable(
      `${what}: Bedrock rejected the request: ${awsErrorMessage(err)}`,
      FailureType.InvalidRequest,
      { bedrockError: name },
    );
  }
  if (name === 'AccessDeniedException') {
    throw ApplicationFailure.nonRetryable(`${what}: access denied: ${awsErrorMessage(err)}`, FailureType.AccessDenied);
  }
  // ThrottlingException, InternalServerException, ServiceUnavailable, network errors: the activity's
  // retry policy takes them (the SDK has already retried each call 3 times).
  throw err;
}
