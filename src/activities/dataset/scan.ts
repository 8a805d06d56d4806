// Reading a source through the dataset engine, resumably. An object scan streams one JSONL object
// (from a byte offset when resumed, and only if the object is still the version first read), hashes
// the stored bytes, splits lines and feeds the engine; every `checkpointBytes` it stops at a chunk
// boundary and asks its owner to save a checkpoint. A log scan reads every invocation log object under
// a prefix in key order, puts offloaded bodies back inline first, and checkpoints between objects (a
// gzip stream cannot be entered midway).
import type { S3Client } from '@aws-sdk/client-s3';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { awsErrorName, s3ErrorKind } from '../../aws/errors';
import { addLogLines } from '../../aws/invocation-log-bodies';
import { s3MediaProbe } from '../../aws/media-probe';
import { invocationLogObjects, openObject } from '../../aws/s3-lines';
import { parseS3Uri } from '../../core/bedrock-patterns';
import type { MediaLimits } from '../../core/catalog';
import {
  checkMediaObjects,
  DatasetValidator,
  LineSplitter,
  withLineProblems,
  type MediaReferences,
  type DatasetContext,
  type LineOutcome,
  type ValidatorOptions,
} from '../../core/dataset';
import { FailureType } from '../../core/fine-tune-contract';
import type { LogScanState, ObjectScanState, Scan } from './checkpoint';
import type { Progress } from './progress';
import { ResumableSha256 } from './resumable-hash';

const LF = new Uint8Array([10]);

/** S3 errors that retrying cannot fix become InvalidRequest or AccessDenied; the rest stay retryable. */
export async function openS3<T>(uri: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (err) {
    const kind = s3ErrorKind(err);
    if (kind === 'not-found')
      throw ApplicationFailure.nonRetryable(`${uri} does not exist`, FailureType.InvalidRequest);
    if (kind === 'access-denied')
      throw ApplicationFailure.nonRetryable(`${uri} cannot be read: access denied`, FailureType.AccessDenied);
    throw err;
  }
}

/** Called at each chunk boundary past `checkpointBytes`; saves a checkpoint. */
export type Checkpointer = () => Promise<void>;

export class ObjectScan {
  private offset = 0;
  private lines = 0;
  private etag?: string;
  private size = 0;
  private readonly splitter = new LineSplitter();

  private constructor(
    readonly uri: string,
    readonly validator: DatasetValidator,
    private readonly hash: ResumableSha256,
  ) {}

  /** A scan from the start, or continuing from `state` and the duplicate journals saved up to it. */
  static async open(
    uri: string,
    ctx: DatasetContext,
    options: ValidatorOptions,
    resume?: { state: ObjectScanState; journals: readonly Uint32Array[] },
  ): Promise<ObjectScan> {
    const state = resume?.state;
    const { bucket } = parseS3Uri(uri);
    const validator = new DatasetValidator(
      { ...ctx, datasetBucket: bucket, ...(state ? { fileBytes: state.size } : {}) },
      { ...options, journal: true },
    );
    const scan = new ObjectScan(uri, validator, await ResumableSha256.create(state?.hash));
    if (state) {
      validator.restore(state.validator, resume?.journals ?? []);
      scan.offset = state.offset;
      scan.lines = state.lines;
      scan.etag = state.etag;
      scan.size = state.size;
      scan.splitter.restoreTail({ bytes: Buffer.from(state.tail, 'base64'), overlong: state.tailOverlong });
    }
    return scan;
  }

  snapshot(): ObjectScanState {
    const tail = this.splitter.tail();
    return {
      uri: this.uri,
      ...(this.etag !== undefined ? { etag: this.etag } : {}),
      size: this.size,
      offset: this.offset,
      lines: this.lines,
      tail: Buffer.from(tail.bytes).toString('base64'),
      tailOverlong: tail.overlong,
      hash: this.hash.save(),
      validator: this.validator.snapshot(),
    };
  }

