// CreateEvaluationJob input checks for automated model evaluation (model as a judge, programmatic
// metrics, bring your own inference): the JSON types (SerializationException), the modelled constraints
// reported at once (ValidationException), then the rules beyond the model that the reference states
// (model-lifecycle.md 6): one model for an automated job, judge metrics need an evaluator, the judge is
// a foundation model, custom metrics are defined where they are named. What the simulator does not run
// (human jobs, RAG evaluation, built-in datasets) is refused with a message that says so.
// The judge metrics are core's list (core/promotion.ts): the promotion's checks and the simulator agree.
import { JUDGE_METRICS } from '../core/promotion';
import { validation, Violations } from './errors';
import {
  EVALUATION_JOB_NAME_PATTERN,
  EVALUATION_MODEL_IDENTIFIER_PATTERN,
  EVALUATION_NAME_PATTERN,
  EVALUATOR_MODEL_IDENTIFIER_PATTERN,
  KMS_KEY_ID_PATTERN,
  PRECOMPUTED_SOURCE_PATTERN,
  ROLE_ARN_PATTERN,
  S3_URI_PATTERN,
  TOKEN_PATTERN,
} from './model-patterns';
import type { EvaluationDatasetPlan, EvaluationPlan } from './resource-records';
import type { Tag } from './types';
import { readTags } from './validate-create';
import {
  checkCount,
  checkString,
  elementObject,
  elementString,
  readArray,
  readNumber,
  readObject,
  readString,
  type JsonObject,
} from './wire';

/** Programmatic metrics; their results carry the name without `Builtin.`. */
export const PROGRAMMATIC_METRICS = ['Builtin.Accuracy', 'Builtin.Robustness', 'Builtin.Toxicity'] as const;
/** The model's enum, plus "General", which every AWS judge example sends (model-lifecycle.md 6.1). */
export const TASK_TYPES = ['Summarization', 'Classification', 'QuestionAndAnswer', 'Generation', 'Custom', 'General'];

export interface EvaluationRequest {
  jobName: string;
  jobDescription?: string;
  clientRequestToken?: string;
  roleArn: string;
  customerEncryptionKeyId?: string;
  jobTags?: Tag[];
  applicationType?: string;
  evaluationConfig: JsonObject;
  inferenceConfig: JsonObject;
  outputDataConfig: { s3Uri: string };
  plan: EvaluationPlan;
}

/** A union member: exactly one of `members` is set; returns its name. */
function unionMember(obj: JsonObject | undefined, path: string, members: readonly string[]): string | undefined {
  if (obj === undefined) return undefined;
  const set = members.filter((m) => obj[m] !== undefined && obj[m] !== null);
  if (set.length !== 1) {
    throw validation(
      `${path} is a union: set exactly one of ${members.join(', ')} (got ${set.length === 0 ? 'none' : set.join(', ')}).`,
    );
  }
  return set[0];
}

function readEvaluatorModel(v: Violations, config: JsonObject | undefined, path: string): string | undefined {
  if (config === undefined) return undefined;
  unionMember(config, path, ['bedrockEvaluatorModels']);
  const list = readArray(config, 'bedrockEvaluatorModels', `${path}.bedrockEvaluatorModels`);
  if (!checkCount(v, `${path}.bedrockEvaluatorModels`, list, 1, 1)) return undefined;
  const item = elementObject(list![0], `${path}.bedrockEvaluatorModels.1.member`);
  const where = `${path}.bedrockEvaluatorModels.1.member.modelIdentifier`;
  const id = readString(item, 'modelIdentifier', where);
  if (id?.includes(':custom-model')) {
    throw validation(
      `${where}: the judge must be a foundation model or an inference profile; custom models cannot judge (got ${id}).`,
    );
  }
  checkString(v, where, id, { min: 1, max: 2048, pattern: EVALUATOR_MODEL_IDENTIFIER_PATTERN }, true);
  return id;
}

