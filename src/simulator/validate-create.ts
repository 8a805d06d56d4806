// CreateModelCustomizationJob input checks, in the order the service applies them: the JSON types of
// the members (SerializationException), then the modelled constraints, all reported at once
// (ValidationException), then what Bedrock knows beyond the model: the base model supports the type,
// hyperparameters within that model's ranges, which configs go with which type, a teacher of the same
// provider. State-dependent checks (names in use, tokens, quotas) live in the engine.
import {
  customizationOf,
  findTeacher,
  hyperParameterProblems,
  INVOCATION_LOG_TYPES,
  type CatalogModel,
  type CustomizationSpec,
  type CustomizationType,
} from '../core/catalog';
import {
  KMS_KEY_MAX,
  LAMBDA_ARN_MAX,
  MODEL_IDENTIFIER_MAX,
  REASONING_EFFORTS,
  RFT_HYPERPARAMETER_BOUNDS,
  ROLE_ARN_MAX,
  S3_URI_MAX,
  TAG_KEY_MAX,
  TAG_VALUE_MAX,
  TAGS_MAX_PER_REQUEST,
  VALIDATORS_MAX,
} from '../core/bedrock-patterns';
import { validation, Violations } from './errors';
import {
  BASE_MODEL_IDENTIFIER_PATTERN,
  CUSTOM_MODEL_NAME_PATTERN,
  JOB_NAME_PATTERN,
  KMS_KEY_ID_PATTERN,
  LAMBDA_ARN_PATTERN,
  METADATA_KEY_PATTERN,
  METADATA_VALUE_PATTERN,
  ROLE_ARN_PATTERN,
  S3_URI_PATTERN,
  SUBNET_PATTERN,
  TAG_PATTERN,
  TEACHER_MODEL_IDENTIFIER_PATTERN,
  TOKEN_PATTERN,
} from './model-patterns';
import {
  WIRE_CUSTOMIZATION_TYPES,
  type CreateJobRequest,
  type CustomizationConfig,
  type InvocationLogsConfig,
  type RequestMetadataBaseFilters,
  type RequestMetadataFilters,
  type RftConfig,
  type RftHyperParameters,
  type Tag,
  type TrainingDataConfig,
  type ValidationDataConfig,
  type VpcConfig,
  type WireCustomizationType,
} from './types';
import {
  checkCount,
  checkRange,
  checkString,
  elementObject,
  elementString,
  readArray,
  readBoolean,
  readInteger,
  readNumber,
  readObject,
  readString,
  readStringMap,
  type JsonObject,
} from './wire';

/** A tag list (jobTags, customModelTags, TagResource's tags) with Coral's element paths. */
export function readTags(v: Violations, obj: JsonObject, key: string): Tag[] | undefined {
  const list = readArray(obj, key);
  if (list === undefined) return undefined;
  checkCount(v, key, list, 0, TAGS_MAX_PER_REQUEST);
  return list.map((item, i) => {
    const path = `${key}.${i + 1}.member`;
    const tag = elementObject(item, path);
    const tagKey = readString(tag, 'key', `${path}.key`);
    const value = readString(tag, 'value', `${path}.value`);
    checkString(v, `${path}.key`, tagKey, { min: 1, max: TAG_KEY_MAX, pattern: TAG_PATTERN }, true);
    checkString(v, `${path}.value`, value, { min: 0, max: TAG_VALUE_MAX, pattern: TAG_PATTERN }, true);
    return { key: tagKey ?? '', value: value ?? '' };
  });
}

function readS3Uri(v: Violations, obj: JsonObject, key: string, path: string, required: boolean): string | undefined {
  const uri = readString(obj, key, path);
  checkString(v, path, uri, { min: 1, max: S3_URI_MAX, pattern: S3_URI_PATTERN }, required);
  return uri;
}

function readMetadataMap(
  v: Violations,
  obj: JsonObject,
  key: string,
  path: string,
): Record<string, string> | undefined {
  const map = readStringMap(obj, key, path);
  if (map === undefined) return undefined;
  const entries = Object.entries(map);
  if (entries.length !== 1)
    v.add(path, map, `have length ${entries.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 1'}`);
  for (const [k, value] of entries) {
    checkString(v, `${path}.key`, k, { min: 1, max: 256, pattern: METADATA_KEY_PATTERN });
    checkString(v, `${path}.value`, value, { min: 0, max: 256, pattern: METADATA_VALUE_PATTERN });
  }
  return map;
}

