// The validation phase's look at the data: reads the training and validation files (or the invocation
// logs) from S3 through the project's dataset engine (src/core/dataset, the same rules `finetune
// validate` and the workflow apply) and decides, once, whether the job goes on and with how many
// records. A missing or unreadable file, or a first error of the engine (a line breaking the model
// family's record rules, or a limit), fails the job with a Bedrock-like failureMessage naming the file,
// the line and the rule: "Input data at s3://b/k is invalid: line 4: invalid-json: not valid JSON: ...".
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { awsErrorMessage, awsErrorName, httpStatusOf, s3BucketMissing, s3ErrorKind } from '../aws/errors';
import { parseS3Uri } from '../core/bedrock-patterns';
import type { CatalogModel, CustomizationSpec, CustomizationType } from '../core/catalog';
import {
  isInvocationLogKey,
  splitLines,
  totalRecordProblems,
  validateChunks,
  validateFiles,
  type DatasetContext,
  type DatasetReport,
  type DatasetRole,
  type Problem,
} from '../core/dataset';
import type { DataCheckOutcome, InvocationLogsConfig } from './types';

/** S3 could not be asked (connection refused, 5xx, a reset stream): retried later, the job does not fail. */
export class TransientDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransientDataError';
  }
}

export interface DataCheckInput {
  model: CatalogModel;
  customizationType: CustomizationType;
  spec: CustomizationSpec;
  roleArn: string;
  batchSize: number;
  trainingS3Uri?: string;
  invocationLogsConfig?: InvocationLogsConfig;
  teacherModelIdentifier?: string;
  validatorS3Uris: string[];
}

/** The job fails with this message (a permanent problem with the data or its location). */
class DataProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataProblem';
  }
}

const FAILURE_MESSAGE_MAX = 2048;

export async function validateTrainingData(s3: S3Client, input: DataCheckInput): Promise<DataCheckOutcome> {
  try {
    const trainingRecords = input.invocationLogsConfig
      ? await checkInvocationLogs(s3, input.invocationLogsConfig, input)
      : await checkJsonlFile(s3, input.trainingS3Uri ?? '', 'training', input);
    let validationRecords = 0;
    // Bedrock ignores a validation set some models take none of (Nova 2 Lite): it is not read.
    const validators = input.spec.limits.validationIgnored ? [] : input.validatorS3Uris;
    for (const uri of validators) validationRecords += await checkJsonlFile(s3, uri, 'validation', input);
    const totals = totalRecordProblems(
      input.spec.limits,
      trainingRecords,
      validationRecords,
      `${input.model.modelName} ${input.customizationType}`,
    );
    if (totals.length > 0) throw new DataProblem(`Input data is invalid: ${totals[0].rule}: ${totals[0].message}`);
    return { ok: true, trainingRecords, validationRecords };
  } catch (err) {
    if (err instanceof DataProblem) return { ok: false, failureMessage: err.message.slice(0, FAILURE_MESSAGE_MAX) };
    throw err;
  }
}

/** The engine's first error as one sentence: where (file, line), the rule id, the engine's message. */
function failureFrom(report: DatasetReport, subject: string): DataProblem {
  const errors = report.problems.filter((p: Problem) => p.severity === 'error');
  const first = errors[0];
  const where = [first?.file ? `s3 object ${first.file}` : '', first?.line !== undefined ? `line ${first.line}` : '']
    .filter(Boolean)
    .join(' ');
  const more = report.errorCount - 1;
  return new DataProblem(
    `${subject} is invalid: ${where ? `${where}: ` : ''}${first?.rule ?? 'invalid'}: ${first?.message ?? 'the data breaks the rules'}${more > 0 ? ` (and ${more} more error${more === 1 ? '' : 's'})` : ''}`,
  );
}

/** A refusal S3 will repeat (missing, forbidden, another 4xx) fails the job; anything else is retried. */
function classifyS3Error(err: unknown, uri: string, roleArn: string): Error {
  const kind = s3ErrorKind(err);
  const status = httpStatusOf(err);
  if (s3BucketMissing(err)) return new DataProblem(`Unable to read input data at ${uri}: the bucket does not exist.`);
  if (kind === 'not-found') {
    return new DataProblem(
      `Unable to read input data at ${uri}: the object does not exist. Check the S3 URI and that ${roleArn} can read it.`,
    );
  }
  if (kind === 'access-denied') {
    return new DataProblem(
      `Unable to read input data at ${uri}: access denied. Grant ${roleArn} s3:GetObject and s3:ListBucket on it.`,
    );
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new DataProblem(`Unable to read input data at ${uri}: S3 answered ${status} ${awsErrorName(err)}.`);
  }
  return new TransientDataError(`S3 unavailable while reading ${uri}: ${awsErrorMessage(err)}`);
}

