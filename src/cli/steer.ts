// Steering a running run from a terminal, as the typed client and the Temporal UI can: `poke` (look at
// the job now), `set-polling` (change the poll intervals) and `cancel` (stop the job, end cancelled).
// A run that has ended is a usage error (exit 2) that says how it ended.
import { InvalidArgumentError, type Command } from 'commander';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { pollingSchema, requestProblems, type PollingOptions } from '../core/request';
import { fields, printJson } from './format';
import { UsageError } from './exit-codes';
import { withSession } from './session';
import { runningRun, waitForEnding } from './stop';

const idArgument = ['<workflow-id>', 'the run, by workflow ID (see `finetune list`)'] as const;

const number = (raw: string): number => {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
};

interface PollingFlags {
  initial?: string;
  max?: string;
  backoff?: number;
  jitter?: number;
  json?: boolean;
}

/** The flags as the `setPolling` update takes them, or a usage error naming each bad value. */
export function pollingOptions(flags: PollingFlags): PollingOptions {
  const options: PollingOptions = {
    ...(flags.initial !== undefined ? { initialInterval: flags.initial } : {}),
    ...(flags.max !== undefined ? { maximumInterval: flags.max } : {}),
    ...(flags.backoff !== undefined ? { backoffCoefficient: flags.backoff } : {}),
    ...(flags.jitter !== undefined ? { jitter: flags.jitter } : {}),
  };
  if (Object.keys(options).length === 0)
    throw new UsageError('Say what to change: --initial, --max, --backoff and/or --jitter.');
  const parsed = pollingSchema.safeParse(options);
  if (!parsed.success) {
    // The request schema's words for these members, said as this command's flags.
    const flags = (text: string) =>
      text
        .replace(/\binitialInterval\b/g, '--initial')
        .replace(/\bmaximumInterval\b/g, '--max')
        .replace(/\bbackoffCoefficient\b/g, '--backoff')
        .replace(/\bjitter\b/g, '--jitter');
    const problems = requestProblems({ orchestration: { polling: options } })
      .filter((p) => p.startsWith('orchestration.polling'))
      .map((p) =>
        flags(p.replace(/^orchestration\.polling(\.(\w+))?: /, (_m, _dot, key?: string) => (key ? `${key}: ` : ''))),
      );
    throw new UsageError(`The polling settings are not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return parsed.data;
}

export function registerSteerCommands(program: Command): void {
  program
    .command('poke')
    .description('make a run look at its Bedrock job now (the `poke` signal; what an EventBridge bridge sends)')
    .argument(...idArgument)
    .option('--json', 'print { workflowId, poked: true } as one JSON object')
    .action(async (workflowId: string, flags: { json?: boolean }) => {
      await withSession(async ({ ft }) => {
        const run = await runningRun(ft, workflowId, 'poke');
        await run.poke();
        if (flags.json) printJson({ workflowId, poked: true });
        else console.log(`Poked ${workflowId}: it looks at its Bedrock job now.`);
      });
    });

  program
    .command('set-polling')
    .description('change how often a run looks at its Bedrock job (the `setPolling` update); the next poll uses it')
    .argument(...idArgument)
    .option('--initial <duration>', "first wait after a change, e.g. '30s'")
    .option('--max <duration>', "longest wait between polls, e.g. '5m'")
    .option('--backoff <factor>', 'each wait is the previous one times this (>= 1)', number)
    .option('--jitter <share>', 'spread each wait by +/- this share (0 to 0.5)', number)
    .option('--json', 'print { workflowId, polling } as one JSON object')
    .addHelpText(
      'after',
      '\nExamples:\n  finetune set-polling finetune-kestrel-support-v1 --initial 10s --max 1m\n  finetune set-polling finetune-kestrel-support-v1 --backoff 1.5 --jitter 0.2',
    )
    .action(async (workflowId: string, flags: PollingFlags) => {
      const options = pollingOptions(flags);
      await withSession(async ({ ft }) => {
        const run = await runningRun(ft, workflowId, 'change');
        const polling = await run.setPolling(options).catch((err: unknown) => {
          if (err instanceof WorkflowUpdateFailedError)
            throw new UsageError(`The run refused the polling settings: ${err.cause?.message ?? err.message}.`);
          throw err;
        });
        if (flags.json) return printJson({ workflowId, polling });
        console.log(
          [
            `Polling of ${workflowId} changed:`,
            ...fields([
              ['first wait', polling.initialInterval],
              ['longest wait', polling.maximumInterval],
              ['backoff', `x${polling.backoffCoefficient}`],
              ['jitter', String(polling.jitter)],
            ]),
          ].join('\n'),
        );
      });
    });

  program
    .command('cancel')
    .description('cancel a run: it stops its Bedrock job, waits until the job has stopped, and ends cancelled')
    .argument(...idArgument)
    .option('--wait', 'follow the run until it has ended: exit 0 when it ended cancelled, 1 when it ended otherwise')
    .option('--json', 'print { workflowId, cancelRequested: true } as one JSON object (with --wait: and the outcome)')
    .addHelpText(
      'after',
      '\n`stop` ends the run as BedrockJobStopped (a failure with a reason); `cancel` is the Temporal cancellation that\nthe Temporal UI and `temporal workflow cancel` send, for callers that treat a cancelled run as such.',
    )
    .action(async (workflowId: string, flags: { wait?: boolean; json?: boolean }) => {
      await withSession(async ({ ft }) => {
        const run = await runningRun(ft, workflowId, 'cancel');
        await run.cancel();
        const started = { workflowId, cancelRequested: true };
        if (!flags.json)
          console.log(
            `Cancel requested for ${workflowId}: the run stops its Bedrock job, waits until it has stopped, and ends cancelled.`,
          );
        if (!flags.wait) {
          if (flags.json) printJson(started);
          return;
        }
        await waitForEnding(ft, run, (o) => !o.ok && o.failure.type === 'Cancelled', Boolean(flags.json), started);
      });
    });
}
