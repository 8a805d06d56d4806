// Create, Get, List, Update and Delete CustomModelDeployment: request members in, response members out,
// as the service model names them (Get's `modelDeploymentName` is the List summary's
// `customModelDeploymentName`; the summary has no updateDetails; the list filters are createdAfter and
// createdBefore, not creationTime*).
import type { DeploymentWithView, Deployments } from './deployments';
import { Violations } from './errors';
import { checkIdentifier } from './job-routes';
import { inTimeWindow, listReply, matchesName, readListParams } from './list-operations';
import {
  CUSTOM_MODEL_ARN_PATTERN,
  DEPLOYMENT_IDENTIFIER_PATTERN,
  DEPLOYMENT_NAME_PATTERN,
  TOKEN_PATTERN,
} from './model-patterns';
import type { ReplyFaults } from './reply-faults';
import type { Route } from './router';
import type { CreateDeploymentRequest } from './deployments';
import { readTags } from './validate-create';
import { checkString, readString, rfc3339, type JsonObject } from './wire';

const DEPLOYMENT_STATUSES = ['Creating', 'Active', 'Failed'] as const;

function parseCreate(body: JsonObject): CreateDeploymentRequest {
  const v = new Violations();
  const modelDeploymentName = readString(body, 'modelDeploymentName');
  checkString(
    v,
    'modelDeploymentName',
    modelDeploymentName,
    { min: 1, max: 63, pattern: DEPLOYMENT_NAME_PATTERN },
    true,
  );
  const modelArn = readString(body, 'modelArn');
  checkString(v, 'modelArn', modelArn, { min: 20, max: 1011, pattern: CUSTOM_MODEL_ARN_PATTERN }, true);
  const description = readString(body, 'description');
  checkString(v, 'description', description, { min: 1, max: 2048 });
  const tags = readTags(v, body, 'tags');
  const clientRequestToken = readString(body, 'clientRequestToken');
  checkString(v, 'clientRequestToken', clientRequestToken, { min: 1, max: 256, pattern: TOKEN_PATTERN });
  v.throwIfAny();
  return {
    modelDeploymentName: modelDeploymentName as string,
    modelArn: modelArn as string,
    ...(description !== undefined ? { description } : {}),
    ...(tags !== undefined ? { tags } : {}),
    ...(clientRequestToken !== undefined ? { clientRequestToken } : {}),
  };
}

/** The members Get and the List summary share under the same names (the name is not one of them). */
function deploymentMembers({ record, view }: DeploymentWithView): object {
  return {
    customModelDeploymentArn: record.arn,
    modelArn: view.modelArn,
    createdAt: rfc3339(record.creationTimeMs),
    status: view.status,
    lastUpdatedAt: rfc3339(view.lastUpdatedAtMs),
    ...(view.failureMessage !== undefined ? { failureMessage: view.failureMessage } : {}),
  };
}

/** GetCustomModelDeploymentResponse. */
function deploymentResponse(d: DeploymentWithView): object {
  return {
    ...deploymentMembers(d),
    modelDeploymentName: d.record.name,
    ...(d.record.description !== undefined ? { description: d.record.description } : {}),
    ...(d.view.updateDetails ? { updateDetails: d.view.updateDetails } : {}),
  };
}

/** CustomModelDeploymentSummary. */
function deploymentSummary(d: DeploymentWithView): object {
  return { ...deploymentMembers(d), customModelDeploymentName: d.record.name };
}

const identifier = (label: string | undefined) =>
  checkIdentifier(label, 'customModelDeploymentIdentifier', DEPLOYMENT_IDENTIFIER_PATTERN, 93);

export function deploymentRoutes(deployments: Deployments, faults: ReplyFaults): Route[] {
  return [
    {
      operation: 'CreateCustomModelDeployment',
      method: 'POST',
      path: '/model-customization/custom-model-deployments',
      handler: (ctx) => {
        const { record } = deployments.create(parseCreate(ctx.body()));
        return {
          status: 202,
          body: { customModelDeploymentArn: record.arn },
          afterCommit: faults.afterCreateOfResource('deployment', record),
        };
      },
    },
    {
      operation: 'GetCustomModelDeployment',
      method: 'GET',
      path: '/model-customization/custom-model-deployments/{customModelDeploymentIdentifier}',
      handler: (_ctx, label) => ({ status: 200, body: deploymentResponse(deployments.get(identifier(label))) }),
    },
    {
      operation: 'UpdateCustomModelDeployment',
      method: 'PATCH',
      path: '/model-customization/custom-model-deployments/{customModelDeploymentIdentifier}',
      handler: (ctx, label) => {
        const id = identifier(label);
        const v = new Violations();
        const modelArn = readString(ctx.body(), 'modelArn');
        checkString(v, 'modelArn', modelArn, { min: 20, max: 1011, pattern: CUSTOM_MODEL_ARN_PATTERN }, true);
        v.throwIfAny();
        const record = deployments.update(id, modelArn as string);
        return { status: 202, body: { customModelDeploymentArn: record.arn }, afterCommit: faults.afterChange() };
      },
    },
    {
      operation: 'DeleteCustomModelDeployment',
      method: 'DELETE',
      path: '/model-customization/custom-model-deployments/{customModelDeploymentIdentifier}',
      handler: (_ctx, label) => {
        deployments.delete(identifier(label));
        return { status: 200, afterCommit: faults.afterChange() };
      },
    },
    {
      operation: 'ListCustomModelDeployments',
      method: 'GET',
      path: '/model-customization/custom-model-deployments',
      handler: (ctx) => {
        const q = ctx.query;
        const v = new Violations();
        const params = {
          ...readListParams(q, v),
          creationTimeAfter: q.timestamp('createdAfter'),
          creationTimeBefore: q.timestamp('createdBefore'),
        };
        const nameContains = q.string('nameContains');
        checkString(v, 'nameContains', nameContains, { min: 1, max: 63, pattern: DEPLOYMENT_NAME_PATTERN });
        const statusEquals = q.string('statusEquals');
        checkString(v, 'statusEquals', statusEquals, { enumValues: DEPLOYMENT_STATUSES });
        const modelArnEquals = q.string('modelArnEquals');
        checkString(v, 'modelArnEquals', modelArnEquals, { min: 20, max: 1011, pattern: CUSTOM_MODEL_ARN_PATTERN });
        v.throwIfAny();
        const matching = deployments
          .list()
          .filter(
            (d) =>
              inTimeWindow(d.record.creationTimeMs, params) &&
              matchesName(d.record.name, nameContains) &&
              (statusEquals === undefined || d.view.status === statusEquals) &&
              (modelArnEquals === undefined || d.view.modelArn === modelArnEquals),
          );
        return listReply(matching, (d) => d.record, params, 'modelDeploymentSummaries', deploymentSummary);
      },
    },
  ];
}
