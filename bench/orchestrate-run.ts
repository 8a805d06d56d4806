// One measurement of bench:orchestrate: N concurrent fineTune runs against a stack of their own (or a
// given Temporal cluster), W worker processes, the simulator's clock and the polling both scaled by S.
// Each run is a real request through the typed client with its own dataset object in S3; its job lasts
// H simulated hours, H spread log-uniformly over 1-24 h (stratified, shuffled with a fixed seed; another
// range with `jobHours`): the job
// length comes from the reserved job tag `simulator:time-scale`, so the dataset stays small. Waiting
// uses visibility (a count query every few seconds), never one long poll per run. Figures come from the
// runs' histories (server timestamps), the simulator's request log and /proc.
import { ListModelCustomizationJobsCommand } from '@aws-sdk/client-bedrock';
import { Client, Connection } from '@temporalio/client';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createBedrockClient,
  createBedrockRuntimeClient,
  createS3Client,
  destroyAwsClients,
  type AwsClients,
} from '../src/aws/clients';
import { FineTuneClient } from '../src/client';
import { DEFAULT_POLLING, EVENTS_POLLING } from '../src/core/backoff';
import type { FineTuneRequest } from '../src/core/request';
import type { ManagedChild } from '../src/stack/child-process';
import { freeStackPorts, startLocalStack, startWorkerProcess } from '../src/stack/local-stack';
import { LOCAL_S3_CREDENTIALS } from '../src/aws/local-credentials';
import { benchRunRequest } from './bench-run-request';
import { quantiles, type Quantiles } from './quantiles';
import { handoffFigures, queueFigures, tenantOf, type HandoffFigures, type QueueFigures } from './queue-figures';
import { ProcessWatcher, type ProcessFigures } from './process-stats';
import { summariseProfiles, type ThreadProfile } from './cpu-profile';
import { addTaskFigures, scrapeWorkerTasks, type WorkerTaskFigures } from './worker-metrics';
import { freePort } from '../src/stack/ports';
import { runFigures, type RunFigures } from './run-history';

export interface OrchestrateOptions {
  jobs: number;
  workers: number;
  /** Simulated seconds per real second, for the job clock and the polling alike (at most MAX_TIME_SCALE). */
  timeScale: number;
  /** The range of job lengths in simulated hours (default 1-24). */
  jobHours?: { min: number; max: number };
  /** host:port of a Temporal cluster to use instead of a dev server of the run's own. */
  temporalAddress?: string;
  /** Processes of that cluster to measure (name and PID), when the benchmark started it. */
  serverProcesses?: { name: string; pid: number }[];
  /** The dev server's storage: its SQLite file with WAL (as `finetune dev`), or memory. */
  temporalDb: 'file' | 'memory';
  sqlitePragmas: string[];
  /** Starts per burst (all at once, then the next burst). */
  burst: number;
  /**
   * Runs started per second on average (bursts spaced to keep it), or as fast as the server takes them.
   * Triggers in production arrive over time; a 2-core machine gives 5,000 runs their jobs at a few per
   * second, and a burst faster than that only queues their set-up in front of the running jobs' polls.
   */
  startRate?: number;
  keep: boolean;
  /**
   * Bedrock's job quota in the simulator, and the fair queue in the worker (FINETUNE_JOB_QUEUE=on, told
   * the quota as an operator would from Service Quotas). Absent: no quota (every job runs at once).
   */
  quota?: number;
  /** With a quota: runs wait in the fair queue (default), or on their create's own backoff ('timers'). */
  queue?: 'fair' | 'timers';
  /** Fairness keys: run i of N belongs to tenant floor(i x T / N), so the tenants arrive one after another. */
  tenants?: number;
  /** Each tenant's weight (FINETUNE_JOB_QUEUE_WEIGHTS), in tenant order; 1 for those not given. */
  weights?: number[];
  /** Bedrock's job events through the stack's SQS server (default), or polling alone. */
  events?: boolean;
  /** Write the worker's V8 CPU profiles (--cpu-prof) and print where its JavaScript time went. */
  profileWorker?: boolean;
  /** Ctrl-C: stop waiting, stop everything started, remove the folder. */
  signal?: AbortSignal;
  log: (line: string) => void;
}

