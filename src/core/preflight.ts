// The preflight checks that need no I/O: the base model supports the customization type, the
// hyperparameters are within that model's ranges, validation data is allowed, a distillation teacher
// may teach the student, and the RFT facts that only warn. Shared by the preflight activity and
// `finetune check`.
import {
  customizationOf,
  deployableOnDemand,
  findModel,
  onDemandDeployableModels,
  findTeacher,
  hyperParameterProblems,
  modelsSupporting,
  type CustomizationType,
} from './catalog';
import { kindOf } from './promotion';
import type { FineTuneRequest } from './request';

export function catalogProblems(request: FineTuneRequest, type: CustomizationType): string[] {
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
export function rftWarnings(request: FineTuneRequest, jobRegion: string | undefined): string[] {
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

/** The warnings of a request that passed: RFT's unconfirmed facts, a promotion's commitment. */
export function preflightWarnings(
  request: FineTuneRequest,
  type: CustomizationType,
  jobRegion: string | undefined,
): string[] {
  return [
    ...(type === 'REINFORCEMENT_FINE_TUNING' ? rftWarnings(request, jobRegion) : []),
    ...promotionWarnings(request),
  ];
}

/**
 * What Bedrock would refuse of a promotion once the model is trained: custom models of a base that
 * cannot be deployed on demand in the job's Region, or a Provisioned Throughput for a base that has none.
 */
export function promotionProblems(request: FineTuneRequest, region: string): string[] {
  const promotion = request.orchestration?.promotion;
  const model = findModel(request.baseModelIdentifier);
  if (!promotion || !model) return [];
  if (kindOf(promotion) === 'on-demand' && !deployableOnDemand(model, region)) {
    const here = onDemandDeployableModels(region);
    return [
      `orchestration.promotion: custom models of ${model.modelName} cannot be deployed on demand in ${region}` +
        (here.length > 0 ? ` (here: ${here.join(', ')})` : ' (no base model can be, here)') +
        '; use kind "provisioned" with modelUnits, or train in another Region',
    ];
  }
  if (kindOf(promotion) === 'provisioned' && model.noProvisionedThroughput) {
    return [`orchestration.promotion: no Provisioned Throughput is sold for ${model.modelName}: use kind "on-demand"`];
  }
  return [];
}

/** Allowed, but worth a second look before a run commits to it. */
export function promotionWarnings(request: FineTuneRequest): string[] {
  const promotion = request.orchestration?.promotion;
  if (!promotion?.commitment) return [];
  return [
    `orchestration.promotion.commitment ${promotion.commitment}: a Provisioned Throughput with a commitment cannot be deleted before its term ends, and is billed every hour until then, used or not; leave commitment out for one you can delete at any time`,
  ];
}
