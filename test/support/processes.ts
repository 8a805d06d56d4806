// Which processes are still there: for tests that check a stack left nothing running.
import { readdirSync, readlinkSync } from 'node:fs';

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/** PIDs of processes with a file open under `dir` (every stack child logs into <dir>/logs). */
export function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const fds = readdirSync(`/proc/${entry}/fd`);
      if (fds.some((fd) => readlinkSafe(`/proc/${entry}/fd/${fd}`).startsWith(dir))) pids.push(Number(entry));
    } catch {
      // Gone, or not ours to look at.
    }
  }
  return pids;
}

export { processAlive as alive } from '../../src/host/process-alive';
