// The customization request: exactly the JSON that `aws bedrock create-model-customization-job
// --cli-input-json` takes (the API's own member names), plus one optional top-level `orchestration`
// member for this project, removed before the call. One schema, shared by the client, the CLI and the
// preflight activity; workflows import only its types.
import { z } from 'zod';
import { CUSTOMIZATION_TYPES, INVOCATION_LOG_TYPES, type CustomizationType } from './catalog';
import * as P from './bedrock-patterns';
import { DURATION_PATTERN, durationMs } from './durations';
import { promotionSchema } from './promotion';
import { pollingFrom, pollingProblems } from './polling';
import { hasTemplate, resolveRequestTemplates, templateProblems } from './templates';

const s3Uri = z
  .string()
  .max(P.S3_URI_MAX)
  .regex(P.S3_URI, "must be an S3 URI like s3://bucket/path (lowercase bucket; no spaces or '%')");

const tag = z.strictObject({
  key: z
    .string()
    .min(1)
    .max(P.TAG_KEY_MAX)
    .regex(P.TAG_TEXT, 'may hold only letters, digits, spaces and . _ : / = + @ -'),
  value: z.string().max(P.TAG_VALUE_MAX).regex(P.TAG_TEXT, 'may hold only letters, digits, spaces and . _ : / = + @ -'),
});
const tags = z.array(tag).max(P.TAGS_MAX_PER_REQUEST);

