// `finetune reconcile [--dry-run] [--json]`: one reconcile pass now, run by a worker as the scheduled
// ones are (the worker's AWS identity, recorded in Temporal), and its report. Exit 0 when nothing needs a
// person, 1 when something does (a resource it could not end, or one whose owner it cannot prove), 2 on
// bad usage.
import type { Command } from 'commander';
import { reconcileNow, type ReconcileItem, type ReconcileReport } from '../client';
import { outcomeExitCode } from './exit-codes';
import { fields, printJson } from './format';
import { withSession } from './session';

/** How long to wait for a worker to run the pass before saying none seems to be running. */
const PASS_WAIT_MS = 10 * 60_000;

function itemLine(item: ReconcileItem): string {
  const { resource, decision, ended } = item;
  const head = `${resource.kind} ${resource.name} (run ${resource.lineage.workflowId})`;
  switch (decision.verdict) {
    case 'end':
      return `  ${ended?.outcome === 'failed' ? 'NEEDS A PERSON' : decision.action.toUpperCase()} ${head}: ${decision.why}; ${ended ? `${ended.outcome}: ${ended.message}` : ''}${ended?.outcome === 'failed' ? `\n      ${ended.command}` : ''}`;
    case 'report':
      return `  NEEDS A PERSON ${head}: ${decision.why}\n      ${decision.command}`;
    case 'leave':
      return `  left ${head}: ${decision.why}`;
  }
}

function reportLines(workflowId: string, report: ReconcileReport, uiUrl: string | undefined): string[] {
  return [
    `Reconcile pass ${workflowId}${report.dryRun ? ' (dry run: nothing was ended)' : ''}`,
    ...fields([
      ['namespace', report.scope.namespace],
      ['installation', report.scope.installation],
      ['live resources of this project', String(report.examined)],
      [
        report.dryRun ? 'would end' : 'ended',
        String(report.dryRun ? report.items.filter((i) => i.ended?.outcome === 'dry-run').length : report.ended),
      ],
      ['need a person', String(report.needAttention)],
      ['ui', uiUrl],
    ]),
    ...report.items.map(itemLine),
  ];
}

export function registerReconcileCommand(program: Command): void {
  program
    .command('reconcile')
    .description(
      'end the Bedrock resources that runs closed without ending (terminated, timed out, lost with their history), now',
    )
    .option('--dry-run', 'decide and report, end nothing')
    .option('--json', 'print the pass as one JSON object: { workflowId, report }')
    .addHelpText(
      'after',
      [
        '',
        "A pass lists every live Bedrock resource with this project's lineage tags and asks the namespace about",
        'the run each one names: a run that is open owns its resource and is left alone; one that closed without',
        'ending it (terminated, timed out) or that the namespace no longer knows has it stopped. Resources of',
        'another namespace or installation (FINETUNE_INSTALLATION), and resources without lineage, are never',
        'touched. A worker runs the pass (the same workflow the worker schedules every FINETUNE_RECONCILE_EVERY).',
        '',
        'Examples:',
        '  finetune reconcile --dry-run',
        '  finetune reconcile --json',
      ].join('\n'),
    )
    .action(async (flags: { dryRun?: boolean; json?: boolean }) => {
      await withSession(async ({ ft, uiUrl }) => {
        const waiting = setTimeout(() => {
          console.error(
            `No worker has run the pass after ${PASS_WAIT_MS / 60_000} minutes: is a worker polling task queue ${ft.taskQueue}? (finetune worker)`,
          );
        }, PASS_WAIT_MS);
        try {
          const { workflowId, report } = await reconcileNow(ft.client, {
            taskQueue: ft.taskQueue,
            dryRun: flags.dryRun,
          });
          if (flags.json) printJson({ workflowId, report });
          else console.log(reportLines(workflowId, report, uiUrl(workflowId)).join('\n'));
          process.exitCode = outcomeExitCode(report.needAttention === 0);
        } finally {
          clearTimeout(waiting);
        }
      });
    });
}