/**
 * The polling is the defaults divided by S, and a request's polling must keep maximumInterval >= 1 s and
 * initialInterval >= 100 ms (src/core/request.ts): 300 s / 300 = 1 s. Faster also loses fidelity: the
 * poll's own round trip would set the pace (docs/BENCHMARKS.md). With events, the polling is the safety
 * net's (5 min to 1 h), so S may reach 3,600.
 */
export const MAX_TIME_SCALE = 300;
export const MAX_TIME_SCALE_WITH_EVENTS = 3_600;

/** The polling a run of the benchmark asks for: the worker's defaults (with or without events) over S. */
function scaledPolling(events: boolean, S: number) {
  const base = events ? EVENTS_POLLING : DEFAULT_POLLING;
  return {
    // A request's first look may not be sooner than 100 ms (at S = 3,600 the 5 minutes with events are 83 ms).
    initialInterval: ms(Math.max(100, base.initialMs / S)),
    maximumInterval: ms(base.maximumMs / S),
    backoffCoefficient: base.coefficient,
    jitter: base.jitter,
  };
}

export interface OrchestrateFigures {
  jobs: number;
  workers: number;
  timeScale: number;
  jobHoursRange: { min: number; max: number };
  startRate?: number;
  server: string;
  outcomes: Record<string, number>;
  completed: number;
  failed: number;
  unfinished: number;
  jobsCreated: number;
  distinctJobArns: number;
  startToJobCreatedS: Quantiles;
  /** The most jobs in progress in Bedrock at one time. */
  peakJobsInProgress: number;
  detectionLagS: Quantiles;
  /** The quota, the queue and the events, as run. */
  quota?: number;
  queue?: 'fair' | 'timers';
  events: boolean;
  /** CreateModelCustomizationJob requests the simulator served (refused ones included). */
  createCalls: number;
  /** With a quota: utilisation and each tenant's wait and share. */
  queueFigures?: QueueFigures;
  /** With a quota: where the time between a job's end and the next create in its slot goes. */
  handoff?: HandoffFigures;
  /** The polling's maximum interval in real seconds: the lag a run may see by design. */
  maxPollIntervalS: number;
  jobHours: number;
  getCalls: number;
  bedrockCalls: number;
  historyEvents: { mean: number; max: number; total: number };
  processes: ProcessFigures[];
  workerCpuSeconds: number;
  /** The SDK's task counters from the workers' Prometheus endpoints. */
  workerTasks?: WorkerTaskFigures;
  /** With profileWorker: each JavaScript thread's busy time by category, over the measured span. */
  workerProfile?: ThreadProfile[];
  startSeconds: number;
  wallSeconds: number;
}

/** The issue's mix: jobs of 1 to 24 simulated hours. */
export const DEFAULT_JOB_HOURS = { min: 1, max: 24 } as const;

/** A small seeded PRNG (mulberry32): the same mix of job lengths on every run of the benchmark. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** N job lengths in hours, log-uniform over min..max (stratified, so the mix is the same for every N), shuffled. */
export function jobHours(n: number, range: { min: number; max: number } = DEFAULT_JOB_HOURS): number[] {
  const hours = Array.from({ length: n }, (_, k) => range.min * Math.pow(range.max / range.min, (k + 0.5) / n));
  const random = prng(20_260_101);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [hours[i], hours[j]] = [hours[j], hours[i]];
  }
  return hours;
}

/** Runs `work` over `items`, `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i], i);
      }
    }),
  );
}

async function countJobs(aws: AwsClients): Promise<number> {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await aws.bedrock.send(new ListModelCustomizationJobsCommand({ maxResults: 1000, nextToken }));
    count += page.modelCustomizationJobSummaries?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  return count;
}

/** Requests per operation in the simulator's log (one line per request: time method path status operation ...). */
function callsByOperation(logFile: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 6 || !/^\d{3}$/.test(fields[3])) continue;
    calls.set(fields[4], (calls.get(fields[4]) ?? 0) + 1);
  }
  return calls;
}

