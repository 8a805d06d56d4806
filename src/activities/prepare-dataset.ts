// Step 2 of the fineTune workflow: stream the training data (a JSONL object, or every invocation log
// under a prefix) and any validation files from S3 through the dataset engine, write a validation
// report, and, when asked, prepared files (exact duplicates removed; a seeded shuffle and split when no
// validation set is given). Nothing is held in memory but one chunk, one line and a few numbers per
// record; prepared records are spooled to a local temp file, since a shuffle needs random access.
//
// Where things go (under outputDataConfig.s3Uri):
//   prepared/<fingerprint>/validation-report.json    always, for valid data
//   prepared/<fingerprint>/train.jsonl, validation.jsonl   only when preparation changed the data
//   prepared/invalid-<sha256 of what was read>/validation-report.json   for invalid data, then DatasetInvalid
// The fingerprint is the sha256 of the training content the job will use: the prepared train.jsonl, the
// original object when nothing changed, or the used invocation-log lines (each followed by \n).
//
// Retries: every output is a pure function of the input and the data (no timestamps; the shuffle is
// seeded), so a retried attempt rewrites the same bytes under the same keys and returns the same result.
// Progress is heartbeated every 8 MiB read ({phase, file, bytes, records, line}); a retry reads the last
// heartbeat only to log where the previous attempt stopped, and starts over: resuming mid-file would
// need the engine's state (duplicate table, counts) in the heartbeat, which is too large to carry.
import type { TrainingDataConfig, ValidationDataConfig } from '@aws-sdk/client-bedrock';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createHash, type Hash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invocationLogObjects, openObject } from '../aws/s3-lines';
import { S3ObjectWriter } from '../aws/s3-writer';
import { joinS3Uri, parseS3Uri } from '../core/bedrock-patterns';
import {
  customizationOf,
  findModel,
  hyperParameterValue,
  type CatalogModel,
  type CustomizationSpec,
  type CustomizationType,
} from '../core/catalog';
import {
  DatasetContextError,
  DatasetValidator,
  DEFAULT_SEED,
  LineSplitter,
  preparationOptionProblems,
  seededPermutation,
  summarizeErrors,
  totalRecordProblems,
  validationSplitCount,
  withFileProblems,
  type DataPreparationOptions,
  type DatasetContext,
  type DatasetReport,
  type LineOutcome,
  type MetadataFilters,
  type Problem,
} from '../core/dataset';
import { fileLimitProblems } from '../core/dataset/limits';
import { FailureType } from '../core/fine-tune-contract';
import { awsErrorName } from './bedrock-errors';

export type { DataPreparationOptions } from '../core/dataset';

export interface PrepareDatasetInput {
  baseModelIdentifier: string;
  customizationType: CustomizationType;
  trainingDataConfig: TrainingDataConfig;
  validationDataConfig?: ValidationDataConfig;
  /** outputDataConfig.s3Uri: the report and prepared files go under `<it>/prepared/`. */
  outputS3Uri: string;
  /** batchSize changes token limits (Titan Text). */
  hyperParameters?: Record<string, string>;
  teacherModelIdentifier?: string;
  /** Absent: validate only. */
  preparation?: DataPreparationOptions;
}

export interface PrepareDatasetResult {
  /** sha256 hex of the content used for training. */
  fingerprint: string;
  reportUri: string;
  /** What the job should use: the prepared files' URIs, or the original configs. */
  trainingDataConfig: TrainingDataConfig;
  validationDataConfig?: ValidationDataConfig;
  stats: {
    trainingRecords: number;
    validationRecords: number;
    estimatedTokens: number;
    warnings: number;
    duplicatesRemoved: number;
    bytes: number;
  };
}

export interface PrepareDatasetDeps {
  s3: S3Client;
  /** Where prepared records are spooled; the OS temp folder by default. */
  tmpDir?: string;
}

/** What the last heartbeat of an attempt said. */
export interface PrepareDatasetProgress {
  phase: 'training' | 'validation' | 'invocation-logs' | 'fingerprint' | 'writing';
  file: string;
  bytes: number;
  records: number;
  line: number;
}

const HEARTBEAT_BYTES = 8 * 1024 * 1024;
/** Also beat on a slow stream: a stop or cancel reaches the activity only in a heartbeat's answer. */
const HEARTBEAT_MS = 2_000;
const REPORT_NAME = 'validation-report.json';
const FAILURE_PROBLEMS = 20;
const LF = new Uint8Array([10]);

class Progress {
  private lastBeat = 0;
  private lastBeatAt = 0;
  private readonly state: PrepareDatasetProgress = { phase: 'training', file: '', bytes: 0, records: 0, line: 0 };

