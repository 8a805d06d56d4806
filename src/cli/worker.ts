import type { Command } from 'commander';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the worker (same as `npm start`): configured by TEMPORAL_*, AWS_* and TASK_QUEUE')
    .action(async () => {
      const { runWorker } = await import('../worker');
      await runWorker();
    });
}
