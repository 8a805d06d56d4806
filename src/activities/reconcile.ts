// The reconciler's hands: list the live Bedrock resources that carry this project's lineage, ask the
// namespace about the runs they name, and end one resource the rules (core/reconcile.ts) say to end,
// after asking about its run once more.
import {
  ListModelCustomizationJobsCommand,
  ListTagsForResourceCommand,
  type BedrockClient,
} from '@aws-sdk/client-bedrock';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { LineageScope } from '../core/lineage';
import { endCommand, type EndOutcome, type OwnResource, type RunLook } from '../core/reconcile';
import { lineageOf } from '../aws/lineage-tags';
import { stopJobActivities } from './stop-job';

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
    /** Every customization job in progress, every page, with its lineage; others' only counted. */
    async listOwnResources(): Promise<OwnResources> {
      const resources: OwnResource[] = [];
      let notOurs = 0;
      let nextToken: string | undefined;
      do {
        const page = await deps.bedrock.send(
          new ListModelCustomizationJobsCommand({ statusEquals: 'InProgress', maxResults: 100, nextToken }),
        );
        for (const job of page.modelCustomizationJobSummaries ?? []) {
          const { tags } = await deps.bedrock.send(new ListTagsForResourceCommand({ resourceARN: job.jobArn }));
          const lineage = lineageOf(tags);
          if (!lineage) {
            notOurs += 1;
            continue;
          }
          resources.push({
            kind: 'customization-job',
            arn: job.jobArn!,
            name: job.jobName!,
            status: job.status ?? 'InProgress',
            createdAt: job.creationTime?.toISOString(),
            lineage,
          });
        }
        nextToken = page.nextToken;
      } while (nextToken);
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
      } catch (err) {
        // A rejection (access denied, the job gone) is this pass's outcome. Throttling, 5xx and network
        // errors go up: the activity's retries take them, and the workflow records the last as failed.
        if (err instanceof ApplicationFailure) {
          return { outcome: 'failed', message: err.message, command: endCommand(resource) };
        }
        throw err;
      }
    },
  };
}
