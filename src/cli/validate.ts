// `finetune validate <file|s3-uri> --base-model <id>`: the dataset engine the workflow uses, with no
// Temporal. A local file is streamed from disk; an S3 URI is validated in place (so the same-bucket
// rules for media apply, the media objects are read where they live, and offloaded invocation-log bodies
// are fetched), or, with --invocation-logs, every log object under the prefix. The media of a local file
// are read from --media-root, a folder that stands for the bucket; without it they are reported as not
// checked. Exit codes: 0 valid, 1 invalid, 2 bad usage or input (unknown model, unsupported type,
// missing file).
import { Command, InvalidArgumentError, Option } from 'commander';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../aws/clients';
import { s3ErrorKind } from '../aws/errors';
import { addLogLines } from '../aws/invocation-log-bodies';
import { s3MediaProbe } from '../aws/media-probe';
import { invocationLogObjects, openObject } from '../aws/s3-lines';
import { loadAwsConfig } from '../config';
import { parseS3Uri } from '../core/bedrock-patterns';
import { CUSTOMIZATION_TYPES, customizationOf, INVOCATION_LOG_TYPES, type CustomizationType } from '../core/catalog';
import {
  checkMediaObjects,
  DatasetContextError,
  datasetContextOf,
  datasetFormatOf,
  DatasetValidator,
  isInvocationLogKey,
  MediaReferences,
  mediaNotCheckedProblem,
  metadataFilterProblems,
  reportText,
  totalRecordProblems,
  withFileProblems,
  withLineProblems,
  type DatasetContext,
  type DatasetReport,
  type DatasetRole,
  type MediaProbe,
  type MetadataFilters,
} from '../core/dataset';
import { outcomeExitCode, UsageError } from './exit-codes';

interface ValidateFlags {
  baseModel: string;
  type: CustomizationType;
  role: DatasetRole;
  batchSize?: number;
  teacher?: string;
  invocationLogs?: boolean;
  usePromptResponse?: boolean;
  metadataFilters?: MetadataFilters;
  mediaRoot?: string;
  json?: boolean;
}

/** A source's objects: one for a dataset file, every log file for invocation logs. */
interface SourceFile {
  name: string;
  size: number;
  chunks: AsyncIterable<Uint8Array>;
}