  /** Reads to the end; `onLine` sees every line and what the engine made of it. */
  async run(
    s3: S3Client,
    progress: Progress,
    checkpoint: { every: number; save: Checkpointer },
    onLine?: (line: Uint8Array, outcome: LineOutcome) => void,
  ): Promise<Scan> {
    const { bucket, key } = parseS3Uri(this.uri);
    const signal = Context.current().cancellationSignal;
    const resuming = this.offset > 0;
    const opened = await openS3(this.uri, async () => {
      try {
        return await openObject(s3, bucket, key, {
          signal,
          ...(resuming ? { from: this.offset, ...(this.etag ? { ifMatch: this.etag } : {}) } : {}),
        });
      } catch (err) {
        if (awsErrorName(err) === 'PreconditionFailed')
          throw ApplicationFailure.nonRetryable(
            `${this.uri} changed while it was being prepared: start the run again`,
            FailureType.InvalidRequest,
          );
        throw err;
      }
    });
    if (!resuming) {
      this.etag = opened.etag;
      this.size = opened.size;
      this.validator.setFileBytes(opened.size);
    }
    const handle = (line: Uint8Array) => {
      const outcome = this.validator.addLine(line, ++this.lines);
      progress.line(this.lines, outcome);
      onLine?.(line, outcome);
    };
    let sinceCheckpoint = 0;
    for await (const chunk of opened.chunks) {
      this.hash.update(chunk);
      this.splitter.push(chunk, handle);
      this.offset += chunk.length;
      progress.read(chunk.length);
      if ((sinceCheckpoint += chunk.length) >= checkpoint.every && this.offset < this.size) {
        sinceCheckpoint = 0;
        await checkpoint.save();
      }
    }
    this.splitter.end(handle);
    return { uri: this.uri, report: this.validator.finish(), sha256: this.hash.hex() };
  }
}

/** Invocation logs under a prefix, as one dataset. */
export class LogScan {
  private lastKey?: string;
  bodiesFetched = 0;

  private constructor(
    readonly uri: string,
    readonly validator: DatasetValidator,
    private readonly read: ResumableSha256,
    /** The used record lines (offloaded bodies inline), each followed by \n: the fingerprint. */
    readonly used: ResumableSha256,
    private readonly ctx: DatasetContext,
  ) {}

  static async open(uri: string, ctx: DatasetContext, state?: LogScanState): Promise<LogScan> {
    const validator = new DatasetValidator(ctx);
    if (state) validator.restore(state.validator, []);
    const scan = new LogScan(
      uri,
      validator,
      await ResumableSha256.create(state?.readHash),
      await ResumableSha256.create(state?.usedHash),
      ctx,
    );
    scan.lastKey = state?.lastKey;
    return scan;
  }

  snapshot(): LogScanState {
    return {
      ...(this.lastKey !== undefined ? { lastKey: this.lastKey } : {}),
      readHash: this.read.save(),
      usedHash: this.used.save(),
      validator: this.validator.snapshot(),
    };
  }

  async run(s3: S3Client, progress: Progress, checkpoint: { every: number; save: Checkpointer }): Promise<Scan> {
    const { bucket, key: prefix } = parseS3Uri(this.uri);
    const signal = Context.current().cancellationSignal;
    const logs = this.ctx.invocationLogs ?? {};
    const objects = invocationLogObjects(s3, bucket, prefix, {
      signal,
      ...(this.lastKey !== undefined ? { startAfter: this.lastKey } : {}),
      onStoredBytes: (chunk) => {
        this.read.update(chunk);
        progress.read(chunk.length);
      },
    });
    let checkpointedAt = progress.bytes;
    await openS3(this.uri, async () => {
      for await (const { key, opened } of objects) {
        this.validator.beginFile(key);
        progress.start('invocation-logs', `s3://${bucket}/${key}`);
        this.bodiesFetched += await addLogLines(
          this.validator,
          opened.chunks,
          s3,
          { ...logs, signal },
          (line, outcome, lineNumber) => {
            progress.line(lineNumber, outcome);
            if (outcome === 'record') this.used.update(line).update(LF);
          },
        );
        this.lastKey = key;
        if (progress.bytes - checkpointedAt >= checkpoint.every) {
          await checkpoint.save();
          checkpointedAt = progress.bytes;
        }
      }
    });
    return { uri: this.uri, report: this.validator.finish(), sha256: this.read.hex() };
  }
}

/** The scan's report with the problems of the media objects it references, read where they live. */
export async function withMediaChecked(
  s3: S3Client,
  scan: Scan,
  refs: MediaReferences,
  limits: MediaLimits | undefined,
  progress: Progress,
  concurrency?: number,
): Promise<Scan> {
  if (refs.size === 0 || !limits) return scan;
  progress.start('media', scan.uri);
  const probe = s3MediaProbe(s3, Context.current().cancellationSignal);
  const problems = await checkMediaObjects(refs, probe, limits, {
    concurrency,
    onProgress: (done) => {
      if (done % 256 === 0) progress.beat();
    },
  });
  return { ...scan, report: withLineProblems(scan.report, problems) };
}
