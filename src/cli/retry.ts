// `finetune retry <id>`: a failed, stopped or cancelled run again, as a new run `<id>-retry-<attempt>`
// (so it gets a new job name and token; reusing the old ID would adopt the old job), started with the
// old run's request and linked to it. Exit 0 started (with --wait: 0 completed, 1 failed), 2 when the
// run is still going, completed, or unknown.
import type { Command } from 'commander';
import { fields, printJson } from './format';
import { withSession } from './session';
import { waitForEnding } from './stop';

export function registerRetryCommand(program: Command): void {
  program
    .command('retry')
    .description(
      'run a failed, stopped or cancelled run again as <id>-retry-<attempt>, with the request it started with',
    )
    .argument('<workflow-id>', 'the run to retry (see `finetune list --status failed`)')
    .option('--wait', 'follow the new run to its end: exit 0 when it completed, 1 when it failed')
    .option('--json', 'print one JSON object: { workflowId, runId, retryOf, joined, uiUrl } (with --wait: the outcome)')
    .addHelpText(
      'after',
      [
        '',
        "The request is the old run's start input, with its templates resolved as the old run resolved them (the",
        'same data and names). A retry already running under the next attempt ID is joined, not started twice.',
        '',
        'Examples:',
        '  finetune retry finetune-support-bot-v3',
        '  finetune retry finetune-support-bot-v3-retry-2 --wait',
      ].join('\n'),
    )
    .action(async (workflowId: string, flags: { wait?: boolean; json?: boolean }) => {
      await withSession(async ({ ft, uiUrl }) => {
        const { run, retryOf, joined } = await ft.retry(workflowId);
        const { runId } = await run.summary();
        const started = {
          workflowId: run.workflowId,
          runId,
          retryOf: { workflowId: retryOf.workflowId, runId: retryOf.runId, attempt: retryOf.attempt },
          joined,
          uiUrl: uiUrl(run.workflowId, runId),
        };
        if (!flags.json)
          console.log(
            [
              `${joined ? 'Joined the retry already running' : 'Retrying'} ${workflowId} as ${run.workflowId} (attempt ${retryOf.attempt})`,
              ...fields([
                ['run ID', runId],
                ['ui', started.uiUrl],
              ]),
              ...(flags.wait ? [] : [`Follow it: finetune watch ${run.workflowId}`]),
            ].join('\n'),
          );
        if (!flags.wait) {
          if (flags.json) printJson(started);
          return;
        }
        await waitForEnding(ft, run, (o) => o.ok, Boolean(flags.json), started);
      });
    });
}
