// The line-oriented dataset engine: one instance per file (or per set of invocation log files), fed one
// line at a time, holding no line after it returns. The same engine serves the workflow's activity, the
// simulator's validation phase and `finetune validate`. Rules are chosen from the catalog: the record
// format and limits of the base model and customization type, or the invocation-log rules when the
// context says the lines are logs.
import { customizationOf, INVOCATION_LOG_TYPES, type CustomizationSpec } from '../catalog';
import { conversationChecker } from './formats/conversation';
import { claudeMessagesChecker } from './formats/claude-messages';
import { RecordScope, type JsonObject, type RecordChecker } from './formats/common';
import { continuedPretrainingChecker } from './formats/continued-pretraining';
import { imageCaptionChecker } from './formats/image-caption';
import { invocationLogChecker, MAX_DISTILLATION_PROMPTS, type InvocationLogChecker } from './formats/invocation-log';
import { promptCompletionChecker } from './formats/prompt-completion';
import { rftPromptsChecker } from './formats/rft-prompts';
import { DuplicateTracker } from './duplicates';
import { fileLimitProblems } from './limits';
import { LineSplitter, MAX_LINE_BYTES } from './lines';
import { metadataFilterProblems } from './metadata-filters';
import { ProblemCollector, type CollectorState } from './problems';
import { estimateTokens, tokenLimits, tokenProblem, type TokenLimits } from './tokens';
import type {
  DatasetContext,
  DatasetFormat,
  DatasetReport,
  InvocationLogStats,
  LineOutcome,
  MetadataFilters,
} from './types';

/** The context names a model/type pair the catalog does not support, or a source it cannot take. */
export class DatasetContextError extends Error {
  constructor(
    message: string,
    /** The request part at fault, when it is one (datasetContextOf), for a message in the caller's terms. */
    readonly part?: 'baseModelIdentifier' | 'customizationType',
  ) {
    super(message);
    this.name = 'DatasetContextError';
  }
}

const CR = 13;

function specOf(ctx: DatasetContext): CustomizationSpec {
  const spec = customizationOf(ctx.model, ctx.customizationType);
  if (!spec) {
    const types = Object.keys(ctx.model.customizations).join(', ');
    throw new DatasetContextError(`${ctx.model.modelId} supports ${types}, not ${ctx.customizationType}`);
  }
  if (ctx.invocationLogs && !INVOCATION_LOG_TYPES.includes(ctx.customizationType)) {
    throw new DatasetContextError(`invocation logs are a source for ${INVOCATION_LOG_TYPES.join(' and ')} only`);
  }
  if (ctx.invocationLogs && ctx.role !== 'training')
    throw new DatasetContextError('invocation logs are training data, never a validation set');
  return spec;
}

/** The format the engine applies for this context. Throws DatasetContextError on an unsupported pair. */
export function datasetFormatOf(ctx: DatasetContext): DatasetFormat {
  return ctx.invocationLogs ? 'invocation-log' : specOf(ctx).format;
}

function recordChecker(format: DatasetFormat, ctx: DatasetContext, spec: CustomizationSpec): RecordChecker | undefined {
  switch (format) {
    case 'prompt-completion':
      return promptCompletionChecker;
    case 'claude-messages':
      return claudeMessagesChecker;
    case 'bedrock-conversation':
      return conversationChecker(ctx, false);
    case 'distillation-prompts':
      return conversationChecker(ctx, true);
    case 'rft-prompts':
      return rftPromptsChecker;
    case 'continued-pretraining':
      return continuedPretrainingChecker;
    case 'image-caption':
      return imageCaptionChecker(spec.limits);
    case 'invocation-log':
      return undefined;
  }
}

/** Blank: empty, or JSON whitespace only. */
function isBlankLine(line: Uint8Array): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

function hasByteOrderMark(line: Uint8Array): boolean {
  return line.length >= 3 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf;
}

/** Offset of the first byte that breaks UTF-8 (only called once decoding has failed). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const need =
      b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // Overlong three/four-byte forms, surrogates and code points past U+10FFFF.
    const b1 = bytes[i + 1];
    if (
      (b === 0xe0 && b1 < 0xa0) ||
      (b === 0xed && b1 > 0x9f) ||
      (b === 0xf0 && b1 < 0x90) ||
      (b === 0xf4 && b1 > 0x8f)
    )
      return i;
    i += need + 1;
  }
  return bytes.length;
}

/** Everything a validator has learnt so far but its duplicate table (saved as journals, see resume). */
export interface ValidatorState {
  lines: number;
  bytes: number;
  records: number;
  duplicateCount: number;
  tokensTotal: number;
  tokensMax: number;
  crlfLines: number;
  problems: CollectorState;
  logStats?: InvocationLogStats;
  checker?: unknown;
}

