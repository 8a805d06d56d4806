// A fineTune run whose request has `orchestration.promotion` carries its trained model on to production
// through the promote workflow, as a child: its own page in the UI (the comparison table, the approval
// it waits for), its own history (an approval can take days), and the approve/reject updates sent to
// it. The run waits for it: cancelling the run cancels the promotion (which undoes itself); a stop ends
// only the promotion (the training succeeded), as the run's deadline does inside the child.
import {
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  ParentClosePolicy,
  executeChild,
} from '@temporalio/workflow';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { FailureType, failureTypeOf } from '../core/failures';
import { promotionWorkflowId, type PromoteInput, type PromotionResult } from '../core/promotion-contract';
import { PromotionDeploymentKey } from '../core/search-attributes';
import { interruptible } from './interruptions';
import type { promote } from './promote';
import type { Run } from './run';

export async function promoteTrained(run: Run, customModelArn: string): Promise<PromotionResult> {
  const promotion = run.orchestration.promotion!;
  run.setPhase('promoting');
  const input: PromoteInput = {
    customModelArn,
    promotion,
    roleArn: run.request.roleArn,
    outputS3Uri: run.request.outputDataConfig.s3Uri,
    trainedBy: { workflowId: run.info.workflowId, runId: run.info.runId },
    ...(run.state.deadlineAt ? { deadlineAt: run.state.deadlineAt } : {}),
    ...(run.orchestration.polling ? { polling: run.orchestration.polling } : {}),
  };
  const child = () =>
    executeChild<typeof promote>('promote', {
      workflowId: promotionWorkflowId(run.info.workflowId),
      args: [input],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      typedSearchAttributes: [{ key: PromotionDeploymentKey, value: promotion.deployment }],
      staticSummary: `promote ${customModelArn.split('/').pop()} to ${promotion.deployment}`.slice(0, 200),
    });
  try {
    const outcome = await interruptible(run, child, ['stop'], { settle: true, ignoreDeadline: true });
    if ('done' in outcome) return (run.state.promotion = outcome.done);
    // A stop: the promotion was cancelled and has undone itself; the training stands.
    return (run.state.promotion = {
      outcome: 'cancelled',
      reasons: [`stopped: ${run.state.stopReason}`],
      deployment: { kind: promotion.kind === 'provisioned' ? 'throughput' : 'deployment', name: promotion.deployment },
      modelArn: customModelArn,
      scores: [],
      timings: { startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() },
    });
  } catch (err) {
    // The promotion's own typed ending (PromotionRolledBack, DeploymentFailed, ...) is the run's.
    if (
      err instanceof ChildWorkflowFailure &&
      err.cause instanceof ApplicationFailure &&
      !(err.cause instanceof CancelledFailure)
    ) {
      const details = err.cause.details?.[0] as PromotionResult | undefined;
      if (details?.outcome) run.state.promotion = details;
      run.end(
        'failed',
        failureTypeOf(err.cause.type) ?? FailureType.PromotionFailed,
        `promotion to ${promotion.deployment}: ${err.cause.message}`,
      );
    }
    throw err;
  }
}
