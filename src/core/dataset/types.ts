// The dataset engine's contract: what it is told (DatasetContext), what it answers (DatasetReport), and
// the preparation options the workflow's request schema carries.
import type { CatalogModel, CustomizationType, RecordFormat } from '../catalog';
import type { DatasetRule, Severity } from './rules';

export type DatasetRole = 'training' | 'validation';

/** A JSONL file's record format, or Bedrock model invocation logs (distillation from logs). */
export type DatasetFormat = RecordFormat | 'invocation-log';

/** One `equals`/`notEquals` condition: a map with exactly one entry (RequestMetadataBaseFilters). */
export interface MetadataBaseFilter {
  equals?: Record<string, string>;
  notEquals?: Record<string, string>;
}

/** `requestMetadataFilters` of InvocationLogsConfig: a union, exactly one member set. */
export interface MetadataFilters extends MetadataBaseFilter {
  andAll?: MetadataBaseFilter[];
  orAll?: MetadataBaseFilter[];
}

export interface InvocationLogOptions {
  /** Train on the logged responses (true) or only take the prompts and let the teacher answer. */
  usePromptResponse?: boolean;
  requestMetadataFilters?: MetadataFilters;
}

export type MediaKind = 'image' | 'video' | 'document';

/** A well-formed media reference of a record, for the check of the object itself (media-check.ts). */
export interface MediaReference {
  line: number;
  kind: MediaKind;
  /** The declared format: png, jpeg, mp4, pdf... */
  format: string;
  uri: string;
  bucket: string;
  key: string;
}

export interface DatasetContext {
  model: CatalogModel;
  customizationType: CustomizationType;
  role: DatasetRole;
  /** The job's batchSize hyperparameter: Titan Text token limits depend on it. */
  batchSize?: number;
  /** The bucket the dataset lives in, when known: media must sit in the same bucket. */
  datasetBucket?: string;
  teacherModelIdentifier?: string;
  /** Present when the lines are model invocation log records rather than a JSONL dataset. */
  invocationLogs?: InvocationLogOptions;
  /** The stored size of the file in bytes, when the reader knows it; else the bytes seen are used. */
  fileBytes?: number;
  /** Called with every well-formed media reference of a valid-looking record, to check the objects. */
  onMediaReference?: (ref: MediaReference) => void;
}

export interface Problem {
  rule: DatasetRule;
  severity: Severity;
  /** 1-based physical line number; absent for file-level problems. */
  line?: number;
  /** The object (S3 key) the line belongs to, for multi-file sources such as invocation logs. */
  file?: string;
  message: string;
}

export interface InvocationLogStats {
  /** Log objects read (`.json.gz`, side files and markers excluded). */
  files: number;
  /** Non-blank lines read across all files. */
  recordsRead: number;
  /** Records that did not match requestMetadataFilters. */
  filteredOut: number;
  /** Records that passed every rule, before the 15,000 cap. */
  qualifying: number;
}

export interface DatasetReport {
  verdict: 'valid' | 'invalid';
  format: DatasetFormat;
  role: DatasetRole;
  modelId: string;
  customizationType: CustomizationType;
  /** Records the file holds (non-blank lines); for invocation logs, the records distillation would use. */
  records: number;
  /** Physical lines read, blank ones included. */
  lines: number;
  bytes: number;
  /** Estimated at one token per 6 characters of text (see tokens.ts). */
  estimatedTokens: { total: number; maxPerRecord: number; limitPerRecord?: number };
  /** Records that repeat an earlier record byte for byte. */
  duplicates: number;
  /** Every occurrence of every rule, not only the listed ones. */
  counts: Partial<Record<DatasetRule, number>>;
  /** At most 100: file-level problems first, then errors, then warnings, each in line order. */
  problems: Problem[];
  errorCount: number;
  warningCount: number;
  invocationLogs?: InvocationLogStats;
}

/** What `prepareDataset` does beyond validating, when asked. */
export interface DataPreparationOptions {
  /** Remove exact duplicate training records (the first occurrence stays). */
  dedupe?: boolean;
  /** Share of training records (0 to 0.5) held out as validation when no validation set is given. */
  validationSplit?: number;
  /** Seed of the deterministic shuffle that precedes the split. */
  seed?: string;
}

/**
 * What the engine decided about one line, so a caller can write only the records it keeps: a valid
 * record, a valid exact repeat of an earlier one, a line with errors, or a line that is not used
 * without being an error (a blank line or a dropped record of invocation logs).
 */
export type LineOutcome = 'record' | 'duplicate' | 'invalid' | 'skipped';
