// How long a job whose run was terminated keeps training: from `terminate` to the job Stopping, with
// the reconcile schedule the worker keeps (every 15 minutes by default). A local stack of its own and a
// `finetune worker` process (which creates the schedule as it starts); R runs with hours-long jobs,
// each terminated at a random moment within one schedule interval, each job watched until the
// reconciler's stop lands. Prints each delay, their median and maximum, and how long each pass took.
//
//   npm run bench:reconcile                         (R = 3 at the default 15m: about 20 minutes)
//   npm run bench:reconcile -- --runs 6 --every 2m
import { GetModelCustomizationJobCommand } from '@aws-sdk/client-bedrock';
import { Client, Connection } from '@temporalio/client';
import { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAwsClients, destroyAwsClients } from '../src/aws/clients';
import { FineTuneClient, RECONCILE_WORKFLOW_TYPE } from '../src/client';
import { freeStackPorts, startLocalStack } from '../src/stack/local-stack';
import { benchRunRequest } from './bench-run-request';
import { positive } from './orchestrate';

const ms = (text: string): number => {
  const match = /^(\d+)(s|m|h)$/.exec(text);
  if (!match) throw new Error(`--every takes an interval like 15m or 90s; got '${text}'`);
  return Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 's'];
};

async function main(): Promise<void> {
  const flags = new Command('bench:reconcile')
    .option('--runs <r>', 'runs terminated, each at a random moment of one interval', positive(true), 3)
    .option('--every <interval>', 'the reconcile schedule (FINETUNE_RECONCILE_EVERY)', '15m')
    .parse()
    .opts<{ runs: number; every: string }>();
  const everyMs = ms(flags.every);
  const dataDir = mkdtempSync(join(tmpdir(), 'finetune-bench-reconcile-'));
  process.env.FINETUNE_RECONCILE_EVERY = flags.every;
  const stack = await startLocalStack({
    host: '127.0.0.1',
    ...(await freeStackPorts()),
    dataDir,
    worker: true,
    headless: true,
    ephemeral: true,
    simulatorTimeScale: 1,
    taskQueue: 'bench-reconcile',
  });
  const e = stack.endpoints;
  Object.assign(process.env, stack.env);
  const aws = createAwsClients({ region: e.region, bedrockEndpoint: e.bedrockEndpoint, s3Endpoint: e.s3Endpoint });
  const connection = await Connection.connect({ address: e.temporalAddress });
  const client = new Client({ connection, namespace: e.namespace });
  const ft = new FineTuneClient(client, e.taskQueue);
  try {
    const began = Date.now();
    const runs = [];
    for (let i = 0; i < flags.runs; i++) {
      const name = `bench-reconcile-${i}`;
      const request = await benchRunRequest(aws.s3, name, { hours: 6, timeScale: 1 });
      const run = await ft.start(request, { workflowId: name });
      runs.push({ name, run, terminateAt: began + Math.random() * everyMs });
    }
    const delays = await Promise.all(
      runs.map(async ({ name, run, terminateAt }) => {
        let jobArn: string | undefined;
        while (!jobArn) {
          jobArn = (await run.progress()).jobArn;
          if (!jobArn) await sleep(500);
        }
        await sleep(Math.max(0, terminateAt - Date.now()));
        await run.handle.terminate('bench:reconcile');
        const terminatedAt = Date.now();
        for (;;) {
          const job = await aws.bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }));
          if (job.status !== 'InProgress') {
            const seconds = (Date.now() - terminatedAt) / 1000;
            console.log(`${name}: terminated, its job ${job.status} ${seconds.toFixed(1)} s later`);
            return seconds;
          }
          await sleep(2_000);
        }
      }),
    );
    const passes: number[] = [];
    for await (const pass of client.workflow.list({ query: `WorkflowType = '${RECONCILE_WORKFLOW_TYPE}'` })) {
      if (pass.closeTime) passes.push((pass.closeTime.getTime() - pass.startTime.getTime()) / 1000);
    }
    const sorted = [...delays].sort((a, b) => a - b);
    console.log(
      `reconcile: every ${flags.every}, ${delays.length} runs terminated: terminate to job stopped median ${sorted[Math.floor((sorted.length - 1) / 2)].toFixed(1)} s, max ${sorted[sorted.length - 1].toFixed(1)} s (bound: ${everyMs / 1000} s + one pass); passes took ${passes.map((p) => p.toFixed(1)).join(', ')} s`,
    );
  } finally {
    destroyAwsClients(aws);
    await connection.close();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