  start(phase: PrepareDatasetProgress['phase'], file: string): void {
    Object.assign(this.state, { phase, file, line: 0 });
    this.beat();
  }

  read(bytes: number): void {
    this.state.bytes += bytes;
    if (this.state.bytes - this.lastBeat >= HEARTBEAT_BYTES || Date.now() - this.lastBeatAt >= HEARTBEAT_MS)
      this.beat();
  }

  line(line: number, outcome: LineOutcome): void {
    this.state.line = line;
    if (outcome === 'record' || outcome === 'duplicate') this.state.records++;
  }

  beat(): void {
    this.lastBeat = this.state.bytes;
    this.lastBeatAt = Date.now();
    Context.current().heartbeat({ ...this.state });
  }
}

/** Kept training records in a local file, with their offsets, for dedupe and the seeded shuffle. */
class RecordSpool {
  private readonly dir: string;
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(1024 * 1024);
  private used = 0;
  private written = 0;
  private offsets = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  count = 0;

  constructor(parent: string) {
    this.dir = mkdtempSync(join(parent, 'finetune-prepare-'));
    this.fd = openSync(join(this.dir, 'records.jsonl'), 'w+');
  }

  /** Appends a record as `line\n`; a trailing CR is dropped (prepared files use LF). */
  add(line: Uint8Array): void {
    const body = line.length > 0 && line[line.length - 1] === 13 ? line.subarray(0, line.length - 1) : line;
    if (this.count === this.offsets.length) this.growIndex();
    this.offsets[this.count] = this.written + this.used;
    this.lengths[this.count] = body.length + 1;
    this.count++;
    this.append(body);
    this.append(LF);
  }

  /** Record i (with its newline), in a buffer reused by the next call. */
  read(i: number, scratch: { buffer: Buffer }): Uint8Array {
    this.flush();
    const length = this.lengths[i];
    if (scratch.buffer.length < length)
      scratch.buffer = Buffer.allocUnsafe(Math.max(length, scratch.buffer.length * 2));
    readSync(this.fd, scratch.buffer, 0, length, this.offsets[i]);
    return scratch.buffer.subarray(0, length);
  }

  dispose(): void {
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private append(bytes: Uint8Array): void {
    if (this.used + bytes.length > this.buffer.length) this.flush();
    if (bytes.length > this.buffer.length) {
      writeSync(this.fd, bytes, 0, bytes.length, this.written);
      this.written += bytes.length;
      return;
    }
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }

  private flush(): void {
    if (this.used === 0) return;
    writeSync(this.fd, this.buffer, 0, this.used, this.written);
    this.written += this.used;
    this.used = 0;
  }

  private growIndex(): void {
    const offsets = new Float64Array(this.offsets.length * 2);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const lengths = new Uint32Array(this.lengths.length * 2);
    lengths.set(this.lengths);
    this.lengths = lengths;
  }
}

interface Scan {
  uri: string;
  report: DatasetReport;
  /** sha256 of the bytes read (the stored object, or all log objects). */
  sha256: string;
}

interface Job {
  model: CatalogModel;
  spec: CustomizationSpec;
  base: Omit<DatasetContext, 'role'>;
}

function invalidRequest(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, FailureType.InvalidRequest);
}

function resolveJob(input: PrepareDatasetInput): Job {
  const model = findModel(input.baseModelIdentifier);
  if (!model)
    throw invalidRequest(`baseModelIdentifier ${input.baseModelIdentifier} is not a customizable model in the catalog`);
  const spec = customizationOf(model, input.customizationType);
  if (!spec) throw invalidRequest(`${model.modelName} does not support ${input.customizationType}`);
  const optionProblems = input.preparation ? preparationOptionProblems(input.preparation) : [];
  if (optionProblems.length > 0) throw invalidRequest(`preparation: ${optionProblems.join('; ')}`);
  const base = {
    model,
    customizationType: input.customizationType,
    batchSize: hyperParameterValue(spec, input.hyperParameters, 'batchSize'),
    teacherModelIdentifier: input.teacherModelIdentifier,
  };
  return { model, spec, base };
}