function positiveInt(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function filtersJson(raw: string): MetadataFilters {
  let filters: MetadataFilters;
  try {
    filters = JSON.parse(raw) as MetadataFilters;
  } catch {
    throw new InvalidArgumentError('expected JSON such as {"equals":{"project":"support-bot"}}');
  }
  const problems = metadataFilterProblems(filters);
  if (problems.length > 0) throw new InvalidArgumentError(problems.join('; '));
  return filters;
}

function contextFor(flags: ValidateFlags): DatasetContext {
  try {
    return datasetContextOf(
      {
        baseModelIdentifier: flags.baseModel,
        customizationType: flags.type,
        hyperParameters: flags.batchSize !== undefined ? { batchSize: String(flags.batchSize) } : undefined,
        teacherModelIdentifier: flags.teacher,
        invocationLogs: flags.invocationLogs
          ? { usePromptResponse: flags.usePromptResponse, requestMetadataFilters: flags.metadataFilters }
          : undefined,
      },
      flags.role,
    );
  } catch (err) {
    if (!(err instanceof DatasetContextError)) throw err;
    if (err.part === 'baseModelIdentifier') throw new UsageError(`--base-model ${err.message}`);
    if (err.part === 'customizationType') throw new UsageError(`${err.message}: pass --type`);
    throw new UsageError(err.message);
  }
}

/**
 * A local file's bytes through one reused buffer, so reading makes no garbage and memory stays flat
 * (a stream allocates a buffer per chunk, and tens of MB of them wait for the GC). Each chunk is valid
 * until the next is asked for: LineSplitter uses it synchronously and copies what it keeps.
 */
export async function* fileChunks(path: string, bufferBytes = 1024 * 1024): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(bufferBytes);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, bufferBytes, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

function localFiles(path: string, logs: boolean): SourceFile[] {
  if (!existsSync(path)) throw new UsageError(`${path} does not exist`);
  const source = (file: string): SourceFile => {
    const gzip = logs && file.endsWith('.gz');
    const chunks: AsyncIterable<Uint8Array> = gzip
      ? pipeline(createReadStream(file) as Readable, createGunzip(), () => {})
      : fileChunks(file);
    return { name: file, size: statSync(file).size, chunks };
  };
  if (!statSync(path).isDirectory()) return [source(path)];
  if (!logs) throw new UsageError(`${path} is a folder: give a JSONL file (or --invocation-logs for a folder of logs)`);
  const names = (readdirSync(path, { recursive: true }) as string[])
    .filter((name) => isInvocationLogKey(name.split('\\').join('/')))
    .sort();
  return names.map((name) => ({ ...source(join(path, name)), name: relative(path, join(path, name)) }));
}

async function* s3Files(s3: S3Client, uri: string, logs: boolean): AsyncGenerator<SourceFile> {
  const { bucket, key } = parseS3Uri(uri);
  try {
    if (logs) {
      for await (const { key: name, opened } of invocationLogObjects(s3, bucket, key)) yield { name, ...opened };
      return;
    }
    if (key === '' || key.endsWith('/'))
      throw new UsageError(`${uri} is a prefix: give the URI of one JSONL object (or --invocation-logs)`);
    yield { name: uri, ...(await openObject(s3, bucket, key)) };
  } catch (err) {
    const kind = s3ErrorKind(err);
    if (kind === 'not-found') throw new UsageError(`${uri} does not exist`);
    if (kind === 'access-denied') throw new UsageError(`${uri} cannot be read with these credentials (access denied)`);
    throw err;
  }
}

/** Media objects read from a folder that stands for the dataset's bucket: s3://bucket/k is <root>/k. */
function folderMediaProbe(root: string): MediaProbe {
  return async (ref, headBytes) => {
    const path = join(root, ref.key);
    try {
      const { size } = await stat(path);
      const file = await open(path, 'r');
      try {
        const head = Buffer.alloc(Math.min(headBytes, size));
        await file.read(head, 0, head.length, 0);
        return { status: 'ok', size, head };
      } finally {
        await file.close();
      }
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'missing', reason: `no file ${path}` };
      return { status: 'unreadable', reason: `${path}: ${code ?? (err as Error).message}` };
    }
  };
}

