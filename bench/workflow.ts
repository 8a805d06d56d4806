// Figures of the fineTune workflow on a local stack of its own (Temporal dev server, S3, simulator):
//   1. history events of a ~1-hour and a ~24-hour simulated job at the default polling,
//   2. Bedrock GetModelCustomizationJob calls per job-hour at the default polling,
//   3. detection lag after a `poke` (job already ended, next poll far away).
// The clock is scaled: the simulator runs the job SCALE times faster and the polling intervals are the
// defaults divided by SCALE, so polls per simulated hour are those of the defaults in real time.
//   npm run bench:workflow            (SCALE=300 by default: about 6 minutes)
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FineTuneClient } from '../src/client';
import { createAwsClients, destroyAwsClients } from '../src/aws/clients';
import { DEFAULT_POLLING } from '../src/core/backoff';
import type { FineTuneRequest } from '../src/core/request';
import { freeStackPorts, startLocalStack } from '../src/stack/local-stack';
import { createFineTuneWorker } from '../src/worker';

const SCALE = Number(process.env.SCALE ?? 300);
const ms = (n: number) => `${Math.max(1, Math.round(n))}ms`;

function conversation(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(
      JSON.stringify({
        schemaVersion: 'bedrock-conversation-2024',
        messages: [
          { role: 'user', content: [{ text: `question ${i}` }] },
          { role: 'assistant', content: [{ text: `answer ${i}` }] },
        ],
      }),
    );
  }
  return lines.join('\n') + '\n';
}

/** Simulated job length in hours for Nova Micro with `records` and `epochs` (see src/simulator/lifecycle.ts). */
const simulatedHours = (records: number, epochs: number) =>
  (300 + 60 + 0.24 * records + 300 + 1.35 * records * epochs) / 3600;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dataDir = mkdtempSync(join(tmpdir(), 'finetune-bench-'));
  const stack = await startLocalStack({
    host: '127.0.0.1',
    ...(await freeStackPorts()),
    dataDir,
    worker: false,
    headless: true,
    ephemeral: true,
    simulatorTimeScale: SCALE,
    taskQueue: 'bench',
  });
  const e = stack.endpoints;
  Object.assign(process.env, stack.env); // the local stack's credentials for the default chain
  const aws = createAwsClients({ region: e.region, bedrockEndpoint: e.bedrockEndpoint, s3Endpoint: e.s3Endpoint });
  const connection = await Connection.connect({ address: e.temporalAddress });
  const native = await NativeConnection.connect({ address: e.temporalAddress });
  const worker = await createFineTuneWorker({
    connection: native,
    namespace: e.namespace,
    taskQueue: 'bench',
    deps: {
      ...aws,
      temporal: new Client({ connection: native, namespace: e.namespace }),
      scope: { namespace: e.namespace, installation: e.temporalAddress },
    },
  });
  const running = worker.run();
  const ft = new FineTuneClient(new Client({ connection, namespace: e.namespace }), 'bench');

  const request = async (
    name: string,
    records: number,
    epochs: number,
    polling: FineTuneRequest['orchestration'],
  ): Promise<FineTuneRequest> => {
    await aws.s3.send(
      new PutObjectCommand({ Bucket: 'finetune-datasets', Key: `bench/${name}.jsonl`, Body: conversation(records) }),
    );
    return {
      customModelName: `${name}-model`,
      roleArn: 'arn:aws:iam::123456789012:role/BedrockFineTuning',
      baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
      customizationType: 'FINE_TUNING',
      trainingDataConfig: { s3Uri: `s3://finetune-datasets/bench/${name}.jsonl` },
      outputDataConfig: { s3Uri: `s3://finetune-outputs/bench/${name}/` },
      hyperParameters: { epochCount: String(epochs) },
      orchestration: polling,
    };
  };
  const scaledDefaults = {
    polling: {
      initialInterval: ms(DEFAULT_POLLING.initialMs / SCALE),
      maximumInterval: ms(DEFAULT_POLLING.maximumMs / SCALE),
      backoffCoefficient: DEFAULT_POLLING.coefficient,
      jitter: DEFAULT_POLLING.jitter,
    },
  };

  try {
    console.log(
      `time scale ${SCALE}x; polling = defaults / ${SCALE} (${scaledDefaults.polling.initialInterval} .. ${scaledDefaults.polling.maximumInterval})`,
    );
    for (const [label, records, epochs] of [
      ['1-hour', 1_000, 2],
      ['24-hour', 12_700, 5],
    ] as const) {
      const name = `bench-${label}-${Date.now()}`;
      const started = Date.now();
      const run = await ft.start(await request(name, records, epochs, scaledDefaults), { workflowId: name });
      await run.result();
      const progress = await run.liveProgress();
      const hours = simulatedHours(records, epochs);
      console.log(
        `${label} job (${hours.toFixed(1)} simulated h, ${((Date.now() - started) / 1000).toFixed(0)} s real): ` +
          `${progress.historyLength} history events, ${progress.polls} Get calls = ${(progress.polls / hours).toFixed(1)} per job-hour`,
      );
    }

    const lags: number[] = [];
    for (let i = 0; i < 5; i++) {
      const name = `bench-poke-${i}-${Date.now()}`;
      const run = await ft.start(
        await request(name, 20, 1, { polling: { initialInterval: '1h', maximumInterval: '1h' } }),
        { workflowId: name },
      );
      // The first look is an hour away. Let the job end (a few seconds at this scale), then poke and
      // time until the run has seen it.
      while ((await run.progress()).phase !== 'training') await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, (simulatedHours(20, 1) * 3600 * 1000) / SCALE + 1000));
      const poked = Date.now();
      await run.poke();
      while ((await run.progress()).jobStatus === undefined) await new Promise((r) => setTimeout(r, 10));
      lags.push(Date.now() - poked);
      await run.result();
    }
    lags.sort((a, b) => a - b);
    console.log(`poke detection lag over ${lags.length} runs: median ${lags[2]} ms, max ${lags[lags.length - 1]} ms`);
  } finally {
    worker.shutdown();
    await running;
    await native.close();
    await connection.close();
    destroyAwsClients(aws);
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
