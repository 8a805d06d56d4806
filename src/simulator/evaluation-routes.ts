// CreateEvaluationJob (202), GetEvaluationJob (ARN only), ListEvaluationJobs, StopEvaluationJob
// (`/evaluation-job/{id}/stop`, singular) and BatchDeleteEvaluationJob (202), with the service model's
// member names.
import { Violations } from './errors';
import { parseEvaluationRequest } from './evaluation-request';
import type { EvaluationWithView, Evaluations } from './evaluations';
import { checkIdentifier } from './job-routes';
import { inTimeWindow, listReply, readListParams } from './list-operations';
import { EVALUATION_JOB_IDENTIFIER_PATTERN, EVALUATION_JOB_NAME_PATTERN } from './model-patterns';
import type { ReplyFaults } from './reply-faults';
import type { Route } from './router';
import { checkCount, checkString, elementString, readArray, rfc3339 } from './wire';

const STATUSES = ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped', 'Deleting'] as const;

function jobResponse({ record, view }: EvaluationWithView): object {
  return {
    jobName: record.jobName,
    status: view.status,
    jobArn: record.arn,
    ...(record.jobDescription !== undefined ? { jobDescription: record.jobDescription } : {}),
    roleArn: record.roleArn,
    ...(record.customerEncryptionKeyId !== undefined
      ? { customerEncryptionKeyId: record.customerEncryptionKeyId }
      : {}),
    jobType: 'Automated',
    applicationType: record.applicationType,
    evaluationConfig: record.evaluationConfig,
    inferenceConfig: record.inferenceConfig,
    outputDataConfig: record.outputDataConfig,
    creationTime: rfc3339(record.creationTimeMs),
    lastModifiedTime: rfc3339(view.lastModifiedTimeMs),
    ...(view.failureMessages ? { failureMessages: view.failureMessages } : {}),
  };
}

function jobSummary({ record, view }: EvaluationWithView): object {
  const { plan } = record;
  const bedrockModels = 'bedrockModelIdentifier' in plan.model ? [plan.model.bedrockModelIdentifier] : [];
  const sources = 'precomputedSource' in plan.model ? [plan.model.precomputedSource] : [];
  return {
    jobArn: record.arn,
    jobName: record.jobName,
    status: view.status,
    creationTime: rfc3339(record.creationTimeMs),
    jobType: 'Automated',
    evaluationTaskTypes: [...new Set(plan.datasets.map((d) => d.taskType))],
    modelIdentifiers: bedrockModels,
    ...(plan.judge !== undefined ? { evaluatorModelIdentifiers: [plan.judge] } : {}),
    ...(plan.customMetricsJudge !== undefined
      ? { customMetricsEvaluatorModelIdentifiers: [plan.customMetricsJudge] }
      : {}),
    inferenceConfigSummary: {
      modelConfigSummary: { bedrockModelIdentifiers: bedrockModels, precomputedInferenceSourceIdentifiers: sources },
    },
    applicationType: record.applicationType,
  };
}

const identifier = (label: string | undefined) =>
  checkIdentifier(label, 'jobIdentifier', EVALUATION_JOB_IDENTIFIER_PATTERN, 1011);

export function evaluationRoutes(evaluations: Evaluations, faults: ReplyFaults): Route[] {
  return [
    {
      operation: 'CreateEvaluationJob',
      method: 'POST',
      path: '/evaluation-jobs',
      handler: (ctx) => {
        const { record } = evaluations.create(parseEvaluationRequest(ctx.body()));
        return {
          status: 202,
          body: { jobArn: record.arn },
          afterCommit: faults.afterCreateOfResource('evaluation', record),
        };
      },
    },
    {
      operation: 'GetEvaluationJob',
      method: 'GET',
      path: '/evaluation-jobs/{jobIdentifier}',
      handler: async (_ctx, label) => ({ status: 200, body: jobResponse(await evaluations.get(identifier(label))) }),
    },
    {
      operation: 'StopEvaluationJob',
      method: 'POST',
      path: '/evaluation-job/{jobIdentifier}/stop',
      handler: async (_ctx, label) => {
        await evaluations.stop(identifier(label));
        return { status: 200, afterCommit: faults.afterChange() };
      },
    },
    {
      operation: 'BatchDeleteEvaluationJob',
      method: 'POST',
      path: '/evaluation-jobs/batch-delete',
      handler: async (ctx) => {
        const v = new Violations();
        const list = readArray(ctx.body(), 'jobIdentifiers');
        if (list === undefined) v.missing('jobIdentifiers');
        checkCount(v, 'jobIdentifiers', list, 1, 25);
        const arns = (list ?? []).map((item, i) => {
          const arn = elementString(item, `jobIdentifiers.${i + 1}.member`);
          checkString(v, `jobIdentifiers.${i + 1}.member`, arn, {
            min: 0,
            max: 1011,
            pattern: EVALUATION_JOB_IDENTIFIER_PATTERN,
          });
          return arn;
        });
        v.throwIfAny();
        return { status: 202, body: await evaluations.batchDelete(arns), afterCommit: faults.afterChange() };
      },
    },
    {
      operation: 'ListEvaluationJobs',
      method: 'GET',
      path: '/evaluation-jobs',
      handler: async (ctx) => {
        const q = ctx.query;
        const v = new Violations();
        const params = readListParams(q, v);
        const statusEquals = q.string('statusEquals');
        checkString(v, 'statusEquals', statusEquals, { enumValues: STATUSES });
        const applicationTypeEquals = q.string('applicationTypeEquals');
        checkString(v, 'applicationTypeEquals', applicationTypeEquals, {
          enumValues: ['ModelEvaluation', 'RagEvaluation'],
        });
        const nameContains = q.string('nameContains');
        checkString(v, 'nameContains', nameContains, { min: 1, max: 63, pattern: EVALUATION_JOB_NAME_PATTERN });
        v.throwIfAny();
        const matching = (await evaluations.list()).filter(
          (e) =>
            inTimeWindow(e.record.creationTimeMs, params) &&
            (statusEquals === undefined || e.view.status === statusEquals) &&
            (applicationTypeEquals === undefined || e.record.applicationType === applicationTypeEquals) &&
            (nameContains === undefined || e.record.jobName.includes(nameContains)),
        );
        return listReply(matching, (e) => e.record, params, 'jobSummaries', jobSummary);
      },
    },
  ];
}
