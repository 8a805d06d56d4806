// An evaluation job's two contacts with S3. When setup ends: read each prompt dataset (JSON Lines, at
// most 1,000 prompts; `prompt`, optional `referenceResponse` and `category`; for bring your own
// inference exactly one `modelResponses` entry whose modelIdentifier is the job's
// inferenceSourceIdentifier) and either count the prompts or fail the job naming each bad line. When the
// run ends: score every prompt (answers.ts) and write one `_output.jsonl` line per prompt, in the
// layout observed on real judge jobs (README "Evaluation results in S3"):
//   <output>/<job-name>/<job-name>/amazon-bedrock-evaluations-permission-check      (empty)
//   <output>/<job-name>/<job-name>/<job-id>/custom_metrics/<metric>.json           (definitions, if any)
//   <output>/<job-name>/<job-name>/<job-id>/models/<model>/taskTypes/<taskType>/datasets/<dataset>/<uuid>_output.jsonl
// Everything written is a function of the record and the data, so a write redone after a crash writes
// the same keys and bytes.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { awsErrorName, httpStatusOf, s3ErrorKind } from '../aws/errors';
import { joinS3Uri, parseS3Uri } from '../core/bedrock-patterns';
import { answerMarker, NEUTRAL_SCORE, promptScore } from './answers';
import { ApiError } from './errors';
import { PROGRAMMATIC_METRICS } from './evaluation-request';
import type { DatasetOutcome, EvaluationDatasetPlan, EvaluationRecord, ResultsOutcome } from './resource-records';
import { isObject, type JsonObject } from './wire';

export const MAX_PROMPTS_PER_DATASET = 1000;
/** The model's cap on failureMessages. */
const MAX_FAILURE_MESSAGES = 20;
export const PERMISSION_CHECK_KEY = 'amazon-bedrock-evaluations-permission-check';

/** S3 refused for good (missing, forbidden, another 4xx): the job fails. Anything else is retried. */
export class EvaluationDataProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvaluationDataProblem';
  }
}

export interface PromptRecord {
  line: number;
  /** The dataset line as given: echoed as inputRecord. */
  record: JsonObject;
  prompt: string;
  /** BYOI: the collected response. */
  response?: string;
}

function permanent(err: unknown): boolean {
  const status = httpStatusOf(err);
  return (
    s3ErrorKind(err) === 'not-found' ||
    s3ErrorKind(err) === 'access-denied' ||
    (status !== undefined && status >= 400 && status < 500)
  );
}

async function readObjectText(s3: S3Client, uri: string, roleArn: string): Promise<string> {
  const { bucket, key } = parseS3Uri(uri);
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body!.transformToString();
  } catch (err) {
    if (permanent(err)) {
      throw new EvaluationDataProblem(
        `Unable to read the dataset at ${uri}: ${awsErrorName(err)}. Check the S3 URI and that ${roleArn} can read it.`,
      );
    }
    throw err;
  }
}

