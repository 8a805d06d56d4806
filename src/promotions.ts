// Promotions from the client's side (`FineTuneClient.promotions`): start one for a model trained
// elsewhere, approve or reject one that waits, follow it, roll a deployment back to the model it served
// before, and read what serves where. A fineTune run's promotion is the promote run `<id>-promote`, so
// every method takes either ID.
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { promotionSchema, type PromotionSpec } from './core/promotion';
import {
  approveUpdate,
  PROMOTE_WORKFLOW_TYPE,
  promotionProgressQuery,
  promotionWorkflowId,
  rejectUpdate,
  type ApprovalDecision,
  type PromoteInput,
  type PromotionProgress,
  type PromotionResult,
  type ServingKind,
} from './core/promotion-contract';
import { InvalidRequestError, pollingSchema, type PollingOptions } from './core/request';
import { PromotionDeploymentKey } from './core/search-attributes';
import { FINE_TUNE_WORKFLOW_TYPE } from './core/fine-tune-contract';

export const ROLLBACK_WORKFLOW_TYPE = 'rollBack';

/** A promote run. */
export class PromotionRun {
  constructor(readonly handle: WorkflowHandle) {}

  get workflowId(): string {
    return this.handle.workflowId;
  }

  result(): Promise<PromotionResult> {
    return this.handle.result() as Promise<PromotionResult>;
  }

  progress(): Promise<PromotionProgress> {
    return this.handle.query(promotionProgressQuery);
  }

  approve(reason: string, by: string): Promise<ApprovalDecision> {
    return this.handle.executeUpdate(approveUpdate, { args: [{ reason, by }] });
  }

  reject(reason: string, by: string): Promise<ApprovalDecision> {
    return this.handle.executeUpdate(rejectUpdate, { args: [{ reason, by }] });
  }
}

export interface PromoteOptions {
  customModelArn: string;
  promotion: PromotionSpec;
  /** The evaluation job's role (unless the promotion names one). */
  roleArn: string;
  /** Where the evaluation's answers and results go. */
  outputS3Uri: string;
  workflowId?: string;
  /** How often to look at the deployments and evaluation jobs (default: 30 s, doubling to 2 minutes). */
  polling?: PollingOptions;
}

/** What `finetune deployments` shows of one deployment: what serves it and how it got there. */
export interface DeploymentRecord {
  deployment: string;
  kind: ServingKind;
  modelArn: string;
  /** The promote run that put the model there, and the run that trained it. */
  promotedBy?: string;
  trainedBy?: string;
  promotedAt?: string;
  scores?: PromotionResult['scores'];
  previousModelArn?: string;
}

export class FineTunePromotions {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /** Starts a promotion of a model trained elsewhere (its request checked first). */
  async start(options: PromoteOptions): Promise<PromotionRun> {
    const parsed = promotionSchema.safeParse(options.promotion);
    const polling = options.polling === undefined ? undefined : pollingSchema.safeParse(options.polling);
    const problems = [
      ...(parsed.success ? [] : parsed.error.issues.map((i) => `promotion.${i.path.join('.')}: ${i.message}`)),
      ...(polling && !polling.success
        ? polling.error.issues.map((i) => `polling${i.path.map((k) => `.${String(k)}`).join('')}: ${i.message}`)
        : []),
    ];
    if (!parsed.success || problems.length > 0) throw new InvalidRequestError(problems, 'promotion');
    const input: PromoteInput = {
      customModelArn: options.customModelArn,
      promotion: parsed.data,
      roleArn: options.roleArn,
      outputS3Uri: options.outputS3Uri,
      ...(polling?.success ? { polling: polling.data } : {}),
    };
    const workflowId =
      options.workflowId ?? `promote-${parsed.data.deployment}-${options.customModelArn.split('/').pop() ?? 'model'}`;
    const handle = await this.client.workflow.start(PROMOTE_WORKFLOW_TYPE, {
      args: [input],
      taskQueue: this.taskQueue,
      workflowId,
      typedSearchAttributes: [{ key: PromotionDeploymentKey, value: parsed.data.deployment }],
      staticSummary: `promote ${options.customModelArn.split('/').pop()} to ${parsed.data.deployment}`.slice(0, 200),
    });
    return new PromotionRun(handle);
  }

