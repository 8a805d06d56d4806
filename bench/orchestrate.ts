// Many concurrent fine-tunes on one machine, and the same against a Temporal cluster: see
// orchestrate-run.ts for what one measurement does. Several --jobs values give one table, one column
// each, measured one after the other on fresh stacks.
//
//   npm run bench:orchestrate -- --jobs 200
//   npm run bench:orchestrate -- --jobs 100,1000,5000        (the scaling curve: S = 300, 30, 6)
//   npm run bench:orchestrate -- --jobs 5000 --start-rate 4 --burst 20      (starts spread over 21 min)
//   npm run bench:orchestrate -- --jobs 1000 --workers 2
//   npm run bench:orchestrate -- --jobs 1000 --temporal-server postgres     (bench/temporal-cluster.ts)
//   npm run bench:orchestrate -- --jobs 1000 --temporal my-cluster:7233     (a cluster of your own)
//   npm run bench:orchestrate -- --jobs 2000 --quota 10 --tenants 3 --weights 2,1,1 --events on \
//     --time-scale 3600 --hours 4-8                       (the fair queue for Bedrock's job quota)
//   npm run bench:orchestrate -- --jobs 200 --quota 10 --queue timers --events off --time-scale 300 \
//     --hours 0.3-0.6                               (the same quota, runs waiting on their own timers)
//
// Worker settings come from the environment as for `finetune worker` (FINETUNE_MAX_CACHED_WORKFLOWS, ...).
import { Command, InvalidArgumentError, Option } from 'commander';
import { cpus, totalmem } from 'node:os';
import { loadWorkerSettings } from '../src/config';
import { finalLine, profileTables, table } from './orchestrate-report';
import {
  DEFAULT_JOB_HOURS,
  MAX_TIME_SCALE,
  MAX_TIME_SCALE_WITH_EVENTS,
  measureOrchestration,
  type OrchestrateFigures,
} from './orchestrate-run';
import { startTemporalCluster, type TemporalCluster } from './temporal-cluster';

/** A commander parser for a positive number (an integer when `integer`). */
export const positive = (integer: boolean) => (raw: string) => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new InvalidArgumentError(`expected a positive ${integer ? 'integer' : 'number'}`);
  }
  return n;
};

const jobList = (raw: string) => raw.split(',').map((x) => positive(true)(x.trim()));

/**
 * The time scale when none is given. The polling load grows with N x S (about N x S / 300 Bedrock calls
 * per second at the default polling, each a poll activity); measured on 2 cores, a job-hour costs about
 * 0.14 CPU seconds in all (worker, dev server, simulator), so S = 30,000 / N keeps the load of the first
 * hour, when every job is running, near one core. At most 300: beyond that the polls' own round trip,
 * not the backoff, sets their pace and the calls per job-hour are no longer the real ones.
 */
export function defaultTimeScale(jobs: number): number {
  return Math.min(MAX_TIME_SCALE, Math.max(1, Math.round(30_000 / jobs)));
}

const timeScale = (raw: string) => {
  const n = positive(false)(raw);
  if (n > MAX_TIME_SCALE_WITH_EVENTS) {
    throw new InvalidArgumentError(
      `at most ${MAX_TIME_SCALE_WITH_EVENTS} with events, ${MAX_TIME_SCALE} without: the polling (defaults / S) must keep a maximum interval of at least 1 s`,
    );
  }
  return n;
};

const weightList = (raw: string) => raw.split(',').map((x) => positive(false)(x.trim()));

const hourRange = (raw: string) => {
  const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(raw.trim());
  const [min, max] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(min > 0 && max >= min)) throw new InvalidArgumentError('expected MIN-MAX hours, like 1-24');
  return { min, max };
};

