// The Temporal dev server (`temporal server start-dev`): a whole server in one process with SQLite and
// the Web UI, the design's search attributes registered at start.
import { Connection } from '@temporalio/client';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { searchAttributeFlags } from '../core/search-attributes';
import { startChild, type ManagedChild, type OnSpawn } from './child-process';

export interface TemporalServerOptions {
  binary: string;
  host: string;
  port: number;
  uiPort: number;
  /** Without a UI the server starts faster: tests run headless. */
  headless: boolean;
  /** Folder for the SQLite file; in memory when absent. */
  dataDir?: string;
  /** More SQLite pragmas (`name=value`) for the file, after the defaults below. */
  sqlitePragmas?: string[];
  logFile: string;
  namespace: string;
  onSpawn?: OnSpawn;
}

export async function startTemporalServer(
  options: TemporalServerOptions,
): Promise<{ child: ManagedChild; address: string; uiUrl?: string }> {
  const address = `${options.host}:${options.port}`;
  const args = ['server', 'start-dev', '--ip', options.host, '--port', String(options.port)];
  // The dev server always has `default`; other namespaces are created at start.
  if (options.namespace !== 'default') args.push('--namespace', options.namespace);
  if (options.headless) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort), '--ui-ip', options.host);
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    // WAL with synchronous=normal: about 3x the throughput of the defaults, and it survives a killed
    // server process (not a power cut, which a dev server need not).
    args.push('--db-filename', resolve(join(options.dataDir, 'temporal.sqlite')));
    args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
    for (const pragma of options.sqlitePragmas ?? []) args.push('--sqlite-pragma', pragma);
  }
  for (const flag of searchAttributeFlags()) args.push('--search-attribute', flag);
  // Eager activities (off in the server's defaults): an activity a workflow task schedules goes back to
  // that worker with the task's answer instead of through matching, one round trip less on every step a
  // run takes (measured in docs/BENCHMARKS.md: the handoff of a job slot from 0.34 to 0.23 s at p50).
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');

  const child = await startChild({
    name: 'Temporal dev server',
    command: options.binary,
    args,
    logFile: options.logFile,
    onSpawn: options.onSpawn,
    readyTimeoutMs: 120_000,
    isReady: async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        // Ready means the namespace answers, not just that the port is open.
        await connection.workflowService.describeNamespace({ namespace: options.namespace });
        return true;
      } finally {
        await connection.close();
      }
    },
  });
  return { child, address, uiUrl: options.headless ? undefined : `http://${options.host}:${options.uiPort}` };
}