const metadataText = (max: number, min: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(P.METADATA_FILTER_TEXT, "may hold only letters, digits, spaces and . _ : / = + $ @ - (no '#' or ',')");
const oneEntryMap = z
  .record(metadataText(256, 1), metadataText(256, 0))
  .refine((m) => Object.keys(m).length === 1, { message: 'must hold exactly one key' });
const baseFilter = z
  .strictObject({ equals: oneEntryMap.optional(), notEquals: oneEntryMap.optional() })
  .refine((f) => (f.equals === undefined) !== (f.notEquals === undefined), {
    message: 'set exactly one of equals or notEquals',
  });
const requestMetadataFilters = z.union([
  z.strictObject({ equals: oneEntryMap }),
  z.strictObject({ notEquals: oneEntryMap }),
  z.strictObject({ andAll: z.array(baseFilter).min(1).max(16) }),
  z.strictObject({ orAll: z.array(baseFilter).min(1).max(16) }),
]);

export const invocationLogsConfigSchema = z.strictObject({
  usePromptResponse: z.boolean().optional(),
  invocationLogSource: z.strictObject({ s3Uri }),
  requestMetadataFilters: requestMetadataFilters.optional(),
});

export const trainingDataConfigSchema = z.strictObject({
  s3Uri: s3Uri.optional(),
  invocationLogsConfig: invocationLogsConfigSchema.optional(),
});

export const validationDataConfigSchema = z.strictObject({
  validators: z.array(z.strictObject({ s3Uri })).max(P.VALIDATORS_MAX),
});

const distillationConfigSchema = z.strictObject({
  teacherModelConfig: z.strictObject({
    teacherModelIdentifier: z.string().min(1).max(P.MODEL_IDENTIFIER_MAX),
    maxResponseLengthForInference: z.number().int().min(1).optional(),
  }),
});

/** A JSON number within the service model's bounds; a string such as "2" is refused with the reason. */
function rftNumber({ integer, ...bounds }: P.NumericBounds) {
  let schema = z.number({
    error: (issue) =>
      issue.input === undefined
        ? undefined
        : `must be a JSON ${integer ? 'integer' : 'number'}, not ${typeof issue.input === 'string' ? `the string ${JSON.stringify(issue.input)}` : typeof issue.input} (RFT hyperparameters are typed, unlike the hyperParameters map)`,
  });
  if (integer) schema = schema.int('must be a whole number');
  if (bounds.min !== undefined) schema = schema.min(bounds.min, `must be at least ${bounds.min}`);
  if ('max' in bounds && bounds.max !== undefined) schema = schema.max(bounds.max, `must be at most ${bounds.max}`);
  return schema.optional();
}

const rftHyperParametersSchema = z.strictObject({
  ...(Object.fromEntries(
    Object.entries(P.RFT_HYPERPARAMETER_BOUNDS).map(([name, bounds]) => [name, rftNumber(bounds)]),
  ) as Record<P.RftNumericHyperParameter, ReturnType<typeof rftNumber>>),
  reasoningEffort: z
    .enum(P.REASONING_EFFORTS, { error: `must be one of ${P.REASONING_EFFORTS.join(', ')}` })
    .optional(),
});
export type RftHyperParameters = z.infer<typeof rftHyperParametersSchema>;

export const rftConfigSchema = z.strictObject({
  graderConfig: z
    .strictObject({
      lambdaGrader: z.strictObject({
        lambdaArn: z
          .string()
          .min(1)
          .max(P.LAMBDA_ARN_MAX)
          .regex(
            P.LAMBDA_ARN,
            'must be a Lambda function ARN like arn:aws:lambda:us-east-1:123456789012:function:my-grader (optionally :alias or :$LATEST)',
          ),
      }),
    })
    .optional(),
  hyperParameters: rftHyperParametersSchema.optional(),
});
export type RftConfig = z.infer<typeof rftConfigSchema>;

const awsId = z.string().min(1).max(32).regex(P.SUBNET_OR_GROUP_ID, 'may hold only letters, digits and -');

/** '90s', '30m', '12h', '2d'. */
const duration = z.string().regex(DURATION_PATTERN, "must be a duration like '30s', '15m', '12h' or '2d'");

/** A slot frees when some job (hours long) ends: asking Bedrock more than once a second only throttles. */
const quotaInterval = duration.refine((d) => !DURATION_PATTERN.test(d.trim()) || durationMs(d) >= 1_000, {
  message: 'must be at least 1s',
});

export const pollingSchema = z
  .strictObject({
    /** Wait before the first poll after the job is created. */
    initialInterval: duration.optional(),
    backoffCoefficient: z.number().optional(),
    maximumInterval: duration.optional(),
    /** Relative jitter: 0.1 spreads each delay over +/-10 %. */
    jitter: z.number().optional(),
  })
  // The same limits as the `setPolling` update (core/polling.ts), over the defaults.
  .superRefine((options, ctx) => {
    const durations = [options.initialInterval, options.maximumInterval];
    if (durations.some((d) => d !== undefined && !DURATION_PATTERN.test(d.trim()))) return; // reported above
    for (const message of pollingProblems(pollingFrom(options))) ctx.addIssue({ code: 'custom', message });
  });
export type PollingOptions = z.infer<typeof pollingSchema>;

export const dataPreparationSchema = z.strictObject({
  /** Validate only (default), or write prepared files the job then trains on. */
  prepare: z.boolean().optional(),
  /** Remove exact duplicate records (with prepare). */
  dedupe: z.boolean().optional(),
  /** Share of training records held out for validation when no validator is given (with prepare). */
  validationSplit: z.number().min(0).max(0.5).optional(),
  /** Seed of the deterministic shuffle (with prepare); the workflow ID when absent. */
  seed: z.string().max(256).optional(),
});
export type DataPreparationRequest = z.infer<typeof dataPreparationSchema>;

export const orchestrationSchema = z.strictObject({
  polling: pollingSchema.optional(),
  /** Stop the job and fail `DeadlineExceeded` when it has not finished this long after the run started. */
  deadline: duration.optional(),
  /** How often to try again while Bedrock's concurrent-job quota is full (default 1 minute, doubling to 10). */
  quotaWait: z
    .strictObject({ initialInterval: quotaInterval.optional(), maximumInterval: quotaInterval.optional() })
    .optional(),
  /**
   * The fair queue for the job quota (with a worker that runs it, FINETUNE_JOB_QUEUE on, the default): the fairness
   * key (a team) whose runs share the slots with other keys by weight, and a priority (higher first).
   */
  queue: z
    .strictObject({
      key: z
        .string()
        .min(1)
        .max(128)
        .regex(/^[A-Za-z0-9._:/@+=-]+$/, 'must hold only letters, digits and . _ : / @ + = -')
        .optional(),
      priority: z.number().int().min(-1000).max(1000).optional(),
    })
    .optional(),
  /**
   * How long the clean-up may take in all (default 30 minutes): finding a job whose create answer was
   * lost, sending the stop (again, when Bedrock refuses it), and waiting for Stopped.
   */
  stopTimeout: duration.optional(),
  dataPreparation: dataPreparationSchema.optional(),
  /**
   * Continue-as-new once the run's history has this many events, besides the server's own suggestion
   * (about 4,000 events or 4 MB by default). For small histories, and for tests of continue-as-new.
   */
  continueAsNewAfterEvents: z.number().int().min(20).optional(),
  /**
   * For a scheduled run: end as `Skipped`, creating no job, when the prepared dataset and the training
   * settings are those of the schedule's last trained run (see core/retraining.ts).
   */
  skipIfUnchanged: z.boolean().optional(),
  /**
   * After the job completes: evaluate the new model against the one in production, gate, approve,
   * promote it behind a stable deployment, smoke-test it, roll back on failure (core/promotion.ts).
   */
  promotion: promotionSchema.optional(),
});
export type OrchestrationOptions = z.infer<typeof orchestrationSchema>;

export const fineTuneRequestSchema = z
  .strictObject({
    jobName: z
      .string()
      .min(1)
      .max(P.JOB_NAME_MAX)
      .regex(P.JOB_NAME, 'must start with a letter or digit and hold only letters, digits and + - .')
      .optional(),
    customModelName: z
      .string()
      .min(1)
      .max(P.CUSTOM_MODEL_NAME_MAX)
      .regex(P.CUSTOM_MODEL_NAME, 'must hold letters and digits with single _ or - between them'),
    roleArn: z
      .string()
      .max(P.ROLE_ARN_MAX)
      .regex(P.ROLE_ARN, 'must be an IAM role ARN like arn:aws:iam::123456789012:role/MyRole'),
    clientRequestToken: z
      .string()
      .min(1)
      .max(256)
      .regex(P.CLIENT_REQUEST_TOKEN, 'may hold only letters, digits and inner hyphens')
      .optional(),
    baseModelIdentifier: z.string().min(1).max(P.MODEL_IDENTIFIER_MAX),
    customizationType: z.enum(CUSTOMIZATION_TYPES).optional(),
    customModelKmsKeyId: z.string().min(1).max(P.KMS_KEY_MAX).optional(),
    jobTags: tags.optional(),
    customModelTags: tags.optional(),
    trainingDataConfig: trainingDataConfigSchema,
    validationDataConfig: validationDataConfigSchema.optional(),
    outputDataConfig: z.strictObject({ s3Uri }),
    hyperParameters: z.record(z.string().min(1).max(64), z.string().max(256)).optional(),
    vpcConfig: z
      .strictObject({ subnetIds: z.array(awsId).min(1).max(16), securityGroupIds: z.array(awsId).min(1).max(5) })
      .optional(),
    /** A union: exactly one member, the one that goes with customizationType. */
    customizationConfig: z
      .strictObject({ distillationConfig: distillationConfigSchema.optional(), rftConfig: rftConfigSchema.optional() })
      .optional(),
    orchestration: orchestrationSchema.optional(),
  })
  .superRefine((req, ctx) => {
    const type = req.customizationType ?? 'FINE_TUNING';
    const training = req.trainingDataConfig;
    customizationConfigProblems(req, type, ctx);
    if (INVOCATION_LOG_TYPES.includes(type)) {
      if ((training.s3Uri === undefined) === (training.invocationLogsConfig === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['trainingDataConfig'],
          message: 'set exactly one of s3Uri (prompts) or invocationLogsConfig (invocation logs)',
        });
      }
    } else {
      if (training.s3Uri === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['trainingDataConfig', 's3Uri'],
          message: `${type} needs the training data's S3 URI`,
        });
      }
      if (training.invocationLogsConfig) {
        ctx.addIssue({
          code: 'custom',
          path: ['trainingDataConfig', 'invocationLogsConfig'],
          message: `invocation logs are only for ${INVOCATION_LOG_TYPES.join(' and ')}`,
        });
      }
    }
  });

