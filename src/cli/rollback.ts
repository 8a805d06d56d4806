// `finetune rollback <deployment> --reason TEXT`: an operator's rollback. Points the deployment back at
// the model it served before its last promotion, through the rollBack workflow (durable and recorded),
// and returns once Bedrock says it serves that model again. Nothing to roll back to (no promotion on
// record, or the last one created the deployment) is exit 2; a rollback Bedrock refuses is exit 1.
import type { Command } from 'commander';
import { runFailureOf } from '../client';
import { DEPLOYMENT_NAME } from '../core/promotion';
import { failureLines, fields, printJson } from './format';
import { ExitCode, UsageError } from './exit-codes';
import { withSession } from './session';

export function registerRollbackCommand(program: Command): void {
  program
    .command('rollback')
    .description(
      'point a deployment back at the model it served before its last promotion, and wait until it serves it',
    )
    .argument('<deployment>', 'the deployment (or Provisioned Throughput) name, as promotions name it')
    .requiredOption('--reason <text>', 'why (required), recorded on the rollBack workflow')
    .option('--json', 'print { deployment, workflowId, toModelArn, fromModelArn } as one JSON object')
    .addHelpText(
      'after',
      '\nExample:\n  finetune rollback support-bot --reason "refund answers regressed in production"',
    )
    .action(async (deployment: string, flags: { reason: string; json?: boolean }) => {
      if (!DEPLOYMENT_NAME.test(deployment))
        throw new UsageError(
          `${JSON.stringify(deployment)} is not a deployment name: 1-63 letters and digits, each optionally followed by one - or _.`,
        );
      if (!flags.reason.trim()) throw new UsageError('--reason is empty: say why production is rolled back.');
      await withSession(async ({ ft }) => {
        if (!flags.json) console.log(`Rolling ${deployment} back to the model it served before its last promotion...`);
        let done;
        try {
          done = await ft.promotions.rollBack(deployment, flags.reason.trim());
        } catch (err) {
          const failure = runFailureOf(err);
          if (!failure) throw err;
          if (flags.json) printJson({ deployment, outcome: 'failed', failure });
          else console.log(failureLines(failure).join('\n'));
          process.exitCode = ExitCode.failed;
          return;
        }
        if (flags.json) return printJson({ deployment, ...done });
        console.log(
          [
            `Rolled back: ${deployment} serves ${done.toModelArn} again.`,
            ...fields([
              ['instead of', done.fromModelArn],
              ['workflow', done.workflowId],
            ]),
          ].join('\n'),
        );
      });
    });
}
