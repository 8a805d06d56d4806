// CPU time and peak memory of the processes a benchmark runs, read from Linux's /proc. A watched process
// counts with its descendants (PostgreSQL is a postmaster and one backend per connection). Memory: for a
// single process the kernel's high-water mark of resident memory (VmHWM); for a tree the largest sum of
// proportional set sizes (Pss, shared pages split between their users, so PostgreSQL's shared buffers
// count once) seen by sampling. CPU: user + system time of the live tree plus what its exited children
// were charged with (cutime + cstime).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readThreads, ticksByGroup, type ThreadGroup, type ThreadTicks } from './thread-cpu';

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, in ticks. */
  ownTicks: number;
  /** cutime + cstime: children that have exited and were waited for. */
  childTicks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: the fields after it start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      pid,
      ppid: Number(fields[1]),
      ownTicks: Number(fields[11]) + Number(fields[12]),
      childTicks: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return undefined; // gone
  }
}

function fieldKb(file: string, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function allStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) out.push(stat);
  }
  return out;
}

function tree(root: number, stats: ProcStat[]): ProcStat[] {
  const byParent = new Map<number, ProcStat[]>();
  for (const s of stats) byParent.set(s.ppid, [...(byParent.get(s.ppid) ?? []), s]);
  const rootStat = stats.find((s) => s.pid === root);
  if (!rootStat) return [];
  const out = [rootStat];
  for (let i = 0; i < out.length; i++) out.push(...(byParent.get(out[i].pid) ?? []));
  return out;
}

export interface ProcessFigures {
  name: string;
  /** CPU time since `markStart()` (start-up, such as the worker bundling its workflows, excluded). */
  cpuSeconds: number;
  /** Start-up included. */
  peakRssMb: number;
  /** At the end of the run (VmRSS, or the tree's Pss): below the peak when the heap was given back. */
  endRssMb: number;
  /** When the largest sampled resident size was seen, in seconds after `markStart()` (negative: before). */
  peakAtSeconds: number;
  /** A worker's CPU since `markStart()` by thread (bench/thread-cpu.ts); absent for other processes. */
  threadCpuSeconds?: Partial<Record<ThreadGroup, number>>;
}

interface Watched {
  name: string;
  pid: number;
  peakKb: number;
  lastKb: number;
  sampledPeakKb: number;
  sampledPeakAt: number;
  cpuTicks: number;
  baselineTicks: number;
  byThread: boolean;
  /** With byThread: the process's threads, at `markStart()` and at the last reading. */
  threadsAtStart: ThreadTicks[];
  threads: ThreadTicks[];
}

/** Samples the watched processes every `intervalMs` until `finish()`, which reads them a last time. */
export class ProcessWatcher {
  private readonly watched: Watched[] = [];
  private readonly timer: NodeJS.Timeout;
  private startedAt = Date.now();

  constructor(intervalMs = 2_000) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** `threads`: a worker (Node with the Temporal SDK), whose CPU is also split by thread (bench/thread-cpu.ts). */
  watch(name: string, pid: number, options: { threads?: boolean } = {}): void {
    this.watched.push({
      name,
      pid,
      byThread: options.threads === true,
      peakKb: 0,
      lastKb: 0,
      sampledPeakKb: 0,
      sampledPeakAt: Date.now(),
      cpuTicks: 0,
      baselineTicks: 0,
      threadsAtStart: [],
      threads: [],
    });
    this.sample();
  }

  /** CPU counts from here on. */
  markStart(): void {
    this.startedAt = Date.now();
    this.sample();
    for (const w of this.watched) {
      w.baselineTicks = w.cpuTicks;
      w.threadsAtStart = w.threads;
    }
  }

  private sample(): void {
    if (this.watched.length === 0) return;
    const stats = allStats();
    for (const w of this.watched) {
      const members = tree(w.pid, stats);
      if (members.length === 0) continue; // exited: keep the last reading
      if (w.byThread) {
        // Threads that exit take their CPU with them: the last reading of each is kept.
        const now = new Map(readThreads(w.pid).map((t) => [t.tid, t]));
        w.threads = [...w.threads.filter((t) => !now.has(t.tid)), ...now.values()];
      }
      if (members.length === 1) {
        w.lastKb = fieldKb(`/proc/${w.pid}/status`, 'VmRSS');
        w.peakKb = Math.max(w.peakKb, fieldKb(`/proc/${w.pid}/status`, 'VmHWM'));
      } else {
        w.lastKb = members.reduce((sum, m) => sum + fieldKb(`/proc/${m.pid}/smaps_rollup`, 'Pss'), 0);
        w.peakKb = Math.max(w.peakKb, w.lastKb);
      }
      if (w.lastKb > w.sampledPeakKb) {
        w.sampledPeakKb = w.lastKb;
        w.sampledPeakAt = Date.now();
      }
      w.cpuTicks = members.reduce((sum, m) => sum + m.ownTicks, members[0].childTicks);
    }
  }

  /** The figures so far (call before the processes are stopped). */
  finish(): ProcessFigures[] {
    this.sample();
    clearInterval(this.timer);
    return this.watched.map((w) => ({
      name: w.name,
      cpuSeconds: (w.cpuTicks - w.baselineTicks) / TICKS_PER_SECOND,
      peakRssMb: w.peakKb / 1024,
      endRssMb: w.lastKb / 1024,
      peakAtSeconds: (w.sampledPeakAt - this.startedAt) / 1000,
      ...(w.threads.length > 0
        ? {
            threadCpuSeconds: Object.fromEntries(
              Object.entries(ticksByGroup(w.pid, w.threadsAtStart, w.threads)).map(([g, t]) => [
                g,
                t / TICKS_PER_SECOND,
              ]),
            ),
          }
        : {}),
    }));
  }
}