async function getObject(s3: S3Client, uri: string, roleArn: string): Promise<{ body: Readable; bytes?: number }> {
  const { bucket, key } = parseS3Uri(uri);
  if (key === '' || key.endsWith('/'))
    throw new DataProblem(`Unable to read input data at ${uri}: the URI names a folder, not a JSONL file.`);
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!(out.Body instanceof Readable)) throw new TransientDataError(`S3 returned no body for ${uri}`);
    return { body: out.Body, bytes: out.ContentLength };
  } catch (err) {
    if (err instanceof DataProblem || err instanceof TransientDataError) throw err;
    throw classifyS3Error(err, uri, roleArn);
  }
}

function context(input: DataCheckInput, role: DatasetRole, extra: Partial<DatasetContext> = {}): DatasetContext {
  return {
    model: input.model,
    customizationType: input.customizationType,
    role,
    batchSize: input.batchSize,
    ...(input.teacherModelIdentifier ? { teacherModelIdentifier: input.teacherModelIdentifier } : {}),
    ...extra,
  };
}

/** Validates one JSONL file through the engine and returns its record count. */
async function checkJsonlFile(s3: S3Client, uri: string, role: DatasetRole, input: DataCheckInput): Promise<number> {
  const { body, bytes } = await getObject(s3, uri, input.roleArn);
  let report: DatasetReport;
  try {
    report = await validateChunks(
      body as AsyncIterable<Uint8Array>,
      context(input, role, {
        datasetBucket: parseS3Uri(uri).bucket,
        ...(bytes !== undefined ? { fileBytes: bytes } : {}),
      }),
    );
  } catch (err) {
    throw new TransientDataError(`reading ${uri} failed: ${(err as Error).message}`);
  } finally {
    body.destroy();
  }
  if (report.verdict === 'invalid')
    throw failureFrom(report, `${role === 'training' ? 'Input' : 'Validation'} data at ${uri}`);
  return report.records;
}

async function listLogKeys(s3: S3Client, uri: string, roleArn: string): Promise<{ bucket: string; keys: string[] }> {
  const { bucket, key: prefix } = parseS3Uri(uri);
  const keys: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key && isInvocationLogKey(o.Key)) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (err) {
    throw classifyS3Error(err, uri, roleArn);
  }
  return { bucket, keys: keys.sort() };
}

/** Validates every log object under the prefix as one dataset and returns the usable records. */
async function checkInvocationLogs(s3: S3Client, config: InvocationLogsConfig, input: DataCheckInput): Promise<number> {
  const uri = config.invocationLogSource.s3Uri;
  const { bucket, keys } = await listLogKeys(s3, uri, input.roleArn);
  async function* files() {
    for (const key of keys) {
      const { body } = await getObject(s3, `s3://${bucket}/${key}`, input.roleArn);
      try {
        yield {
          name: `s3://${bucket}/${key}`,
          lines: splitLines(body.pipe(createGunzip()) as AsyncIterable<Uint8Array>),
        };
      } finally {
        body.destroy();
      }
    }
  }
  let report: DatasetReport;
  try {
    report = await validateFiles(
      files(),
      context(input, 'training', {
        invocationLogs: {
          ...(config.usePromptResponse !== undefined ? { usePromptResponse: config.usePromptResponse } : {}),
          ...(config.requestMetadataFilters ? { requestMetadataFilters: config.requestMetadataFilters } : {}),
        },
      }),
    );
  } catch (err) {
    if (err instanceof DataProblem || err instanceof TransientDataError) throw err;
    // A log object that is not gzip: Bedrock cannot read it either.
    if ((err as { code?: string }).code?.startsWith('Z_'))
      throw new DataProblem(
        `Input data under ${uri} is invalid: an object is not a gzip-compressed invocation log (${(err as Error).message}).`,
      );
    throw new TransientDataError(`reading the invocation logs under ${uri} failed: ${(err as Error).message}`);
  }
  if (report.verdict === 'invalid') throw failureFrom(report, `Input data at ${uri}`);
  return report.records;
}
