// The run's side of the fair queue, and the keeper's looks at Bedrock and the namespace. A run asks its
// keeper for a slot with update-with-start: the first run of a task queue starts the keeper, every later
// one finds it (workflowIdConflictPolicy USE_EXISTING). Only a run whose preflight said the queue is on
// (PreflightResult.jobQueue) asks; a worker with FINETUNE_JOB_QUEUE=off that gets the ask anyway answers
// `off`, and the run waits for the quota on its own timers.
import {
  ListModelCustomizationJobsCommand,
  type BedrockClient,
  type ModelCustomizationJobStatus,
} from '@aws-sdk/client-bedrock';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  ASK_AGAIN_AFTER_MS,
  DEFAULT_JOB_SLOT_SETTINGS,
  type JobSlotSettings,
  type SlotAnswer,
} from '../core/job-slots';
import { JOB_SLOTS_WORKFLOW_TYPE, requestSlotUpdate } from '../core/job-slots-contract';
import type { LineageScope } from '../core/lineage';

export interface RequestJobSlotInput {
  holder: string;
  key: string;
  priority: number;
  /** The run's task queue: its keeper runs there, where workers of its version poll. */
  taskQueue: string;
}

export type RequestJobSlotResult =
  { queue: 'off' } | ({ queue: 'on'; keeperId: string; askAgainAfterMs: number } & SlotAnswer);

/** The keeper's settings from the worker's (FINETUNE_JOB_QUEUE*, config.ts); no quota given: ASSUMED_QUOTA. */
export function jobSlotSettings(queue: Partial<JobSlotSettings>): JobSlotSettings {
  const { initialQuota, ...rest } = queue;
  return {
    ...DEFAULT_JOB_SLOT_SETTINGS,
    ...rest,
    ...(initialQuota === undefined ? {} : { initialQuota, quotaAssumed: false }),
  };
}

/** The keeper's workflow ID: one per region, installation and task queue. */
export function jobSlotsKeeperId(region: string, installation: string, taskQueue: string): string {
  return `finetune-job-slots/${region}/${installation}/${taskQueue}`;
}

export function jobSlotActivities(deps: {
  bedrock: BedrockClient;
  temporal: Client;
  scope: LineageScope;
  jobSlots?: JobSlotSettings;
}) {
  return {
    async requestJobSlot(input: RequestJobSlotInput): Promise<RequestJobSlotResult> {
      const settings = deps.jobSlots;
      if (!settings) return { queue: 'off' };
      const region = await deps.bedrock.config.region();
      const keeperId = jobSlotsKeeperId(region, deps.scope.installation, input.taskQueue);
      const answer = await deps.temporal.workflow.executeUpdateWithStart(requestSlotUpdate, {
        args: [{ holder: input.holder, key: input.key, priority: input.priority, settings }],
        startWorkflowOperation: new WithStartWorkflowOperation(JOB_SLOTS_WORKFLOW_TYPE, {
          workflowId: keeperId,
          taskQueue: input.taskQueue,
          args: [{ settings }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          staticSummary: `Bedrock customization-job slots of ${region}, task queue ${input.taskQueue}`,
        }),
      });
      return { queue: 'on', keeperId, askAgainAfterMs: settings.askAgainAfterMs ?? ASK_AGAIN_AFTER_MS, ...answer };
    },

    /** Jobs in progress in the account and region (InProgress and Stopping, as the quota counts them). */
    async countJobsInProgress(): Promise<number> {
      let count = 0;
      for (const statusEquals of ['InProgress', 'Stopping'] as ModelCustomizationJobStatus[]) {
        let nextToken: string | undefined;
        do {
          const page = await deps.bedrock.send(
            new ListModelCustomizationJobsCommand({ statusEquals, maxResults: 100, nextToken }),
          );
          count += page.modelCustomizationJobSummaries?.length ?? 0;
          nextToken = page.nextToken;
        } while (nextToken);
      }
      return count;
    },

    /** Of these workflow IDs, the runs that are no longer open (their latest run closed, or none exists). */
    async closedHolders(holders: string[]): Promise<string[]> {
      const closed: string[] = [];
      for (const holder of holders) {
        try {
          const described = await deps.temporal.workflow.getHandle(holder).describe();
          if (described.status.name !== 'RUNNING') closed.push(holder);
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) closed.push(holder);
          else throw err;
        }
      }
      return closed;
    },
  };
}
