// The figures of bench:orchestrate as one Markdown table (a column per measurement) and the closing line.
import { profileTable } from './cpu-profile';
import type { ThreadGroup } from './thread-cpu';
import type { OrchestrateFigures } from './orchestrate-run';

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');
const f3 = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : '-');
const q = (x: { p50: number; p95: number; max: number }, f = f2) => `${f(x.p50)} / ${f(x.p95)} / ${f(x.max)}`;
const pct = (n: number) => (Number.isFinite(n) ? `${(100 * n).toFixed(1)} %` : '-');

/** Per-tenant rows of the fair queue: each tenant's wait and its share of the slots against its weight. */
function tenantRows(rows: OrchestrateFigures[]): [string, (r: OrchestrateFigures) => string][] {
  const names = [...new Set(rows.flatMap((r) => r.queueFigures?.tenants.map((t) => t.tenant) ?? []))];
  const of = (r: OrchestrateFigures, name: string) => r.queueFigures?.tenants.find((t) => t.tenant === name);
  return names.flatMap((name): [string, (r: OrchestrateFigures) => string][] => [
    [
      `${name}: wait for a slot, s (p50 / p95 / max)`,
      (r) => {
        const t = of(r, name);
        return t ? `${q(t.waitS, f1)} (${t.runs} runs)` : '-';
      },
    ],
    [
      `${name}: share of slots while all wait (weight's share)`,
      (r) => {
        const t = of(r, name);
        return t ? `${pct(t.share)} (${pct(t.weightShare)}, weight ${t.weight})` : '-';
      },
    ],
  ]);
}

/** The handoff between two jobs in a slot, step by step (p50 / p95 / max, seconds). */
const handoffRows: [string, (r: OrchestrateFigures) => string][] = (
  [
    ["  handoff: a job's end to the next create, s", 'gapS'],
    ['    end to the run poked (tick, SQS, consumer)', 'endToPokeS'],
    ['    poked to the end recorded (task, Get)', 'pokeToNoticedS'],
    ['    end recorded to the release sent', 'noticedToReleasedS'],
    ['    latest release to a grant received (keeper)', 'releasedToGrantedS'],
    ['    grant received to the create recorded', 'grantedToCreatedS'],
  ] as const
).map(([label, key]) => [label, (r: OrchestrateFigures) => (r.handoff ? q(r.handoff[key]) : '-')]);

