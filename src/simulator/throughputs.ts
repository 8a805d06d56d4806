// Provisioned Throughput: the rules that depend on state (tokens, names, the model-unit quotas, which
// model an update may switch to, the commitment term a delete must wait for). Statuses come from
// resource-lifecycle.ts.
import { findModel, type CatalogModel } from '../core/catalog';
import { foundationModelArn, provisionedModelArn, randomResourceId } from './arns';
import { forcedDeployFailure } from './deployments';
import { ApiError, conflict, notFound, validation } from './errors';
import { baseFields, earlierByToken, newResourceTags, resourceDigest, type ResourceContext } from './resource-common';
import { evaluateThroughput, isGone, type ThroughputView } from './resource-lifecycle';
import type { CommitmentDuration, ThroughputRecord } from './resource-records';
import type { ModelRecord, Tag } from './types';

export interface ThroughputQuotas {
  /** Model units shared by every no-commitment Provisioned Throughput: 2 by default (prov-thru-purchase). */
  maxNoCommitmentModelUnits: number;
  /** Model units across committed Provisioned Throughputs: 0 by default, as AWS's (requested through Support). */
  maxCommitmentModelUnits: number;
}

export interface CreateThroughputRequest {
  provisionedModelName: string;
  modelId: string;
  modelUnits: number;
  commitmentDuration?: CommitmentDuration;
  tags?: Tag[];
  clientRequestToken?: string;
}

export interface ThroughputWithView {
  record: ThroughputRecord;
  view: ThroughputView;
}

/** A model a Provisioned Throughput can serve: a custom model, or a foundation model of the catalog. */
interface Servable {
  modelArn: string;
  base: CatalogModel;
  custom?: ModelRecord;
}

export class Throughputs {
  constructor(
    private readonly ctx: ResourceContext,
    private readonly quotas: ThroughputQuotas,
  ) {}

  private live(): ThroughputWithView[] {
    const now = this.ctx.now();
    return this.ctx.store
      .allResources('throughput')
      .filter((t) => !isGone(t, now))
      .map((record) => ({ record, view: evaluateThroughput(record, now) }));
  }

  /** A custom model (ARN or name) or a foundation model (id or ARN) this simulator can provision. */
  private servable(identifier: string): Servable {
    const isCustom = identifier.includes(':custom-model/') || !/[.]/.test(identifier);
    if (isCustom) {
      const custom = this.ctx.engine.findModel(identifier);
      const base = findModel(custom.foundationModelId);
      if (!base) throw notFound(`Could not find the base model of ${identifier}.`);
      this.checkProvisionable(base, identifier);
      return { modelArn: custom.modelArn, base, custom };
    }
    const base = findModel(identifier);
    if (!base) {
      throw notFound(
        `Could not find a model ${identifier} that supports Provisioned Throughput. Give a customizable base model id with its context suffix (for example amazon.nova-lite-v1:0:300k) or a custom model.`,
      );
    }
    this.checkProvisionable(base, identifier);
    return { modelArn: foundationModelArn(this.ctx, base.modelId), base };
  }

  private checkProvisionable(base: CatalogModel, identifier: string): void {
    if (base.noProvisionedThroughput) {
      throw validation(
        `${identifier} cannot be served by Provisioned Throughput: ${base.modelName} has no Provisioned Throughput offering. Use an on-demand custom model deployment.`,
      );
    }
  }

  create(input: CreateThroughputRequest): { record: ThroughputRecord; created: boolean } {
    const digest = resourceDigest(input);
    const earlier = earlierByToken(this.ctx.store, 'throughput', input, digest, (t) => t.name);
    if (earlier) return { record: earlier, created: false };
    const { tags, reserved } = newResourceTags(input.tags, 'throughput');
    const model = this.servable(input.modelId);
    const live = this.live();
    if (live.some((t) => t.record.name === input.provisionedModelName)) {
      throw validation(
        `A provisioned model named ${input.provisionedModelName} already exists. Use another name or delete it.`,
      );
    }
    this.checkQuota(live, input, model.base.modelId);
    const id = randomResourceId();
    const arn = provisionedModelArn(this.ctx, id);
    const failure = model.custom
      ? forcedDeployFailure(model.custom, 'Creating the provisioned model throughput')
      : undefined;
    const record: ThroughputRecord = {
      ...baseFields(this.ctx, arn, id, input, digest, reserved),
      name: input.provisionedModelName,
      modelUnits: input.modelUnits,
      ...(input.commitmentDuration !== undefined ? { commitmentDuration: input.commitmentDuration } : {}),
      modelArn: model.modelArn,
      foundationModelId: model.base.modelId,
      ...(failure !== undefined ? { createFailureMessage: failure } : {}),
      updates: [],
    };
    this.ctx.store.addResource('throughput', record, tags);
    this.ctx.log(
      `provisioned model ${record.name}: created ${arn} serving ${model.modelArn} (time scale ${record.timeScale})`,
    );
    return { record, created: true };
  }

