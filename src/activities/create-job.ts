// Step 3: create the Bedrock job exactly once. The token and the name are derived from the workflow
// ID, the effective request and the dataset fingerprint, so every retry (and a worker that crashed
// right after Bedrock accepted the call) sends the same ones. Bedrock then answers with the same job,
// or says the name is in use, and we adopt the job if its token is ours.
import {
  CreateModelCustomizationJobCommand,
  GetModelCustomizationJobCommand,
  type BedrockClient,
  type GetModelCustomizationJobCommandOutput,
  type CreateModelCustomizationJobCommandInput,
  type CustomizationConfig,
} from '@aws-sdk/client-bedrock';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { backoffDelay, quotaBackoff, type Backoff } from '../core/backoff';
import { FailureType, RetryLaterType } from '../core/failures';
import type { LineageScope } from '../core/lineage';
import { jobIdentity, type JobIdentity, type JobIdentityInput } from '../core/naming';
import { withLineage } from '../aws/lineage-tags';
import type { FineTuneRequest } from '../core/request';
import type { JobSnapshot } from '../core/fine-tune-contract';
import { awsErrorMessage, awsErrorName } from '../aws/errors';
import { failFastOnRejection, isRoleNotReady } from './bedrock-errors';
import { snapshotOf } from './poll-job';

export interface CreateJobInput extends JobIdentityInput {
  /** What the job trains on: the prepared files when data preparation wrote them. */
  trainingDataConfig: FineTuneRequest['trainingDataConfig'];
  validationDataConfig?: FineTuneRequest['validationDataConfig'];
  /** 'first': a quota refusal returns at once so the run can show `waiting-for-quota`. 'wait-for-quota': it retries. */
  mode: 'first' | 'wait-for-quota';
  /** How often to try again while the quota is full; the default quotaBackoff() when absent. */
  quotaBackoff?: Backoff;
}

export type CreateJobResult =
  | ({ outcome: 'created' | 'adopted'; jobArn: string } & JobIdentity)
  | ({ outcome: 'quota-exceeded'; message: string } & JobIdentity);

/** IAM role propagation usually takes seconds, rarely minutes: 10 s apart, 30 tries (5 minutes). */
const ROLE_RETRY_DELAY_MS = 10_000;
const ROLE_RETRY_ATTEMPTS = 30;

/** A job found under the run's name with the run's token. */
export interface OwnJob extends JobIdentity {
  jobArn: string;
  createdAt?: string;
  snapshot: JobSnapshot;
}

/** The request's customizationConfig as the SDK's union: its one member (the request schema ensures one). */
function bedrockCustomizationConfig(config: FineTuneRequest['customizationConfig']): CustomizationConfig | undefined {
  if (config?.distillationConfig) return { distillationConfig: config.distillationConfig };
  if (config?.rftConfig) return { rftConfig: config.rftConfig };
  return undefined;
}

/** The CreateModelCustomizationJob call for this run's job, its lineage on the job and on the model. */
export function createJobCommandInput(
  input: CreateJobInput,
  identity: JobIdentity,
  scope: LineageScope,
): CreateModelCustomizationJobCommandInput {
  const { request } = input;
  const lineage = { ...scope, workflowId: input.workflowId, datasetFingerprint: input.datasetFingerprint };
  return {
    jobName: identity.jobName,
    customModelName: request.customModelName,
    roleArn: request.roleArn,
    clientRequestToken: identity.clientRequestToken,
    baseModelIdentifier: request.baseModelIdentifier,
    customizationType: request.customizationType,
    customModelKmsKeyId: request.customModelKmsKeyId,
    jobTags: withLineage(request.jobTags, { ...lineage, role: 'training-job' }),
    customModelTags: withLineage(request.customModelTags, { ...lineage, role: 'trained-model' }),
    trainingDataConfig: input.trainingDataConfig,
    validationDataConfig: input.validationDataConfig,
    outputDataConfig: request.outputDataConfig,
    hyperParameters: request.hyperParameters,
    vpcConfig: request.vpcConfig,
    customizationConfig: bedrockCustomizationConfig(request.customizationConfig),
  };
}