/** Parses one dataset; the problems name the dataset and the line. */
function parseDataset(
  text: string,
  dataset: EvaluationDatasetPlan,
  byoiLabel: string | undefined,
  needsReference: boolean,
): { prompts: PromptRecord[]; problems: string[] } {
  const prompts: PromptRecord[] = [];
  const problems: string[] = [];
  const where = (line: number) => `Dataset ${dataset.name} (${dataset.s3Uri}) line ${line}`;
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let record: unknown;
    try {
      record = JSON.parse(raw);
    } catch (err) {
      problems.push(`${where(line)}: not valid JSON (${(err as Error).message}).`);
      return;
    }
    if (!isObject(record as JsonObject)) {
      problems.push(`${where(line)}: a record must be a JSON object.`);
      return;
    }
    const r = record as JsonObject;
    if (typeof r.prompt !== 'string' || r.prompt.trim() === '') {
      problems.push(`${where(line)}: "prompt" must be a non-empty string.`);
      return;
    }
    if (r.referenceResponse !== undefined && typeof r.referenceResponse !== 'string') {
      problems.push(`${where(line)}: "referenceResponse" must be a string.`);
    } else if (needsReference && typeof r.referenceResponse !== 'string') {
      problems.push(
        `${where(line)}: "referenceResponse" is required for ${dataset.metricNames.filter((m) => m === 'Builtin.Accuracy' || m === 'Builtin.Robustness').join(' and ')}.`,
      );
    }
    if (r.category !== undefined && typeof r.category !== 'string')
      problems.push(`${where(line)}: "category" must be a string.`);
    let response: string | undefined;
    if (byoiLabel !== undefined) {
      const responses = r.modelResponses;
      const first =
        Array.isArray(responses) && responses.length === 1 && isObject(responses[0]) ? responses[0] : undefined;
      if (!first) {
        problems.push(
          `${where(line)}: bring your own inference needs "modelResponses" with exactly one {"response", "modelIdentifier"}.`,
        );
      } else if (typeof first.response !== 'string') {
        problems.push(`${where(line)}: modelResponses[0].response must be a string.`);
      } else if (first.modelIdentifier !== byoiLabel) {
        problems.push(
          `${where(line)}: modelResponses[0].modelIdentifier is ${JSON.stringify(first.modelIdentifier)}, but the job's inferenceSourceIdentifier is "${byoiLabel}"; one modelIdentifier across the whole job.`,
        );
      } else response = first.response;
    }
    prompts.push({ line, record: r, prompt: r.prompt, ...(response !== undefined ? { response } : {}) });
  });
  if (prompts.length === 0 && problems.length === 0)
    problems.push(`Dataset ${dataset.name} (${dataset.s3Uri}) has no prompts.`);
  if (prompts.length > MAX_PROMPTS_PER_DATASET) {
    problems.push(
      `Dataset ${dataset.name} (${dataset.s3Uri}) has ${prompts.length} prompts; a dataset holds at most ${MAX_PROMPTS_PER_DATASET}.`,
    );
  }
  return { prompts, problems };
}

function byoiLabelOf(e: EvaluationRecord): string | undefined {
  return 'precomputedSource' in e.plan.model ? e.plan.model.precomputedSource : undefined;
}

/** Every dataset's prompts, or EvaluationDataProblem listing the bad lines (at most 20). */
export async function readDatasets(s3: S3Client, e: EvaluationRecord): Promise<PromptRecord[][]> {
  const all: PromptRecord[][] = [];
  const problems: string[] = [];
  for (const dataset of e.plan.datasets) {
    const needsReference = dataset.metricNames.some((m) => m === 'Builtin.Accuracy' || m === 'Builtin.Robustness');
    const parsed = parseDataset(
      await readObjectText(s3, dataset.s3Uri, e.roleArn),
      dataset,
      byoiLabelOf(e),
      needsReference,
    );
    problems.push(...parsed.problems);
    all.push(parsed.prompts);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_FAILURE_MESSAGES);
    if (problems.length > MAX_FAILURE_MESSAGES)
      shown[MAX_FAILURE_MESSAGES - 1] = `... and ${problems.length - MAX_FAILURE_MESSAGES + 1} more problems.`;
    throw new EvaluationDataProblem(shown.join('\n'));
  }
  return all;
}

export async function checkDatasets(s3: S3Client, e: EvaluationRecord): Promise<DatasetOutcome> {
  try {
    const all = await readDatasets(s3, e);
    return { ok: true, prompts: all.reduce((n, d) => n + d.length, 0) };
  } catch (err) {
    if (err instanceof EvaluationDataProblem) return { ok: false, failureMessages: err.message.split('\n') };
    throw err;
  }
}

/** How a model identifier appears as one path segment (the rendering is UNCONFIRMED; `/` cannot stay). */
export function pathSegment(identifier: string): string {
  return identifier.replace(/[^A-Za-z0-9._:=+-]/g, '_');
}

function stableUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The folder of this job's results: `<output>/<job-name>/<job-name>/<job-id>`. */
export function evaluationResultPrefix(e: EvaluationRecord): string {
  return joinS3Uri(e.outputDataConfig.s3Uri, e.jobName, e.jobName, e.id);
}

/** The centre of a response's scores: its custom model's simulator:eval-score, else neutral. */
export type CentreOf = (customModelId: string) => number | undefined;

