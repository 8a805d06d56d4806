// On-demand custom model deployments: the rules Bedrock applies that depend on state (tokens, names in
// use, the quotas, which custom models can be deployed, what an update may switch to, when a delete is
// refused). Statuses come from resource-lifecycle.ts.
import { deployableOnDemand, findModel, onDemandDeployableModels } from '../core/catalog';
import { deploymentArn, randomResourceId } from './arns';
import { ApiError, notFound, validation } from './errors';
import { modelBehaviour } from './reserved-tags';
import { baseFields, earlierByToken, newResourceTags, resourceDigest, type ResourceContext } from './resource-common';
import { deploymentMutating, evaluateDeployment, isGone, type DeploymentView } from './resource-lifecycle';
import type { DeploymentRecord } from './resource-records';
import type { ModelRecord, Tag } from './types';

export interface DeploymentQuotas {
  /** "Total custom model deployments": 10 by default (3P Service Quotas readout). */
  maxDeployments: number;
  /** "In-progress custom model deployments": 2 by default; deployments Creating count. */
  maxDeploymentsInProgress: number;
}

export interface CreateDeploymentRequest {
  modelDeploymentName: string;
  modelArn: string;
  description?: string;
  tags?: Tag[];
  clientRequestToken?: string;
}

export interface DeploymentWithView {
  record: DeploymentRecord;
  view: DeploymentView;
}

/** The failure a model trained with simulator:outcome=fail-deploy gets when it is deployed. */
export function forcedDeployFailure(model: ModelRecord, what: string): string | undefined {
  if (modelBehaviour(model.jobTags).outcome !== 'fail-deploy') return undefined;
  return `${what} failed: the custom model ${model.modelArn} could not be deployed (forced by the reserved tag simulator:outcome=fail-deploy on its training job ${model.jobName}).`;
}

export class Deployments {
  constructor(
    private readonly ctx: ResourceContext,
    private readonly quotas: DeploymentQuotas,
  ) {}

  private live(): DeploymentWithView[] {
    const now = this.ctx.now();
    return this.ctx.store
      .allResources('deployment')
      .filter((d) => !isGone(d, now))
      .map((record) => ({ record, view: evaluateDeployment(record, now) }));
  }

  /** A custom model a deployment may serve: it exists, and its base deploys on demand in this region. */
  private deployableModel(modelArn: string): ModelRecord {
    const model = this.ctx.engine.findModel(modelArn);
    const base = findModel(model.foundationModelId);
    if (!base || !deployableOnDemand(base, this.ctx.region)) {
      const allowed = onDemandDeployableModels(this.ctx.region);
      throw validation(
        `The custom model ${model.modelArn} cannot be deployed on demand in ${this.ctx.region}: its base model ${model.foundationModelId} does not support on-demand custom model deployment here. ${allowed.length > 0 ? `Custom models of ${allowed.join(', ')} can be.` : 'No base model supports it in this region.'} Use Provisioned Throughput instead.`,
      );
    }
    return model;
  }

  create(input: CreateDeploymentRequest): { record: DeploymentRecord; created: boolean } {
    const digest = resourceDigest(input);
    const earlier = earlierByToken(this.ctx.store, 'deployment', input, digest, (d) => d.name);
    if (earlier) return { record: earlier, created: false };
    const { tags, reserved } = newResourceTags(input.tags, 'deployment');
    const model = this.deployableModel(input.modelArn);
    const live = this.live();
    if (live.some((d) => d.record.name === input.modelDeploymentName)) {
      throw validation(
        `A custom model deployment named ${input.modelDeploymentName} already exists. Use another name or delete it.`,
      );
    }
    if (live.length >= this.quotas.maxDeployments) {
      throw new ApiError(
        'ServiceQuotaExceededException',
        `The number of custom model deployments (${live.length}) has reached the quota (${this.quotas.maxDeployments}, Total custom model deployments) for this account in ${this.ctx.region}. Delete a deployment or request a quota increase.`,
      );
    }
    const inProgress = live.filter((d) => d.view.status === 'Creating').length;
    if (inProgress >= this.quotas.maxDeploymentsInProgress) {
      throw new ApiError(
        'ServiceQuotaExceededException',
        `The number of custom model deployments being created (${inProgress}) has reached the quota (${this.quotas.maxDeploymentsInProgress}, In-progress custom model deployments) for this account in ${this.ctx.region}. Wait for one to become Active.`,
      );
    }
    const id = randomResourceId();
    const arn = deploymentArn(this.ctx, id);
    const failure = forcedDeployFailure(model, 'The custom model deployment');
    const record: DeploymentRecord = {
      ...baseFields(this.ctx, arn, id, input, digest, reserved),
      name: input.modelDeploymentName,
      modelArn: model.modelArn,
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(failure !== undefined ? { createFailureMessage: failure } : {}),
      updates: [],
    };
    this.ctx.store.addResource('deployment', record, tags);
    this.ctx.log(
      `deployment ${record.name}: created ${arn} serving ${model.modelArn} (time scale ${record.timeScale})`,
    );
    return { record, created: true };
  }

