// What a reconcile pass shows in the Temporal UI (its current details): what it ended, what it left and
// why, and what a person should look at, with the command. Pure Markdown from the report.
import type { ReconcileItem, ReconcileReport } from '../core/reconcile';

const cell = (value: string) => value.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

function row(item: ReconcileItem): string {
  const { resource, run, decision, ended } = item;
  const runText = !run
    ? '-'
    : run.state === 'open' || run.state === 'closed'
      ? `${run.state} (${run.status})`
      : run.state;
  const what =
    decision.verdict === 'end'
      ? `${decision.action}: ${ended ? `${ended.outcome}, ${ended.message}` : 'not done'}`
      : decision.verdict === 'report'
        ? `**needs a person**: \`${decision.command}\``
        : 'left alone';
  return `| ${resource.kind} | \`${cell(resource.name)}\` | \`${cell(resource.lineage.workflowId)}\` | ${runText} | ${cell(what)} | ${cell(decision.why)} |`;
}

export function reconcileDetailsMarkdown(report: ReconcileReport, notOurs: number): string {
  const lines = [
    `### Reconcile${report.dryRun ? ' (dry run: nothing ended)' : ''}`,
    '',
    `| Namespace | Installation | Live resources of this project | Ended | Need a person | Others' (never touched) |`,
    '|---|---|---|---|---|---|',
    `| ${cell(report.scope.namespace)} | ${cell(report.scope.installation)} | ${report.examined} | ${report.ended} | ${report.needAttention} | ${notOurs} |`,
  ];
  const shown = report.items.filter((i) => i.decision.verdict !== 'leave' || i.run !== undefined);
  if (shown.length > 0) {
    lines.push(
      '',
      '| Kind | Resource | Run | Run status | What was done | Why |',
      '|---|---|---|---|---|---|',
      ...shown.map(row),
    );
  }
  return lines.join('\n');
}