export async function validateSource(source: string, ctx: DatasetContext, mediaRoot?: string): Promise<DatasetReport> {
  const logs = ctx.invocationLogs !== undefined;
  const isS3 = source.startsWith('s3://');
  const s3 = isS3 ? createS3Client(loadAwsConfig()) : undefined;
  try {
    const files: AsyncIterable<SourceFile> | SourceFile[] = s3 ? s3Files(s3, source, logs) : localFiles(source, logs);
    const media = new MediaReferences();
    let validator: DatasetValidator | undefined;
    for await (const file of files) {
      // The dataset's bucket and size are known once the object is open.
      const v = (validator ??= new DatasetValidator({
        ...ctx,
        ...(isS3 ? { datasetBucket: parseS3Uri(source).bucket } : {}),
        ...(logs ? {} : { fileBytes: file.size }),
        onMediaReference: (ref) => media.add(ref),
      }));
      if (logs) {
        v.beginFile(file.name);
        await addLogLines(v, file.chunks, s3, ctx.invocationLogs ?? {});
      } else await v.addChunks(file.chunks);
    }
    const report = (validator ?? new DatasetValidator(ctx)).finish();
    const limits = ctx.model.conversation?.media;
    if (media.size === 0 || !limits) return report;
    const probe = s3 ? s3MediaProbe(s3) : mediaRoot !== undefined ? folderMediaProbe(mediaRoot) : undefined;
    if (!probe) return withFileProblems(report, [mediaNotCheckedProblem(media.size)]);
    return withLineProblems(report, await checkMediaObjects(media, probe, limits));
  } finally {
    s3?.destroy();
  }
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'check a dataset (local file or S3 object) against the rules and limits of a base model and customization type; no Temporal needed',
    )
    .argument(
      '<file|s3-uri>',
      'a JSONL file, an s3://bucket/key object, or with --invocation-logs a log prefix or folder',
    )
    .requiredOption('--base-model <id>', 'the customizable base model id, e.g. amazon.nova-lite-v1:0:300k')
    .addOption(new Option('--type <type>', 'customization type').choices(CUSTOMIZATION_TYPES).default('FINE_TUNING'))
    .addOption(
      new Option('--role <role>', 'training data, or a validation set (held to the validation limits)')
        .choices(['training', 'validation'])
        .default('training'),
    )
    .addOption(
      new Option('--batch-size <n>', "the job's batchSize hyperparameter (token limits depend on it)").argParser(
        positiveInt,
      ),
    )
    .option('--teacher <id>', 'distillation teacher model (with --use-prompt-response, only its responses count)')
    .option(
      '--invocation-logs',
      `the source holds Bedrock model invocation logs (.json.gz), for ${INVOCATION_LOG_TYPES.join(' or ')}`,
    )
    .option('--use-prompt-response', 'with --invocation-logs: use the logged responses too')
    .addOption(
      new Option('--metadata-filters <json>', 'with --invocation-logs: requestMetadataFilters as JSON').argParser(
        filtersJson,
      ),
    )
    .option(
      '--media-root <dir>',
      'for a local file: the folder that stands for the media bucket (s3://bucket/key is <dir>/key); the media files are read from it',
    )
    .option('--json', 'print one JSON object: verdict, counts, problems [{rule, severity, line, message}]')
    .addHelpText(
      'after',
      [
        '',
        'A training file is also held to the training + validation total limits as if no validation file were given.',
        "Media (images, videos, documents): an S3 dataset's are read where they live; a local file's from --media-root,",
        'else they are reported as not checked. Each object: exists, readable, its magic bytes, size and image pixels.',
        'Exit codes: 0 valid, 1 invalid, 2 bad usage or input.',
        '',
        'Examples:',
        '  finetune validate train.jsonl --base-model amazon.nova-lite-v1:0:300k --media-root ./bucket',
        '  finetune validate s3://my-bucket/data/val.jsonl --base-model anthropic.claude-3-haiku-20240307-v1:0:200k --role validation --json',
        '  finetune validate s3://logs/prefix/AWSLogs --base-model amazon.nova-micro-v1:0:128k --type DISTILLATION --invocation-logs',
        '  finetune validate prompts.jsonl --base-model amazon.nova-2-lite-v1:0:256k --type REINFORCEMENT_FINE_TUNING',
      ].join('\n'),
    )
    .action(async (source: string, flags: ValidateFlags) => {
      if (flags.invocationLogs && !INVOCATION_LOG_TYPES.includes(flags.type))
        throw new UsageError(`--invocation-logs needs --type ${INVOCATION_LOG_TYPES.join(' or ')}`);
      const ctx = contextFor(flags);
      try {
        datasetFormatOf(ctx);
      } catch (err) {
        if (err instanceof DatasetContextError) throw new UsageError(err.message);
        throw err;
      }
      if (flags.mediaRoot !== undefined && !(existsSync(flags.mediaRoot) && statSync(flags.mediaRoot).isDirectory()))
        throw new UsageError(`--media-root ${flags.mediaRoot} is not a folder`);
      let report = await validateSource(source, ctx, flags.mediaRoot);
      if (ctx.role === 'training' && !flags.invocationLogs) {
        const limits = customizationOf(ctx.model, ctx.customizationType)!.limits;
        report = withFileProblems(
          report,
          totalRecordProblems(limits, report.records, 0, `${ctx.model.modelName} ${ctx.customizationType}`),
        );
      }
      console.log(flags.json ? JSON.stringify({ source, ...report }, null, 2) : reportText(report, { source }));
      process.exitCode = outcomeExitCode(report.verdict === 'valid');
    });
}