function readCustomMetrics(v: Violations, config: JsonObject | undefined): { names: string[]; judge?: string } {
  if (config === undefined) return { names: [] };
  const path = 'evaluationConfig.automated.customMetricConfig';
  const list = readArray(config, 'customMetrics', `${path}.customMetrics`);
  if (list === undefined) v.missing(`${path}.customMetrics`);
  checkCount(v, `${path}.customMetrics`, list, 1, 10);
  const names = (list ?? []).map((item, i) => {
    const where = `${path}.customMetrics.${i + 1}.member`;
    const source = elementObject(item, where);
    unionMember(source, where, ['customMetricDefinition']);
    const def = readObject(source, 'customMetricDefinition', `${where}.customMetricDefinition`) ?? {};
    const d = `${where}.customMetricDefinition`;
    const name = readString(def, 'name', `${d}.name`);
    checkString(v, `${d}.name`, name, { min: 1, max: 63, pattern: EVALUATION_NAME_PATTERN }, true);
    checkString(
      v,
      `${d}.instructions`,
      readString(def, 'instructions', `${d}.instructions`),
      { min: 1, max: 5000 },
      true,
    );
    const scale = readArray(def, 'ratingScale', `${d}.ratingScale`);
    checkCount(v, `${d}.ratingScale`, scale, 1, 10);
    (scale ?? []).forEach((entry, j) => {
      const e = elementObject(entry, `${d}.ratingScale.${j + 1}.member`);
      const ep = `${d}.ratingScale.${j + 1}.member`;
      checkString(v, `${ep}.definition`, readString(e, 'definition', `${ep}.definition`), { min: 1, max: 100 }, true);
      const value = readObject(e, 'value', `${ep}.value`);
      if (value === undefined) v.missing(`${ep}.value`);
      else {
        const member = unionMember(value, `${ep}.value`, ['stringValue', 'floatValue']);
        if (member === 'floatValue') readNumber(value, 'floatValue', `${ep}.value.floatValue`);
        else readString(value, 'stringValue', `${ep}.value.stringValue`);
      }
    });
    return name ?? '';
  });
  const judgeConfig = readObject(config, 'evaluatorModelConfig', `${path}.evaluatorModelConfig`);
  if (judgeConfig === undefined) v.missing(`${path}.evaluatorModelConfig`);
  const judge = readEvaluatorModel(v, judgeConfig, `${path}.evaluatorModelConfig`);
  return { names, ...(judge !== undefined ? { judge } : {}) };
}

function readDatasets(v: Violations, automated: JsonObject): EvaluationDatasetPlan[] {
  const path = 'evaluationConfig.automated.datasetMetricConfigs';
  const list = readArray(automated, 'datasetMetricConfigs', path);
  if (list === undefined) v.missing(path);
  checkCount(v, path, list, 1, 5);
  return (list ?? []).map((item, i) => {
    const where = `${path}.${i + 1}.member`;
    const config = elementObject(item, where);
    const taskType = readString(config, 'taskType', `${where}.taskType`);
    checkString(v, `${where}.taskType`, taskType, { min: 1, max: 63, enumValues: TASK_TYPES }, true);
    const dataset = readObject(config, 'dataset', `${where}.dataset`);
    if (dataset === undefined) v.missing(`${where}.dataset`);
    const name = dataset && readString(dataset, 'name', `${where}.dataset.name`);
    checkString(v, `${where}.dataset.name`, name, { min: 1, max: 63, pattern: EVALUATION_NAME_PATTERN }, true);
    if (name?.startsWith('Builtin.')) {
      throw validation(
        `${where}.dataset.name: the simulator has no built-in datasets (${name}); give your own prompt dataset in datasetLocation.s3Uri.`,
      );
    }
    const location = dataset && readObject(dataset, 'datasetLocation', `${where}.dataset.datasetLocation`);
    if (dataset && location === undefined) v.missing(`${where}.dataset.datasetLocation`);
    if (location) unionMember(location, `${where}.dataset.datasetLocation`, ['s3Uri']);
    const s3Uri = location && readString(location, 's3Uri', `${where}.dataset.datasetLocation.s3Uri`);
    checkString(
      v,
      `${where}.dataset.datasetLocation.s3Uri`,
      s3Uri,
      { min: 1, max: 1024, pattern: S3_URI_PATTERN },
      location !== undefined,
    );
    const metrics = readArray(config, 'metricNames', `${where}.metricNames`);
    if (metrics === undefined) v.missing(`${where}.metricNames`);
    checkCount(v, `${where}.metricNames`, metrics, 1, 25);
    const metricNames = (metrics ?? []).map((m, j) => {
      const metric = elementString(m, `${where}.metricNames.${j + 1}.member`);
      checkString(v, `${where}.metricNames.${j + 1}.member`, metric, {
        min: 1,
        max: 63,
        pattern: EVALUATION_NAME_PATTERN,
      });
      return metric;
    });
    return { name: name ?? '', s3Uri: s3Uri ?? '', taskType: taskType ?? '', metricNames };
  });
}

