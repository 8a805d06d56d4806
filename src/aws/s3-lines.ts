// Streaming reads from S3 for the dataset engine: every key under a prefix (all pages, not the first
// 1,000), and an object's body as byte chunks or lines (gunzipped for `.gz` invocation logs), never the
// whole object in memory.
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { pipeline, Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { isInvocationLogKey } from '../core/dataset/formats/invocation-log';
import { splitLines } from '../core/dataset/lines';

export interface S3ObjectSummary {
  key: string;
  size: number;
}

export interface ReadOptions {
  signal?: AbortSignal;
}

/** Every object under `prefix`, in S3's (lexicographic) order, following continuation tokens. */
export async function* listObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  options: ReadOptions & { pageSize?: number; startAfter?: string } = {},
): AsyncGenerator<S3ObjectSummary> {
  const pages = paginateListObjectsV2(
    { client: s3, pageSize: options.pageSize },
    { Bucket: bucket, Prefix: prefix, ...(options.startAfter !== undefined ? { StartAfter: options.startAfter } : {}) },
  );
  for await (const page of pages) {
    if (options.signal?.aborted) throw options.signal.reason;
    for (const object of page.Contents ?? []) {
      if (object.Key !== undefined) yield { key: object.Key, size: object.Size ?? 0 };
    }
  }
}

export interface OpenedObject {
  /** Stored size of the whole object, before any gunzip (not only of the range read). */
  size: number;
  /** The version read: a resumed read asks for the same one (If-Match). */
  etag?: string;
  /** The body as chunks, gunzipped when asked. */
  chunks: AsyncIterable<Uint8Array>;
}

/**
 * Opens an object for streaming. `onStoredBytes` sees the stored (compressed) bytes as they arrive: the
 * progress a caller reports, and what a content hash of the object covers.
 */
export async function openObject(
  s3: S3Client,
  bucket: string,
  key: string,
  options: ReadOptions & {
    gunzip?: boolean;
    onStoredBytes?: (chunk: Uint8Array) => void;
    /** Read from this byte offset on (a resumed scan). */
    from?: number;
    /** Fail with PreconditionFailed unless the object is still this version. */
    ifMatch?: string;
  } = {},
): Promise<OpenedObject> {
  const from = options.from ?? 0;
  const response = await s3.send(
    new GetObjectCommand({
      Bucket: bucket,
      Key: key,
      ...(from > 0 ? { Range: `bytes=${from}-` } : {}),
      ...(options.ifMatch !== undefined ? { IfMatch: options.ifMatch } : {}),
    }),
    { abortSignal: options.signal },
  );
  const body = response.Body as Readable | undefined;
  if (!body) throw new Error(`s3://${bucket}/${key} has no body`);
  let source: Readable = body;
  if (options.onStoredBytes) {
    const tap = options.onStoredBytes;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        tap(chunk);
        done(null, chunk);
      },
    });
    source = pipeline(source, counted, () => {});
  }
  // pipeline() forwards an error of any stage to the last, so a broken download fails the iteration.
  if (options.gunzip) source = pipeline(source, createGunzip(), () => {});
  const total = /\/(\d+)$/.exec(response.ContentRange ?? '')?.[1];
  const size = total !== undefined ? Number(total) : (response.ContentLength ?? 0);
  return { size, etag: response.ETag, chunks: source };
}

/** The lines of an object (see splitLines: without `\n`, over-long lines cut short). */
export async function* objectLines(
  s3: S3Client,
  bucket: string,
  key: string,
  options: ReadOptions & { gunzip?: boolean } = {},
): AsyncGenerator<Uint8Array> {
  const { chunks } = await openObject(s3, bucket, key, options);
  yield* splitLines(chunks);
}

/**
 * The model invocation log objects under a prefix, opened one after the other and gunzipped: every
 * page of the listing, `.json.gz` only, `data/` side files and permission-check markers skipped.
 */
export async function* invocationLogObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  options: ReadOptions & { pageSize?: number; startAfter?: string; onStoredBytes?: (chunk: Uint8Array) => void } = {},
): AsyncGenerator<{ key: string; opened: OpenedObject }> {
  for await (const object of listObjects(s3, bucket, prefix, options)) {
    if (!isInvocationLogKey(object.key)) continue;
    yield { key: object.key, opened: await openObject(s3, bucket, object.key, { ...options, gunzip: true }) };
  }
}
