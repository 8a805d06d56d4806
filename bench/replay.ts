// What a workflow-cache miss costs the worker: a run's next workflow task on a worker that no longer
// holds it replays the run's whole history first. This replays a recorded history K times in one
// replay worker (the same bundle and activation path a cache miss takes) and prints the worker's CPU
// per replay and per history event. With more runs in flight than FINETUNE_MAX_CACHED_WORKFLOWS, each
// of a run's state changes after its first minutes costs about one such replay (docs/OPERATIONS.md).
//
//   npm run bench:replay
//   npm run bench:replay -- --history test/workflows/histories/v4-run-owns-its-job-completed.json --replays 500
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { FINETUNE_BIN } from '../src/stack/local-stack';
import { WORKFLOWS_PATH } from '../src/worker';
import { positive } from './orchestrate';

/** A completed run: preflight, preparation, creation, one poll sequence, metrics (51 events). */
export const DEFAULT_HISTORY = join(
  dirname(dirname(FINETUNE_BIN)),
  'test/workflows/histories/v5-skip-if-unchanged-completed.json',
);

export interface ReplayFigures {
  events: number;
  replays: number;
  /** Worker CPU (user + system) per replay, after a first round that warms the JIT. */
  cpuMsPerReplay: number;
  wallSeconds: number;
}

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

async function replayRound(workflowBundle: WorkflowBundle, history: ReturnType<typeof historyFromJSON>, k: number) {
  async function* histories() {
    for (let i = 0; i < k; i++) yield { workflowId: `replay-${i}`, history };
  }
  const cpu = process.cpuUsage();
  const started = Date.now();
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories())) {
    if (result.error) throw result.error;
  }
  const { user, system } = process.cpuUsage(cpu);
  return { cpuMsPerReplay: (user + system) / 1000 / k, wallSeconds: (Date.now() - started) / 1000 };
}

export async function measureReplay(historyFile: string, replays: number): Promise<ReplayFigures> {
  const history = historyFromJSON(JSON.parse(readFileSync(historyFile, 'utf8')));
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: silent });
  await replayRound(workflowBundle, history, Math.min(replays, 50));
  return { events: history.events?.length ?? 0, replays, ...(await replayRound(workflowBundle, history, replays)) };
}

async function main(): Promise<void> {
  const flags = new Command('bench:replay')
    .option('--history <file>', 'a history as JSON (temporal workflow show --output json)', DEFAULT_HISTORY)
    .option('--replays <k>', 'replays measured', positive(true), 300)
    .parse()
    .opts<{ history: string; replays: number }>();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}); Node ${process.version}; ${new Date().toISOString()}`,
  );
  const f = await measureReplay(flags.history, flags.replays);
  console.log(`history: ${flags.history} (${f.events} events), ${f.replays} replays in ${f.wallSeconds.toFixed(1)} s`);
  console.log(
    `replay: ${f.events} events, ${f.cpuMsPerReplay.toFixed(1)} ms CPU per replay (${((f.cpuMsPerReplay / f.events) * 1000).toFixed(0)} µs per event)`,
  );
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