  /** The promotion of `workflowId`: the promote run itself, or a fineTune run's child. */
  async of(workflowId: string): Promise<PromotionRun> {
    const handle = this.client.workflow.getHandle(workflowId);
    const described = await handle.describe();
    if (described.type === PROMOTE_WORKFLOW_TYPE) return new PromotionRun(handle);
    if (described.type === FINE_TUNE_WORKFLOW_TYPE) {
      const child = this.client.workflow.getHandle(promotionWorkflowId(workflowId));
      await child.describe().catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError)
          throw new InvalidRequestError(
            [
              `run ${workflowId} has no promotion (yet): its request has no orchestration.promotion, or its job has not completed`,
            ],
            'promotion',
          );
        throw err;
      });
      return new PromotionRun(child);
    }
    throw new InvalidRequestError(
      [`${workflowId} is a ${described.type} run, not a fineTune or promote run`],
      'promotion',
    );
  }

  /** The completed promote runs that promoted to `deployment`, newest first. */
  async promotedTo(
    deployment: string,
    limit = 20,
  ): Promise<{ workflowId: string; closedAt?: Date; result: PromotionResult }[]> {
    const found: { workflowId: string; closedAt?: Date; result: PromotionResult }[] = [];
    const query = `WorkflowType = '${PROMOTE_WORKFLOW_TYPE}' AND PromotionDeployment = '${deployment.replace(/'/g, "\\'")}' AND ExecutionStatus = 'Completed'`;
    for await (const info of this.client.workflow.list({ query })) {
      const result = (await this.client.workflow.getHandle(info.workflowId, info.runId).result()) as PromotionResult;
      if (result.outcome === 'promoted') found.push({ workflowId: info.workflowId, closedAt: info.closeTime, result });
      if (found.length >= limit) break;
    }
    return found.sort((a, b) => (b.closedAt?.getTime() ?? 0) - (a.closedAt?.getTime() ?? 0));
  }

  /**
   * Points `deployment` back at the model it served before its last promotion, and waits until it
   * serves it (the rollBack workflow: durable, recorded). Returns that workflow's ID and the model.
   */
  async rollBack(
    deployment: string,
    reason: string,
    options: { polling?: PollingOptions } = {},
  ): Promise<{ workflowId: string; toModelArn: string; fromModelArn: string; alreadyServed: boolean }> {
    const [last] = await this.promotedTo(deployment, 1);
    if (!last)
      throw new InvalidRequestError(
        [`no completed promotion to ${deployment} is on record in this namespace`],
        'rollback',
      );
    if (!last.result.previousModelArn) {
      throw new InvalidRequestError(
        [`the last promotion to ${deployment} (${last.workflowId}) created it: there is no model to roll back to`],
        'rollback',
      );
    }
    const workflowId = `rollback-${deployment}-${Date.now()}`;
    const done = (await this.client.workflow.execute(ROLLBACK_WORKFLOW_TYPE, {
      args: [
        {
          kind: last.result.deployment.kind,
          name: deployment,
          toModelArn: last.result.previousModelArn,
          fromModelArn: last.result.modelArn,
          reason,
          ...(options.polling ? { polling: options.polling } : {}),
        },
      ],
      taskQueue: this.taskQueue,
      workflowId,
      typedSearchAttributes: [{ key: PromotionDeploymentKey, value: deployment }],
    })) as { servedBefore: string };
    return {
      workflowId,
      toModelArn: last.result.previousModelArn,
      // What it really served: a rollback repeated finds the earlier model already there.
      fromModelArn: done.servedBefore,
      alreadyServed: done.servedBefore === last.result.previousModelArn,
    };
  }
}
