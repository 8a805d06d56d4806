// Whole small objects: reports, charts and metrics CSVs written and read in one request, and the first
// bytes of an object (a ranged GET: a media file's header without its body). Streams of any size are
// s3-lines.ts (reads) and s3-writer.ts (writes).
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseS3Uri } from '../core/bedrock-patterns';
import { awsErrorName, s3ErrorKind } from './errors';

export async function putText(s3: S3Client, uri: string, body: string, contentType: string): Promise<void> {
  const { bucket, key } = parseS3Uri(uri);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

/** Pretty-printed, with a final newline: reports people open. */
export async function putJson(s3: S3Client, uri: string, value: unknown): Promise<void> {
  await putText(s3, uri, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
}

/** The object as UTF-8 text; undefined when there is no such object. Other errors are thrown. */
export async function getText(s3: S3Client, uri: string): Promise<string | undefined> {
  const { bucket, key } = parseS3Uri(uri);
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await response.Body?.transformToString('utf-8')) ?? '';
  } catch (err) {
    if (s3ErrorKind(err) === 'not-found') return undefined;
    throw err;
  }
}

export interface ObjectHead {
  /** The object's whole size in bytes. */
  size: number;
  /** Its first bytes: at most the number asked for, fewer when the object is shorter. */
  bytes: Uint8Array;
}

/** The first `length` bytes of an object and its total size, in one ranged GET. */
export async function getObjectHead(
  s3: S3Client,
  bucket: string,
  key: string,
  length: number,
  signal?: AbortSignal,
): Promise<ObjectHead> {
  try {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${length - 1}` }),
      signal ? { abortSignal: signal } : {},
    );
    const bytes = response.Body ? await response.Body.transformToByteArray() : new Uint8Array(0);
    // "bytes 0-65535/1234567": the total follows the slash. Without a range answer, the body is all.
    const total = /\/(\d+)$/.exec(response.ContentRange ?? '')?.[1];
    return { size: total !== undefined ? Number(total) : (response.ContentLength ?? bytes.length), bytes };
  } catch (err) {
    // A range on an empty object is unsatisfiable: S3 answers 416 InvalidRange.
    if (awsErrorName(err) === 'InvalidRange') return { size: 0, bytes: new Uint8Array(0) };
    throw err;
  }
}