/** Streams one object through a validator; `onLine` sees every line and what the engine made of it. */
async function scanObject(
  s3: S3Client,
  uri: string,
  ctx: DatasetContext,
  progress: Progress,
  onLine?: (line: Uint8Array, outcome: LineOutcome) => void,
): Promise<Scan> {
  const { bucket, key } = parseS3Uri(uri);
  const hash = createHash('sha256');
  const signal = Context.current().cancellationSignal;
  const opened = await openS3(uri, () =>
    openObject(s3, bucket, key, {
      signal,
      onStoredBytes: (chunk) => {
        hash.update(chunk);
        progress.read(chunk.length);
      },
    }),
  );
  const validator = new DatasetValidator({ ...ctx, datasetBucket: bucket, fileBytes: opened.size });
  const splitter = new LineSplitter();
  let n = 0;
  const handle = (line: Uint8Array) => {
    const outcome = validator.addLine(line, ++n);
    progress.line(n, outcome);
    onLine?.(line, outcome);
  };
  for await (const chunk of opened.chunks) splitter.push(chunk, handle);
  splitter.end(handle);
  return { uri, report: validator.finish(), sha256: hash.digest('hex') };
}

/** S3 errors that retrying cannot fix become InvalidRequest; the rest stay retryable. */
async function openS3<T>(uri: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (err) {
    const name = awsErrorName(err);
    if (name === 'NoSuchKey' || name === 'NoSuchBucket' || name === 'NotFound')
      throw invalidRequest(`${uri} does not exist`);
    if (name === 'AccessDenied' || name === 'Forbidden')
      throw ApplicationFailure.nonRetryable(`${uri} cannot be read: access denied`, FailureType.AccessDenied);
    throw err;
  }
}

async function scanInvocationLogs(
  s3: S3Client,
  uri: string,
  ctx: DatasetContext,
  progress: Progress,
  used: Hash,
): Promise<Scan> {
  const { bucket, key: prefix } = parseS3Uri(uri);
  const read = createHash('sha256');
  const validator = new DatasetValidator(ctx);
  const objects = invocationLogObjects(s3, bucket, prefix, {
    signal: Context.current().cancellationSignal,
    onStoredBytes: (chunk) => {
      read.update(chunk);
      progress.read(chunk.length);
    },
  });
  await openS3(uri, async () => {
    for await (const { key, opened } of objects) {
      validator.beginFile(key);
      progress.start('invocation-logs', `s3://${bucket}/${key}`);
      const splitter = new LineSplitter();
      let n = 0;
      const handle = (line: Uint8Array) => {
        const outcome = validator.addLine(line, ++n);
        progress.line(n, outcome);
        if (outcome === 'record') used.update(line).update(LF);
      };
      for await (const chunk of opened.chunks) splitter.push(chunk, handle);
      splitter.end(handle);
    }
  });
  return { uri, report: validator.finish(), sha256: read.digest('hex') };
}

async function putJson(s3: S3Client, uri: string, value: unknown): Promise<void> {
  const { bucket, key } = parseS3Uri(uri);
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: `${JSON.stringify(value, null, 2)}\n`,
      ContentType: 'application/json',
    }),
  );
}

/** Training problems first, then each validation file's, tagged with its URI. */
function allProblems(training: Scan, validation: readonly Scan[]): Problem[] {
  return [
    ...training.report.problems,
    ...validation.flatMap((v) => v.report.problems.map((p) => ({ ...p, file: p.file ?? v.uri }))),
  ];
}

interface Preparation {
  options: DataPreparationOptions;
  duplicatesRemoved: number;
  heldOut: number;
  trainingUri?: string;
  validationUri?: string;
}

async function writeReportAndFail(
  s3: S3Client,
  input: PrepareDatasetInput,
  training: Scan,
  validation: readonly Scan[],
  body: object,
): Promise<never> {
  const reportUri = joinS3Uri(input.outputS3Uri, 'prepared', `invalid-${training.sha256}`, REPORT_NAME);
  await putJson(s3, reportUri, body);
  const invalid = [training, ...validation].filter((s) => s.report.verdict === 'invalid');
  const errors = invalid.reduce((sum, s) => sum + s.report.errorCount, 0);
  const details = invalid.map((s) => `${s.uri}: ${summarizeErrors(s.report)}`).join(' | ');
  const problems = allProblems(training, validation)
    .filter((p) => p.severity === 'error')
    .slice(0, FAILURE_PROBLEMS);
  throw ApplicationFailure.nonRetryable(
    `dataset invalid (${errors} error${errors === 1 ? '' : 's'}; report ${reportUri}): ${details}`,
    FailureType.DatasetInvalid,
    {
      reportUri,
      problems,
    },
  );
}