export type FineTuneRequest = z.infer<typeof fineTuneRequestSchema>;

/**
 * customizationConfig is a union whose member goes with the type: distillationConfig for DISTILLATION
 * (required), rftConfig for REINFORCEMENT_FINE_TUNING (optional in the service model: see the
 * preflight's warning), nothing for the others. RFT takes its hyperparameters inside rftConfig.
 */
function customizationConfigProblems(
  req: { customizationConfig?: { distillationConfig?: unknown; rftConfig?: unknown }; hyperParameters?: object },
  type: CustomizationType,
  ctx: z.RefinementCtx,
): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const config = req.customizationConfig;
  const set = config ? (['distillationConfig', 'rftConfig'] as const).filter((k) => config[k] !== undefined) : [];
  if (config && set.length !== 1) {
    issue(
      ['customizationConfig'],
      `is a union: set exactly one of distillationConfig (DISTILLATION) or rftConfig (REINFORCEMENT_FINE_TUNING)${set.length === 2 ? ', not both' : ''}`,
    );
    return;
  }
  const member = set[0];
  const memberFor: Partial<Record<CustomizationType, (typeof set)[number]>> = {
    DISTILLATION: 'distillationConfig',
    REINFORCEMENT_FINE_TUNING: 'rftConfig',
  };
  const expected = memberFor[type];
  if (member !== undefined && member !== expected) {
    issue(
      ['customizationConfig', member],
      expected
        ? `is not for ${type}: ${type} takes customizationConfig.${expected}`
        : `is only for ${member === 'rftConfig' ? 'REINFORCEMENT_FINE_TUNING' : 'DISTILLATION'}, not ${type}`,
    );
  }
  if (type === 'DISTILLATION' && member === undefined) {
    issue(['customizationConfig'], 'DISTILLATION needs customizationConfig.distillationConfig.teacherModelConfig');
  }
  if (type === 'REINFORCEMENT_FINE_TUNING' && Object.keys(req.hyperParameters ?? {}).length > 0) {
    issue(
      ['hyperParameters'],
      'REINFORCEMENT_FINE_TUNING takes typed hyperparameters in customizationConfig.rftConfig.hyperParameters (e.g. "epochCount": 2), not the string map',
    );
  }
}

