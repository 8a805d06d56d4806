// What serves a model: an on-demand custom model deployment or a Provisioned Throughput, behind one
// shape, since promotion does the same with either (look it up, create it with a derived token, point
// it at another model, wait until it serves that model, delete it). Creates are idempotent by token; an
// update is a "set to X", repeated safely; waits are benign retries (as the job poll is), so history
// grows with what happens, not with looks.
import {
  CreateCustomModelDeploymentCommand,
  CreateProvisionedModelThroughputCommand,
  DeleteCustomModelDeploymentCommand,
  DeleteProvisionedModelThroughputCommand,
  GetCustomModelDeploymentCommand,
  GetProvisionedModelThroughputCommand,
  UpdateCustomModelDeploymentCommand,
  UpdateProvisionedModelThroughputCommand,
  type BedrockClient,
} from '@aws-sdk/client-bedrock';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { awsErrorMessage, awsErrorName } from '../../aws/errors';
import { backoffDelay, type Backoff } from '../../core/backoff';
import type { LineageScope, ResourceRole } from '../../core/lineage';
import { FailureType } from '../../core/failures';
import type { ServingKind, ServingState } from '../../core/promotion-contract';
import { failFastOnRejection } from '../bedrock-errors';
import { retryLater } from './retry-later';
import { withLineage } from '../../aws/lineage-tags';
import { throughputBasics } from '../../aws/serving-members';

export interface ServingRef {
  kind: ServingKind;
  /** Its name (stable for callers) or ARN. */
  name: string;
}

export interface CreateServingInput extends ServingRef {
  modelArn: string;
  clientRequestToken: string;
  /** The run that creates it, and what it is to that run. */
  lineage: { workflowId: string; role: ResourceRole };
  /** Provisioned Throughput only. */
  modelUnits?: number;
  commitment?: 'OneMonth' | 'SixMonths';
}

export interface WaitServingInput extends ServingRef {
  /** Wait until it serves this model and is ready. */
  modelArn: string;
  /** Simulated clocks in tests wait less: the first look's delay (default 30 s), doubling to 2 minutes. */
  backoff?: Backoff;
}

const WAIT: Backoff = { initialMs: 30_000, coefficient: 2, maximumMs: 120_000, jitter: 0 };

/** Deployments are "in a mutating state" while Creating or Updating: delete and update must wait. */
const isMutating = (err: unknown) =>
  awsErrorName(err) === 'ValidationException' &&
  /mutating state|is (being )?(created|updated)/i.test(awsErrorMessage(err));

/** The Bedrock operation a failure names: `Create` of a deployment is CreateCustomModelDeployment. */
const operation = (kind: ServingKind, verb: 'Get' | 'Create' | 'Update' | 'Delete') =>
  `${verb}${kind === 'deployment' ? 'CustomModelDeployment' : 'ProvisionedModelThroughput'}`;