/** A base filter: not a union in the model, but it takes exactly one of equals or notEquals here. */
function readBaseFilter(v: Violations, obj: JsonObject, path: string): RequestMetadataBaseFilters {
  const equals = readMetadataMap(v, obj, 'equals', `${path}.equals`);
  const notEquals = readMetadataMap(v, obj, 'notEquals', `${path}.notEquals`);
  if ((equals === undefined) === (notEquals === undefined)) {
    throw validation(`${path} must set exactly one of equals or notEquals.`);
  }
  return { ...(equals ? { equals } : {}), ...(notEquals ? { notEquals } : {}) };
}

function readFilters(v: Violations, obj: JsonObject, path: string): RequestMetadataFilters | undefined {
  const filters = readObject(obj, 'requestMetadataFilters', path);
  if (filters === undefined) return undefined;
  const set = ['equals', 'notEquals', 'andAll', 'orAll'].filter((k) => filters[k] !== undefined && filters[k] !== null);
  if (set.length !== 1) {
    throw validation(
      `${path} is a union: set exactly one of equals, notEquals, andAll or orAll (found ${set.length === 0 ? 'none' : set.join(', ')}).`,
    );
  }
  const member = set[0];
  if (member === 'equals' || member === 'notEquals') {
    return { [member]: readMetadataMap(v, filters, member, `${path}.${member}`) };
  }
  const list = readArray(filters, member, `${path}.${member}`) ?? [];
  checkCount(v, `${path}.${member}`, list, 1, 16);
  return {
    [member]: list.map((item, i) =>
      readBaseFilter(v, elementObject(item, `${path}.${member}.${i + 1}.member`), `${path}.${member}.${i + 1}.member`),
    ),
  };
}

function readInvocationLogsConfig(v: Violations, obj: JsonObject): InvocationLogsConfig | undefined {
  const path = 'trainingDataConfig.invocationLogsConfig';
  const config = readObject(obj, 'invocationLogsConfig', path);
  if (config === undefined) return undefined;
  const usePromptResponse = readBoolean(config, 'usePromptResponse', `${path}.usePromptResponse`);
  const source = readObject(config, 'invocationLogSource', `${path}.invocationLogSource`);
  let s3Uri: string | undefined;
  if (source === undefined) {
    v.missing(`${path}.invocationLogSource`);
  } else {
    const set = Object.keys(source).filter((k) => source[k] !== null);
    if (set.length !== 1 || set[0] !== 's3Uri') {
      throw validation(`${path}.invocationLogSource is a union: set exactly one member, s3Uri.`);
    }
    s3Uri = readS3Uri(v, source, 's3Uri', `${path}.invocationLogSource.s3Uri`, true);
  }
  const requestMetadataFilters = readFilters(v, config, `${path}.requestMetadataFilters`);
  return {
    invocationLogSource: { s3Uri: s3Uri ?? '' },
    ...(usePromptResponse !== undefined ? { usePromptResponse } : {}),
    ...(requestMetadataFilters ? { requestMetadataFilters } : {}),
  };
}

function readTrainingDataConfig(v: Violations, body: JsonObject): TrainingDataConfig | undefined {
  const config = readObject(body, 'trainingDataConfig');
  if (config === undefined) {
    v.missing('trainingDataConfig');
    return undefined;
  }
  const s3Uri = readS3Uri(v, config, 's3Uri', 'trainingDataConfig.s3Uri', false);
  const invocationLogsConfig = readInvocationLogsConfig(v, config);
  return { ...(s3Uri !== undefined ? { s3Uri } : {}), ...(invocationLogsConfig ? { invocationLogsConfig } : {}) };
}

function readValidationDataConfig(v: Violations, body: JsonObject): ValidationDataConfig | undefined {
  const config = readObject(body, 'validationDataConfig');
  if (config === undefined) return undefined;
  const list = readArray(config, 'validators', 'validationDataConfig.validators');
  if (list === undefined) {
    v.missing('validationDataConfig.validators');
    return { validators: [] };
  }
  checkCount(v, 'validationDataConfig.validators', list, 0, VALIDATORS_MAX);
  return {
    validators: list.map((item, i) => {
      const path = `validationDataConfig.validators.${i + 1}.member`;
      return { s3Uri: readS3Uri(v, elementObject(item, path), 's3Uri', `${path}.s3Uri`, true) ?? '' };
    }),
  };
}

