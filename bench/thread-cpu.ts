// A Node process's CPU split by thread, from /proc/<pid>/task: the worker's main thread (activities, the
// SDK's TypeScript side), its workflow thread (the workflows' code and their replays), the SDK's Rust
// core (tokio and its workflow-processing thread), and V8's helpers (garbage collection's parallel and
// concurrent work, the optimising compiler). Node 20 names none of its own threads, so a thread named
// `node` is told apart by when it was made: V8's helpers start with the process, before the SDK's core
// (loaded with the worker's code); the workflow thread starts after it.
import { readdirSync, readFileSync } from 'node:fs';

export interface ThreadTicks {
  tid: number;
  name: string;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

export function readThreads(pid: number): ThreadTicks[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: ThreadTicks[] = [];
  for (const t of tids) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      out.push({ tid: Number(t), name, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The thread exited between the listing and the read.
    }
  }
  return out;
}

export type ThreadGroup =
  | 'main thread (activities, SDK TypeScript)'
  | 'workflow thread(s)'
  | 'SDK core (Rust)'
  | 'V8 helpers (GC, compiler)'
  | 'CPU profiler'
  | 'other';

/** The SDK core's threads: tokio's, its workflow-processing thread, and its other named ones. */
const isCoreThread = (t: ThreadTicks) => /^(tokio|workflow-proces|temporal)/.test(t.name);

export function groupOf(thread: ThreadTicks, pid: number, firstCoreTid: number): ThreadGroup {
  if (thread.tid === pid) return 'main thread (activities, SDK TypeScript)';
  if (isCoreThread(thread)) return 'SDK core (Rust)';
  if (thread.name.startsWith('v8:Prof')) return 'CPU profiler';
  if (thread.name === 'node') return thread.tid < firstCoreTid ? 'V8 helpers (GC, compiler)' : 'workflow thread(s)';
  return 'other';
}

/** Ticks per group between two readings of the same process's threads (a thread absent at first counts from 0). */
export function ticksByGroup(
  pid: number,
  before: ThreadTicks[],
  after: ThreadTicks[],
): Partial<Record<ThreadGroup, number>> {
  const core = after.filter(isCoreThread).map((t) => t.tid);
  const firstCoreTid = core.length > 0 ? Math.min(...core) : Infinity;
  const was = new Map(before.map((t) => [t.tid, t.ticks]));
  const out: Partial<Record<ThreadGroup, number>> = {};
  for (const t of after) {
    const g = groupOf(t, pid, firstCoreTid);
    out[g] = (out[g] ?? 0) + t.ticks - (was.get(t.tid) ?? 0);
  }
  return out;
}
