// Bedrock's own member constraints for CreateModelCustomizationJob (service model, reference 1.4),
// anchored for full-match. Shared by the request schema, the preflight and the simulator, so the worker
// refuses exactly what Bedrock would refuse, before anything is created.

// The model writes `[a-zA-Z0-9](-*[a-zA-Z0-9\+\-\.])*`; `-*` before a class that holds `-` again makes a
// backtracking engine take exponential time on a long run of dashes (30 dashes: seconds). Since `-` is in
// the class, the pattern means exactly "an alphanumeric, then any of [a-zA-Z0-9+-.]", written here so.
export const JOB_NAME = /^[a-zA-Z0-9][a-zA-Z0-9+\-.]*$/;
export const JOB_NAME_MAX = 63;
export const CUSTOM_MODEL_NAME = /^([0-9a-zA-Z][_-]?){1,63}$/;
export const CUSTOM_MODEL_NAME_MAX = 63;
export const ROLE_ARN = /^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role\/.+$/;
export const ROLE_ARN_MAX = 2048;
export const CLIENT_REQUEST_TOKEN = /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?$/;
export const S3_URI =
  /^s3:\/\/[a-z0-9][-.a-z0-9]{1,61}[a-z0-9](?:\/[-!_*'().a-z0-9A-Z]+(?:\/[-!_*'().a-z0-9A-Z]+)*)?\/?$/;
export const S3_URI_MAX = 1024;
export const TAG_TEXT = /^[a-zA-Z0-9\s._:/=+@-]*$/;
export const TAG_KEY_MAX = 128;
export const TAG_VALUE_MAX = 256;
export const TAGS_MAX_PER_REQUEST = 200;
/** TooManyTagsException: at most 50 tags on one resource, existing and new together. */
export const TAGS_MAX_PER_RESOURCE = 50;
export const VALIDATORS_MAX = 10;
export const KMS_KEY_MAX = 2048;
export const SUBNET_OR_GROUP_ID = /^[-0-9a-zA-Z]+$/;
export const METADATA_FILTER_TEXT = /^[a-zA-Z0-9\s._:/=+$@-]*$/;
export const MODEL_IDENTIFIER_MAX = 2048;

// Reinforcement fine-tuning (customizationConfig.rftConfig). The model writes the function-name class as
// `[a-zA-Z0-9-_\.]`; it is the same set written with `-` last, so no engine reads it as a range.
export const LAMBDA_ARN =
  /^arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}(-gov)?-[a-z]+-\d{1}:\d{12}:function:[a-zA-Z0-9_.-]+(:(\$LATEST|[a-zA-Z0-9_-]+))?$/;
export const LAMBDA_ARN_MAX = 512;

export interface NumericBounds {
  integer: boolean;
  min?: number;
  max?: number;
}

/**
 * RFTHyperParameters: native JSON numbers (not the strings of `hyperParameters`), bounded by their
 * shapes in the service model. maxPromptLength and inferenceMaxTokens have no bounds there; a length
 * below 1 cannot be meant, so 1 is their floor here and in the simulator (Bedrock's answer UNCONFIRMED).
 */
export const RFT_HYPERPARAMETER_BOUNDS = {
  epochCount: { integer: true, min: 1, max: 50 },
  batchSize: { integer: true, min: 16, max: 512 },
  learningRate: { integer: false, min: 1e-7, max: 1e-3 },
  maxPromptLength: { integer: true, min: 1 },
  trainingSamplePerPrompt: { integer: true, min: 2, max: 16 },
  inferenceMaxTokens: { integer: true, min: 1 },
  evalInterval: { integer: true, min: 1, max: 100 },
} as const satisfies Record<string, NumericBounds>;
export type RftNumericHyperParameter = keyof typeof RFT_HYPERPARAMETER_BOUNDS;
export const REASONING_EFFORTS = ['low', 'medium', 'high'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

export const JOB_STATUSES = ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const PHASE_STATUSES = ['InProgress', 'Completed', 'Stopping', 'Stopped', 'Failed', 'NotStarted'] as const;
export type PhaseStatus = (typeof PHASE_STATUSES)[number];

export function isTerminalJobStatus(status: string | undefined): boolean {
  return status === 'Completed' || status === 'Failed' || status === 'Stopped';
}

/** `s3://bucket/key` into its parts. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an S3 URI: ${uri}`);
  return { bucket: match[1], key: match[2] };
}

/** Joins an S3 URI prefix and a relative key with exactly one slash. */
export function joinS3Uri(prefix: string, ...parts: string[]): string {
  return [prefix.replace(/\/+$/, ''), ...parts.map((p) => p.replace(/^\/+|\/+$/g, ''))]
    .filter((p) => p !== '')
    .join('/');
}
