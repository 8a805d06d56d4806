// `finetune status <id>`: where a run is (phase, Bedrock job and its phases, polls, dataset, metrics).
import type { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { FineTuneClient, FineTuneRun, LiveProgress, RunSummary } from '../client';
import { dateTimeText } from '../core/time-text';
import { fields, printJson, progressBlock } from './format';
import { withSession } from './session';

/** How long a worker gets to answer the progress query before the server's own view is shown instead. */
export const QUERY_TIMEOUT_MS = 10_000;

/** What `status` and `watch` see of a run: its live progress, or the server's summary when no worker answers. */
export type RunLook =
  | { progress: LiveProgress; summary?: undefined; unavailable?: undefined }
  | { progress?: undefined; summary: RunSummary; unavailable: string };

/**
 * The run's live progress, or, when no worker answers the query (none running, or all restarting),
 * what the server alone knows: status and the phase/job search attributes.
 */
export async function lookAtRun(ft: FineTuneClient, run: FineTuneRun, timeoutMs = QUERY_TIMEOUT_MS): Promise<RunLook> {
  try {
    return { progress: await ft.client.connection.withDeadline(Date.now() + timeoutMs, () => run.liveProgress()) };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw err;
    const summary = await run.summary();
    return {
      summary,
      unavailable: `no worker answered the progress query (${(err as Error).message.split('\n')[0]}): is a worker running on the run's task queue?`,
    };
  }
}

export function summaryLines(s: RunSummary): string[] {
  return [
    `${s.workflowId}  ${s.status}  (run ${s.runId})`,
    ...fields([
      ['phase', s.phase],
      ['job status', s.jobStatus],
      ['custom model', s.customModelName],
      ['base model', s.baseModel],
      ['started', dateTimeText(s.startTime)],
      ['closed', s.closeTime ? dateTimeText(s.closeTime) : undefined],
    ]),
  ];
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("show a run's phase, Bedrock job (status and per-phase details), polls, dataset stats and metrics")
    .argument('<workflow-id>', 'the run, by workflow ID (see `finetune list`)')
    .option('--json', 'print the progress as one JSON object')
    .addHelpText(
      'after',
      '\nExamples:\n  finetune status finetune-kestrel-support-v1\n  finetune status finetune-kestrel-support-v1 --json | jq .jobStatus',
    )
    .action(async (workflowId: string, flags: { json?: boolean }) => {
      await withSession(async ({ ft, uiUrl }) => {
        const run = ft.run(workflowId);
        const view = await lookAtRun(ft, run);
        if (flags.json) {
          printJson(view.progress ?? { ...view.summary, progress: null, unavailable: view.unavailable });
          return;
        }
        const lines = view.progress
          ? progressBlock(view.progress)
          : [...summaryLines(view.summary), `  (${view.unavailable})`];
        const ui = uiUrl(workflowId, view.progress?.runId ?? view.summary?.runId);
        console.log([...lines, ...(ui ? [`  ui  ${ui}`] : [])].join('\n'));
      });
    });
}
