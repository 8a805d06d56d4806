// Recording workflow histories for the replay test (test/workflows/replay.unit.test.ts): a test that
// drives a path worth keeping replayable calls `recordHistory` on its run; with
// RECORD_HISTORIES=<version-name> set, the run's history is written as
// test/workflows/histories/<version-name>-<path>.json.
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const HISTORIES_DIR = join(__dirname, '..', 'workflows', 'histories');

export async function recordHistory(handle: Pick<WorkflowHandle, 'fetchHistory'>, path: string): Promise<void> {
  const version = process.env.RECORD_HISTORIES;
  if (!version) return;
  const history = await handle.fetchHistory();
  // Stack traces in failures name this machine's folders (node_modules may live elsewhere); replay
  // never reads them.
  const modules = dirname(realpathSync(join(process.cwd(), 'node_modules')));
  const text = historyToJSON(history).split(process.cwd()).join('<project>').split(modules).join('<project>');
  writeFileSync(join(HISTORIES_DIR, `${version}-${path}.json`), text);
}