/** One `_output.jsonl` line per prompt. */
export function resultLines(
  e: EvaluationRecord,
  dataset: EvaluationDatasetPlan,
  prompts: PromptRecord[],
  answers: string[],
  centreOf: CentreOf,
): string {
  const byoi = byoiLabelOf(e);
  const modelId = byoi ?? ('bedrockModelIdentifier' in e.plan.model ? e.plan.model.bedrockModelIdentifier : '');
  return prompts
    .map((p, i) => {
      const response = answers[i];
      const marker = answerMarker(response);
      const centre = (marker !== undefined ? centreOf(marker) : undefined) ?? NEUTRAL_SCORE;
      const answeredBy = marker ?? response;
      const scores = dataset.metricNames.map((metric) => {
        const result = promptScore(centre, answeredBy, p.prompt, metric);
        if ((PROGRAMMATIC_METRICS as readonly string[]).includes(metric)) {
          return { metricName: metric.replace(/^Builtin\./, ''), result };
        }
        const judge = e.plan.customMetrics.includes(metric) ? e.plan.customMetricsJudge : e.plan.judge;
        return {
          metricName: metric,
          result,
          evaluatorDetails: [
            {
              modelIdentifier: judge ?? '',
              explanation: `Simulated judgement: ${metric} scored ${result} (centre ${centre}${marker !== undefined ? ` from custom model ${marker}` : ''}).`,
            },
          ],
        };
      });
      const line = byoi
        ? { automatedEvaluationResult: { scores }, inputRecord: p.record }
        : {
            automatedEvaluationResult: { scores },
            inputRecord: p.record,
            modelResponses: [{ modelIdentifier: modelId, response }],
          };
      return JSON.stringify(line);
    })
    .join('\n')
    .concat('\n');
}

async function put(s3: S3Client, uri: string, body: string, roleArn: string): Promise<void> {
  const { bucket, key } = parseS3Uri(uri);
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  } catch (err) {
    if (permanent(err)) {
      throw new EvaluationDataProblem(
        `Unable to write the results to ${uri}: ${awsErrorName(err)}. Check outputDataConfig.s3Uri and that ${roleArn} can write to it.`,
      );
    }
    throw err;
  }
}

/** Answers each prompt (`answer` throws the runtime's error for a model that fails). */
export type Answerer = (prompt: string) => string;

/**
 * Scores every prompt and writes the results; an answer that fails (a fail-smoke model) or an output S3
 * refuses fails the job. Transient S3 errors are thrown (retried by the caller).
 */
export async function writeResults(
  s3: S3Client,
  e: EvaluationRecord,
  answer: Answerer,
  centreOf: CentreOf,
): Promise<ResultsOutcome> {
  try {
    const all = await readDatasets(s3, e);
    const prefix = evaluationResultPrefix(e);
    const modelSegment = pathSegment(
      byoiLabelOf(e) ?? ('bedrockModelIdentifier' in e.plan.model ? e.plan.model.bedrockModelIdentifier : 'model'),
    );
    await put(s3, joinS3Uri(e.outputDataConfig.s3Uri, e.jobName, e.jobName, PERMISSION_CHECK_KEY), '', e.roleArn);
    const keys: string[] = [];
    for (const metric of e.plan.customMetrics) {
      const uri = joinS3Uri(prefix, 'custom_metrics', `${metric}.json`);
      const definition = customMetricDefinition(e, metric);
      await put(s3, uri, JSON.stringify(definition ?? { name: metric }), e.roleArn);
    }
    for (const [i, dataset] of e.plan.datasets.entries()) {
      const prompts = all[i];
      const answers = prompts.map((p) => {
        if (p.response !== undefined) return p.response;
        try {
          return answer(p.prompt);
        } catch (err) {
          if (err instanceof ApiError) {
            throw new EvaluationDataProblem(
              `Inference failed for dataset ${dataset.name} line ${p.line}: ${err.shape}: ${err.message}`,
            );
          }
          throw err;
        }
      });
      const uri = joinS3Uri(
        prefix,
        'models',
        modelSegment,
        'taskTypes',
        dataset.taskType,
        'datasets',
        dataset.name,
        `${stableUuid(e.arn, dataset.name)}_output.jsonl`,
      );
      await put(s3, uri, resultLines(e, dataset, prompts, answers, centreOf), e.roleArn);
      keys.push(uri);
    }
    return { ok: true, keys };
  } catch (err) {
    if (err instanceof EvaluationDataProblem)
      return { ok: false, failureMessages: err.message.split('\n').slice(0, MAX_FAILURE_MESSAGES) };
    throw err;
  }
}

function customMetricDefinition(e: EvaluationRecord, metric: string): unknown {
  const config = e.evaluationConfig as {
    automated?: { customMetricConfig?: { customMetrics?: { customMetricDefinition?: { name?: string } }[] } };
  };
  return config.automated?.customMetricConfig?.customMetrics?.find((m) => m.customMetricDefinition?.name === metric)
    ?.customMetricDefinition;
}