function readIdList(v: Violations, obj: JsonObject, key: string, path: string, max: number): string[] {
  const list = readArray(obj, key, path);
  if (list === undefined) {
    v.missing(path);
    return [];
  }
  checkCount(v, path, list, 1, max);
  return list.map((item, i) => {
    const id = elementString(item, `${path}.${i + 1}.member`);
    checkString(v, `${path}.${i + 1}.member`, id, { max: 32, pattern: SUBNET_PATTERN });
    return id;
  });
}

function readVpcConfig(v: Violations, body: JsonObject): VpcConfig | undefined {
  const config = readObject(body, 'vpcConfig');
  if (config === undefined) return undefined;
  return {
    subnetIds: readIdList(v, config, 'subnetIds', 'vpcConfig.subnetIds', 16),
    securityGroupIds: readIdList(v, config, 'securityGroupIds', 'vpcConfig.securityGroupIds', 5),
  };
}

/** RFTConfig: the grader (a union of one member, lambdaGrader) and typed hyperparameters with their bounds. */
function readRftConfig(v: Violations, config: JsonObject): RftConfig {
  const path = 'customizationConfig.rftConfig';
  const rft = readObject(config, 'rftConfig', path) ?? {};
  const out: RftConfig = {};
  const grader = readObject(rft, 'graderConfig', `${path}.graderConfig`);
  if (grader !== undefined) {
    const set = Object.keys(grader).filter((k) => grader[k] !== null);
    if (set.length !== 1 || set[0] !== 'lambdaGrader') {
      throw validation(`${path}.graderConfig is a union: set exactly one member, lambdaGrader.`);
    }
    const lambdaPath = `${path}.graderConfig.lambdaGrader`;
    const lambda = readObject(grader, 'lambdaGrader', lambdaPath) ?? {};
    const lambdaArn = readString(lambda, 'lambdaArn', `${lambdaPath}.lambdaArn`);
    checkString(
      v,
      `${lambdaPath}.lambdaArn`,
      lambdaArn,
      { min: 1, max: LAMBDA_ARN_MAX, pattern: LAMBDA_ARN_PATTERN },
      true,
    );
    out.graderConfig = { lambdaGrader: { lambdaArn: lambdaArn ?? '' } };
  }
  const hp = readObject(rft, 'hyperParameters', `${path}.hyperParameters`);
  if (hp !== undefined) {
    const hyperParameters: RftHyperParameters = {};
    for (const [name, bounds] of Object.entries(RFT_HYPERPARAMETER_BOUNDS)) {
      const hpPath = `${path}.hyperParameters.${name}`;
      const value = bounds.integer ? readInteger(hp, name, hpPath) : readNumber(hp, name, hpPath);
      checkRange(v, hpPath, value, bounds.min, 'max' in bounds ? bounds.max : undefined);
      if (value !== undefined) hyperParameters[name as keyof typeof RFT_HYPERPARAMETER_BOUNDS] = value;
    }
    const effortPath = `${path}.hyperParameters.reasoningEffort`;
    const reasoningEffort = readString(hp, 'reasoningEffort', effortPath);
    checkString(v, effortPath, reasoningEffort, { enumValues: REASONING_EFFORTS });
    if (reasoningEffort !== undefined)
      hyperParameters.reasoningEffort = reasoningEffort as RftHyperParameters['reasoningEffort'];
    out.hyperParameters = hyperParameters;
  }
  return out;
}

