// The promotion's waits: a resource not yet where the wait wants it fails benignly with the next look's
// delay, and the activity's retry policy is the loop (the "infrequent polling" pattern, as the job poll).
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { RetryLaterType } from '../../core/failures';

export function retryLater(message: string, delayMs: number): never {
  throw ApplicationFailure.create({
    type: RetryLaterType.ResourceNotReady,
    message,
    nextRetryDelay: delayMs,
    category: ApplicationFailureCategory.BENIGN,
  });
}
