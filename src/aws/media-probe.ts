// The dataset engine's media check against S3: one ranged GET per object gives its first bytes (the
// magic bytes and an image's size) and its total size (Content-Range), so a separate HEAD would only
// repeat what this answers. Missing and forbidden objects are the dataset's problems; anything else
// (throttling, 5xx, a network error) is thrown for the caller's retry.
import type { S3Client } from '@aws-sdk/client-s3';
import type { MediaProbe } from '../core/dataset';
import { awsErrorName, s3ErrorKind } from './errors';
import { getObjectHead } from './s3-objects';

export function s3MediaProbe(s3: S3Client, signal?: AbortSignal): MediaProbe {
  return async (ref, headBytes) => {
    try {
      const { size, bytes } = await getObjectHead(s3, ref.bucket, ref.key, headBytes, signal);
      return { status: 'ok', size, head: bytes };
    } catch (err) {
      const kind = s3ErrorKind(err);
      if (kind === 'not-found') return { status: 'missing', reason: awsErrorName(err) };
      if (kind === 'access-denied') return { status: 'unreadable', reason: `${awsErrorName(err)}: access denied` };
      throw err;
    }
  };
}
