// Where a worker's JavaScript time went, from the V8 CPU profiles Node writes at exit with --cpu-prof
// (one file per thread: the main thread runs activities and the SDK's TypeScript side, the workflow
// threads run the workflows' code and their replays). Self time is summed by what the code belongs to,
// so a rise in CPU per job-hour can be told apart: garbage collection, replaying workflow code,
// protobuf, the AWS SDK, ours. A thread's busy time is wall time it was not idle, so a busy machine
// inflates it: compare shares; the CPU per thread, the SDK's Rust core among them, is bench/thread-cpu.ts's.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  /** Microseconds on the monotonic clock, which on Linux is process.hrtime's in every process. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export type Category =
  | 'garbage collection'
  | 'workflow code'
  | 'Temporal SDK (TypeScript)'
  | 'protobuf'
  | 'AWS SDK'
  | 'ours (activities, consumer)'
  | 'Node internals'
  | 'native and other'
  | 'idle';

export function categoryOf(functionName: string, url: string): Category {
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(idle)') return 'idle';
  if (/workflow-bundle|@temporalio\/workflow\/|\/src\/workflows\//.test(url)) return 'workflow code';
  if (/protobufjs|@temporalio\/proto\/|long\/|@protobufjs/.test(url)) return 'protobuf';
  if (/@temporalio\//.test(url)) return 'Temporal SDK (TypeScript)';
  if (/@aws-sdk\/|@smithy\/|@aws-crypto\//.test(url)) return 'AWS SDK';
  if (/\/(src|dist)\//.test(url) && !url.includes('node_modules')) return 'ours (activities, consumer)';
  if (url.startsWith('node:')) return 'Node internals';
  return 'native and other';
}

export interface ThreadProfile {
  file: string;
  /** Busy seconds (idle left out), and their split by category. */
  busyS: number;
  byCategory: Partial<Record<Category, number>>;
}

/**
 * `fromUs`..`toUs`: only samples in this span (process.hrtime.bigint() / 1000n in the benchmark), the
 * span the process's CPU figure covers, so the worker's start-up (bundling its workflows) is left out.
 */
export function summariseProfile(profile: CpuProfile, file: string, fromUs = 0, toUs = Infinity): ThreadProfile {
  const category = new Map(profile.nodes.map((n) => [n.id, categoryOf(n.callFrame.functionName, n.callFrame.url)]));
  const byCategory: Partial<Record<Category, number>> = {};
  let at = profile.startTime;
  // Each delta is the time since the sample before; it is charged to this sample's frame.
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < fromUs || at > toUs) return;
    const c = category.get(id) ?? 'native and other';
    byCategory[c] = (byCategory[c] ?? 0) + delta / 1e6;
  });
  const busyS = Object.entries(byCategory)
    .filter(([c]) => c !== 'idle')
    .reduce((a, [, s]) => a + s, 0);
  return { file, busyS, byCategory };
}

/** Every profile in a folder, busiest thread first. */
export function summariseProfiles(dir: string, fromUs = 0, toUs = Infinity): ThreadProfile[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return [];
  }
  return files
    .map((f) => summariseProfile(JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile, f, fromUs, toUs))
    .sort((a, b) => b.busyS - a.busyS);
}

/** A table of seconds per category and thread, for the benchmark's output. */
export function profileTable(threads: ThreadProfile[]): string {
  const categories = [...new Set(threads.flatMap((t) => Object.keys(t.byCategory) as Category[]))].filter(
    (c) => c !== 'idle',
  );
  const busy = threads.reduce((a, t) => a + t.busyS, 0);
  const header = `| worker JavaScript time, s | ${threads.map((_, i) => `thread ${i + 1}`).join(' | ')} | all |`;
  const rule = `|---|${threads.map(() => '---').join('|')}|---|`;
  const row = (label: string, cell: (t: ThreadProfile) => number, all: number) =>
    `| ${label} | ${threads.map((t) => cell(t).toFixed(1)).join(' | ')} | ${all.toFixed(1)} |`;
  return [
    header,
    rule,
    row('JavaScript threads, busy', (t) => t.busyS, busy),
    ...categories.map((c) =>
      row(
        `  ${c}`,
        (t) => t.byCategory[c] ?? 0,
        threads.reduce((a, t) => a + (t.byCategory[c] ?? 0), 0),
      ),
    ),
  ].join('\n');
}