function readCustomizationConfig(v: Violations, body: JsonObject): CustomizationConfig | undefined {
  const config = readObject(body, 'customizationConfig');
  if (config === undefined) return undefined;
  const set = Object.keys(config).filter((k) => config[k] !== null);
  if (set.length !== 1 || (set[0] !== 'distillationConfig' && set[0] !== 'rftConfig')) {
    throw validation('customizationConfig is a union: set exactly one of distillationConfig or rftConfig.');
  }
  if (set[0] === 'rftConfig') return { rftConfig: readRftConfig(v, config) };
  const path = 'customizationConfig.distillationConfig';
  const distillation = readObject(config, 'distillationConfig', path) ?? {};
  const teacher = readObject(distillation, 'teacherModelConfig', `${path}.teacherModelConfig`);
  if (teacher === undefined) {
    v.missing(`${path}.teacherModelConfig`);
    return { distillationConfig: { teacherModelConfig: { teacherModelIdentifier: '' } } };
  }
  const teacherPath = `${path}.teacherModelConfig`;
  const teacherModelIdentifier = readString(teacher, 'teacherModelIdentifier', `${teacherPath}.teacherModelIdentifier`);
  checkString(
    v,
    `${teacherPath}.teacherModelIdentifier`,
    teacherModelIdentifier,
    { max: MODEL_IDENTIFIER_MAX, pattern: TEACHER_MODEL_IDENTIFIER_PATTERN },
    true,
  );
  const maxResponseLengthForInference = readInteger(
    teacher,
    'maxResponseLengthForInference',
    `${teacherPath}.maxResponseLengthForInference`,
  );
  if (maxResponseLengthForInference !== undefined && maxResponseLengthForInference < 1) {
    v.add(
      `${teacherPath}.maxResponseLengthForInference`,
      maxResponseLengthForInference,
      'have value greater than or equal to 1',
    );
  }
  return {
    distillationConfig: {
      teacherModelConfig: {
        teacherModelIdentifier: teacherModelIdentifier ?? '',
        ...(maxResponseLengthForInference !== undefined ? { maxResponseLengthForInference } : {}),
      },
    },
  };
}

/** The body as a typed request, or the first SerializationException / all constraint violations. */
export function parseCreateRequest(body: JsonObject): CreateJobRequest {
  const v = new Violations();
  const str = (key: string, rule: Parameters<typeof checkString>[3], required: boolean) => {
    const value = readString(body, key);
    checkString(v, key, value, rule, required);
    return value;
  };
  const jobName = str('jobName', { min: 1, max: 63, pattern: JOB_NAME_PATTERN }, true);
  const customModelName = str('customModelName', { min: 1, max: 63, pattern: CUSTOM_MODEL_NAME_PATTERN }, true);
  const roleArn = str('roleArn', { min: 0, max: ROLE_ARN_MAX, pattern: ROLE_ARN_PATTERN }, true);
  const clientRequestToken = str('clientRequestToken', { min: 1, max: 256, pattern: TOKEN_PATTERN }, false);
  const baseModelIdentifier = str(
    'baseModelIdentifier',
    { min: 1, max: MODEL_IDENTIFIER_MAX, pattern: BASE_MODEL_IDENTIFIER_PATTERN },
    true,
  );
  const customizationType = str('customizationType', { enumValues: WIRE_CUSTOMIZATION_TYPES }, false) as
    WireCustomizationType | undefined;
  const customModelKmsKeyId = str(
    'customModelKmsKeyId',
    { min: 1, max: KMS_KEY_MAX, pattern: KMS_KEY_ID_PATTERN },
    false,
  );
  const jobTags = readTags(v, body, 'jobTags');
  const customModelTags = readTags(v, body, 'customModelTags');
  const trainingDataConfig = readTrainingDataConfig(v, body);
  const validationDataConfig = readValidationDataConfig(v, body);
  const outputConfig = readObject(body, 'outputDataConfig');
  if (outputConfig === undefined) v.missing('outputDataConfig');
  const outputUri = outputConfig ? readS3Uri(v, outputConfig, 's3Uri', 'outputDataConfig.s3Uri', true) : undefined;
  const hyperParameters = readStringMap(body, 'hyperParameters');
  const vpcConfig = readVpcConfig(v, body);
  const customizationConfig = readCustomizationConfig(v, body);
  v.throwIfAny();

  // Every required member is present once the violations are through.
  const input: CreateJobRequest = {
    jobName: jobName as string,
    customModelName: customModelName as string,
    roleArn: roleArn as string,
    baseModelIdentifier: baseModelIdentifier as string,
    trainingDataConfig: trainingDataConfig as TrainingDataConfig,
    outputDataConfig: { s3Uri: outputUri as string },
  };
  if (clientRequestToken !== undefined) input.clientRequestToken = clientRequestToken;
  if (customizationType !== undefined) input.customizationType = customizationType;
  if (customModelKmsKeyId !== undefined) input.customModelKmsKeyId = customModelKmsKeyId;
  if (jobTags !== undefined) input.jobTags = jobTags;
  if (customModelTags !== undefined) input.customModelTags = customModelTags;
  if (validationDataConfig !== undefined) input.validationDataConfig = validationDataConfig;
  if (hyperParameters !== undefined) input.hyperParameters = hyperParameters;
  if (vpcConfig !== undefined) input.vpcConfig = vpcConfig;
  if (customizationConfig !== undefined) input.customizationConfig = customizationConfig;
  return input;
}

