// `finetune watch <id>`: a run's phases and progress, live, until it ends; exit 0 when the model is
// ready, 1 when the run failed. On a terminal it redraws one block in place; anywhere else (a pipe, a CI
// log) it appends one line per change. `start --wait` and `demo` follow runs the same way.
import { InvalidArgumentError, type Command } from 'commander';
import type { FineTuneClient, FineTuneRun, RunOutcome } from '../client';
import { failureLines, progressBlock, progressLine, resultLines, timeOfDay, watchLineKey } from './format';
import { withSession } from './session';
import { lookAtRun } from './status';
import { outcomeExitCode } from './exit-codes';

export interface FollowOptions {
  /** Where to draw (stdout by default). */
  out?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Redraw in place; default: when `out` is a terminal. */
  redraw?: boolean;
  intervalMs?: number;
  /** Stops following (the run goes on); followRun then resolves undefined. */
  signal?: AbortSignal;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Shows the run until it closes and returns how it ended. */
export async function followRun(
  ft: FineTuneClient,
  run: FineTuneRun,
  options: FollowOptions = {},
): Promise<RunOutcome | undefined> {
  const out = options.out ?? process.stdout;
  const redraw = options.redraw ?? Boolean(out.isTTY);
  let drawnLines = 0;
  let lastKey: string | undefined;
  for (;;) {
    const view = await lookAtRun(ft, run);
    if (options.signal?.aborted) return undefined;
    const status = view.progress?.workflowStatus ?? view.summary!.status;
    if (redraw) {
      // A pseudo-terminal may report 0 columns: then assume a common width.
      const width = Math.max(20, (out.columns || 120) - 1);
      const lines = (
        view.progress
          ? progressBlock(view.progress, Date.now(), view.promotion)
          : [`${view.summary!.workflowId}  ${status}  phase ${view.summary!.phase ?? '-'}`, `  (${view.unavailable})`]
      ).map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
      // Up to the first line of the previous block, clear to the end of the screen, draw again.
      out.write(`${drawnLines > 0 ? `\x1b[${drawnLines}F\x1b[0J` : ''}${lines.join('\n')}\n`);
      drawnLines = lines.length;
    } else {
      const key = view.progress
        ? watchLineKey(view.progress, view.promotion)
        : `${status}|${view.summary!.phase}|unavailable`;
      if (key !== lastKey) {
        out.write(
          `${view.progress ? progressLine(view.progress, new Date(), view.promotion) : `${timeOfDay()} ${status} phase ${view.summary!.phase ?? '-'} (${view.unavailable})`}\n`,
        );
        lastKey = key;
      }
    }
    if (status !== 'RUNNING') break;
    await pause(options.intervalMs ?? 1000, options.signal);
    if (options.signal?.aborted) return undefined;
  }
  return run.outcome();
}

/** The end of a run as text: the result, or the failure with what it carries. */
export function outcomeLines(outcome: RunOutcome): string[] {
  return outcome.ok ? resultLines(outcome.result) : failureLines(outcome.failure);
}

const seconds = (raw: string): number => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0.2 || n > 3600) throw new InvalidArgumentError('expected seconds from 0.2 to 3600');
  return n;
};

export function registerWatchCommand(program: Command): void {
  program
    .command('watch')
    .description(
      'follow a run live (phases and a progress line) until it ends; exit 0 when it completed, 1 when it failed',
    )
    .argument('<workflow-id>', 'the run, by workflow ID (see `finetune list`)')
    .option('--interval <seconds>', 'how often to look at the run', seconds, 1)
    .addHelpText(
      'after',
      '\nOn a terminal the block is redrawn in place; in a pipe or a log one line is printed per change.\nCtrl-C stops watching; the run goes on.\n\nExample:\n  finetune watch finetune-kestrel-support-v1',
    )
    .action(async (workflowId: string, flags: { interval: number }) => {
      await withSession(async ({ ft, uiUrl }) => {
        const run = ft.run(workflowId);
        const ui = uiUrl(workflowId);
        if (ui) console.log(`ui  ${ui}`);
        const outcome = (await followRun(ft, run, { intervalMs: flags.interval * 1000 }))!;
        console.log(outcomeLines(outcome).join('\n'));
        process.exitCode = outcomeExitCode(outcome.ok);
      });
    });
}
