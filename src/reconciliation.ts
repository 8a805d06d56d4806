// The reconciler from the client's side: the schedule the worker keeps (every 15 minutes by default,
// created when a worker starts, idempotently), and a pass run now (`finetune reconcile`). The pass
// itself is the reconcile workflow, so it runs with the worker's AWS identity and is recorded in
// Temporal like any run.
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  WorkflowIdReusePolicy,
  type Client,
  type ScheduleDescription,
} from '@temporalio/client';
import type { ReconcileReport } from './core/reconcile';

export const RECONCILE_WORKFLOW_TYPE = 'reconcile';
export const RECONCILE_SCHEDULE_ID = 'finetune-reconcile';

/** A pass lists, decides and ends a few resources: minutes. A stuck one must not block the next. */
const PASS_TIMEOUT_MS = 30 * 60_000;

export type ReconcileScheduleOutcome = 'created' | 'unchanged' | 'updated';

/**
 * The reconcile schedule on `taskQueue`, every `everyMs`: created if missing, its interval and queue set
 * if another worker made it differently (the last worker started wins: give every worker the same
 * setting). Overlap SKIP: a pass still running when the next is due is enough.
 */
export async function ensureReconcileSchedule(
  client: Client,
  options: { taskQueue: string; everyMs: number },
): Promise<ReconcileScheduleOutcome> {
  const wanted = {
    spec: { intervals: [{ every: options.everyMs }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: RECONCILE_WORKFLOW_TYPE,
      workflowId: RECONCILE_SCHEDULE_ID,
      taskQueue: options.taskQueue,
      args: [{}],
      workflowExecutionTimeout: PASS_TIMEOUT_MS,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60_000 },
  };
  try {
    await client.schedule.create({ scheduleId: RECONCILE_SCHEDULE_ID, ...wanted });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(RECONCILE_SCHEDULE_ID);
  const described = await handle.describe();
  if (sameSchedule(described, options)) return 'unchanged';
  await handle.update((previous) => ({
    ...previous,
    spec: wanted.spec,
    action: { ...previous.action, ...wanted.action },
  }));
  return 'updated';
}

function sameSchedule(described: ScheduleDescription, options: { taskQueue: string; everyMs: number }): boolean {
  const intervals = described.spec.intervals ?? [];
  const action = described.action;
  return (
    intervals.length === 1 &&
    intervals[0].every === options.everyMs &&
    action.type === 'startWorkflow' &&
    action.taskQueue === options.taskQueue
  );
}

/** A pass now, on the worker's task queue; its report once it has run. */
export async function reconcileNow(
  client: Client,
  options: { taskQueue: string; dryRun?: boolean },
): Promise<{ workflowId: string; report: ReconcileReport }> {
  const workflowId = `${RECONCILE_SCHEDULE_ID}-now-${new Date().toISOString()}`;
  const handle = await client.workflow.start(RECONCILE_WORKFLOW_TYPE, {
    workflowId,
    taskQueue: options.taskQueue,
    args: [{ dryRun: options.dryRun === true }],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    workflowExecutionTimeout: PASS_TIMEOUT_MS,
  });
  return { workflowId, report: (await handle.result()) as ReconcileReport };
}
