// Create (201), Get, List (`/provisioned-model-throughputs`, plural), Update (PATCH, 200 empty) and
// Delete ProvisionedModelThroughput, with the service model's member names.
import { foundationModelArn, type Partition } from './arns';
import { Violations } from './errors';
import { checkIdentifier } from './job-routes';
import { inTimeWindow, listReply, matchesName, readListParams } from './list-operations';
import {
  MODEL_ARN_PATTERN,
  MODEL_IDENTIFIER_PATTERN,
  PROVISIONED_MODEL_ID_PATTERN,
  PROVISIONED_MODEL_NAME_PATTERN,
  TOKEN_PATTERN,
} from './model-patterns';
import type { ReplyFaults } from './reply-faults';
import type { CommitmentDuration } from './resource-records';
import type { Route } from './router';
import type { CreateThroughputRequest, ThroughputWithView, Throughputs } from './throughputs';
import { readTags } from './validate-create';
import { checkRange, checkString, readInteger, readString, rfc3339, type JsonObject } from './wire';

const STATUSES = ['Creating', 'InService', 'Updating', 'Failed'] as const;
const COMMITMENTS = ['OneMonth', 'SixMonths'] as const;

function parseCreate(body: JsonObject): CreateThroughputRequest {
  const v = new Violations();
  const provisionedModelName = readString(body, 'provisionedModelName');
  checkString(
    v,
    'provisionedModelName',
    provisionedModelName,
    { min: 1, max: 63, pattern: PROVISIONED_MODEL_NAME_PATTERN },
    true,
  );
  const modelId = readString(body, 'modelId');
  checkString(v, 'modelId', modelId, { min: 1, max: 2048, pattern: MODEL_IDENTIFIER_PATTERN }, true);
  const modelUnits = readInteger(body, 'modelUnits');
  if (modelUnits === undefined) v.missing('modelUnits');
  checkRange(v, 'modelUnits', modelUnits, 1);
  const commitmentDuration = readString(body, 'commitmentDuration');
  checkString(v, 'commitmentDuration', commitmentDuration, { enumValues: COMMITMENTS });
  const tags = readTags(v, body, 'tags');
  const clientRequestToken = readString(body, 'clientRequestToken');
  checkString(v, 'clientRequestToken', clientRequestToken, { min: 1, max: 256, pattern: TOKEN_PATTERN });
  v.throwIfAny();
  return {
    provisionedModelName: provisionedModelName as string,
    modelId: modelId as string,
    modelUnits: modelUnits as number,
    ...(commitmentDuration !== undefined ? { commitmentDuration: commitmentDuration as CommitmentDuration } : {}),
    ...(tags !== undefined ? { tags } : {}),
    ...(clientRequestToken !== undefined ? { clientRequestToken } : {}),
  };
}

/** The members Get and the List summary share (Get adds failureMessage). */
function throughputMembers(p: Partition, { record, view }: ThroughputWithView): Record<string, unknown> {
  return {
    provisionedModelName: record.name,
    provisionedModelArn: record.arn,
    modelArn: view.modelArn,
    desiredModelArn: view.desiredModelArn,
    foundationModelArn: foundationModelArn(p, record.foundationModelId),
    modelUnits: record.modelUnits,
    desiredModelUnits: record.modelUnits,
    status: view.status,
    ...(record.commitmentDuration !== undefined ? { commitmentDuration: record.commitmentDuration } : {}),
    ...(view.commitmentExpirationTimeMs !== undefined
      ? { commitmentExpirationTime: rfc3339(view.commitmentExpirationTimeMs) }
      : {}),
    creationTime: rfc3339(record.creationTimeMs),
    lastModifiedTime: rfc3339(view.lastModifiedTimeMs),
  };
}

const identifier = (label: string | undefined) =>
  checkIdentifier(label, 'provisionedModelId', PROVISIONED_MODEL_ID_PATTERN, 2048);

export function throughputRoutes(throughputs: Throughputs, faults: ReplyFaults, p: Partition): Route[] {
  return [
    {
      operation: 'CreateProvisionedModelThroughput',
      method: 'POST',
      path: '/provisioned-model-throughput',
      handler: (ctx) => {
        const { record } = throughputs.create(parseCreate(ctx.body()));
        return {
          status: 201,
          body: { provisionedModelArn: record.arn },
          afterCommit: faults.afterCreateOfResource('throughput', record),
        };
      },
    },
    {
      operation: 'GetProvisionedModelThroughput',
      method: 'GET',
      path: '/provisioned-model-throughput/{provisionedModelId}',
      handler: (_ctx, label) => {
        const t = throughputs.get(identifier(label));
        return {
          status: 200,
          body: {
            ...throughputMembers(p, t),
            ...(t.view.failureMessage !== undefined ? { failureMessage: t.view.failureMessage } : {}),
          },
        };
      },
    },
    {
      operation: 'UpdateProvisionedModelThroughput',
      method: 'PATCH',
      path: '/provisioned-model-throughput/{provisionedModelId}',
      handler: (ctx, label) => {
        const id = identifier(label);
        const body = ctx.body();
        const v = new Violations();
        const desiredProvisionedModelName = readString(body, 'desiredProvisionedModelName');
        checkString(v, 'desiredProvisionedModelName', desiredProvisionedModelName, {
          min: 1,
          max: 63,
          pattern: PROVISIONED_MODEL_NAME_PATTERN,
        });
        const desiredModelId = readString(body, 'desiredModelId');
        checkString(v, 'desiredModelId', desiredModelId, { min: 1, max: 2048, pattern: MODEL_IDENTIFIER_PATTERN });
        v.throwIfAny();
        throughputs.update(id, desiredProvisionedModelName, desiredModelId);
        return { status: 200, afterCommit: faults.afterChange() };
      },
    },
    {
      operation: 'DeleteProvisionedModelThroughput',
      method: 'DELETE',
      path: '/provisioned-model-throughput/{provisionedModelId}',
      handler: (_ctx, label) => {
        throughputs.delete(identifier(label));
        return { status: 200, afterCommit: faults.afterChange() };
      },
    },
    {
      operation: 'ListProvisionedModelThroughputs',
      method: 'GET',
      path: '/provisioned-model-throughputs',
      handler: (ctx) => {
        const q = ctx.query;
        const v = new Violations();
        const params = readListParams(q, v);
        const statusEquals = q.string('statusEquals');
        checkString(v, 'statusEquals', statusEquals, { enumValues: STATUSES });
        const modelArnEquals = q.string('modelArnEquals');
        checkString(v, 'modelArnEquals', modelArnEquals, { min: 20, max: 1011, pattern: MODEL_ARN_PATTERN });
        const nameContains = q.string('nameContains');
        checkString(v, 'nameContains', nameContains, { min: 1, max: 63, pattern: PROVISIONED_MODEL_NAME_PATTERN });
        v.throwIfAny();
        const matching = throughputs
          .list()
          .filter(
            (t) =>
              inTimeWindow(t.record.creationTimeMs, params) &&
              matchesName(t.record.name, nameContains) &&
              (statusEquals === undefined || t.view.status === statusEquals) &&
              (modelArnEquals === undefined || t.view.modelArn === modelArnEquals),
          );
        return listReply(
          matching,
          (t) => t.record,
          params,
          'provisionedModelSummaries',
          (t) => throughputMembers(p, t),
        );
      },
    },
  ];
}