export function servingActivities(deps: { bedrock: BedrockClient; scope: LineageScope }) {
  async function lookUp(ref: ServingRef): Promise<ServingState | undefined> {
    try {
      if (ref.kind === 'deployment') {
        const d = await deps.bedrock.send(
          new GetCustomModelDeploymentCommand({ customModelDeploymentIdentifier: ref.name }),
        );
        const updating = d.updateDetails?.updateStatus === 'Updating';
        return {
          kind: 'deployment',
          name: d.modelDeploymentName!,
          arn: d.customModelDeploymentArn!,
          status: d.status!,
          modelArn: d.modelArn!,
          ...(d.updateDetails
            ? { updatingTo: d.updateDetails.modelArn, updateStatus: d.updateDetails.updateStatus }
            : {}),
          ready: d.status === 'Active' && !updating,
          ...(d.failureMessage ? { failureMessage: d.failureMessage } : {}),
        };
      }
      const t = await deps.bedrock.send(new GetProvisionedModelThroughputCommand({ provisionedModelId: ref.name }));
      return {
        ...throughputBasics(t),
        ready: t.status === 'InService' && t.desiredModelArn === t.modelArn,
        ...(t.failureMessage ? { failureMessage: t.failureMessage } : {}),
        ...(t.commitmentDuration ? { commitment: t.commitmentDuration } : {}),
      };
    } catch (err) {
      if (awsErrorName(err) === 'ResourceNotFoundException') return undefined;
      failFastOnRejection(err, operation(ref.kind, 'Get'));
    }
  }

  return {
    /** The deployment or Provisioned Throughput under this name; undefined when there is none. */
    lookUpServing: lookUp,

    /**
     * Creates it, exactly once: the token is derived from the promotion, so a retry after a lost answer
     * gets the same resource. One already under the name that serves the same model with this run's
     * lineage is the one an earlier attempt made.
     */
    async createServing(input: CreateServingInput): Promise<ServingState> {
      const tags = withLineage([], { ...deps.scope, workflowId: input.lineage.workflowId, role: input.lineage.role });
      try {
        if (input.kind === 'deployment') {
          await deps.bedrock.send(
            new CreateCustomModelDeploymentCommand({
              modelDeploymentName: input.name,
              modelArn: input.modelArn,
              description: `bedrock-finetune: ${input.lineage.role} of ${input.lineage.workflowId}`.slice(0, 2048),
              tags,
              clientRequestToken: input.clientRequestToken,
            }),
          );
        } else {
          await deps.bedrock.send(
            new CreateProvisionedModelThroughputCommand({
              provisionedModelName: input.name,
              modelId: input.modelArn,
              modelUnits: input.modelUnits ?? 1,
              ...(input.commitment ? { commitmentDuration: input.commitment } : {}),
              tags,
              clientRequestToken: input.clientRequestToken,
            }),
          );
        }
      } catch (err) {
        const name = awsErrorName(err);
        if (name === 'ServiceQuotaExceededException') {
          throw ApplicationFailure.nonRetryable(
            `${operation(input.kind, 'Create')}: ${awsErrorMessage(err)}`,
            FailureType.QuotaExceeded,
          );
        }
        // The name is taken: by this promotion's own earlier attempt (same model), or by someone else.
        if (name === 'ConflictException' || name === 'ValidationException') {
          const existing = await lookUp(input);
          if (existing && existing.modelArn === input.modelArn) return existing;
          if (existing)
            throw ApplicationFailure.nonRetryable(
              `${input.name} already exists and serves ${existing.modelArn}, not ${input.modelArn}: ${awsErrorMessage(err)}`,
              FailureType.InvalidRequest,
            );
        }
        failFastOnRejection(err, operation(input.kind, 'Create'));
      }
      const created = await lookUp(input);
      if (!created) retryLater(`${input.name} was created but cannot be read yet`, 2_000);
      return created;
    },

    /** Points it at `modelArn` (promote, or roll back): a "set to", safe to repeat. */
    async updateServing(input: ServingRef & { modelArn: string }): Promise<void> {
      try {
        if (input.kind === 'deployment') {
          await deps.bedrock.send(
            new UpdateCustomModelDeploymentCommand({
              customModelDeploymentIdentifier: input.name,
              modelArn: input.modelArn,
            }),
          );
        } else {
          await deps.bedrock.send(
            new UpdateProvisionedModelThroughputCommand({
              provisionedModelId: input.name,
              desiredModelId: input.modelArn,
            }),
          );
        }
      } catch (err) {
        if (isMutating(err) || awsErrorName(err) === 'ConflictException') {
          retryLater(`${input.name} is changing; the update waits: ${awsErrorMessage(err)}`, 15_000);
        }
        failFastOnRejection(err, operation(input.kind, 'Update'));
      }
    },

    /**
     * Returns once it serves `modelArn` and is ready; until then fails benignly with the next look's
     * delay (the retries are the looks). A failed create or update ends with Bedrock's message.
     */
    async waitServing(input: WaitServingInput): Promise<ServingState> {
      const { attempt } = Context.current().info;
      const state = await lookUp(input);
      const delay = backoffDelay(input.backoff ?? WAIT, attempt);
      if (!state) retryLater(`${input.name} is not there yet`, delay);
      if (state.status === 'Failed' || state.updateStatus === 'UpdateFailed') {
        throw ApplicationFailure.nonRetryable(
          `${input.name} failed: ${state.failureMessage ?? 'Bedrock gave no failure message'}`,
          FailureType.DeploymentFailed,
          state,
        );
      }
      if (state.ready && state.modelArn === input.modelArn) return state;
      retryLater(
        `${input.name} is ${state.status}${state.updatingTo ? `, updating to ${state.updatingTo}` : ''}`,
        delay,
      );
    },

    /** Deletes it; 'absent' when there was nothing to delete. Waits while it is still being created or updated. */
    async deleteServing(input: ServingRef): Promise<'deleted' | 'absent'> {
      try {
        if (input.kind === 'deployment') {
          await deps.bedrock.send(
            new DeleteCustomModelDeploymentCommand({ customModelDeploymentIdentifier: input.name }),
          );
        } else {
          await deps.bedrock.send(new DeleteProvisionedModelThroughputCommand({ provisionedModelId: input.name }));
        }
        return 'deleted';
      } catch (err) {
        if (awsErrorName(err) === 'ResourceNotFoundException') return 'absent';
        if (isMutating(err))
          retryLater(`${input.name} is still changing; deleting it waits: ${awsErrorMessage(err)}`, 15_000);
        failFastOnRejection(err, operation(input.kind, 'Delete'));
      }
    },
  };
}
