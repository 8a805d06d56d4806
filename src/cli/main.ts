// The `finetune` CLI. Each command lives in src/cli/<command>.ts and registers itself here; the typed
// client that other services import is src/client.ts. Exit codes: 0 success, 1 the job or validation failed,
// 2 bad usage or input.
import { Command, CommanderError } from 'commander';
import { registerDemoCommand } from './demo';
import { registerDevCommand } from './dev';
import { registerExamplesCommand } from './examples';
import { registerListCommand } from './list';
import { registerScheduleCommand } from './schedule';
import { registerSimulatorCommand } from './simulator';
import { registerStartCommand } from './start';
import { registerStatusCommand } from './status';
import { registerStopCommand } from './stop';
import { registerValidateCommand } from './validate';
import { registerWatchCommand } from './watch';
import { registerWorkerCommand } from './worker';

export function buildProgram(): Command {
  const program = new Command('finetune')
    .description('Durable Amazon Bedrock model customization on Temporal')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerStartCommand(program);
  registerStatusCommand(program);
  registerWatchCommand(program);
  registerStopCommand(program);
  registerListCommand(program);
  registerScheduleCommand(program);
  registerValidateCommand(program);
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
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    throw err;
  }
}