/** Which metrics the job computes, checked against who judges them. */
function checkMetrics(datasets: EvaluationDatasetPlan[], judge: string | undefined, customMetrics: string[]): void {
  const all = datasets.flatMap((d) => d.metricNames);
  const judged = all.filter((m) => (JUDGE_METRICS as readonly string[]).includes(m));
  const programmatic = all.filter((m) => (PROGRAMMATIC_METRICS as readonly string[]).includes(m));
  const unknown = all.filter((m) => !judged.includes(m) && !programmatic.includes(m) && !customMetrics.includes(m));
  if (unknown.length > 0) {
    throw validation(
      `Unknown metric ${unknown.join(', ')}: use a judge metric (${JUDGE_METRICS.join(', ')}), a programmatic metric (${PROGRAMMATIC_METRICS.join(', ')}), or define it in evaluationConfig.automated.customMetricConfig.`,
    );
  }
  if (judged.length > 0 && judge === undefined) {
    throw validation(
      `The judge metric ${judged[0]} needs a judge: set evaluationConfig.automated.evaluatorModelConfig.bedrockEvaluatorModels to a foundation model (for example amazon.nova-pro-v1:0).`,
    );
  }
  if (programmatic.length > 0 && (judged.length > 0 || customMetrics.length > 0)) {
    throw validation(
      `${programmatic[0]} is a programmatic metric; a job computes either programmatic metrics or model-as-a-judge metrics. Use two jobs.`,
    );
  }
}

function readModel(v: Violations, inference: JsonObject): EvaluationPlan['model'] {
  const kind = unionMember(inference, 'inferenceConfig', ['models', 'ragConfigs']);
  if (kind === 'ragConfigs')
    throw validation('inferenceConfig.ragConfigs: the simulator does not run RAG evaluation jobs.');
  const models = readArray(inference, 'models', 'inferenceConfig.models') ?? [];
  checkCount(v, 'inferenceConfig.models', models, 1, 2);
  if (models.length !== 1) {
    v.throwIfAny();
    throw validation(
      'inferenceConfig.models: an automated evaluation job evaluates exactly one model (human jobs take two).',
    );
  }
  const where = 'inferenceConfig.models.1.member';
  const model = elementObject(models[0], where);
  const member = unionMember(model, where, ['bedrockModel', 'precomputedInferenceSource']);
  if (member === 'precomputedInferenceSource') {
    const source = readObject(model, 'precomputedInferenceSource', `${where}.precomputedInferenceSource`) ?? {};
    const path = `${where}.precomputedInferenceSource.inferenceSourceIdentifier`;
    const label = readString(source, 'inferenceSourceIdentifier', path);
    checkString(v, path, label, { min: 1, max: 256, pattern: PRECOMPUTED_SOURCE_PATTERN }, true);
    return { precomputedSource: label ?? '' };
  }
  const bedrock = readObject(model, 'bedrockModel', `${where}.bedrockModel`) ?? {};
  const path = `${where}.bedrockModel.modelIdentifier`;
  const id = readString(bedrock, 'modelIdentifier', path);
  if (id?.includes(':custom-model-deployment/')) {
    throw validation(
      `${path}: a custom model deployment ARN does not match EvaluationBedrockModelIdentifier. Call Converse on the deployment yourself, put the answers in the dataset's modelResponses and use precomputedInferenceSource (bring your own inference).`,
    );
  }
  checkString(v, path, id, { min: 1, max: 2048, pattern: EVALUATION_MODEL_IDENTIFIER_PATTERN }, true);
  const params = readString(bedrock, 'inferenceParams', `${where}.bedrockModel.inferenceParams`);
  checkString(v, `${where}.bedrockModel.inferenceParams`, params, { min: 1, max: 1023 });
  if (params !== undefined && params.length <= 1023) {
    try {
      JSON.parse(params);
    } catch {
      v.add(`${where}.bedrockModel.inferenceParams`, params, 'be a JSON object encoded as a string');
    }
  }
  return { bedrockModelIdentifier: id ?? '' };
}

