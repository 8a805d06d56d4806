// The reconcile workflow: one pass over the live Bedrock resources this project made, ending those a
// closed run left behind (terminated, timed out, or lost with the namespace's history) and leaving
// everything else alone. The worker keeps it on a schedule (every 15 minutes by default); `finetune
// reconcile` runs a pass now. Each pass records what it did: its log, its result, the UI's current
// details and the search attributes ReconcileEnded and ReconcileNeedsAttention.
import { log, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { decide, endCommand, reportOf, type ReconcileItem, type ReconcileReport } from '../core/reconcile';
import { ReconcileEndedKey, ReconcileNeedsAttentionKey } from '../core/search-attributes';
import { reconcileActivitiesFor } from './activity-options';
import { reconcileDetailsMarkdown } from './reconcile-details';

export interface ReconcileInput {
  /** Decide and report, end nothing. */
  dryRun?: boolean;
}

export async function reconcile(input: ReconcileInput = {}): Promise<ReconcileReport> {
  const acts = reconcileActivitiesFor();
  const dryRun = input.dryRun === true;
  const listed = await acts.listOwnResources();
  const { scope } = listed;
  const ours = listed.resources.filter(
    (r) => r.lineage.exact && r.lineage.namespace === scope.namespace && r.lineage.installation === scope.installation,
  );
  const runs = await acts.lookUpRuns([...new Set(ours.map((r) => r.lineage.workflowId))]);
  const items: ReconcileItem[] = listed.resources.map((resource) => {
    const run = runs[resource.lineage.workflowId];
    return { resource, ...(run ? { run } : {}), decision: decide(resource, scope, run) };
  });
  for (const item of items) {
    const { decision, resource } = item;
    if (decision.verdict === 'report') {
      log.warn('reconcile: a resource needs a person', {
        arn: resource.arn,
        why: decision.why,
        command: decision.command,
      });
    }
    if (decision.verdict !== 'end') continue;
    item.ended = dryRun
      ? { outcome: 'dry-run', message: `would ${decision.action} it` }
      : await acts.endResource({ resource }).catch((err: unknown) => ({
          outcome: 'failed' as const,
          message: err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err),
          command: endCommand(resource),
        }));
    log.info(`reconcile: ${decision.action} ${resource.kind} ${resource.name}: ${item.ended.outcome}`, {
      arn: resource.arn,
      workflowId: resource.lineage.workflowId,
      why: decision.why,
      outcome: item.ended.message,
      dryRun,
    });
  }
  const report = reportOf(items, { at: new Date(workflowInfo().startTime).toISOString(), dryRun, scope });
  upsertSearchAttributes([
    { key: ReconcileEndedKey, value: report.ended },
    { key: ReconcileNeedsAttentionKey, value: report.needAttention },
  ]);
  setCurrentDetails(reconcileDetailsMarkdown(report, listed.notOurs));
  return report;
}