/** Every problem of a request, each as `path: message`. Empty when the request is valid. */
export function requestProblems(input: unknown): string[] {
  const result = fineTuneRequestSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}

export class InvalidRequestError extends Error {
  constructor(
    readonly problems: string[],
    where = 'request',
  ) {
    super(`The ${where} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidRequestError';
  }
}

export interface ParseOptions {
  /** The time templates are tried at (default now): a template must resolve to what Bedrock accepts. */
  sampleTime?: Date;
  /** The request of a Schedule: checked with the model-name suffix its runs get (see templates.ts). */
  scheduled?: boolean;
}

/**
 * The parsed request, or InvalidRequestError listing every problem. A request with templates is
 * checked as a run would resolve it at a sample time (so a template that breaks Bedrock's patterns is
 * refused now, not when the run starts) and returned with its templates, for the run to resolve.
 */
export function parseRequest(input: unknown, where?: string, options: ParseOptions = {}): FineTuneRequest {
  const placement = templateProblems(input);
  if (placement.length > 0) throw new InvalidRequestError(placement, where);
  const sampleTime = options.sampleTime ?? new Date();
  const templated = JSON.stringify(input ?? null).includes('{{') || options.scheduled;
  if (!templated) {
    const result = fineTuneRequestSchema.safeParse(input);
    if (!result.success) throw new InvalidRequestError(requestProblems(input), where);
    return result.data;
  }
  // The shape first (the resolution walks it), then the values a run would send to Bedrock.
  const shape = fineTuneRequestSchema.safeParse(input);
  const shapeProblems = shape.success ? [] : requestProblems(input).filter((p) => !templatedMemberProblem(input, p));
  if (shapeProblems.length > 0) throw new InvalidRequestError(shapeProblems, where);
  const { request, resolved } = resolveRequestTemplates(input as FineTuneRequest, sampleTime, {
    scheduled: options.scheduled,
  });
  const problems = requestProblems(request).map((problem) => {
    const hit = resolved.find((r) => problem.startsWith(`${r.path}: `));
    return hit
      ? `${problem} (the template "${hit.template}" resolves to "${hit.value}" at ${sampleTime.toISOString()})`
      : problem;
  });
  if (problems.length > 0) throw new InvalidRequestError(problems, where);
  return structuredClone(input) as FineTuneRequest;
}

/** A schema problem of a member that holds a template: judged on the resolved value instead. */
function templatedMemberProblem(input: unknown, problem: string): boolean {
  const path = problem.slice(0, problem.indexOf(': '));
  let node: unknown = input;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'string' && hasTemplate(node);
}
