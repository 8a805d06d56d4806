// The reconciler's hands: list the live Bedrock resources that carry this project's lineage, ask the
// namespace about the runs they name, and end one resource the rules (core/reconcile.ts) say to end,
// after asking about its run once more.
import {
  DeleteCustomModelDeploymentCommand,
  DeleteProvisionedModelThroughputCommand,
  ListCustomModelDeploymentsCommand,
  ListEvaluationJobsCommand,
  ListModelCustomizationJobsCommand,
  ListProvisionedModelThroughputsCommand,
  ListTagsForResourceCommand,
  StopEvaluationJobCommand,
  type BedrockClient,
} from '@aws-sdk/client-bedrock';
import { awsErrorMessage, awsErrorName } from '../aws/errors';
import { failFastOnRejection } from './bedrock-errors';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { LineageScope } from '../core/lineage';
import { endCommand, type EndOutcome, type OwnResource, type RunLook } from '../core/reconcile';
import { lineageOf } from '../aws/lineage-tags';
import { stopJobActivities, type StopJobResult } from './stop-job';

export interface OwnResources {
  /** This worker's namespace and installation: what the rules compare each lineage with. */
  scope: LineageScope;
  resources: OwnResource[];
  /** Live resources with no lineage of this project (someone else's): never touched, only counted. */
  notOurs: number;
}

export interface EndResourceInput {
  resource: OwnResource;
}

export function reconcileActivities(deps: { bedrock: BedrockClient; temporal: Client; scope: LineageScope }) {
  const { stopJob } = stopJobActivities(deps);

  async function lookUp(workflowId: string): Promise<RunLook> {
    try {
      const described = await deps.temporal.workflow.getHandle(workflowId).describe();
      const status = described.status.name;
      return status === 'RUNNING'
        ? { state: 'open', status }
        : { state: 'closed', status, closedAt: described.closeTime?.toISOString() };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { state: 'unknown' };
      return { state: 'error', message: err instanceof Error ? err.message : String(err) };
    }
  }

  return {
    /**
     * Every live resource of the kinds this project makes (customization and evaluation jobs in progress,
     * deployments and Provisioned Throughputs, every page), with its lineage; others' only counted.
     */
    async listOwnResources(): Promise<OwnResources> {
      const resources: OwnResource[] = [];
      let notOurs = 0;
      for await (const live of liveResources(deps.bedrock)) {
        const { tags } = await deps.bedrock.send(new ListTagsForResourceCommand({ resourceARN: live.arn }));
        const lineage = lineageOf(tags);
        if (lineage) resources.push({ ...live, lineage });
        else notOurs += 1;
      }
      return { scope: deps.scope, resources, notOurs };
    },

    /** What the namespace says of each run: open, closed (how), unknown, or could not be asked. */
    async lookUpRuns(workflowIds: string[]): Promise<Record<string, RunLook>> {
      const looks: Record<string, RunLook> = {};
      for (const id of workflowIds) looks[id] = await lookUp(id);
      return looks;
    },

    /**
     * Ends one resource whose run is closed or unknown, after asking about the run again: a run started
     * since under the same workflow ID owns it now. Never throws for Bedrock's refusals: they are the
     * outcome, with the command for a person.
     */
    async endResource({ resource }: EndResourceInput): Promise<EndOutcome> {
      const again = await lookUp(resource.lineage.workflowId);
      if (again.state === 'open' || again.state === 'error') {
        return {
          outcome: 'left',
          message:
            again.state === 'open'
              ? `its run is open again (${again.status}): a run under the same workflow ID owns it`
              : `its run could not be looked up again (${again.message})`,
        };
      }
      try {
        return await end(deps.bedrock, resource, stopJob);
      } catch (err) {
        // A rejection (access denied, the resource gone) is this pass's outcome. Throttling, 5xx and
        // network errors go up: the activity's retries take them, and the workflow records the last.
        if (err instanceof ApplicationFailure) {
          return { outcome: 'failed', message: err.message, command: endCommand(resource) };
        }
        throw err;
      }
    },
  };
}

type LiveResource = Omit<OwnResource, 'lineage'>;