export function table(rows: OrchestrateFigures[]): string {
  const procNames = [...new Set(rows.flatMap((r) => r.processes.map((p) => p.name)))];
  const lines: [string, (r: OrchestrateFigures) => string][] = [
    ['runs (N)', (r) => String(r.jobs)],
    ['worker processes', (r) => String(r.workers)],
    ['Temporal server', (r) => r.server],
    ['time scale', (r) => `${r.timeScale}x`],
    ['job lengths, simulated h', (r) => `${r.jobHoursRange.min}-${r.jobHoursRange.max}`],
    ['starts per second', (r) => (r.startRate ? String(r.startRate) : 'unpaced (bursts as fast as taken)')],
    ['job events', (r) => (r.events ? 'on (SQS)' : 'off (polling alone)')],
    [
      'job quota (Q)',
      (r) =>
        r.quota === undefined
          ? 'none'
          : `${r.quota}, ${r.queue === 'fair' ? 'fair queue' : 'runs on their own timers'}`,
    ],
    ['runs completed', (r) => String(r.completed)],
    [
      'runs failed',
      (r) =>
        `${r.failed}${
          r.failed > 0
            ? ` (${Object.entries(r.outcomes)
                .filter(([k]) => k !== 'Completed' && k !== 'Running')
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')})`
            : ''
        }`,
    ],
    ['runs unfinished', (r) => String(r.unfinished)],
    ['jobs created (must equal N)', (r) => `${r.jobsCreated} (${r.distinctJobArns} distinct in results)`],
    ['jobs in progress at once, peak', (r) => String(r.peakJobsInProgress)],
    ['create calls per job', (r) => f2(r.createCalls / Math.max(1, r.jobsCreated))],
    [
      'slot utilisation (busy slot-time / Q x makespan)',
      (r) => (r.queueFigures ? pct(r.queueFigures.utilisation) : '-'),
    ],
    ...handoffRows,
    ['makespan, s (first start to last job end)', (r) => (r.queueFigures ? f1(r.queueFigures.makespanS) : '-')],
    ['  all tenants waiting for, s', (r) => (r.queueFigures ? f1(r.queueFigures.contendedS) : '-')],
    ...tenantRows(rows),
    ['start to job created, s (p50 / p95 / max)', (r) => q(r.startToJobCreatedS)],
    ['detection lag, s (p50 / p95 / max)', (r) => q(r.detectionLagS)],
    ['  bound: max poll interval + 5 s', (r) => f1(r.maxPollIntervalS + 5)],
    ['simulated job-hours', (r) => f1(r.jobHours)],
    ['Bedrock Get calls per job-hour', (r) => f2(r.getCalls / r.jobHours)],
    ['Bedrock calls, all operations', (r) => String(r.bedrockCalls)],
    ['history events per run (mean / max)', (r) => `${f1(r.historyEvents.mean)} / ${r.historyEvents.max}`],
    ['history events per job-hour', (r) => f2(r.historyEvents.total / r.jobHours)],
    ['worker CPU s per job-hour (all workers)', (r) => f3(r.workerCpuSeconds / r.jobHours)],
    ...taskRows,
    ...procNames.flatMap((name): [string, (r: OrchestrateFigures) => string][] => [
      [`${name}: CPU s`, (r) => f1(r.processes.find((p) => p.name === name)?.cpuSeconds ?? NaN)],
      [
        `${name}: peak RSS MB (seen at s)`,
        (r) => {
          const p = r.processes.find((x) => x.name === name);
          return p ? `${f1(p.peakRssMb)} (${p.peakAtSeconds.toFixed(0)})` : '-';
        },
      ],
      [`${name}: RSS at the end, MB`, (r) => f1(r.processes.find((p) => p.name === name)?.endRssMb ?? NaN)],
    ]),
    ['starting all runs, s', (r) => f1(r.startSeconds)],
    ['wall time (first start to last close), s', (r) => f1(r.wallSeconds)],
  ];
  const header = `| | ${rows.map((r) => `N = ${r.jobs}`).join(' | ')} |`;
  const rule = `|---|${rows.map(() => '---').join('|')}|`;
  return [header, rule, ...lines.map(([label, cell]) => `| ${label} | ${rows.map(cell).join(' | ')} |`)].join('\n');
}

const THREAD_GROUPS: ThreadGroup[] = [
  'main thread (activities, SDK TypeScript)',
  'workflow thread(s)',
  'SDK core (Rust)',
  'V8 helpers (GC, compiler)',
  'CPU profiler',
  'other',
];

const perRun = (r: OrchestrateFigures, n: number) => f2(n / r.jobs);

/** The SDK's counters and the worker's threads: whether a rise is more tasks, more replays or dearer tasks. */
const taskRows: [string, (r: OrchestrateFigures) => string][] = [
  ['workflow tasks per run', (r) => (r.workerTasks ? perRun(r, r.workerTasks.workflowTasks) : '-')],
  [
    '  sticky, run cached / sticky, run not cached (replayed) / whole history sent',
    (r) => {
      const t = r.workerTasks;
      if (!t) return '-';
      const whole = t.workflowTasks - t.cacheHits - t.cacheMisses;
      return `${perRun(r, t.cacheHits)} / ${perRun(r, t.cacheMisses)} / ${perRun(r, whole)}`;
    },
  ],
  [
    '  mean task, ms (poll to completion)',
    (r) => (r.workerTasks ? f2(r.workerTasks.taskMs / Math.max(1, r.workerTasks.workflowTasks)) : '-'),
  ],
  ['activity tasks per run', (r) => (r.workerTasks ? perRun(r, r.workerTasks.activityTasks) : '-')],
  ...THREAD_GROUPS.map((g): [string, (r: OrchestrateFigures) => string] => [
    `  worker CPU s per job-hour: ${g}`,
    (r) =>
      f3(
        r.processes.filter((p) => p.name.startsWith('worker')).reduce((a, p) => a + (p.threadCpuSeconds?.[g] ?? 0), 0) /
          r.jobHours,
      ),
  ]),
];

/** With --profile-worker: each worker thread's JavaScript time by what the code belongs to. */
export function profileTables(rows: OrchestrateFigures[]): string[] {
  return rows
    .filter((r) => r.workerProfile && r.workerProfile.length > 0)
    .map((r) => `N = ${r.jobs}, ${f1(r.jobHours)} job-hours:\n${profileTable(r.workerProfile!)}`);
}

export function finalLine(r: OrchestrateFigures): string {
  const workerRss = Math.max(...r.processes.filter((p) => p.name.startsWith('worker')).map((p) => p.peakRssMb));
  const queue = r.queueFigures
    ? `, utilisation ${pct(r.queueFigures.utilisation)}, ${f2(r.createCalls / Math.max(1, r.jobsCreated))} creates per job`
    : '';
  return `orchestrate: ${r.completed}/${r.jobs} completed, ${r.jobsCreated} jobs, worker peak RSS ${workerRss.toFixed(0)} MB, detection lag p95 ${r.detectionLagS.p95.toFixed(2)} s${queue}`;
}