async function main(): Promise<void> {
  const program = new Command('bench:orchestrate')
    .requiredOption('--jobs <n[,n...]>', 'concurrent runs; a list measures each in turn', jobList)
    .option('--workers <w>', 'worker processes', positive(true), 1)
    .option('--time-scale <s>', 'simulated seconds per real second (default 30,000 / N, at most 300)', timeScale)
    .option('--hours <min-max>', 'job lengths, simulated hours, log-uniform', hourRange, { ...DEFAULT_JOB_HOURS })
    .option('--temporal <address>', 'use this Temporal cluster (namespace default, search attributes registered)')
    .addOption(
      new Option('--temporal-server <kind>', 'start a server: the dev server, or the production shape on PostgreSQL')
        .choices(['dev', 'postgres'])
        .default('dev'),
    )
    .addOption(
      new Option('--temporal-db <where>', 'the dev server storage').choices(['file', 'memory']).default('file'),
    )
    .option(
      '--sqlite-pragma <name=value>',
      'another SQLite pragma for the dev server (repeatable)',
      (v, all: string[]) => [...all, v],
      [],
    )
    .option('--burst <b>', 'starts sent at once', positive(true), 100)
    .option('--start-rate <r>', 'runs started per second on average (default: as fast as taken)', positive(false))
    .option('--keep', 'keep the stack data folder (logs) after the run', false)
    .option('--profile-worker', "profile the worker (V8's --cpu-prof) and print where its JavaScript time went", false)
    .option(
      '--quota <q>',
      "Bedrock's concurrent-job quota in the simulator, and the worker's fair queue for it",
      positive(true),
    )
    .addOption(
      new Option('--queue <how>', 'with --quota: runs wait in the fair queue, or on their own create timers')
        .choices(['fair', 'timers'])
        .default('fair'),
    )
    .option(
      '--tenants <t>',
      'fairness keys; the runs are split into T blocks, one per tenant, in start order',
      positive(true),
      1,
    )
    .option('--weights <w,...>', "each tenant's weight in the fair queue (1 for those not given)", weightList)
    .addOption(
      new Option('--events <on|off>', "Bedrock's job events through SQS, or polling alone")
        .choices(['on', 'off'])
        .default('on'),
    )
    .parse();
  const flags = program.opts<{
    jobs: number[];
    workers: number;
    timeScale?: number;
    hours: { min: number; max: number };
    temporal?: string;
    temporalServer: 'dev' | 'postgres';
    temporalDb: 'file' | 'memory';
    sqlitePragma: string[];
    burst: number;
    startRate?: number;
    keep: boolean;
    profileWorker: boolean;
    quota?: number;
    queue: 'fair' | 'timers';
    tenants: number;
    weights?: number[];
    events: 'on' | 'off';
  }>();
  if (flags.events === 'off' && flags.timeScale !== undefined && flags.timeScale > MAX_TIME_SCALE) {
    program.error(
      `error: --time-scale is at most ${MAX_TIME_SCALE} with --events off (the polling's cap over S must stay at least 1 s)`,
    );
  }
  if (flags.quota === undefined && (flags.tenants > 1 || flags.weights)) {
    program.error('error: --tenants and --weights need --quota (tenants share the quota through the fair queue)');
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const settings = loadWorkerSettings();
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB; Node ${process.version}; ${new Date().toISOString()}`,
  );
  console.log(
    `worker settings: cache ${settings.maxCachedWorkflows} workflows, ${settings.maxConcurrentActivities} activities and ${settings.maxConcurrentWorkflowTasks} workflow tasks at once, ${settings.activityTaskPollers}/${settings.workflowTaskPollers} activity/workflow pollers, sticky timeout ${settings.stickyQueueTimeoutMs / 1000} s`,
  );
  const interrupted = new AbortController();
  process.once('SIGINT', () => {
    log('[orchestrate] interrupted: stopping what was started');
    interrupted.abort(new Error('interrupted'));
  });
  const rows: OrchestrateFigures[] = [];
  for (const jobs of flags.jobs) {
    let cluster: TemporalCluster | undefined;
    try {
      if (!flags.temporal && flags.temporalServer === 'postgres') cluster = await startTemporalCluster({ log });
      rows.push(
        await measureOrchestration({
          jobs,
          workers: flags.workers,
          timeScale: flags.timeScale ?? defaultTimeScale(jobs),
          jobHours: flags.hours,
          temporalAddress: flags.temporal ?? cluster?.address,
          serverProcesses: cluster?.processes,
          temporalDb: flags.temporalDb,
          sqlitePragmas: flags.sqlitePragma,
          burst: flags.burst,
          startRate: flags.startRate,
          keep: flags.keep,
          profileWorker: flags.profileWorker,
          quota: flags.quota,
          queue: flags.queue,
          tenants: flags.tenants,
          weights: flags.weights,
          events: flags.events === 'on',
          signal: interrupted.signal,
          log,
        }),
      );
    } finally {
      await cluster?.stop();
    }
  }
  console.log(table(rows));
  for (const t of profileTables(rows)) console.log(`\n${t}\n`);
  for (const r of rows) console.log(finalLine(r));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