export function createJobActivities(deps: { bedrock: BedrockClient; scope: LineageScope }) {
  /** The job under our name: adopted if its token is ours; JobNameTaken if the name is in use by another. */
  async function adoptByName(identity: JobIdentity, nameInUse: boolean): Promise<CreateJobResult | undefined> {
    let job;
    try {
      job = await deps.bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: identity.jobName }));
    } catch (err) {
      if (awsErrorName(err) === 'ResourceNotFoundException' && !nameInUse) return undefined;
      throw err;
    }
    if (job.clientRequestToken === identity.clientRequestToken && job.jobArn) {
      return { outcome: 'adopted', jobArn: job.jobArn, ...identity };
    }
    if (!nameInUse) return undefined;
    throw ApplicationFailure.nonRetryable(
      `The job name ${identity.jobName} is taken by another job (${job.jobArn}, created ${job.creationTime?.toISOString()}, ` +
        `status ${job.status}) whose clientRequestToken is not this run's. Choose another jobName, or leave jobName out to have one derived.`,
      FailureType.JobNameTaken,
      { jobName: identity.jobName, jobArn: job.jobArn },
    );
  }

  return {
    /**
     * The job this run's creation made, found by its derived name and proved ours by its token; undefined
     * when there is none (or the name belongs to another job). The clean-up's way to a job whose create
     * answer never reached the run: a reply lost, a cancel while the call was in flight.
     */
    async findOwnJob(input: JobIdentityInput): Promise<OwnJob | undefined> {
      const identity = jobIdentity(input);
      let job: GetModelCustomizationJobCommandOutput;
      try {
        job = await deps.bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: identity.jobName }));
      } catch (err) {
        if (awsErrorName(err) === 'ResourceNotFoundException') return undefined;
        failFastOnRejection(err, 'GetModelCustomizationJob');
      }
      if (job.clientRequestToken !== identity.clientRequestToken || !job.jobArn) return undefined;
      return {
        jobArn: job.jobArn,
        ...identity,
        createdAt: job.creationTime?.toISOString(),
        snapshot: snapshotOf(job),
      };
    },

    async createJob(input: CreateJobInput): Promise<CreateJobResult> {
      const identity = jobIdentity(input);
      const { attempt } = Context.current().info;
      try {
        const { jobArn } = await deps.bedrock.send(
          new CreateModelCustomizationJobCommand(createJobCommandInput(input, identity, deps.scope)),
        );
        return { outcome: 'created', jobArn: jobArn!, ...identity };
      } catch (err) {
        const name = awsErrorName(err);
        const message = awsErrorMessage(err);
        // "The provided job name is currently in use.", or this token already used with another body
        // (a new worker version may add members): either way, a job under our name with our token is ours.
        if (name === 'ValidationException' || name === 'ConflictException') {
          const adopted = await adoptByName(identity, /job name is currently in use/i.test(message));
          if (adopted) return adopted;
        }
        if (name === 'ServiceQuotaExceededException') {
          if (input.mode === 'first') return { outcome: 'quota-exceeded', message, ...identity };
          throw ApplicationFailure.create({
            type: RetryLaterType.WaitingForQuota,
            message: `waiting for a free customization-job slot: ${message}`,
            nextRetryDelay: backoffDelay(input.quotaBackoff ?? quotaBackoff(), attempt),
            category: ApplicationFailureCategory.BENIGN,
          });
        }
        if (isRoleNotReady(err)) {
          if (attempt >= ROLE_RETRY_ATTEMPTS) {
            throw ApplicationFailure.nonRetryable(
              `Bedrock still cannot assume the role after ${attempt} tries: ${message}`,
              FailureType.InvalidRequest,
            );
          }
          throw ApplicationFailure.create({
            type: RetryLaterType.IamRoleNotReady,
            message,
            nextRetryDelay: ROLE_RETRY_DELAY_MS,
          });
        }
        failFastOnRejection(err, 'CreateModelCustomizationJob');
      }
    },
  };
}
