// CreateModelCustomizationJob, GetModelCustomizationJob, ListModelCustomizationJobs and
// StopModelCustomizationJob: request members in, response members out, as the service model names them.
import { JOB_STATUSES } from '../core/bedrock-patterns';
import type { Engine, JobWithView } from './engine';
import { Violations } from './errors';
import { JOB_PHASES, type JobView } from './lifecycle';
import { inTimeWindow, listReply, matchesName, readListParams } from './list-operations';
import { JOB_IDENTIFIER_PATTERN, JOB_NAME_PATTERN } from './model-patterns';
import type { ReplyFaults } from './reply-faults';
import type { Route } from './router';
import type { JobRecord } from './types';
import { parseCreateRequest } from './validate-create';
import { checkString, rfc3339 } from './wire';

const DETAIL_MEMBER = {
  validation: 'validationDetails',
  dataProcessing: 'dataProcessingDetails',
  training: 'trainingDetails',
} as const;

export function statusDetails(
  view: JobView,
): Record<string, { status: string; creationTime: string; lastModifiedTime: string }> {
  const out: Record<string, { status: string; creationTime: string; lastModifiedTime: string }> = {};
  for (const phase of JOB_PHASES) {
    const p = view.phases[phase];
    out[DETAIL_MEMBER[phase]] = {
      status: p.status,
      creationTime: rfc3339(p.creationTimeMs),
      lastModifiedTime: rfc3339(p.lastModifiedTimeMs),
    };
  }
  return out;
}

function completedModelArn(job: JobRecord, view: JobView): string | undefined {
  return view.status === 'Completed' && job.completion?.ok ? job.completion.modelArn : undefined;
}

/** GetModelCustomizationJobResponse. */
export function jobResponse({ job, view }: JobWithView): object {
  const modelArn = completedModelArn(job, view);
  const completion = view.status === 'Completed' && job.completion?.ok ? job.completion : undefined;
  return {
    jobArn: job.jobArn,
    jobName: job.jobName,
    outputModelName: job.outputModelName,
    ...(modelArn ? { outputModelArn: modelArn } : {}),
    ...(job.clientRequestToken !== undefined ? { clientRequestToken: job.clientRequestToken } : {}),
    roleArn: job.roleArn,
    status: view.status,
    statusDetails: statusDetails(view),
    ...(view.failureMessage !== undefined ? { failureMessage: view.failureMessage } : {}),
    creationTime: rfc3339(job.creationTimeMs),
    lastModifiedTime: rfc3339(view.lastModifiedTimeMs),
    ...(view.endTimeMs !== undefined ? { endTime: rfc3339(view.endTimeMs) } : {}),
    baseModelArn: job.baseModelArn,
    hyperParameters: job.hyperParameters ?? {},
    trainingDataConfig: job.trainingDataConfig,
    validationDataConfig: job.validationDataConfig,
    outputDataConfig: job.outputDataConfig,
    customizationType: job.customizationType,
    ...(job.outputModelKmsKeyArn ? { outputModelKmsKeyArn: job.outputModelKmsKeyArn } : {}),
    ...(completion
      ? {
          trainingMetrics: { trainingLoss: completion.trainingLoss },
          validationMetrics: completion.validationLosses.map((validationLoss) => ({ validationLoss })),
        }
      : {}),
    ...(job.vpcConfig ? { vpcConfig: job.vpcConfig } : {}),
    ...(job.customizationConfig ? { customizationConfig: job.customizationConfig } : {}),
  };
}

/** ModelCustomizationJobSummary. */
function jobSummary({ job, view }: JobWithView): object {
  const modelArn = completedModelArn(job, view);
  return {
    jobArn: job.jobArn,
    baseModelArn: job.baseModelArn,
    jobName: job.jobName,
    status: view.status,
    statusDetails: statusDetails(view),
    lastModifiedTime: rfc3339(view.lastModifiedTimeMs),
    creationTime: rfc3339(job.creationTimeMs),
    ...(view.endTimeMs !== undefined ? { endTime: rfc3339(view.endTimeMs) } : {}),
    ...(modelArn ? { customModelArn: modelArn } : {}),
    customModelName: job.outputModelName,
    customizationType: job.customizationType,
  };
}

export function checkIdentifier(
  label: string | undefined,
  member: string,
  pattern = JOB_IDENTIFIER_PATTERN,
  max = 1011,
): string {
  const v = new Violations();
  checkString(v, member, label, { min: 1, max, pattern }, true);
  v.throwIfAny();
  return label as string;
}

export function jobRoutes(engine: Engine, faults: ReplyFaults): Route[] {
  return [
    {
      operation: 'CreateModelCustomizationJob',
      method: 'POST',
      path: '/model-customization-jobs',
      handler: async (ctx) => {
        const job = await engine.createJob(parseCreateRequest(ctx.body()));
        return { status: 201, body: { jobArn: job.jobArn }, afterCommit: faults.afterCreate(job) };
      },
    },
    {
      operation: 'GetModelCustomizationJob',
      method: 'GET',
      path: '/model-customization-jobs/{jobIdentifier}',
      handler: async (_ctx, label) => ({
        status: 200,
        body: jobResponse(await engine.getJob(checkIdentifier(label, 'jobIdentifier'))),
      }),
    },
    {
      operation: 'StopModelCustomizationJob',
      method: 'POST',
      path: '/model-customization-jobs/{jobIdentifier}/stop',
      handler: async (_ctx, label) => {
        await engine.stopJob(checkIdentifier(label, 'jobIdentifier'));
        return { status: 200, afterCommit: faults.afterStop() };
      },
    },
    {
      operation: 'ListModelCustomizationJobs',
      method: 'GET',
      path: '/model-customization-jobs',
      handler: async (ctx) => {
        const v = new Violations();
        const params = readListParams(ctx.query, v);
        const statusEquals = ctx.query.string('statusEquals');
        checkString(v, 'statusEquals', statusEquals, { enumValues: JOB_STATUSES });
        const nameContains = ctx.query.string('nameContains');
        checkString(v, 'nameContains', nameContains, { min: 1, max: 63, pattern: JOB_NAME_PATTERN });
        v.throwIfAny();
        const matching = (await engine.allJobs()).filter(
          (j) =>
            inTimeWindow(j.job.creationTimeMs, params) &&
            (statusEquals === undefined || j.view.status === statusEquals) &&
            matchesName(j.job.jobName, nameContains),
        );
        return listReply(
          matching,
          (j) => ({ creationTimeMs: j.job.creationTimeMs, arn: j.job.jobArn }),
          params,
          'modelCustomizationJobSummaries',
          jobSummary,
        );
      },
    },
  ];
}
