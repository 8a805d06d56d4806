// Bodies Bedrock offloaded from an invocation log record: a request or response over 100 KB is written
// to a side object (`.../data/<requestId>_input.json.gz`, gzip JSON) and the record carries
// `input.inputBodyS3Path` / `output.outputBodyS3Path` instead of the body (bedrock-invocation-logs.md
// 1.3). Before the dataset engine sees such a record, the side objects are read and the bodies put back
// inline, so the engine checks the real prompt and response. Only lines that mention a body path are
// parsed here; the rest pass through untouched. addLogLines feeds a log file to the engine this way, for
// the workflow's preparation and `finetune validate` alike.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { parseS3Uri } from '../core/bedrock-patterns';
import {
  LineSplitter,
  matchesMetadataFilters,
  type DatasetValidator,
  type LineOutcome,
  type MetadataFilters,
} from '../core/dataset';
import { isObject, type JsonObject } from '../core/json';
import { awsErrorName, s3ErrorKind } from './errors';

const MARKER = Buffer.from('BodyS3Path"');
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** A cheap byte test: only a line naming a body path can have an offloaded body. */
export function mayHaveOffloadedBody(line: Uint8Array): boolean {
  return Buffer.from(line.buffer, line.byteOffset, line.length).indexOf(MARKER) >= 0;
}

export interface OffloadedBodyOptions {
  usePromptResponse?: boolean;
  requestMetadataFilters?: MetadataFilters;
  signal?: AbortSignal;
}

/** The line with its bodies inline; or why the record cannot be used (a side object missing or unreadable). */
export type ResolvedLine = { line: Uint8Array; fetched: number } | { dropped: string };

async function readBody(s3: S3Client, uri: string, signal?: AbortSignal): Promise<unknown> {
  const { bucket, key } = parseS3Uri(uri);
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  const raw = response.Body ? await response.Body.transformToByteArray() : new Uint8Array(0);
  // Side objects are gzip JSON; accept a plain one too.
  const bytes = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  return JSON.parse(decoder.decode(bytes)) as unknown;
}

/**
 * Fetches the side objects a record points to and returns the record with them inline. Records the
 * filters drop, and responses when only prompts are used, are not fetched. A missing or forbidden side
 * object drops the record; a malformed line is left for the engine to report; other errors are thrown.
 */
export async function inlineOffloadedBodies(
  s3: S3Client,
  line: Uint8Array,
  options: OffloadedBodyOptions,
): Promise<ResolvedLine> {
  let record: JsonObject;
  try {
    const parsed: unknown = JSON.parse(decoder.decode(line));
    if (!isObject(parsed)) return { line, fetched: 0 };
    record = parsed;
  } catch {
    return { line, fetched: 0 };
  }
  const metadata = isObject(record.requestMetadata) ? record.requestMetadata : undefined;
  if (options.requestMetadataFilters && !matchesMetadataFilters(metadata, options.requestMetadataFilters))
    return { line, fetched: 0 };
  const wanted: [JsonObject, string, string][] = [];
  if (isObject(record.input)) wanted.push([record.input, 'inputBodyJson', 'inputBodyS3Path']);
  if (options.usePromptResponse && isObject(record.output))
    wanted.push([record.output, 'outputBodyJson', 'outputBodyS3Path']);
  let fetched = 0;
  for (const [part, bodyKey, pathKey] of wanted) {
    const path = part[pathKey];
    if ((part[bodyKey] !== undefined && part[bodyKey] !== null) || typeof path !== 'string') continue;
    try {
      part[bodyKey] = await readBody(s3, path, options.signal);
      fetched++;
    } catch (err) {
      if (err instanceof SyntaxError || (err as { code?: string }).code?.startsWith('Z_'))
        return { dropped: `the side object ${path} is not gzip JSON: ${(err as Error).message}` };
      const kind = s3ErrorKind(err);
      if (kind === 'not-found') return { dropped: `the side object ${path} does not exist (${awsErrorName(err)})` };
      if (kind === 'access-denied') return { dropped: `the side object ${path} cannot be read (access denied)` };
      throw err;
    }
  }
  return fetched === 0 ? { line, fetched } : { line: encoder.encode(JSON.stringify(record)), fetched };
}

/**
 * Gives one log file's lines to the engine, each record with its offloaded bodies inline; a record whose
 * side object is missing or unreadable is dropped (log-missing-body). Without `s3` (a local folder of
 * logs) the lines go to the engine as they are. `onLine` sees the line the engine saw and what it made
 * of it. Returns how many side objects were read.
 */
export async function addLogLines(
  validator: DatasetValidator,
  chunks: AsyncIterable<Uint8Array>,
  s3: S3Client | undefined,
  options: OffloadedBodyOptions,
  onLine?: (line: Uint8Array, outcome: LineOutcome, lineNumber: number) => void,
): Promise<number> {
  const splitter = new LineSplitter();
  let n = 0;
  let fetched = 0;
  const lines: Uint8Array[] = [];
  const collect = (line: Uint8Array) => lines.push(line);
  const feed = async () => {
    // Lines are views into the current chunk: all of them are used before the next one is read.
    for (const raw of lines) {
      const lineNumber = ++n;
      let line = raw;
      let outcome: LineOutcome;
      const resolved = s3 && mayHaveOffloadedBody(raw) ? await inlineOffloadedBodies(s3, raw, options) : undefined;
      if (resolved && 'dropped' in resolved) {
        outcome = validator.dropLogLine(lineNumber, 'log-missing-body', resolved.dropped);
      } else {
        if (resolved) {
          line = resolved.line;
          fetched += resolved.fetched;
        }
        outcome = validator.addLine(line, lineNumber);
      }
      onLine?.(line, outcome, lineNumber);
    }
    lines.length = 0;
  };
  for await (const chunk of chunks) {
    splitter.push(chunk, collect);
    await feed();
  }
  splitter.end(collect);
  await feed();
  return fetched;
}