export interface ValidatorOptions {
  /** Lowers the duplicate-tracking bound (tests). */
  maxTrackedRecords?: number;
  /** The training set's validator, for a validation file: records found in both are reported. */
  training?: DatasetValidator;
  /** Keep a journal of duplicate-table entries, for checkpoints (see snapshot()). */
  journal?: boolean;
}

const hex = (byte: number | undefined): string =>
  byte === undefined ? 'end of line' : `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;

export class DatasetValidator {
  readonly format: DatasetFormat;
  private readonly problems = new ProblemCollector();
  private readonly scope: RecordScope;
  private readonly checker?: RecordChecker;
  private readonly logChecker?: InvocationLogChecker;
  private readonly logStats?: InvocationLogStats;
  private readonly duplicates: DuplicateTracker;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private readonly tokenLimits: TokenLimits;
  private readonly spec: CustomizationSpec;
  private currentLine = 0;
  private lines = 0;
  private bytes = 0;
  private records = 0;
  private duplicateCount = 0;
  private tokensTotal = 0;
  private tokensMax = 0;
  private crlfLines = 0;

  private readonly training?: DuplicateTracker;
  private fileBytes?: number;

  constructor(
    private readonly ctx: DatasetContext,
    options: ValidatorOptions = {},
  ) {
    this.duplicates = new DuplicateTracker(options.maxTrackedRecords);
    if (options.journal) this.duplicates.startJournal();
    this.training = options.training?.duplicates;
    this.spec = specOf(ctx);
    this.format = datasetFormatOf(ctx);
    this.tokenLimits = tokenLimits(this.spec.limits, ctx.batchSize);
    this.scope = new RecordScope(
      (rule, message) => this.problems.add(rule, message, this.currentLine),
      (rule) => this.problems.count(rule),
    );
    if (ctx.invocationLogs) {
      let filters: MetadataFilters | undefined = ctx.invocationLogs.requestMetadataFilters;
      const filterProblems = filters ? metadataFilterProblems(filters) : [];
      for (const message of filterProblems) this.problems.add('invalid-metadata-filter', message);
      if (filterProblems.length > 0) filters = undefined;
      this.logChecker = invocationLogChecker(ctx, filters);
      this.logStats = { files: 0, recordsRead: 0, filteredOut: 0, qualifying: 0 };
    } else {
      this.checker = recordChecker(this.format, ctx, this.spec);
    }
  }

  /** The stored size of the file, once the reader knows it (checked against the file-size limit). */
  setFileBytes(bytes: number): void {
    this.fileBytes = bytes;
  }

  /** Starts the next object of a multi-file source: its problems carry `file`, line numbers restart. */
  beginFile(name: string): void {
    this.problems.file = name;
    if (this.logStats) this.logStats.files++;
  }

  /** A whole file given as byte chunks, its lines numbered from 1: the fast path, with no promise per line. */
  async addChunks(chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const splitter = new LineSplitter();
    let n = 0;
    const onLine = (line: Uint8Array) => this.addLine(line, ++n);
    for await (const chunk of chunks) splitter.push(chunk, onLine);
    splitter.end(onLine);
  }

  /**
   * One physical line, without its `\n` (a trailing `\r` is allowed and reported), numbered from 1
   * within its file. A line over MAX_LINE_BYTES may arrive cut short; it is reported, not parsed.
   */
  addLine(raw: Uint8Array, lineNumber: number): LineOutcome {
    this.currentLine = lineNumber;
    this.lines++;
    this.bytes += raw.length + 1;
    let line = raw;
    const crlf = line.length > 0 && line[line.length - 1] === CR;
    if (crlf) line = line.subarray(0, line.length - 1);
    return this.logChecker ? this.addLogLine(line, this.logChecker) : this.addRecordLine(line, crlf);
  }

  private addRecordLine(line: Uint8Array, crlf: boolean): LineOutcome {
    const n = this.currentLine;
    const errorsBefore = this.problems.errorCount;
    if (crlf && this.crlfLines++ === 0)
      this.problems.add('crlf-line-ending', 'the line ends with CRLF (listed once; every such line is counted)', n);
    else if (crlf) this.problems.count('crlf-line-ending');
    if (isBlankLine(line)) {
      this.problems.add('blank-line', 'the line is blank', n);
      return 'invalid';
    }
    this.records++;
    if (line.length > MAX_LINE_BYTES) {
      this.problems.add('line-too-long', `the line is longer than ${MAX_LINE_BYTES.toLocaleString('en-US')} bytes`, n);
      return 'invalid';
    }
    if (hasByteOrderMark(line)) {
      this.problems.add('byte-order-mark', 'the line starts with a UTF-8 byte-order mark (EF BB BF)', n);
      line = line.subarray(3);
    }
    const record = this.parse(line, false);
    if (record && this.checker) {
      this.scope.reset();
      this.checker.check(record, this.scope, n);
      this.countTokens(true);
    }
    if (this.problems.errorCount > errorsBefore) return 'invalid';
    // Only valid records are compared: a repeated broken line is reported by its error.
    const tracking = !this.duplicates.full;
    const firstLine = this.duplicates.firstLineOf(line, n);
    if (tracking && this.duplicates.full)
      this.problems.add(
        'duplicate-check-incomplete',
        `duplicates are tracked for the first ${this.duplicates.limit.toLocaleString('en-US')} records only`,
      );
    if (firstLine === 0) {
      const trainingLine = this.training?.lineOf(line) ?? 0;
      if (trainingLine !== 0)
        this.problems.add('validation-overlap', `the record is also line ${trainingLine} of the training set`, n);
      return 'record';
    }
    this.duplicateCount++;
    this.problems.add('duplicate-record', `the record repeats line ${firstLine} exactly`, n);
    return 'duplicate';
  }

  private addLogLine(line: Uint8Array, checker: InvocationLogChecker): LineOutcome {
    const stats = this.logStats as InvocationLogStats;
    // Log readers tolerate blank lines (reference 1.2); Bedrock writes none.
    if (isBlankLine(line)) return 'skipped';
    stats.recordsRead++;
    const record = this.parse(line, true);
    if (!record) return 'skipped';
    this.scope.reset();
    const outcome = checker.check(record, this.scope);
    if (outcome === 'filtered-out') stats.filteredOut++;
    if (outcome !== 'used') return 'skipped';
    // The most prompts the type takes from logs: 15,000 for distillation, 20,000 for RFT.
    const cap = this.spec.limits.maxTrainingRecords ?? MAX_DISTILLATION_PROMPTS;
    if (++stats.qualifying > cap) {
      this.problems.add(
        'log-over-cap',
        `record ${stats.qualifying.toLocaleString('en-US')} is past the ${cap.toLocaleString('en-US')}-prompt cap`,
        this.currentLine,
      );
      return 'skipped';
    }
    this.records++;
    this.countTokens(false);
    return 'record';
  }

  /**
   * A log record the caller could not complete (an offloaded body it failed to read): counted as read
   * and dropped with the given warning, as addLine would drop it.
   */
  dropLogLine(lineNumber: number, rule: 'log-missing-body', message: string): LineOutcome {
    this.currentLine = lineNumber;
    this.lines++;
    if (this.logStats) this.logStats.recordsRead++;
    this.problems.add(rule, message, lineNumber);
    return 'skipped';
  }

  /**
   * The state a resumed scan restores, as JSON; the duplicate table goes separately, as the entries
   * added since the previous snapshot (takeDuplicateJournal), so a checkpoint stays small.
   */
  snapshot(): ValidatorState {
    return {
      lines: this.lines,
      bytes: this.bytes,
      records: this.records,
      duplicateCount: this.duplicateCount,
      tokensTotal: this.tokensTotal,
      tokensMax: this.tokensMax,
      crlfLines: this.crlfLines,
      problems: this.problems.snapshot(),
      ...(this.logStats ? { logStats: { ...this.logStats } } : {}),
      ...(this.checker?.snapshot ? { checker: this.checker.snapshot() } : {}),
    };
  }

  takeDuplicateJournal(): Uint32Array {
    return this.duplicates.takeJournal();
  }

  /** Continues a scan from a snapshot and every duplicate journal taken up to it, in order. */
  restore(state: ValidatorState, journals: readonly Uint32Array[]): void {
    this.lines = state.lines;
    this.bytes = state.bytes;
    this.records = state.records;
    this.duplicateCount = state.duplicateCount;
    this.tokensTotal = state.tokensTotal;
    this.tokensMax = state.tokensMax;
    this.crlfLines = state.crlfLines;
    this.problems.restore(state.problems);
    if (this.logStats && state.logStats) Object.assign(this.logStats, state.logStats);
    if (state.checker !== undefined) this.checker?.restore?.(state.checker);
    this.replayDuplicates(journals);
  }

  /** Rebuilds the duplicate table from saved journals (a finished training scan, for overlap checks). */
  replayDuplicates(journals: readonly Uint32Array[]): void {
    for (const journal of journals) this.duplicates.replay(journal);
    // Entries replayed are already saved: the next journal starts after them.
    this.duplicates.takeJournal();
  }

  /** The line as a JSON object, or undefined after reporting why it is not one. */
  private parse(line: Uint8Array, log: boolean): JsonObject | undefined {
    const n = this.currentLine;
    let text: string;
    try {
      text = this.decoder.decode(line);
    } catch {
      const at = firstInvalidUtf8(line);
      const message = `invalid UTF-8 at byte ${at + 1} of the line (${hex(line[at])})`;
      this.problems.add(log ? 'log-invalid-json' : 'invalid-utf8', message, n);
      return undefined;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      const reason = (err as Error).message.slice(0, 160);
      this.problems.add(log ? 'log-invalid-json' : 'invalid-json', `not valid JSON: ${reason}`, n);
      return undefined;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
      this.problems.add(log ? 'log-invalid-json' : 'not-an-object', `the line holds ${what}, not a JSON object`, n);
      return undefined;
    }
    return value as JsonObject;
  }

  private countTokens(checkLimits: boolean): void {
    const { input, output } = this.scope;
    const tokens = estimateTokens(input + output);
    this.tokensTotal += tokens;
    if (tokens > this.tokensMax) this.tokensMax = tokens;
    if (checkLimits) {
      const problem = tokenProblem(input, output, this.tokenLimits);
      if (problem) this.problems.add('too-many-tokens', `the record has ${problem}`, this.currentLine);
    }
  }

  finish(): DatasetReport {
    const { ctx, spec, problems } = this;
    const subject = `${ctx.model.modelName} ${ctx.customizationType}`;
    const bytes = this.fileBytes ?? ctx.fileBytes ?? this.bytes;
    if (this.logStats) {
      const s = this.logStats;
      const min = spec.limits.minTrainingRecords ?? 1;
      if (s.files === 0) problems.add('no-log-files', 'no invocation log files (.json.gz) under the prefix');
      else if (this.records < min) {
        const dropped = s.recordsRead - s.filteredOut - s.qualifying;
        problems.add(
          'too-few-records',
          `${this.records} usable log records (${s.recordsRead} read in ${s.files} files, ${s.filteredOut} filtered out, ${dropped} dropped); ${subject} needs at least ${min}`,
        );
      }
    } else {
      for (const p of fileLimitProblems(spec.limits, { role: ctx.role, records: this.records, bytes, subject }))
        problems.add(p.rule, p.message);
    }
    const errorCount = problems.errorCount;
    return {
      verdict: errorCount > 0 ? 'invalid' : 'valid',
      format: this.format,
      role: ctx.role,
      modelId: ctx.model.modelId,
      customizationType: ctx.customizationType,
      records: this.records,
      lines: this.lines,
      bytes,
      estimatedTokens: {
        total: this.tokensTotal,
        maxPerRecord: this.tokensMax,
        ...(this.tokenLimits.total !== undefined ? { limitPerRecord: this.tokenLimits.total } : {}),
      },
      duplicates: this.duplicateCount,
      counts: { ...problems.counts },
      problems: problems.listed(),
      errorCount,
      warningCount: problems.warningCount,
      ...(this.logStats ? { invocationLogs: { ...this.logStats } } : {}),
    };
  }
}

/** Validates one file's lines (see DatasetValidator.addLine for what a line is). */
export async function validateLines(
  lines: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ctx: DatasetContext,
): Promise<DatasetReport> {
  const validator = new DatasetValidator(ctx);
  let n = 0;
  for await (const line of lines) validator.addLine(line, ++n);
  return validator.finish();
}

/** Validates a file given as byte chunks (a stream): the fast path, with no promise per line. */
export async function validateChunks(chunks: AsyncIterable<Uint8Array>, ctx: DatasetContext): Promise<DatasetReport> {
  const validator = new DatasetValidator(ctx);
  await validator.addChunks(chunks);
  return validator.finish();
}

/** Validates several objects as one dataset (invocation logs): line numbers restart in each file. */
export async function validateFiles(
  files: AsyncIterable<{ name: string; lines: AsyncIterable<Uint8Array> }>,
  ctx: DatasetContext,
): Promise<DatasetReport> {
  const validator = new DatasetValidator(ctx);
  for await (const file of files) {
    validator.beginFile(file.name);
    let n = 0;
    for await (const line of file.lines) validator.addLine(line, ++n);
  }
  return validator.finish();
}
