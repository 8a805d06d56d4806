// The dataset engine: pure rules and limits for every record format in the catalog, fed line by line.
// Callers bring the bytes (S3, a local file, a test array); see validator.ts for the entry points.
export { DATASET_RULES, RULES, fixFor, severityOf, type DatasetRule, type Severity } from './rules';
export type {
  DataPreparationOptions,
  DatasetContext,
  DatasetFormat,
  DatasetReport,
  DatasetRole,
  InvocationLogOptions,
  InvocationLogStats,
  LineOutcome,
  MediaKind,
  MediaReference,
  MetadataBaseFilter,
  MetadataFilters,
  Problem,
} from './types';
export {
  DatasetContextError,
  DatasetValidator,
  datasetFormatOf,
  validateChunks,
  validateFiles,
  validateLines,
  type ValidatorOptions,
  type ValidatorState,
} from './validator';
export { datasetContextOf, type DatasetRequestParts } from './context';
export { LineSplitter, MAX_LINE_BYTES, splitLines } from './lines';
export { CHARS_PER_TOKEN, estimateTokens } from './tokens';
export { totalRecordProblems, type FileProblem } from './limits';
export { withFileProblems, withLineProblems } from './added-problems';
export { reportText, summarizeErrors } from './report-text';
export { DEFAULT_SEED, seededPermutation, validationSplitCount, preparationOptionProblems } from './prepare';
export { isInvocationLogKey, MAX_DISTILLATION_PROMPTS, normalizeModelId } from './formats/invocation-log';
export { metadataFilterProblems, matchesMetadataFilters } from './metadata-filters';
export { MAX_LISTED_PROBLEMS } from './problems';
export {
  checkMediaObjects,
  MediaReferences,
  mediaNotCheckedProblem,
  objectProblems,
  type MediaCheckOptions,
  type MediaProbe,
  type ProbeResult,
} from './media-check';
export { MEDIA_HEAD_BYTES, sniffMedia, type SniffedMedia } from './media-headers';