function reportBody(
  input: PrepareDatasetInput,
  fingerprint: string | undefined,
  training: Scan,
  validation: readonly Scan[],
  preparation?: Preparation,
) {
  const verdict = [training, ...validation].every((s) => s.report.verdict === 'valid') ? 'valid' : 'invalid';
  return {
    verdict,
    fingerprint: fingerprint ?? null,
    baseModelIdentifier: input.baseModelIdentifier,
    customizationType: input.customizationType,
    training: { source: training.uri, sha256: training.sha256, ...training.report },
    validation: validation.map((v) => ({ source: v.uri, sha256: v.sha256, ...v.report })),
    preparation: preparation ?? null,
  };
}

async function prepareFromLogs(
  deps: PrepareDatasetDeps,
  input: PrepareDatasetInput,
  job: Job,
  progress: Progress,
): Promise<PrepareDatasetResult> {
  const logs = input.trainingDataConfig.invocationLogsConfig!;
  const source = logs.invocationLogSource?.s3Uri;
  if (!source) throw invalidRequest('trainingDataConfig.invocationLogsConfig.invocationLogSource.s3Uri is missing');
  if ((input.validationDataConfig?.validators?.length ?? 0) > 0)
    throw invalidRequest(
      'a validation dataset next to invocation logs is not supported here: remove validationDataConfig',
    );
  const used = createHash('sha256');
  const ctx: DatasetContext = {
    ...job.base,
    role: 'training',
    invocationLogs: {
      usePromptResponse: logs.usePromptResponse,
      requestMetadataFilters: logs.requestMetadataFilters as MetadataFilters | undefined,
    },
  };
  const scan = await scanInvocationLogs(deps.s3, source, ctx, progress, used);
  if (scan.report.verdict === 'invalid')
    return writeReportAndFail(deps.s3, input, scan, [], reportBody(input, undefined, scan, []));
  const fingerprint = used.digest('hex');
  const reportUri = joinS3Uri(input.outputS3Uri, 'prepared', fingerprint, REPORT_NAME);
  await putJson(deps.s3, reportUri, reportBody(input, fingerprint, scan, []));
  return {
    fingerprint,
    reportUri,
    trainingDataConfig: input.trainingDataConfig,
    stats: {
      trainingRecords: scan.report.records,
      validationRecords: 0,
      estimatedTokens: scan.report.estimatedTokens.total,
      warnings: scan.report.warningCount,
      duplicatesRemoved: 0,
      bytes: scan.report.bytes,
    },
  };
}

