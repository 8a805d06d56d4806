// From a trained model to production: what a request says about promotion (`orchestration.promotion`,
// exact names other teams' tools write), the names and tokens every resource a promotion creates is
// derived from (so a retry never makes a second one), and the gate that compares the new model's scores
// with the model in production. Pure: the promote workflow and the checks use it alike.
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { z } from 'zod';
import { DURATION_PATTERN } from './durations';
import * as P from './bedrock-patterns';

/** The model-as-a-judge metrics an evaluation job computes (model-lifecycle.md 6.2); 1 is best. */
export const JUDGE_METRICS = [
  'Builtin.Correctness',
  'Builtin.Completeness',
  'Builtin.Faithfulness',
  'Builtin.Helpfulness',
  'Builtin.Coherence',
  'Builtin.Relevance',
  'Builtin.FollowingInstructions',
  'Builtin.ProfessionalStyleAndTone',
  'Builtin.Harmfulness',
  'Builtin.Stereotyping',
  'Builtin.Refusal',
] as const;
export type JudgeMetric = (typeof JUDGE_METRICS)[number];

/** The judge when the request names none: a judge-capable foundation model in every Nova region. */
export const DEFAULT_JUDGE = 'amazon.nova-pro-v1:0';
/** At most this many prompts per evaluation job (model-lifecycle.md 6.4). */
export const MAX_EVALUATION_PROMPTS = 1000;
/** On-demand custom model deployments take 4 requests a minute per account (not adjustable). */
export const DEFAULT_REQUESTS_PER_MINUTE = 4;

/** CreateCustomModelDeployment's and CreateProvisionedModelThroughput's name pattern. */
export const DEPLOYMENT_NAME = /^([0-9a-zA-Z][_-]?){1,63}$/;
/** CreateEvaluationJob's job name pattern: lower case only. */
export const EVALUATION_JOB_NAME = /^[a-z0-9](-*[a-z0-9]){0,62}$/;

const duration = z.string().regex(DURATION_PATTERN, "must be a duration like '30s', '15m', '12h' or '3d'");
const s3Uri = z.string().max(P.S3_URI_MAX).regex(P.S3_URI, 'must be an S3 URI like s3://bucket/path/prompts.jsonl');
const score = z.number().min(0).max(1);

export const promotionSchema = z
  .strictObject({
    /** The stable name callers use: a custom model deployment (on-demand) or a Provisioned Throughput. */
    deployment: z
      .string()
      .regex(DEPLOYMENT_NAME, 'must be 1-63 letters and digits, each optionally followed by one - or _'),
    kind: z.enum(['on-demand', 'provisioned']).optional(),
    /** Provisioned only: model units of the Provisioned Throughput this promotion creates. */
    modelUnits: z.number().int().min(1).optional(),
    /** Provisioned only: a commitment term; without it, none (deletable at any time). */
    commitment: z.enum(['OneMonth', 'SixMonths']).optional(),
    evaluation: z.strictObject({
      /** JSON Lines: `prompt`, optional `referenceResponse` and `category`; at most 1,000 prompts. */
      dataset: s3Uri,
      metrics: z.array(z.enum(JUDGE_METRICS)).min(1).max(25),
      /** The judge model (a foundation model id); default amazon.nova-pro-v1:0. */
      judge: z.string().min(1).max(2048).optional(),
      /** The role the evaluation job runs as; default the request's roleArn. */
      roleArn: z.string().regex(P.ROLE_ARN, 'must be an IAM role ARN').optional(),
      /** Converse calls a minute on each deployment while answers are generated (default 4). */
      requestsPerMinute: z.number().int().min(1).max(10_000).optional(),
    }),
    /** Per metric: at least `min`, and not more than `maxDrop` below the model in production. */
    gate: z
      .partialRecord(z.enum(JUDGE_METRICS), z.strictObject({ min: score.optional(), maxDrop: score.optional() }))
      .optional(),
    approval: z.strictObject({ required: z.boolean().optional(), timeout: duration.optional() }).optional(),
    smokeTest: z.strictObject({ prompts: z.number().int().min(1).max(20).optional() }).optional(),
  })
  .superRefine((p, ctx) => {
    const kind = p.kind ?? 'on-demand';
    if (kind === 'provisioned' && p.modelUnits === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['modelUnits'],
        message: 'a provisioned deployment needs modelUnits (1 or more)',
      });
    if (kind === 'on-demand') {
      for (const key of ['modelUnits', 'commitment'] as const)
        if (p[key] !== undefined)
          ctx.addIssue({ code: 'custom', path: [key], message: `${key} applies to kind "provisioned" only` });
    }
    for (const metric of Object.keys(p.gate ?? {})) {
      if (!p.evaluation.metrics.includes(metric as JudgeMetric))
        ctx.addIssue({
          code: 'custom',
          path: ['gate', metric],
          message: `gates a metric the evaluation does not compute: add ${metric} to evaluation.metrics, or remove its gate`,
        });
    }
  });

export type PromotionSpec = z.infer<typeof promotionSchema>;
export type DeploymentKind = NonNullable<PromotionSpec['kind']>;

