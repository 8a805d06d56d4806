// What the worker's workflow cache costs in memory: N runs started and parked in their job's training
// (1-hour jobs at real time, polled at the defaults), one worker per cache size, its resident memory
// idle and once every run has reached `training` and 20 s have passed. The difference between cache
// sizes over N is the memory of one cached run.
//
//   npm run bench:worker-cache -- --runs 1000 --cache 1000,10
import { Client, Connection } from '@temporalio/client';
import { Command, InvalidArgumentError } from 'commander';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createS3Client } from '../src/aws/clients';
import { FineTuneClient } from '../src/client';
import type { ManagedChild } from '../src/stack/child-process';
import { freeStackPorts, startLocalStack, startWorkerProcess, type RunningStack } from '../src/stack/local-stack';
import { LOCAL_S3_CREDENTIALS } from '../src/aws/local-credentials';
import { benchRunRequest } from './bench-run-request';

const rssMb = (pid: number) =>
  Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function measure(runs: number, cache: number): Promise<{ idleMb: number; parkedMb: number; seconds: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'finetune-worker-cache-'));
  const queue = `bench-worker-cache-${Date.now().toString(36)}`;
  let stack: RunningStack | undefined;
  let worker: ManagedChild | undefined;
  let connection: Connection | undefined;
  try {
    stack = await startLocalStack({
      host: '127.0.0.1',
      ...(await freeStackPorts()),
      dataDir,
      worker: false,
      headless: true,
      ephemeral: true,
      simulatorTimeScale: 1,
      simulatorArgs: ['--max-concurrent-jobs', String(Math.max(10, runs))],
      taskQueue: queue,
      log: () => undefined,
    });
    worker = await startWorkerProcess({
      // Every run parked in training at once, past any quota: no fair queue (it is on by default).
      env: { ...stack.env, TASK_QUEUE: queue, FINETUNE_MAX_CACHED_WORKFLOWS: String(cache), FINETUNE_JOB_QUEUE: 'off' },
      logFile: join(dataDir, 'worker.log'),
    });
    const e = stack.endpoints;
    const s3 = createS3Client({ region: e.region, s3Endpoint: e.s3Endpoint }, LOCAL_S3_CREDENTIALS);
    connection = await Connection.connect({ address: e.temporalAddress });
    const client = new Client({ connection, namespace: e.namespace });
    const ft = new FineTuneClient(client, queue);
    const idleMb = rssMb(worker.pid);
    const started = Date.now();
    for (let from = 0; from < runs; from += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, runs - from) }, async (_, k) => {
          const name = `${queue}-${from + k}`;
          await ft.start(await benchRunRequest(s3, name, { hours: 1, timeScale: 1 }), { workflowId: name });
        }),
      );
    }
    const parked = `TaskQueue = '${queue}' AND FineTunePhase = 'training'`;
    while ((await client.workflow.count(parked)).count < runs) await sleep(2_000);
    await sleep(20_000);
    s3.destroy();
    return { idleMb, parkedMb: rssMb(worker.pid), seconds: (Date.now() - started) / 1000 };
  } finally {
    await connection?.close();
    await worker?.stop();
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const positive = (raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 2) throw new InvalidArgumentError('expected an integer of at least 2');
    return n;
  };
  const flags = new Command('bench:worker-cache')
    .option('--runs <n>', 'runs parked at once', positive, 1000)
    .option(
      '--cache <c[,c...]>',
      'FINETUNE_MAX_CACHED_WORKFLOWS values to compare',
      (v) => v.split(',').map(positive),
      [1000, 10],
    )
    .parse()
    .opts<{ runs: number; cache: number[] }>();
  console.log(`Node ${process.version}; ${flags.runs} runs parked in training; ${new Date().toISOString()}`);
  console.log('| cache | worker RSS idle, MB | worker RSS with every run parked, MB | all parked after, s |');
  console.log('|---|---|---|---|');
  const rows: { cache: number; parkedMb: number }[] = [];
  for (const cache of flags.cache) {
    const m = await measure(flags.runs, cache);
    rows.push({ cache, parkedMb: m.parkedMb });
    console.log(`| ${cache} | ${m.idleMb.toFixed(0)} | ${m.parkedMb.toFixed(0)} | ${m.seconds.toFixed(0)} |`);
  }
  const largest = rows.reduce((x, y) => (y.cache > x.cache ? y : x));
  const smallest = rows.reduce((x, y) => (y.cache < x.cache ? y : x));
  const cached = Math.min(largest.cache, flags.runs) - Math.min(smallest.cache, flags.runs);
  if (cached > 0) {
    const kb = ((largest.parkedMb - smallest.parkedMb) / cached) * 1024;
    console.log(`memory per cached run (cache ${smallest.cache} to ${largest.cache}): ${kb.toFixed(0)} KB`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