  private checkQuota(live: ThroughputWithView[], input: CreateThroughputRequest, modelId: string): void {
    const committed = input.commitmentDuration !== undefined;
    const quota = committed ? this.quotas.maxCommitmentModelUnits : this.quotas.maxNoCommitmentModelUnits;
    const used = live
      .filter((t) => t.view.status !== 'Failed' && (t.record.commitmentDuration !== undefined) === committed)
      .reduce((sum, t) => sum + t.record.modelUnits, 0);
    if (used + input.modelUnits <= quota) return;
    const kind = committed ? 'commitment' : 'no commitment';
    throw new ApiError(
      'ServiceQuotaExceededException',
      quota === 0
        ? `Your account does not currently have any ${kind} model units reserved for ${modelId}.`
        : `This request for ${input.modelUnits} ${kind} model units would bring the account to ${used + input.modelUnits}, above its quota of ${quota} in ${this.ctx.region}. Delete a Provisioned Throughput or request a quota increase.`,
    );
  }

  find(identifier: string): ThroughputRecord {
    const now = this.ctx.now();
    const record = identifier.startsWith('arn:')
      ? this.ctx.store.resourceByArn('throughput', identifier)
      : this.ctx.store.allResources('throughput').find((t) => t.name === identifier && !isGone(t, now));
    if (!record || isGone(record, now)) throw notFound(`Could not find the provisioned model ${identifier}.`);
    return record;
  }

  get(identifier: string): ThroughputWithView {
    const record = this.find(identifier);
    return { record, view: evaluateThroughput(record, this.ctx.now()) };
  }

  list(): ThroughputWithView[] {
    return this.live();
  }

  byArn(arn: string): ThroughputWithView | undefined {
    const record = this.ctx.store.resourceByArn('throughput', arn);
    const now = this.ctx.now();
    if (!record || isGone(record, now)) return undefined;
    return { record, view: evaluateThroughput(record, now) };
  }

  /**
   * A new name takes effect at once; a new model starts an update (Updating, then InService with
   * modelArn == desiredModelArn). A PT on a base model cannot change model; one on a custom model may
   * switch to its base or to another custom model of the same base (prov-thru-edit). Asking for the
   * model it already serves or is updating to is a no-op; another one while Creating or Updating is a
   * ValidationException (the answer Bedrock gives is UNCONFIRMED).
   */
  update(identifier: string, desiredName: string | undefined, desiredModelId: string | undefined): void {
    const record = this.find(identifier);
    const now = this.ctx.now();
    const view = evaluateThroughput(record, now);
    let target: Servable | undefined;
    if (desiredModelId !== undefined) {
      target = this.servable(desiredModelId);
      const current = view.desiredModelArn;
      if (target.modelArn === current) target = undefined;
      else {
        if (view.status === 'Failed') {
          throw validation(`The provisioned model ${record.name} cannot change model because its status is Failed.`);
        }
        if (view.status !== 'InService') {
          throw validation(
            `The provisioned model ${record.name} is ${view.status}; wait until it is InService before changing its model.`,
          );
        }
        if (record.modelArn.includes(':foundation-model/')) {
          throw validation(
            `The provisioned model ${record.name} serves the base model ${record.foundationModelId}, which cannot be changed. Only a Provisioned Throughput of a custom model can switch models.`,
          );
        }
        if (target.base.modelId !== record.foundationModelId) {
          throw validation(
            `${desiredModelId} is not ${record.foundationModelId} or a custom model of it: the provisioned model ${record.name} can only switch to its base model or to another custom model customized from it.`,
          );
        }
      }
    }
    if (desiredName !== undefined && desiredName !== record.name) {
      if (this.live().some((t) => t.record.name === desiredName)) {
        throw validation(`A provisioned model named ${desiredName} already exists.`);
      }
      record.name = desiredName;
      record.lastRenamedAtMs = now;
    } else if (!target) return;
    if (target) record.updates.push({ modelArn: target.modelArn, requestedAtMs: now });
    this.ctx.store.updateResource('throughput', record);
    this.ctx.log(`provisioned model ${record.name}: updated${target ? ` to ${target.modelArn}` : ''}`);
  }

  /** Gone at once, unless a commitment term is still running (ConflictException, the modelled error). */
  delete(identifier: string): void {
    const record = this.find(identifier);
    const now = this.ctx.now();
    const view = evaluateThroughput(record, now);
    if (view.commitmentExpirationTimeMs !== undefined && now < view.commitmentExpirationTimeMs) {
      throw conflict(
        `The provisioned model ${record.name} has a ${record.commitmentDuration} commitment that ends at ${new Date(view.commitmentExpirationTimeMs).toISOString()}; it cannot be deleted before then.`,
      );
    }
    record.goneAtMs = now;
    this.ctx.store.updateResource('throughput', record);
    this.ctx.log(`provisioned model ${record.name}: deleted`);
  }

  usingModel(modelArn: string): ThroughputRecord | undefined {
    return this.live().find((t) => t.view.modelArn === modelArn || t.view.desiredModelArn === modelArn)?.record;
  }
}
