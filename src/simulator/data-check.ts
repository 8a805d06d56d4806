// The validation phase's look at the data: reads the training and validation files (or the invocation
// logs) from S3 and decides, once, whether the job goes on and with how many records. A missing or
// unreadable file, a line that is not a JSON object, or record counts outside the model's limits fail
// the job with a Bedrock-like failureMessage naming the file, the line and the rule.
//
// TODO(dataset-engine): src/core/dataset/ (the engine behind `finetune validate`) is being written
// alongside this file and has no entry point yet. When it has one, `checkJsonlFile` should hand each
// file to it and format its first error-severity problem as below (`line N: <rule>: <message>`); the
// rule ids used here already match src/core/dataset/rules.ts. Until then this checks only what every
// format shares: UTF-8 JSON objects, one per line, and the catalog's record limits.
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parseS3Uri } from '../core/bedrock-patterns';
import type { CatalogModel, CustomizationSpec } from '../core/catalog';
import { teacherProfileToModelId } from './validate-create';
import type { DataCheckOutcome, InvocationLogsConfig, RequestMetadataBaseFilters, RequestMetadataFilters } from './types';

/** S3 could not be asked (connection refused, 5xx): the check is retried later, the job does not fail. */
export class TransientDataError extends Error {}

export interface DataCheckInput {
  model: CatalogModel;
  spec: CustomizationSpec;
  roleArn: string;
  trainingS3Uri?: string;
  invocationLogsConfig?: InvocationLogsConfig;
  teacherModelIdentifier?: string;
  validatorS3Uris: string[];
}

/** The job fails with this message (a permanent problem with the data or its location). */
class DataProblem extends Error {}

const MAX_PROMPTS = 15_000;

export async function validateTrainingData(s3: S3Client, input: DataCheckInput): Promise<DataCheckOutcome> {
  try {
    const trainingRecords = input.invocationLogsConfig
      ? await countInvocationLogRecords(s3, input.invocationLogsConfig, input)
      : await checkJsonlFile(s3, input.trainingS3Uri ?? '', 'training', input.spec.limits.maxTrainingFileBytes, input.roleArn);
    let validationRecords = 0;
    for (const uri of input.validatorS3Uris) {
      validationRecords += await checkJsonlFile(s3, uri, 'validation', input.spec.limits.maxValidationFileBytes, input.roleArn);
    }
    checkLimits(input, trainingRecords, validationRecords);
    return { ok: true, trainingRecords, validationRecords };
  } catch (err) {
    if (err instanceof DataProblem) return { ok: false, failureMessage: err.message.slice(0, 2048) };
    throw err;
  }
}

function checkLimits(input: DataCheckInput, training: number, validation: number): void {
  const l = input.spec.limits;
  const name = input.model.modelName;
  const where = input.trainingS3Uri ?? input.invocationLogsConfig?.invocationLogSource.s3Uri ?? '';
  if (l.minTrainingRecords !== undefined && training < l.minTrainingRecords) {
    throw new DataProblem(`Input data at ${where} is invalid: too-few-records: the training data has ${training} records; ${name} needs at least ${l.minTrainingRecords}.`);
  }
  if (l.maxTrainingRecords !== undefined && training > l.maxTrainingRecords) {
    throw new DataProblem(`Input data at ${where} is invalid: too-many-records: the training data has ${training} records; ${name} takes at most ${l.maxTrainingRecords}.`);
  }
  if (l.maxValidationRecords !== undefined && validation > l.maxValidationRecords) {
    throw new DataProblem(`Validation data is invalid: too-many-records: the validation data has ${validation} records; ${name} takes at most ${l.maxValidationRecords}.`);
  }
  const total = training + validation;
  if (l.minTotalRecords !== undefined && total < l.minTotalRecords) {
    throw new DataProblem(`Input data is invalid: too-few-total-records: training and validation data have ${total} records together; ${name} needs at least ${l.minTotalRecords}.`);
  }
  if (l.maxTotalRecords !== undefined && total > l.maxTotalRecords) {
    throw new DataProblem(`Input data is invalid: too-many-total-records: training and validation data have ${total} records together; ${name} takes at most ${l.maxTotalRecords}.`);
  }
}

interface S3ErrorLike {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

/** A refusal S3 will repeat (missing, forbidden) fails the job; anything else is retried. */
function classifyS3Error(err: unknown, uri: string, roleArn: string): Error {
  const e = err as S3ErrorLike;
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'NoSuchKey' || e.name === 'NotFound' || (status === 404 && e.name !== 'NoSuchBucket')) {
    return new DataProblem(`Unable to read input data at ${uri}: the object does not exist. Check the S3 URI and that ${roleArn} can read it.`);
  }
  if (e.name === 'NoSuchBucket') return new DataProblem(`Unable to read input data at ${uri}: the bucket does not exist.`);
  if (e.name === 'AccessDenied' || status === 403) {
    return new DataProblem(`Unable to read input data at ${uri}: access denied. Grant ${roleArn} s3:GetObject and s3:ListBucket on it.`);
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new DataProblem(`Unable to read input data at ${uri}: S3 answered ${status} ${e.name ?? ''}.`.trim());
  }
  return new TransientDataError(`S3 unavailable while reading ${uri}: ${(err as Error).message}`);
}

