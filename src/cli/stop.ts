// `finetune stop <id>`: the `stop` update. The run stops the Bedrock job, waits until Bedrock reports it
// Stopped, collects what metrics exist and ends as BedrockJobStopped. A run that has nothing left to stop
// is a usage error (exit 2) with the reason, so scripts can tell "stopped" from "was already over".
// With --wait it follows the run to its end: exit 0 when it ended stopped, 1 when it ended otherwise.
import type { Command } from 'commander';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { FineTuneClient, FineTuneRun, RunOutcome } from '../client';
import { FailureType } from '../core/fine-tune-contract';
import { printJson } from './format';
import { outcomeExitCode, UsageError } from './exit-codes';
import { withSession } from './session';
import { followRun, outcomeLines } from './watch';

/** The run, if it is still running; else a usage error that says how it ended. */
export async function runningRun(ft: FineTuneClient, workflowId: string, verb: string): Promise<FineTuneRun> {
  const run = ft.run(workflowId);
  const summary = await run.summary();
  if (summary.status !== 'RUNNING')
    throw new UsageError(
      `Nothing to ${verb}: run ${workflowId} has already ended (${summary.status.toLowerCase()}, phase ${summary.phase ?? 'unknown'}).`,
    );
  return run;
}

/** Waits for the end (showing progress unless --json) and reports it; the exit code says whether it ended as asked. */
export async function waitForEnding(
  ft: FineTuneClient,
  run: FineTuneRun,
  expected: (outcome: RunOutcome) => boolean,
  json: boolean,
  started: Record<string, unknown>,
): Promise<void> {
  const outcome = json ? await run.outcome() : (await followRun(ft, run))!;
  if (json)
    printJson({
      ...started,
      outcome: outcome.ok ? 'completed' : 'failed',
      ...(outcome.ok ? { result: outcome.result } : { failure: outcome.failure }),
    });
  else console.log(outcomeLines(outcome).join('\n'));
  process.exitCode = outcomeExitCode(expected(outcome));
}

export function registerStopCommand(program: Command): void {
  program
    .command('stop')
    .description(
      'stop a run: its Bedrock job is stopped and the run ends as BedrockJobStopped (StoppedBeforeJob when none existed yet)',
    )
    .argument('<workflow-id>', 'the run, by workflow ID (see `finetune list`)')
    .option('--reason <text>', 'why, recorded on the run and shown by status')
    .option('--wait', 'follow the run until it has ended: exit 0 when it ended stopped, 1 when it ended otherwise')
    .option('--json', 'print one JSON object: { workflowId, phase } (with --wait: and the outcome)')
    .addHelpText(
      'after',
      '\nExamples:\n  finetune stop finetune-kestrel-support-v1 --reason "wrong dataset uploaded"\n  finetune stop finetune-kestrel-support-v1 --wait',
    )
    .action(async (workflowId: string, flags: { reason?: string; wait?: boolean; json?: boolean }) => {
      await withSession(async ({ ft }) => {
        const run = await runningRun(ft, workflowId, 'stop');
        let accepted;
        try {
          accepted = await run.stop(flags.reason);
        } catch (err) {
          // The update's validator refuses a run whose job has ended or that is stopping already.
          if (err instanceof WorkflowUpdateFailedError)
            throw new UsageError(`Nothing to stop: ${err.cause?.message ?? err.message}.`);
          if (err instanceof WorkflowNotFoundError) await runningRun(ft, workflowId, 'stop');
          throw err;
        }
        const started = { workflowId, stopAccepted: true, phase: accepted.phase };
        if (!flags.json)
          console.log(
            [
              `Stop accepted for ${workflowId} (it was in phase ${accepted.phase}).`,
              'The run stops the Bedrock job, waits until Bedrock reports it Stopped, and ends as BedrockJobStopped.',
              ...(flags.wait ? [] : [`Follow it: finetune watch ${workflowId}`]),
            ].join('\n'),
          );
        if (!flags.wait) {
          if (flags.json) printJson(started);
          return;
        }
        await waitForEnding(
          ft,
          run,
          (o) =>
            !o.ok &&
            (o.failure.type === FailureType.BedrockJobStopped || o.failure.type === FailureType.StoppedBeforeJob),
          Boolean(flags.json),
          started,
        );
      });
    });
}