export interface CheckedCustomization {
  type: CustomizationType;
  spec: CustomizationSpec;
}

/**
 * What Bedrock validates beyond the model's member constraints, for a resolved base model. Messages
 * name the member and the allowed values, as Bedrock's own semantic ValidationExceptions do.
 */
export function checkCustomization(input: CreateJobRequest, model: CatalogModel): CheckedCustomization {
  const wireType = input.customizationType ?? 'FINE_TUNING';
  const supported = Object.keys(model.customizations);
  const type = wireType as CustomizationType;
  const spec = supported.includes(wireType) ? customizationOf(model, type) : undefined;
  if (!spec) {
    throw validation(
      `The base model ${model.modelId} does not support the customization type ${wireType}. Supported customization types: ${supported.join(', ')}.`,
    );
  }

  const training = input.trainingDataConfig;
  const usesLogs = training.invocationLogsConfig !== undefined;
  if (usesLogs && training.s3Uri !== undefined) {
    throw validation('trainingDataConfig takes either s3Uri or invocationLogsConfig, not both.');
  }
  const logTypes = INVOCATION_LOG_TYPES.join(' or ');
  if (!usesLogs && training.s3Uri === undefined) {
    throw validation(`trainingDataConfig must set s3Uri (or, for ${logTypes}, invocationLogsConfig).`);
  }
  if (usesLogs && !INVOCATION_LOG_TYPES.includes(type)) {
    throw validation(`trainingDataConfig.invocationLogsConfig is only supported for ${logTypes}, not ${type}.`);
  }

  const distillation = input.customizationConfig?.distillationConfig;
  // Without rftConfig an RFT job has no grader; the service model allows it, so the simulator does too.
  if (input.customizationConfig?.rftConfig !== undefined && type !== 'REINFORCEMENT_FINE_TUNING') {
    throw validation(
      `customizationConfig.rftConfig is only valid when customizationType is REINFORCEMENT_FINE_TUNING, not ${type}.`,
    );
  }
  if (type === 'DISTILLATION') {
    if (!distillation)
      throw validation('customizationConfig.distillationConfig is required when customizationType is DISTILLATION.');
    const teacherId = distillation.teacherModelConfig.teacherModelIdentifier;
    const teacher = findTeacher(teacherProfileToModelId(teacherId));
    if (!teacher) {
      throw validation(
        `The teacher model ${teacherId} is not a supported teacher model. Supported teachers for ${model.modelId}: ${(model.distillationTeachers ?? []).join(', ')}.`,
      );
    }
    if (teacher.provider !== model.provider || !(model.distillationTeachers ?? []).includes(teacher.modelId)) {
      throw validation(
        `The teacher model ${teacher.modelId} (${teacher.provider}) cannot teach ${model.modelId} (${model.provider}): teacher and student must come from the same provider. Supported teachers: ${(model.distillationTeachers ?? []).join(', ')}.`,
      );
    }
  } else if (distillation) {
    throw validation(
      `customizationConfig.distillationConfig is only valid when customizationType is DISTILLATION, not ${type}.`,
    );
  }

  const validators = input.validationDataConfig?.validators ?? [];
  if (validators.length > 0 && !spec.limits.validationSupported && !spec.limits.validationIgnored) {
    throw validation(`${model.modelId} does not accept a validation dataset for ${type}: remove validationDataConfig.`);
  }

  const problems = hyperParameterProblems(spec, input.hyperParameters);
  if (problems.length > 0) throw validation(`Invalid hyperparameters for ${model.modelId}: ${problems.join('; ')}.`);
  return { type, spec };
}

/** Teachers may be named by an inference profile (`us.`/`eu.`/`apac.`/`global.` + model id, or its ARN). */
export function teacherProfileToModelId(identifier: string): string {
  const profile = /inference-profile\/(.+)$/.exec(identifier)?.[1] ?? identifier;
  return profile.replace(/^(us|eu|apac|global|us-gov|ca|jp|au)\./, '');
}