/** Hashes or writes the records at `order`, heartbeating as it goes; returns their bytes. */
async function copyRecords(
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

async function uploadRecords(
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
  await copyRecords(spool, order, { writer }, progress);
  await writer.end();
}

async function prepareFromFile(
  deps: PrepareDatasetDeps,
  input: PrepareDatasetInput,
  job: Job,
  progress: Progress,
): Promise<PrepareDatasetResult> {
  const trainingUri = input.trainingDataConfig.s3Uri!;
  const validatorUris = (input.validationDataConfig?.validators ?? [])
    .map((v) => v.s3Uri)
    .filter((u): u is string => !!u);
  const options = input.preparation;
  const { limits } = job.spec;
  const subject = `${job.model.modelName} ${input.customizationType}`;
  const spool =
    options && (options.dedupe || (options.validationSplit ?? 0) > 0)
      ? new RecordSpool(deps.tmpDir ?? tmpdir())
      : undefined;
  try {
    progress.start('training', trainingUri);
    const keep = (outcome: LineOutcome) => outcome === 'record' || (outcome === 'duplicate' && !options?.dedupe);
    const spoolKept = spool
      ? (line: Uint8Array, outcome: LineOutcome) => {
          if (keep(outcome)) spool.add(line);
        }
      : undefined;
    let training = await scanObject(deps.s3, trainingUri, { ...job.base, role: 'training' }, progress, spoolKept);
    const validation: Scan[] = [];
    for (const uri of validatorUris) {
      progress.start('validation', uri);
      validation.push(await scanObject(deps.s3, uri, { ...job.base, role: 'validation' }, progress));
    }

    // Counts as the job will see them: after dedupe and the held-out split.
    const duplicatesRemoved = options?.dedupe ? training.report.duplicates : 0;
    const kept = training.report.records - duplicatesRemoved;
    const heldOut =
      spool && validatorUris.length === 0 ? validationSplitCount(kept, options?.validationSplit ?? 0, limits) : 0;
    const trainingRecords = kept - heldOut;
    const validationRecords = heldOut + validation.reduce((sum, v) => sum + v.report.records, 0);
    const extra = totalRecordProblems(limits, trainingRecords, validationRecords, subject);
    if (duplicatesRemoved + heldOut > 0) {
      const after = fileLimitProblems(limits, { role: 'training', records: trainingRecords, bytes: 0, subject }).filter(
        (p) => p.rule === 'too-few-records',
      );
      extra.push(
        ...after.map((p) => ({
          ...p,
          message: `${p.message} (after removing ${duplicatesRemoved} duplicates and holding out ${heldOut} for validation)`,
        })),
      );
    }
    training = { ...training, report: withFileProblems(training.report, extra) };
    if ([training, ...validation].some((s) => s.report.verdict === 'invalid')) {
      return await writeReportAndFail(
        deps.s3,
        input,
        training,
        validation,
        reportBody(input, undefined, training, validation),
      );
    }

    const stats = {
      trainingRecords,
      validationRecords,
      estimatedTokens: training.report.estimatedTokens.total,
      warnings: [training, ...validation].reduce((sum, s) => sum + s.report.warningCount, 0),
      duplicatesRemoved,
      bytes: training.report.bytes,
    };
    if (!spool || duplicatesRemoved + heldOut === 0) {
      // Nothing to change: the job trains on the original objects.
      const fingerprint = training.sha256;
      const reportUri = joinS3Uri(input.outputS3Uri, 'prepared', fingerprint, REPORT_NAME);
      const preparation = options ? { options, duplicatesRemoved: 0, heldOut: 0 } : undefined;
      await putJson(deps.s3, reportUri, reportBody(input, fingerprint, training, validation, preparation));
      return {
        fingerprint,
        reportUri,
        trainingDataConfig: input.trainingDataConfig,
        validationDataConfig: input.validationDataConfig,
        stats,
      };
    }

    const order =
      heldOut > 0
        ? seededPermutation(spool.count, options?.seed ?? DEFAULT_SEED)
        : Uint32Array.from({ length: spool.count }, (_, i) => i);
    const validationOrder = order.subarray(0, heldOut);
    const trainingOrder = order.subarray(heldOut);
    const hash = createHash('sha256');
    progress.start('fingerprint', trainingUri);
    const preparedBytes = await copyRecords(spool, trainingOrder, { hash }, progress);
    const fingerprint = hash.digest('hex');
    const folder = joinS3Uri(input.outputS3Uri, 'prepared', fingerprint);
    const preparedTraining = joinS3Uri(folder, 'train.jsonl');
    const preparedValidation = heldOut > 0 ? joinS3Uri(folder, 'validation.jsonl') : undefined;
    await uploadRecords(deps.s3, preparedTraining, spool, trainingOrder, progress);
    if (preparedValidation) await uploadRecords(deps.s3, preparedValidation, spool, validationOrder, progress);
    const reportUri = joinS3Uri(folder, REPORT_NAME);
    const preparation: Preparation = {
      options: options ?? {},
      duplicatesRemoved,
      heldOut,
      trainingUri: preparedTraining,
      validationUri: preparedValidation,
    };
    await putJson(deps.s3, reportUri, reportBody(input, fingerprint, training, validation, preparation));
    return {
      fingerprint,
      reportUri,
      trainingDataConfig: { s3Uri: preparedTraining },
      validationDataConfig: preparedValidation
        ? { validators: [{ s3Uri: preparedValidation }] }
        : input.validationDataConfig,
      stats: { ...stats, bytes: preparedBytes },
    };
  } finally {
    spool?.dispose();
  }
}

export function createPrepareDatasetActivities(deps: PrepareDatasetDeps) {
  return {
    async prepareDataset(input: PrepareDatasetInput): Promise<PrepareDatasetResult> {
      const info = Context.current().info;
      const previous = info.heartbeatDetails as PrepareDatasetProgress | undefined;
      if (previous)
        log.info('prepareDataset retried: starting over (its outputs are deterministic)', {
          attempt: info.attempt,
          previous,
        });
      const job = resolveJob(input);
      const { s3Uri, invocationLogsConfig } = input.trainingDataConfig;
      if (!s3Uri === !invocationLogsConfig)
        throw invalidRequest('trainingDataConfig needs exactly one of s3Uri and invocationLogsConfig');
      const progress = new Progress();
      try {
        return invocationLogsConfig
          ? await prepareFromLogs(deps, input, job, progress)
          : await prepareFromFile(deps, input, job, progress);
      } catch (err) {
        // A read aborted by the run's cancel (a stop, the deadline) is a cancellation, not a failure.
        const cancelled = Context.current().cancellationSignal;
        if (cancelled.aborted) throw cancelled.reason ?? err;
        if (err instanceof DatasetContextError) throw invalidRequest(err.message);
        throw err;
      }
    },
  };
}
