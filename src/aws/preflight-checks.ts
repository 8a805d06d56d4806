// The preflight checks that ask AWS: Bedrock knows the base model (and teacher) in this region and
// it supports the type, the data objects exist and can be read, the output bucket exists. Shared by
// the preflight activity and `finetune check`, so both refuse exactly the same requests.
import { GetFoundationModelCommand, ModelCustomization, type BedrockClient } from '@aws-sdk/client-bedrock';
import { HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parseS3Uri } from '../core/bedrock-patterns';
import { findModel, type CustomizationType } from '../core/catalog';
import { parseEvaluationDataset } from '../core/evaluation-dataset';
import type { FineTuneRequest } from '../core/request';
import { getText } from './s3-objects';
import { awsErrorName, s3ErrorKind } from './errors';

/**
 * The values GetFoundationModel's `customizationsSupported` can hold (the ModelCustomization enum). It
 * has no REINFORCEMENT_FINE_TUNING, so for RFT Bedrock cannot say yes here: the catalog decides alone.
 */
const REPORTED_CUSTOMIZATIONS: readonly string[] = Object.values(ModelCustomization);

type Check = Promise<string | undefined>;

/** The promotion's evaluation prompts: there, and every line one an evaluation job takes. */
async function evaluationDatasetProblems(s3: S3Client, uri: string): Check {
  let text: string | undefined;
  try {
    text = await getText(s3, uri);
  } catch (err) {
    return `orchestration.promotion.evaluation.dataset: ${uri} cannot be read (${awsErrorName(err)})`;
  }
  if (text === undefined) return `orchestration.promotion.evaluation.dataset: ${uri} does not exist`;
  const { problems } = parseEvaluationDataset(text, uri);
  return problems.length > 0 ? `orchestration.promotion.evaluation.dataset:\n  ${problems.join('\n  ')}` : undefined;
}

async function objectExists(s3: S3Client, uri: string, what: string): Check {
  const { bucket, key } = parseS3Uri(uri);
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return undefined;
  } catch (err) {
    const kind = s3ErrorKind(err);
    if (kind === 'not-found') return `${what} ${uri} does not exist: upload it, or fix the URI`;
    if (kind === 'access-denied') return `${what} ${uri} cannot be read with the worker's credentials (access denied)`;
    throw err;
  }
}

async function bucketExists(s3: S3Client, uri: string, what: string): Check {
  const { bucket } = parseS3Uri(uri);
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return undefined;
  } catch (err) {
    const kind = s3ErrorKind(err);
    if (kind === 'not-found') return `${what} bucket ${bucket} does not exist: create it, or fix ${uri}`;
    if (kind === 'access-denied') return `${what} bucket ${bucket} is not accessible with the worker's credentials`;
    throw err;
  }
}

async function prefixHasObjects(s3: S3Client, uri: string, what: string): Check {
  const { bucket, key } = parseS3Uri(uri);
  try {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
    return (page.KeyCount ?? 0) > 0
      ? undefined
      : `${what} ${uri} holds no objects: point it at the prefix your invocation logs are delivered to`;
  } catch (err) {
    if (s3ErrorKind(err) === 'not-found') return `${what} bucket ${bucket} does not exist`;
    throw err;
  }
}

async function foundationModelSupports(
  bedrock: BedrockClient,
  modelId: string,
  type: CustomizationType,
  what: string,
): Check {
  try {
    const { modelDetails } = await bedrock.send(new GetFoundationModelCommand({ modelIdentifier: modelId }));
    const supported: readonly string[] = modelDetails?.customizationsSupported ?? [];
    if (what === 'baseModelIdentifier' && REPORTED_CUSTOMIZATIONS.includes(type) && !supported.includes(type)) {
      return `${what}: Bedrock says ${modelId} supports ${supported.join(', ') || 'no customization'}, not ${type}`;
    }
    return undefined;
  } catch (err) {
    if (awsErrorName(err) === 'ResourceNotFoundException' || awsErrorName(err) === 'ValidationException') {
      return `${what}: Bedrock does not know the model ${modelId} in this region`;
    }
    throw err;
  }
}

/**
 * Every problem AWS reports for the request (empty when none), checked in parallel. Errors that are
 * not an answer about the request (throttling, network) are thrown, for the caller to retry.
 */
export async function awsPreflightProblems(
  deps: { bedrock: BedrockClient; s3: S3Client },
  request: FineTuneRequest,
  type: CustomizationType,
): Promise<string[]> {
  const checks: Check[] = [];
  const model = findModel(request.baseModelIdentifier);
  if (model) checks.push(foundationModelSupports(deps.bedrock, model.modelId, type, 'baseModelIdentifier'));
  const teacherId = request.customizationConfig?.distillationConfig?.teacherModelConfig.teacherModelIdentifier;
  if (teacherId) checks.push(foundationModelSupports(deps.bedrock, teacherId, type, 'teacherModelIdentifier'));
  const training = request.trainingDataConfig;
  if (training.s3Uri) checks.push(objectExists(deps.s3, training.s3Uri, 'trainingDataConfig.s3Uri'));
  if (training.invocationLogsConfig) {
    checks.push(
      prefixHasObjects(deps.s3, training.invocationLogsConfig.invocationLogSource.s3Uri, 'invocationLogSource.s3Uri'),
    );
  }
  for (const [i, v] of (request.validationDataConfig?.validators ?? []).entries()) {
    checks.push(objectExists(deps.s3, v.s3Uri, `validationDataConfig.validators[${i}].s3Uri`));
  }
  checks.push(bucketExists(deps.s3, request.outputDataConfig.s3Uri, 'outputDataConfig.s3Uri'));
  const evaluation = request.orchestration?.promotion?.evaluation;
  if (evaluation) checks.push(evaluationDatasetProblems(deps.s3, evaluation.dataset));
  return (await Promise.all(checks)).filter((p): p is string => p !== undefined);
}