export function parseEvaluationRequest(body: JsonObject): EvaluationRequest {
  const v = new Violations();
  const jobName = readString(body, 'jobName');
  checkString(v, 'jobName', jobName, { min: 1, max: 63, pattern: EVALUATION_JOB_NAME_PATTERN }, true);
  const jobDescription = readString(body, 'jobDescription');
  checkString(v, 'jobDescription', jobDescription, { min: 1, max: 200 });
  const clientRequestToken = readString(body, 'clientRequestToken');
  checkString(v, 'clientRequestToken', clientRequestToken, { min: 1, max: 256, pattern: TOKEN_PATTERN });
  const roleArn = readString(body, 'roleArn');
  checkString(v, 'roleArn', roleArn, { min: 0, max: 2048, pattern: ROLE_ARN_PATTERN }, true);
  const customerEncryptionKeyId = readString(body, 'customerEncryptionKeyId');
  checkString(v, 'customerEncryptionKeyId', customerEncryptionKeyId, {
    min: 1,
    max: 2048,
    pattern: KMS_KEY_ID_PATTERN,
  });
  const jobTags = readTags(v, body, 'jobTags');
  const applicationType = readString(body, 'applicationType');
  checkString(v, 'applicationType', applicationType, { enumValues: ['ModelEvaluation', 'RagEvaluation'] });
  const evaluationConfig = readObject(body, 'evaluationConfig');
  if (evaluationConfig === undefined) v.missing('evaluationConfig');
  const inferenceConfig = readObject(body, 'inferenceConfig');
  if (inferenceConfig === undefined) v.missing('inferenceConfig');
  const output = readObject(body, 'outputDataConfig');
  if (output === undefined) v.missing('outputDataConfig');
  const outputUri = output && readString(output, 's3Uri', 'outputDataConfig.s3Uri');
  checkString(
    v,
    'outputDataConfig.s3Uri',
    outputUri,
    { min: 1, max: 1024, pattern: S3_URI_PATTERN },
    output !== undefined,
  );
  v.throwIfAny();
  if (applicationType === 'RagEvaluation')
    throw validation('applicationType RagEvaluation: the simulator does not run RAG evaluation jobs.');

  const kind = unionMember(evaluationConfig, 'evaluationConfig', ['automated', 'human']);
  if (kind === 'human')
    throw validation('evaluationConfig.human: the simulator does not run human evaluation jobs; use automated.');
  const automated = readObject(evaluationConfig!, 'automated', 'evaluationConfig.automated') ?? {};
  const datasets = readDatasets(v, automated);
  const judge = readEvaluatorModel(
    v,
    readObject(automated, 'evaluatorModelConfig', 'evaluationConfig.automated.evaluatorModelConfig'),
    'evaluationConfig.automated.evaluatorModelConfig',
  );
  const custom = readCustomMetrics(
    v,
    readObject(automated, 'customMetricConfig', 'evaluationConfig.automated.customMetricConfig'),
  );
  const model = readModel(v, inferenceConfig!);
  v.throwIfAny();
  const names = datasets.map((d) => d.name);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined)
    throw validation(`Two datasets are named ${repeated}: dataset names must differ within a job.`);
  checkMetrics(datasets, judge, custom.names);
  return {
    jobName: jobName!,
    ...(jobDescription !== undefined ? { jobDescription } : {}),
    ...(clientRequestToken !== undefined ? { clientRequestToken } : {}),
    roleArn: roleArn!,
    ...(customerEncryptionKeyId !== undefined ? { customerEncryptionKeyId } : {}),
    ...(jobTags !== undefined ? { jobTags } : {}),
    ...(applicationType !== undefined ? { applicationType } : {}),
    evaluationConfig: evaluationConfig!,
    inferenceConfig: inferenceConfig!,
    outputDataConfig: { s3Uri: outputUri! },
    plan: {
      datasets,
      ...(judge !== undefined ? { judge } : {}),
      ...(custom.judge !== undefined ? { customMetricsJudge: custom.judge } : {}),
      customMetrics: custom.names,
      model,
    },
  };
}