async function getObject(s3: S3Client, uri: string, roleArn: string): Promise<{ body: Readable; bytes?: number }> {
  const { bucket, key } = parseS3Uri(uri);
  if (key === '' || key.endsWith('/')) {
    throw new DataProblem(`Unable to read input data at ${uri}: the URI names a folder, not a JSONL file.`);
  }
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!(out.Body instanceof Readable)) throw new TransientDataError(`S3 returned no body for ${uri}`);
    return { body: out.Body, bytes: out.ContentLength };
  } catch (err) {
    if (err instanceof DataProblem || err instanceof TransientDataError) throw err;
    throw classifyS3Error(err, uri, roleArn);
  }
}

/** Counts the records of one JSONL file; the first bad line fails the job. */
async function checkJsonlFile(s3: S3Client, uri: string, role: 'training' | 'validation', maxBytes: number | undefined, roleArn: string): Promise<number> {
  const { body, bytes } = await getObject(s3, uri, roleArn);
  const bad = (line: number, rule: string, message: string) =>
    new DataProblem(`${role === 'training' ? 'Input' : 'Validation'} data at ${uri} is invalid: line ${line}: ${rule}: ${message}`);
  if (maxBytes !== undefined && bytes !== undefined && bytes > maxBytes) {
    body.destroy();
    throw new DataProblem(`${role === 'training' ? 'Input' : 'Validation'} data at ${uri} is invalid: file-too-large: the file has ${bytes} bytes; the limit is ${maxBytes}.`);
  }
  let records = 0;
  let lineNumber = 0;
  const lines = createInterface({ input: body, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') throw bad(lineNumber, 'blank-line', 'the line is empty; every line must hold one JSON object.');
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (err) {
        throw bad(lineNumber, 'invalid-json', `the line is not valid JSON (${(err as Error).message}).`);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw bad(lineNumber, 'not-an-object', 'each line must be a JSON object.');
      }
      records++;
    }
  } catch (err) {
    if (err instanceof DataProblem) throw err;
    throw new TransientDataError(`reading ${uri} failed: ${(err as Error).message}`);
  } finally {
    lines.close();
    body.destroy();
  }
  return records;
}

// ---- distillation from invocation logs (bedrock-invocation-logs.md sections 1 and 3) ----

interface LogRecord {
  modelId?: unknown;
  input?: unknown;
  output?: unknown;
  errorCode?: unknown;
  requestMetadata?: Record<string, unknown>;
}

function matchesBase(filter: RequestMetadataBaseFilters, metadata: Record<string, unknown>): boolean {
  if (filter.equals) return Object.entries(filter.equals).every(([k, v]) => metadata[k] === v);
  // notEquals: a record without the key passes (the simulator's documented choice; real behaviour is UNCONFIRMED).
  if (filter.notEquals) return Object.entries(filter.notEquals).every(([k, v]) => metadata[k] !== v);
  return true;
}

export function matchesFilters(filters: RequestMetadataFilters | undefined, metadata: Record<string, unknown>): boolean {
  if (!filters) return true;
  if (filters.andAll) return filters.andAll.every((f) => matchesBase(f, metadata));
  if (filters.orAll) return filters.orAll.some((f) => matchesBase(f, metadata));
  return matchesBase(filters, metadata);
}

function sameModel(logged: string, teacher: string): boolean {
  const normalize = (id: string) => teacherProfileToModelId(id.replace(/^arn:aws[^:]*:bedrock:[^:]*:[^:]*:foundation-model\//, '')).toLowerCase();
  return normalize(logged) === normalize(teacher);
}

async function countInvocationLogRecords(s3: S3Client, config: InvocationLogsConfig, input: DataCheckInput): Promise<number> {
  const uri = config.invocationLogSource.s3Uri;
  const { bucket, key: prefix } = parseS3Uri(uri);
  const keys: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        const k = o.Key ?? '';
        if (k.endsWith('.json.gz') && !k.includes('/data/') && !k.endsWith('amazon-bedrock-logs-permission-check')) keys.push(k);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (err) {
    throw classifyS3Error(err, uri, input.roleArn);
  }
  if (keys.length === 0) {
    throw new DataProblem(`Input data at ${uri} is invalid: no-log-files: no model invocation logs (.json.gz) were found under this prefix.`);
  }
  let qualifying = 0;
  for (const key of keys.sort()) {
    const fileUri = `s3://${bucket}/${key}`;
    const { body } = await getObject(s3, fileUri, input.roleArn);
    const lines = createInterface({ input: body.pipe(createGunzip()), crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (line.trim() === '') continue;
        let record: LogRecord;
        try {
          record = JSON.parse(line) as LogRecord;
        } catch {
          continue; // Bedrock skips log lines that are not JSON (a truncated final line, for example).
        }
        if (typeof record !== 'object' || record === null || typeof record.modelId !== 'string' || !record.input || !record.output || record.errorCode) continue;
        if (!matchesFilters(config.requestMetadataFilters, record.requestMetadata ?? {})) continue;
        if (config.usePromptResponse && input.teacherModelIdentifier && !sameModel(record.modelId, input.teacherModelIdentifier)) continue;
        qualifying++;
      }
    } catch (err) {
      throw new DataProblem(`Input data at ${fileUri} is invalid: the object is not a gzip-compressed invocation log (${(err as Error).message}).`);
    } finally {
      lines.close();
      body.destroy();
    }
  }
  return Math.min(qualifying, MAX_PROMPTS);
}