/** Each kind's live resources, every page: what runs or bills. */
async function* liveResources(bedrock: BedrockClient): AsyncGenerator<LiveResource> {
  let nextToken: string | undefined;
  do {
    const page = await bedrock.send(
      new ListModelCustomizationJobsCommand({ statusEquals: 'InProgress', maxResults: 100, nextToken }),
    );
    for (const j of page.modelCustomizationJobSummaries ?? []) {
      yield {
        kind: 'customization-job',
        arn: j.jobArn!,
        name: j.jobName!,
        status: j.status ?? 'InProgress',
        createdAt: j.creationTime?.toISOString(),
      };
    }
    nextToken = page.nextToken;
  } while (nextToken);
  do {
    const page = await bedrock.send(new ListCustomModelDeploymentsCommand({ maxResults: 100, nextToken }));
    for (const d of page.modelDeploymentSummaries ?? []) {
      yield {
        kind: 'custom-model-deployment',
        arn: d.customModelDeploymentArn!,
        name: d.customModelDeploymentName!,
        status: d.status ?? 'Active',
        createdAt: d.createdAt?.toISOString(),
      };
    }
    nextToken = page.nextToken;
  } while (nextToken);
  do {
    const page = await bedrock.send(new ListProvisionedModelThroughputsCommand({ maxResults: 100, nextToken }));
    for (const t of page.provisionedModelSummaries ?? []) {
      yield {
        kind: 'provisioned-throughput',
        arn: t.provisionedModelArn!,
        name: t.provisionedModelName!,
        status: t.status ?? 'InService',
        createdAt: t.creationTime?.toISOString(),
        ...(t.commitmentDuration && (!t.commitmentExpirationTime || t.commitmentExpirationTime.getTime() > Date.now())
          ? { commitment: t.commitmentDuration }
          : {}),
      };
    }
    nextToken = page.nextToken;
  } while (nextToken);
  do {
    const page = await bedrock.send(
      new ListEvaluationJobsCommand({ statusEquals: 'InProgress', maxResults: 100, nextToken }),
    );
    for (const e of page.jobSummaries ?? []) {
      yield {
        kind: 'evaluation-job',
        arn: e.jobArn!,
        name: e.jobName!,
        status: e.status ?? 'InProgress',
        createdAt: e.creationTime?.toISOString(),
      };
    }
    nextToken = page.nextToken;
  } while (nextToken);
}

/** Stops or deletes one resource as its kind allows. */
async function end(
  bedrock: BedrockClient,
  resource: OwnResource,
  stopJob: (arn: string) => Promise<StopJobResult>,
): Promise<EndOutcome> {
  switch (resource.kind) {
    case 'customization-job': {
      const answer = await stopJob(resource.arn);
      switch (answer.outcome) {
        case 'stop-requested':
          return { outcome: 'ended', message: 'stop requested' };
        case 'already-ended':
          return { outcome: 'already-ended', message: `it had ended (${answer.jobStatus ?? 'unknown status'})` };
        case 'refused':
          return {
            outcome: 'failed',
            message: `Bedrock refused the stop: ${answer.message}`,
            command: endCommand(resource),
          };
      }
      break;
    }
    case 'custom-model-deployment':
    case 'provisioned-throughput':
    case 'evaluation-job': {
      try {
        if (resource.kind === 'custom-model-deployment') {
          await bedrock.send(new DeleteCustomModelDeploymentCommand({ customModelDeploymentIdentifier: resource.arn }));
          return { outcome: 'ended', message: 'deleted' };
        }
        if (resource.kind === 'provisioned-throughput') {
          await bedrock.send(new DeleteProvisionedModelThroughputCommand({ provisionedModelId: resource.arn }));
          return { outcome: 'ended', message: 'deleted' };
        }
        await bedrock.send(new StopEvaluationJobCommand({ jobIdentifier: resource.arn }));
        return { outcome: 'ended', message: 'stop requested' };
      } catch (err) {
        const name = awsErrorName(err);
        if (name === 'ResourceNotFoundException') return { outcome: 'already-ended', message: 'it was already gone' };
        if (name === 'ConflictException' && resource.kind === 'evaluation-job')
          return { outcome: 'already-ended', message: 'it had ended' };
        // A deployment still being created or updated cannot be deleted yet: the next pass tries again.
        if (name === 'ValidationException' && /mutating state/i.test(awsErrorMessage(err)))
          return { outcome: 'left', message: 'it is still changing; the next pass tries again' };
        failFastOnRejection(err, `end ${resource.kind}`);
      }
    }
  }
}
