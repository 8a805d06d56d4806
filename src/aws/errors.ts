// What an AWS SDK error is, decided in one place: its name, its message, and for S3 the three kinds
// every caller branches on. The SDK names S3's answers differently by operation (a HEAD has no body, so
// a missing object is `NotFound` there and `NoSuchKey` on a GET), hence the status-code fallback.

export function awsErrorName(err: unknown): string {
  return (err as { name?: string })?.name ?? 'Error';
}

export function awsErrorMessage(err: unknown): string {
  return (err as { message?: string })?.message ?? String(err);
}

export function httpStatusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** `not-found`: no such key or bucket. `access-denied`: the credentials may not read it. */
export type S3ErrorKind = 'not-found' | 'access-denied' | 'other';

const NOT_FOUND = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound']);
const ACCESS_DENIED = new Set(['AccessDenied', 'Forbidden']);

export function s3ErrorKind(err: unknown): S3ErrorKind {
  const name = awsErrorName(err);
  const status = httpStatusOf(err);
  if (NOT_FOUND.has(name) || status === 404) return 'not-found';
  if (ACCESS_DENIED.has(name) || status === 403) return 'access-denied';
  return 'other';
}

/**
 * A `not-found` that S3 said is the bucket itself (NoSuchBucket), for messages that name what is
 * missing. A HEAD has no body to say so: its 404 is only `not-found`.
 */
export function s3BucketMissing(err: unknown): boolean {
  return awsErrorName(err) === 'NoSuchBucket';
}
