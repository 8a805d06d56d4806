// `finetune stop <id>`: the `stop` update. The run stops the Bedrock job, waits until Bedrock reports it
// Stopped, collects what metrics exist and ends as BedrockJobStopped. A run that has nothing left to stop
// is a usage error (exit 2) with the reason, so scripts can tell "stopped" from "was already over".
import type { Command } from 'commander';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { withSession, UsageError } from './session';

export function registerStopCommand(program: Command): void {
  program
    .command('stop')
    .description('stop a run: its Bedrock job is stopped and the run ends as BedrockJobStopped')
    .argument('<workflow-id>', 'the run, by workflow ID (see `finetune list`)')
    .option('--reason <text>', 'why, recorded on the run and shown by status')
    .addHelpText('after', '\nExample:\n  finetune stop finetune-kestrel-support-v1 --reason "wrong dataset uploaded"')
    .action(async (workflowId: string, flags: { reason?: string }) => {
      await withSession(async ({ ft }) => {
        const run = ft.run(workflowId);
        const before = await run.summary();
        const alreadyOver = () =>
          new UsageError(
            `Nothing to stop: run ${workflowId} has already ended (${before.status.toLowerCase()}, phase ${before.phase ?? 'unknown'}).`,
          );
        if (before.status !== 'RUNNING') throw alreadyOver();
        let accepted;
        try {
          accepted = await run.stop(flags.reason);
        } catch (err) {
          // The update's validator refuses a run whose job has ended or that is stopping already.
          if (err instanceof WorkflowUpdateFailedError)
            throw new UsageError(`Nothing to stop: ${err.cause?.message ?? err.message}.`);
          if (err instanceof WorkflowNotFoundError) throw alreadyOver();
          throw err;
        }
        console.log(
          [
            `Stop accepted for ${workflowId} (it was in phase ${accepted.phase}).`,
            'The run stops the Bedrock job, waits until Bedrock reports it Stopped, and ends as BedrockJobStopped.',
            `Follow it: finetune watch ${workflowId}`,
          ].join('\n'),
        );
      });
    });
}
