// Step 1: everything that can be checked before any money is spent. Every problem is collected and
// reported at once as `InvalidRequest`; nothing is created. What might be wrong but rests on service
// behaviour nobody could confirm is a warning: logged, returned, shown in the run's details. The checks
// live in core/preflight.ts (catalog, warnings) and aws/preflight-checks.ts (AWS), which `finetune check`
// runs too.
import type { BedrockClient } from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { awsPreflightProblems } from '../aws/preflight-checks';
import { findModel, type CustomizationType } from '../core/catalog';
import { FailureType } from '../core/fine-tune-contract';
import { catalogProblems, preflightWarnings, promotionProblems } from '../core/preflight';
import { requestProblems, type FineTuneRequest } from '../core/request';

export interface PreflightResult {
  modelId: string;
  customizationType: CustomizationType;
  /** Not refused, but worth a look (see rftWarnings). Absent on runs from before warnings existed. */
  warnings?: string[];
  /**
   * The worker that checked the request consumes Bedrock's job events (FINETUNE_EVENTS_QUEUE_URL): the
   * run's polling defaults become the safety net's (EVENTS_POLLING). Absent: no events, as before.
   */
  jobEvents?: true;
  /**
   * The worker that checked the request runs the fair queue for the job quota (FINETUNE_JOB_QUEUE, on by
   * default): the run asks the keeper for a slot before its create. Absent: the queue is off, and the run
   * waits for the quota on its own timers without asking.
   */
  jobQueue?: true;
}

export function preflightActivities(deps: {
  bedrock: BedrockClient;
  s3: S3Client;
  jobEvents?: boolean;
  jobQueue?: boolean;
}) {
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
      const region = await deps.bedrock.config.region();
      const problems = [
        ...catalogProblems(request, type),
        ...promotionProblems(request, region),
        ...(await awsPreflightProblems(deps, request, type)),
      ];
      if (problems.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `The request cannot run:\n- ${problems.join('\n- ')}`,
          FailureType.InvalidRequest,
          { problems },
        );
      }
      const warnings = preflightWarnings(request, type, region);
      for (const warning of warnings) log.warn(`preflight: ${warning}`);
      return {
        modelId: findModel(request.baseModelIdentifier)!.modelId,
        customizationType: type,
        ...(warnings.length > 0 ? { warnings } : {}),
        ...(deps.jobEvents ? { jobEvents: true as const } : {}),
        ...(deps.jobQueue ? { jobQueue: true as const } : {}),
      };
    },
  };
}
