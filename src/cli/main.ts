// The `finetune` CLI. Each command lives in src/cli/<command>.ts and registers itself here; the typed
// client that other services import is src/client.ts. Exit codes: 0 success, 1 the job or validation failed,
// 2 bad usage or input.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerApprovalCommands } from './approve';
import { registerCheckCommand } from './check';
import { registerDemoCommand } from './demo';
import { registerDeploymentsCommand } from './deployments';
import { registerDevCommand } from './dev';
import { registerExamplesCommand } from './examples';
import { registerListCommand } from './list';
import { registerPromoteCommand } from './promote';
import { registerReconcileCommand } from './reconcile';
import { registerRetryCommand } from './retry';
import { registerRollbackCommand } from './rollback';
import { registerScheduleCommand } from './schedule';
import { registerSimulatorCommand } from './simulator';
import { registerStartCommand } from './start';
import { registerStatusCommand } from './status';
import { registerSteerCommands } from './steer';
import { registerStopCommand } from './stop';
import { registerValidateCommand } from './validate';
import { registerWatchCommand } from './watch';
import { registerWorkerCommand } from './worker';
import { exitCodeOf } from './exit-codes';

/** bin/finetune.js maps the error that ended a command with it. */
export { exitCodeOf };

/** The package's version, from its package.json (two folders up from src/cli and from dist/cli alike). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('finetune')
    .description('Durable Amazon Bedrock model customization on Temporal')
    .version(packageVersion(), '-V, --version', 'print the version of finetune')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerStartCommand(program);
  registerStatusCommand(program);
  registerWatchCommand(program);
  registerStopCommand(program);
  registerSteerCommands(program);
  registerRetryCommand(program);
  registerReconcileCommand(program);
  registerListCommand(program);
  registerPromoteCommand(program);
  registerApprovalCommands(program);
  registerRollbackCommand(program);
  registerDeploymentsCommand(program);
  registerScheduleCommand(program);
  registerValidateCommand(program);
  registerCheckCommand(program);
  registerWorkerCommand(program);
  registerDevCommand(program);
  registerDemoCommand(program);
  registerExamplesCommand(program);
  registerSimulatorCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      process.exitCode = exitCodeOf(err);
      return;
    }
    throw err;
  }
}