  /** A live deployment by ARN or name. */
  find(identifier: string): DeploymentRecord {
    const now = this.ctx.now();
    const record = identifier.startsWith('arn:')
      ? this.ctx.store.resourceByArn('deployment', identifier)
      : this.ctx.store.allResources('deployment').find((d) => d.name === identifier && !isGone(d, now));
    if (!record || isGone(record, now)) throw notFound(`Could not find the custom model deployment ${identifier}.`);
    return record;
  }

  get(identifier: string): DeploymentWithView {
    const record = this.find(identifier);
    return { record, view: evaluateDeployment(record, this.ctx.now()) };
  }

  list(): DeploymentWithView[] {
    return this.live();
  }

  /**
   * Switches the served model (202). DECISIONS where the reference is UNCONFIRMED: the new model must
   * share the deployment's base model (the safe rule, by analogy with Provisioned Throughput); asking
   * for the model it already serves or is already updating to is an idempotent no-op; another model
   * while Creating or Updating is the ValidationException a delete gets then.
   */
  update(identifier: string, modelArn: string): DeploymentRecord {
    const record = this.find(identifier);
    const view = evaluateDeployment(record, this.ctx.now());
    const target = this.deployableModel(modelArn);
    if (view.status === 'Failed') {
      throw validation(
        `The custom model deployment ${record.name} cannot be updated because its status is Failed. Delete it and create a new one.`,
      );
    }
    const updating = view.updateDetails?.updateStatus === 'Updating';
    if (
      updating
        ? view.updateDetails?.modelArn === target.modelArn
        : view.status === 'Active' && view.modelArn === target.modelArn
    ) {
      return record;
    }
    if (deploymentMutating(view)) throw validation('Custom model deployment is in a mutating state');
    const current = this.ctx.engine.allModels().find((m) => m.modelArn === view.modelArn);
    const currentBase = current?.foundationModelId ?? record.modelArn.split('/')[1];
    if (target.foundationModelId !== currentBase) {
      throw validation(
        `The custom model ${target.modelArn} is customized from ${target.foundationModelId}, but the deployment ${record.name} serves a custom model of ${currentBase}. A deployment can only switch to a custom model of the same base model.`,
      );
    }
    const failure = forcedDeployFailure(target, 'The update of the custom model deployment');
    record.updates.push({
      modelArn: target.modelArn,
      requestedAtMs: this.ctx.now(),
      ...(failure !== undefined ? { failureMessage: failure } : {}),
    });
    this.ctx.store.updateResource('deployment', record);
    this.ctx.log(`deployment ${record.name}: updating to ${target.modelArn}`);
    return record;
  }

  /** Gone at once; refused while Creating or Updating (the ValidationException Bedrock was seen to send). */
  delete(identifier: string): void {
    const record = this.find(identifier);
    if (deploymentMutating(evaluateDeployment(record, this.ctx.now()))) {
      throw validation('Custom model deployment is in a mutating state');
    }
    record.goneAtMs = this.ctx.now();
    this.ctx.store.updateResource('deployment', record);
    this.ctx.log(`deployment ${record.name}: deleted`);
  }

  /** The live deployment with that ARN (runtime), or undefined. */
  byArn(arn: string): DeploymentWithView | undefined {
    const record = this.ctx.store.resourceByArn('deployment', arn);
    const now = this.ctx.now();
    if (!record || isGone(record, now)) return undefined;
    return { record, view: evaluateDeployment(record, now) };
  }

  /** Whether a live deployment serves the model or is being updated to it (DeleteCustomModel refuses then). */
  usingModel(modelArn: string): DeploymentRecord | undefined {
    return this.live().find(
      (d) =>
        d.view.modelArn === modelArn ||
        (d.view.updateDetails?.updateStatus === 'Updating' && d.view.updateDetails.modelArn === modelArn),
    )?.record;
  }
}
