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
import { InvalidRequestError, pollingSchema, type PollingOptions } from '../core/request';

/** --poll-initial and --poll-max as polling options (checked as the request's polling is). */
function pollingOf(flags: { pollInitial?: string; pollMax?: string }): PollingOptions | undefined {
  if (flags.pollInitial === undefined && flags.pollMax === undefined) return undefined;
  const checked = pollingSchema.safeParse({
    ...(flags.pollInitial !== undefined ? { initialInterval: flags.pollInitial } : {}),
    ...(flags.pollMax !== undefined ? { maximumInterval: flags.pollMax } : {}),
  });
  if (!checked.success) {
    throw new InvalidRequestError(
      checked.error.issues.map((i) => `--poll-initial/--poll-max: ${i.message}`),
      'rollback',
    );
  }
  return checked.data;
}

export function registerRollbackCommand(program: Command): void {
  program
    .command('rollback')
    .description(
      'point a deployment back at the model it served before its last promotion, and wait until it serves it',
    )
    .argument('<deployment>', 'the deployment (or Provisioned Throughput) name, as promotions name it')
    .requiredOption('--reason <text>', 'why (required), recorded on the rollBack workflow')
    .option('--poll-initial <duration>', 'first wait before looking at the deployment again (default 30s)')
    .option('--poll-max <duration>', 'longest wait between looks (default 2m)')
    .option('--json', 'print { deployment, workflowId, toModelArn, fromModelArn, alreadyServed } as one JSON object')
    .addHelpText(
      'after',
      '\nExample:\n  finetune rollback support-bot --reason "refund answers regressed in production"',
    )
    .action(
      async (deployment: string, flags: { reason: string; pollInitial?: string; pollMax?: string; json?: boolean }) => {
        if (!DEPLOYMENT_NAME.test(deployment))
          throw new UsageError(
            `${JSON.stringify(deployment)} is not a deployment name: 1-63 letters and digits, each optionally followed by one - or _.`,
          );
        if (!flags.reason.trim()) throw new UsageError('--reason is empty: say why production is rolled back.');
        const polling = pollingOf(flags);
        await withSession(async ({ ft }) => {
          if (!flags.json)
            console.log(`Rolling ${deployment} back to the model it served before its last promotion...`);
          let done;
          try {
            done = await ft.promotions.rollBack(deployment, flags.reason.trim(), polling ? { polling } : {});
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
              done.alreadyServed
                ? `Nothing to roll back: ${deployment} already serves ${done.toModelArn}, the model before its last promotion.`
                : `Rolled back: ${deployment} serves ${done.toModelArn} again.`,
              ...fields([
                ['instead of', done.fromModelArn],
                ['workflow', done.workflowId],
              ]),
            ].join('\n'),
          );
        });
      },
    );
}