export const kindOf = (spec: PromotionSpec): DeploymentKind => spec.kind ?? 'on-demand';

// ---- names and tokens, derived from the promotion's workflow ID ----

const hex = (text: string) => bytesToHex(sha256(utf8ToBytes(text)));

/** What a promotion creates, each with its own name and token. */
export type PromotionResource =
  | 'staging-deployment'
  | 'candidate-throughput'
  | 'production-deployment'
  | 'production-throughput'
  | 'evaluation-new'
  | 'evaluation-current';

/** The idempotency token of one create: the same on every retry of this promotion, another's elsewhere. */
export function promotionToken(workflowId: string, resource: PromotionResource): string {
  return hex(`${workflowId}\u0000${resource}`);
}

/** A readable name within a pattern's characters and `max`, ending in `-<suffix>`. */
function derivedName(readable: string, suffix: string, max: number, lower: boolean): string {
  const cleaned = (lower ? readable.toLowerCase() : readable)
    .replace(lower ? /[^a-z0-9]+/g : /[^a-zA-Z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const head = cleaned.slice(0, max - suffix.length - 1).replace(/-+$/, '');
  return head ? `${head}-${suffix}` : suffix;
}

/** The staging deployment (or candidate Provisioned Throughput) that serves the new model during evaluation. */
export function stagingName(deployment: string, workflowId: string): string {
  const name = derivedName(`${deployment}-stg`, hex(`${workflowId}\u0000staging`).slice(0, 10), 63, false);
  if (!DEPLOYMENT_NAME.test(name)) throw new Error(`derived staging name ${name} breaks the deployment name pattern`);
  return name;
}

/** The evaluation job of the new (or current) model's answers. */
export function evaluationJobName(deployment: string, workflowId: string, which: 'new' | 'current'): string {
  const name = derivedName(`${deployment}-eval-${which}`, hex(`${workflowId}\u0000eval`).slice(0, 10), 63, true);
  if (!EVALUATION_JOB_NAME.test(name)) throw new Error(`derived evaluation job name ${name} breaks its pattern`);
  return name;
}

// ---- the gate ----

/** One row of the comparison: the metric's average for each model, its thresholds and the verdict. */
export interface ScoreRow {
  metric: JudgeMetric;
  new: number | null;
  /** The model in production; null when nothing serves the deployment yet. */
  current: number | null;
  min?: number;
  maxDrop?: number;
  verdict: 'pass' | 'fail' | 'no-gate';
  /** Why it failed, in a sentence. */
  reason?: string;
}

export type MetricAverages = Partial<Record<JudgeMetric, number | null>>;

/** The comparison table and whether every gated metric passes (rounded to 4 decimals for display). */
export function gate(
  spec: PromotionSpec,
  fresh: MetricAverages,
  current?: MetricAverages,
): { passed: boolean; rows: ScoreRow[] } {
  const rows = spec.evaluation.metrics.map((metric): ScoreRow => {
    const thresholds = spec.gate?.[metric];
    const row: ScoreRow = {
      metric,
      new: fresh[metric] ?? null,
      current: current?.[metric] ?? null,
      ...(thresholds?.min !== undefined ? { min: thresholds.min } : {}),
      ...(thresholds?.maxDrop !== undefined ? { maxDrop: thresholds.maxDrop } : {}),
      verdict: thresholds ? 'pass' : 'no-gate',
    };
    if (!thresholds) return row;
    const reasons: string[] = [];
    if (row.new === null) reasons.push(`${metric}: the new model has no score (the judge gave none)`);
    else {
      if (thresholds.min !== undefined && row.new < thresholds.min)
        reasons.push(`${metric} ${row.new.toFixed(4)} is below the minimum ${thresholds.min}`);
      if (
        thresholds.maxDrop !== undefined &&
        row.current !== null &&
        row.current - row.new > thresholds.maxDrop + 1e-12
      )
        reasons.push(
          `${metric} ${row.new.toFixed(4)} is ${(row.current - row.new).toFixed(4)} below production's ${row.current.toFixed(4)} (at most ${thresholds.maxDrop})`,
        );
    }
    return reasons.length > 0 ? { ...row, verdict: 'fail', reason: reasons.join('; ') } : row;
  });
  return { passed: rows.every((r) => r.verdict !== 'fail'), rows };
}

/** The mean of the non-null scores per metric, over one evaluation job's output lines. */
export function averages(scores: { metricName: string; result: number | null }[]): MetricAverages {
  const sums = new Map<string, { total: number; count: number }>();
  for (const { metricName, result } of scores) {
    const name = metricName.startsWith('Builtin.') ? metricName : `Builtin.${metricName}`;
    const entry = sums.get(name) ?? { total: 0, count: 0 };
    if (result !== null && Number.isFinite(result)) {
      entry.total += result;
      entry.count += 1;
    }
    sums.set(name, entry);
  }
  const out: MetricAverages = {};
  for (const [name, { total, count }] of sums) out[name as JudgeMetric] = count > 0 ? total / count : null;
  return out;
}