const ms = (n: number) => `${Math.max(1, Math.round(n))}ms`;

export async function measureOrchestration(o: OrchestrateOptions): Promise<OrchestrateFigures> {
  const S = o.timeScale;
  const events = o.events ?? true;
  const maxScale = events ? MAX_TIME_SCALE_WITH_EVENTS : MAX_TIME_SCALE;
  if (!(S > 0 && S <= maxScale)) {
    throw new RangeError(`the time scale must be above 0 and at most ${maxScale} (got ${S})`);
  }
  const tenants = o.tenants ?? 1;
  const weights = Object.fromEntries((o.weights ?? []).map((w, t) => [`tenant-${t}`, w]));
  const fairQueue = o.quota !== undefined && (o.queue ?? 'fair') === 'fair';
  const tag = `${Date.now().toString(36)}`;
  const queue = `bench-orchestrate-${tag}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'finetune-orchestrate-'));
  const watcher = new ProcessWatcher();
  const workers: ManagedChild[] = [];
  const metricsAddresses: string[] = [];
  const profileDir = (i: number) => join(dataDir, 'profiles', `worker-${i + 1}`);
  const stack = await startLocalStack({
    host: '127.0.0.1',
    ...(await freeStackPorts()),
    dataDir,
    worker: false,
    headless: true,
    ephemeral: o.temporalDb === 'memory',
    sqlitePragmas: o.sqlitePragmas,
    externalTemporalAddress: o.temporalAddress,
    simulatorTimeScale: S,
    // Without a quota every job runs at once.
    simulatorArgs: ['--max-concurrent-jobs', String(o.quota ?? Math.max(10, o.jobs))],
    events,
    taskQueue: queue,
    log: o.log,
  });
  const e = stack.endpoints;
  const local = {
    region: e.region,
    bedrockEndpoint: e.bedrockEndpoint,
    bedrockRuntimeEndpoint: e.bedrockEndpoint,
    s3Endpoint: e.s3Endpoint,
  };
  const aws: AwsClients = {
    bedrock: createBedrockClient(local, LOCAL_S3_CREDENTIALS),
    runtime: createBedrockRuntimeClient(local),
    s3: createS3Client(local, LOCAL_S3_CREDENTIALS),
  };
  const connection = await Connection.connect({ address: e.temporalAddress });
  const client = new Client({ connection, namespace: e.namespace });
  const ft = new FineTuneClient(client, queue);
  let stopped = false;
  const simulatorLog = stack.children.find((c) => c.name === 'Bedrock simulator')!.logFile;
  try {
    for (const child of stack.children) if (child.name !== 'S3 server') watcher.watch(child.name, child.pid);
    for (const p of o.serverProcesses ?? []) watcher.watch(p.name, p.pid);
    for (let i = 0; i < o.workers; i++) {
      metricsAddresses.push(`127.0.0.1:${await freePort()}`);
      const worker = await startWorkerProcess({
        name: `worker ${i + 1}`,
        env: {
          ...stack.env,
          TASK_QUEUE: queue,
          // The SDK's counters (tasks, cache hits and misses), read once the runs have closed.
          FINETUNE_PROMETHEUS_BIND_ADDRESS: metricsAddresses[i],
          ...(fairQueue
            ? {
                FINETUNE_JOB_QUEUE: 'on',
                FINETUNE_JOB_QUEUE_QUOTA: String(o.quota),
                FINETUNE_JOB_QUEUE_WEIGHTS: Object.entries(weights)
                  .map(([k, w]) => `${k}=${w}`)
                  .join(','),
              }
            : // No quota, or the runs waiting on their create's timers: the queue off (it is on by default).
              { FINETUNE_JOB_QUEUE: 'off' }),
        },
        logFile: join(dataDir, 'logs', `worker-${i + 1}.log`),
        // 10 ms samples: a few hundred thousand over the longest run, a cost too small to see.
        nodeArgs: o.profileWorker
          ? ['--cpu-prof', '--cpu-prof-interval=10000', `--cpu-prof-dir=${profileDir(i)}`]
          : undefined,
      });
      workers.push(worker);
      watcher.watch(worker.name, worker.pid, { threads: true });
    }

    const range = o.jobHours ?? DEFAULT_JOB_HOURS;
    const hours = jobHours(o.jobs, range);
    const polling = scaledPolling(events, S);
    o.log(
      `[orchestrate] ${o.jobs} runs of ${range.min}-${range.max} h jobs, ${o.workers} worker(s), time scale ${S}x, polling ${polling.initialInterval}..${polling.maximumInterval}, events ${events ? 'on' : 'off'}, ${o.quota === undefined ? 'no quota' : `quota ${o.quota} (${fairQueue ? 'fair queue' : 'timers'}), ${tenants} tenant(s)`}; uploading ${o.jobs} datasets`,
    );
    const requests: FineTuneRequest[] = [];
    await eachLimited(hours, 32, async (h, i) => {
      requests[i] = await benchRunRequest(aws.s3, `orchestrate-${tag}-${i}`, {
        hours: h,
        timeScale: S,
        polling,
        queueKey: fairQueue ? tenantOf(i, o.jobs, tenants) : undefined,
      });
    });

    watcher.markStart();
    const measuredFromUs = Number(process.hrtime.bigint() / 1000n);
    const started = Date.now();
    for (let from = 0; from < o.jobs; from += o.burst) {
      o.signal?.throwIfAborted();
      if (o.startRate) await sleep(Math.max(0, started + (from / o.startRate) * 1000 - Date.now()));
      await Promise.all(
        requests
          .slice(from, from + o.burst)
          .map((request, k) => ft.start(request, { workflowId: `orchestrate-${tag}-${from + k}` })),
      );
    }
    const startSeconds = (Date.now() - started) / 1000;
    o.log(`[orchestrate] ${o.jobs} runs started in ${startSeconds.toFixed(1)} s`);

    // Wait through visibility. A run lasts at most its job plus its set-up; give the last started twice
    // that, and with a quota the queue's length too (all the job time over Q).
    const realMs = (h: number) => (h * 3600 * 1000) / S;
    const queuedMs = o.quota === undefined ? 0 : hours.reduce((sum, h) => sum + realMs(h), 0) / o.quota;
    const giveUpAt = Date.now() + 2 * (realMs(range.max) + queuedMs) + 10 * 60_000;
    // The runs only: the fair queue's keeper (jobSlots) stays open, idle, on the same task queue.
    const running = `TaskQueue = '${queue}' AND WorkflowType = 'fineTune' AND ExecutionStatus = 'Running'`;
    let lastReport = 0;
    for (;;) {
      o.signal?.throwIfAborted();
      const open = (await client.workflow.count(running)).count;
      if (open === 0) break;
      if (Date.now() > giveUpAt) {
        o.log(`[orchestrate] giving up with ${open} runs still open`);
        break;
      }
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        o.log(`[orchestrate] ${((Date.now() - started) / 1000).toFixed(0)} s: ${open} of ${o.jobs} runs open`);
      }
      await sleep(2_000);
    }
    const wallSeconds = (Date.now() - started) / 1000;
    const processes = watcher.finish();
    const measuredToUs = Number(process.hrtime.bigint() / 1000n);
    const workerTasks = addTaskFigures(
      (await Promise.all(metricsAddresses.map(scrapeWorkerTasks))).filter((f) => f !== undefined),
    );

    o.log(`[orchestrate] all closed after ${wallSeconds.toFixed(0)} s; reading ${o.jobs} histories`);
    const figures: RunFigures[] = [];
    const ids = requests.map((_, i) => `orchestrate-${tag}-${i}`);
    await eachLimited(ids, 16, async (id, i) => {
      figures[i] = runFigures(id, await client.workflow.getHandle(id).fetchHistory());
    });
    const jobsCreated = await countJobs(aws);
    // With --keep, each run's figures beside the logs, for a closer look than the table's.
    if (o.keep) {
      const perRun = figures.map((f, i) => ({ ...f, tenant: tenantOf(i, o.jobs, tenants) }));
      writeFileSync(join(dataDir, 'runs.json'), JSON.stringify(perRun, null, 1));
    }

    const outcomes: Record<string, number> = {};
    for (const f of figures) outcomes[f.outcome] = (outcomes[f.outcome] ?? 0) + 1;
    const completed = outcomes.Completed ?? 0;
    const unfinished = outcomes.Running ?? 0;
    const defined = <T>(xs: (T | undefined)[]) => xs.filter((x): x is T => x !== undefined);
    const jobHoursTotal = defined(figures.map((f) => f.jobMs)).reduce((a, b) => a + b, 0) * (S / 3_600_000);
    const lengths = figures.map((f) => f.events);
    await stopAll();
    // Node writes the profiles as the workers exit.
    const workerProfile = o.profileWorker
      ? workers.flatMap((_, i) => summariseProfiles(profileDir(i), measuredFromUs, measuredToUs))
      : undefined;
    const calls = callsByOperation(simulatorLog);
    return {
      jobs: o.jobs,
      workers: o.workers,
      timeScale: S,
      quota: o.quota,
      queue: o.quota === undefined ? undefined : fairQueue ? 'fair' : 'timers',
      events,
      createCalls: calls.get('CreateModelCustomizationJob') ?? 0,
      queueFigures:
        o.quota === undefined
          ? undefined
          : queueFigures(
              figures.map((f, i) => ({
                tenant: tenantOf(i, o.jobs, tenants),
                startedAt: f.startedAt ?? started,
                job: f.jobSpan,
              })),
              o.quota,
              weights,
            ),
      handoff:
        o.quota === undefined
          ? undefined
          : handoffFigures(
              figures.map((f) => ({ steps: f.steps, job: f.jobSpan })),
              o.quota,
            ),
      jobHoursRange: range,
      startRate: o.startRate,
      server: o.temporalAddress
        ? `cluster ${o.temporalAddress}`
        : `dev server (${o.temporalDb === 'memory' ? 'in memory' : 'SQLite file, WAL'}${o.sqlitePragmas.map((p) => `, ${p}`).join('')})`,
      outcomes,
      completed,
      failed: figures.length - completed - unfinished,
      unfinished,
      jobsCreated,
      distinctJobArns: new Set(figures.map((f) => f.jobArn).filter(Boolean)).size,
      peakJobsInProgress: peakOverlap(defined(figures.map((f) => f.jobSpan))),
      startToJobCreatedS: quantiles(defined(figures.map((f) => f.startToJobCreatedMs)).map((x) => x / 1000)),
      detectionLagS: quantiles(defined(figures.map((f) => f.detectionLagMs)).map((x) => x / 1000)),
      maxPollIntervalS: (events ? EVENTS_POLLING : DEFAULT_POLLING).maximumMs / S / 1000,
      jobHours: jobHoursTotal,
      getCalls: calls.get('GetModelCustomizationJob') ?? 0,
      bedrockCalls: [...calls.values()].reduce((a, b) => a + b, 0),
      historyEvents: {
        mean: lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length),
        max: Math.max(0, ...lengths),
        total: lengths.reduce((a, b) => a + b, 0),
      },
      processes,
      workerCpuSeconds: processes.filter((p) => p.name.startsWith('worker')).reduce((a, p) => a + p.cpuSeconds, 0),
      workerTasks,
      workerProfile,
      startSeconds,
      wallSeconds,
    };
  } finally {
    await stopAll();
    if (o.keep) o.log(`[orchestrate] kept ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }

  async function stopAll(): Promise<void> {
    if (stopped) return;
    stopped = true;
    for (const w of workers) await w.stop(30_000);
    await connection.close().catch(() => undefined);
    destroyAwsClients(aws);
    await stack.stop();
  }
}

/** The most spans open at one instant (a sweep over their starts and ends). */
export function peakOverlap(spans: { from: number; to: number }[]): number {
  const edges = spans.flatMap((s) => [
    [s.from, 1],
    [s.to, -1],
  ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (open += d));
  return peak;
}
