// `finetune start <request.json>`: validate a request file and start its run (or join the run already
// going under the same workflow ID); with --wait, follow it to the end.
import type { Command } from 'commander';
import { fields, printJson } from './format';
import { readRequestFile, withSession } from './session';
import { followRun, outcomeLines } from './watch';
import { outcomeExitCode } from './exit-codes';

interface StartFlags {
  workflowId?: string;
  wait?: boolean;
  json?: boolean;
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'start a fine-tune from a request file: the JSON of `aws bedrock create-model-customization-job --cli-input-json`, plus an optional `orchestration` member',
    )
    .argument('<request.json>', 'the request file (see examples/)')
    .option(
      '--workflow-id <id>',
      'business key of the run (default finetune-<customModelName>); a running run with this ID is joined, not duplicated',
    )
    .option('--wait', 'follow the run to its end: exit 0 when the custom model is ready, 1 when the run failed')
    .option('--json', 'print one JSON object (with --wait: the result or the failure)')
    .addHelpText(
      'after',
      [
        '',
        'A request that is not valid is refused before anything starts (exit 2), with every problem and its JSON path.',
        '',
        'Examples:',
        '  finetune start examples/fine-tuning-prompt-completion/request.json',
        '  finetune start my-request.json --workflow-id support-bot-2026-11 --wait',
        '  finetune start my-request.json --wait --json > outcome.json',
      ].join('\n'),
    )
    .action(async (file: string, flags: StartFlags) => {
      const request = await readRequestFile(file);
      await withSession(async ({ ft, uiUrl }) => {
        const run = await ft.start(request, { workflowId: flags.workflowId });
        const started = { workflowId: run.workflowId, runId: run.runId, uiUrl: uiUrl(run.workflowId, run.runId) };
        if (!flags.wait) {
          if (flags.json) return printJson(started);
          console.log(
            [
              `Started ${started.workflowId}`,
              ...fields([
                ['run ID', started.runId],
                [
                  'custom model',
                  `${request.customModelName} (${request.customizationType ?? 'FINE_TUNING'} of ${request.baseModelIdentifier})`,
                ],
                ['ui', started.uiUrl],
              ]),
              `Follow it: finetune watch ${started.workflowId}`,
            ].join('\n'),
          );
          return;
        }
        if (!flags.json)
          console.log(
            `Started ${started.workflowId} (run ${started.runId})${started.uiUrl ? `\n  ui  ${started.uiUrl}` : ''}`,
          );
        const outcome = flags.json ? await run.outcome() : (await followRun(ft, run))!;
        if (flags.json) {
          printJson(
            outcome.ok
              ? { ...started, outcome: 'completed', result: outcome.result }
              : { ...started, outcome: 'failed', failure: outcome.failure },
          );
        } else {
          console.log(outcomeLines(outcome).join('\n'));
        }
        process.exitCode = outcomeExitCode(outcome.ok);
      });
    });
}
