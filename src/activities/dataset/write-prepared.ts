// The prepared files: spooled records in a given order (the seeded shuffle, or the original order),
// hashed for the fingerprint or streamed to S3 as a multipart upload. An upload that fails for any
// reason, a local read as much as an S3 call, is aborted, so no incomplete upload is left behind.
import type { S3Client } from '@aws-sdk/client-s3';
import { Context } from '@temporalio/activity';
import { createHash, type Hash } from 'node:crypto';
import { S3ObjectWriter } from '../../aws/s3-writer';
import { joinS3Uri, parseS3Uri } from '../../core/bedrock-patterns';
import { seededPermutation } from '../../core/dataset';
import { HEARTBEAT_BYTES, type Progress } from './progress';
import type { RecordSpool } from './record-spool';

/** Hashes or writes the records at `order`, heartbeating as it goes; returns their bytes. */
export async function copyRecords(
  spool: RecordSpool,
  order: Uint32Array,
  sink: { hash?: Hash; writer?: S3ObjectWriter },
  progress: Progress,
): Promise<number> {
  const scratch = { buffer: Buffer.allocUnsafe(64 * 1024) };
  let bytes = 0;
  let sinceYield = 0;
  for (let i = 0; i < order.length; i++) {
    const record = spool.read(order[i], scratch);
    sink.hash?.update(record);
    if (sink.writer) await sink.writer.write(record);
    progress.read(record.length);
    bytes += record.length;
    // Reads are synchronous: let heartbeats and cancellation through now and then.
    if ((sinceYield += record.length) >= HEARTBEAT_BYTES) {
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return bytes;
}

export async function uploadRecords(
  s3: S3Client,
  uri: string,
  spool: RecordSpool,
  order: Uint32Array,
  progress: Progress,
): Promise<void> {
  const { bucket, key } = parseS3Uri(uri);
  progress.start('writing', uri);
  const writer = new S3ObjectWriter(s3, bucket, key, {
    contentType: 'application/jsonl',
    signal: Context.current().cancellationSignal,
  });
  try {
    await copyRecords(spool, order, { writer }, progress);
    await writer.end();
  } catch (err) {
    // The writer aborts on its own S3 errors; this covers everything else (a spool read, a cancel).
    await writer.abort();
    throw err;
  }
}

export interface PreparedFiles {
  /** sha256 of train.jsonl: the run's fingerprint. */
  fingerprint: string;
  trainingUri: string;
  validationUri?: string;
  /** Bytes of train.jsonl. */
  bytes: number;
}

/**
 * The spooled records shuffled with the seed when `heldOut` records go to validation (else in their
 * order), written as `<output>/prepared/<fingerprint>/train.jsonl` and `validation.jsonl`. The fingerprint
 * is computed first, since it names the folder.
 */
export async function writePreparedFiles(
  s3: S3Client,
  spool: RecordSpool,
  options: { heldOut: number; seed: string; outputS3Uri: string; progress: Progress; source: string },
): Promise<PreparedFiles> {
  const { heldOut, progress } = options;
  const order =
    heldOut > 0 ? seededPermutation(spool.count, options.seed) : Uint32Array.from({ length: spool.count }, (_, i) => i);
  const validationOrder = order.subarray(0, heldOut);
  const trainingOrder = order.subarray(heldOut);
  const hash = createHash('sha256');
  progress.start('fingerprint', options.source);
  const bytes = await copyRecords(spool, trainingOrder, { hash }, progress);
  const fingerprint = hash.digest('hex');
  const folder = joinS3Uri(options.outputS3Uri, 'prepared', fingerprint);
  const trainingUri = joinS3Uri(folder, 'train.jsonl');
  const validationUri = heldOut > 0 ? joinS3Uri(folder, 'validation.jsonl') : undefined;
  await uploadRecords(s3, trainingUri, spool, trainingOrder, progress);
  if (validationUri) await uploadRecords(s3, validationUri, spool, validationOrder, progress);
  return { fingerprint, trainingUri, validationUri, bytes };
}
