// Step 1: everything that can be checked before any money is spent. Every problem is collected and
// reported at once as `InvalidRequest`; nothing is created. What might be wrong but rests on service
// behaviour nobody could confirm is a warning: logged, returned, shown in the run's details.
import { GetFoundationModelCommand, ModelCustomization, type BedrockClient } from '@aws-sdk/client-bedrock';
import { HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  customizationOf,
  findModel,
  findTeacher,
  hyperParameterProblems,
  modelsSupporting,
  type CustomizationType,
} from '../core/catalog';
import { parseS3Uri } from '../core/bedrock-patterns';
import { FailureType } from '../core/fine-tune-contract';
import { requestProblems, type FineTuneRequest } from '../core/request';
import { awsErrorName, s3ErrorKind } from '../aws/errors';

export interface PreflightResult {
  modelId: string;
  customizationType: CustomizationType;
  /** Not refused, but worth a look (see rftWarnings). Absent on runs from before warnings existed. */
  warnings?: string[];
}

/**
 * The values GetFoundationModel's `customizationsSupported` can hold (the ModelCustomization enum). It
 * has no REINFORCEMENT_FINE_TUNING, so for RFT Bedrock cannot say yes here: the catalog decides alone.
 */
const REPORTED_CUSTOMIZATIONS: readonly string[] = Object.values(ModelCustomization);

type Check = Promise<string | undefined>;

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

function catalogProblems(request: FineTuneRequest, type: CustomizationType): string[] {
  const model = findModel(request.baseModelIdentifier);
  if (!model)
    return [
      `baseModelIdentifier: ${request.baseModelIdentifier} is not a customizable model this worker knows; use a customizable id such as amazon.nova-micro-v1:0:128k`,
    ];
  const spec = customizationOf(model, type);
  if (!spec) {
    const types = Object.keys(model.customizations).join(', ');
    const others = modelsSupporting(type);
    return [
      `customizationType: ${model.modelName} supports ${types}, not ${type}${others.length > 0 ? `; ${type} is available for ${others.join(', ')}` : ''}`,
    ];
  }
  const problems = hyperParameterProblems(spec, request.hyperParameters);
  if (
    request.validationDataConfig?.validators.length &&
    !spec.limits.validationSupported &&
    !spec.limits.validationIgnored
  ) {
    problems.push(`validationDataConfig: ${model.modelName} takes no validation data for ${type}`);
  }
  const teacherId = request.customizationConfig?.distillationConfig?.teacherModelConfig.teacherModelIdentifier;
  if (type === 'DISTILLATION' && teacherId) {
    const teacher = findTeacher(teacherId);
    if (!teacher)
      problems.push(
        `teacherModelIdentifier: ${teacherId} is not a distillation teacher; allowed for ${model.modelName}: ${(model.distillationTeachers ?? []).join(', ')}`,
      );
    else if (teacher.provider !== model.provider)
      problems.push(
        `teacherModelIdentifier: the teacher (${teacher.provider}) must come from the student's provider (${model.provider})`,
      );
    else if (!(model.distillationTeachers ?? []).includes(teacher.modelId))
      problems.push(
        `teacherModelIdentifier: ${teacher.modelId} cannot teach ${model.modelName}; allowed: ${(model.distillationTeachers ?? []).join(', ')}`,
      );
  }
  return problems;
}

/**
 * RFT facts nobody could confirm, so they warn instead of refusing: graderConfig is optional in the
 * service model, yet RFT needs a reward function (AWS's Forge SDK refuses to submit without a Lambda);
 * and whether a grader in another region than the job can be invoked is undocumented.
 */
function rftWarnings(request: FineTuneRequest, jobRegion: string | undefined): string[] {
  const lambdaArn = request.customizationConfig?.rftConfig?.graderConfig?.lambdaGrader.lambdaArn;
  if (!lambdaArn) {
    return [
      "customizationConfig.rftConfig.graderConfig.lambdaGrader.lambdaArn is not set: the service model makes the grader optional, but RFT scores every response with a reward function and AWS's Nova Forge SDK refuses RFT without a Lambda grader; set it unless you know Bedrock supplies one",
    ];
  }
  const lambdaRegion = lambdaArn.split(':')[3];
  if (jobRegion && lambdaRegion !== jobRegion) {
    return [
      `the grader Lambda ${lambdaArn} is in ${lambdaRegion} and the job runs in ${jobRegion}: whether Bedrock invokes a grader in another region is unconfirmed; deploy the grader in ${jobRegion} to be safe`,
    ];
  }
  return [];
}

export function createPreflightActivities(deps: { bedrock: BedrockClient; s3: S3Client }) {
  return {
    async preflight(request: FineTuneRequest): Promise<PreflightResult> {
      const schemaProblems = requestProblems(request);
      if (schemaProblems.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `The request is not valid:\n- ${schemaProblems.join('\n- ')}`,
          FailureType.InvalidRequest,
          { problems: schemaProblems },
        );
      }
      const type = request.customizationType ?? 'FINE_TUNING';
      const problems = catalogProblems(request, type);
      const model = findModel(request.baseModelIdentifier);
      const checks: Check[] = [];
      if (model) checks.push(foundationModelSupports(deps.bedrock, model.modelId, type, 'baseModelIdentifier'));
      const teacherId = request.customizationConfig?.distillationConfig?.teacherModelConfig.teacherModelIdentifier;
      if (teacherId) checks.push(foundationModelSupports(deps.bedrock, teacherId, type, 'teacherModelIdentifier'));
      const training = request.trainingDataConfig;
      if (training.s3Uri) checks.push(objectExists(deps.s3, training.s3Uri, 'trainingDataConfig.s3Uri'));
      if (training.invocationLogsConfig) {
        checks.push(
          prefixHasObjects(
            deps.s3,
            training.invocationLogsConfig.invocationLogSource.s3Uri,
            'invocationLogSource.s3Uri',
          ),
        );
      }
      for (const [i, v] of (request.validationDataConfig?.validators ?? []).entries()) {
        checks.push(objectExists(deps.s3, v.s3Uri, `validationDataConfig.validators[${i}].s3Uri`));
      }
      checks.push(bucketExists(deps.s3, request.outputDataConfig.s3Uri, 'outputDataConfig.s3Uri'));
      for (const problem of await Promise.all(checks)) if (problem) problems.push(problem);
      if (problems.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `The request cannot run:\n- ${problems.join('\n- ')}`,
          FailureType.InvalidRequest,
          { problems },
        );
      }
      const warnings =
        type === 'REINFORCEMENT_FINE_TUNING' ? rftWarnings(request, await deps.bedrock.config.region()) : [];
      for (const warning of warnings) log.warn(`preflight: ${warning}`);
      return { modelId: model!.modelId, customizationType: type, ...(warnings.length > 0 ? { warnings } : {}) };
    },
  };
}
