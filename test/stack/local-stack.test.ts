// The stack's own start, health and stop, on its own ports beside the run's shared stack.
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { Connection } from '@temporalio/client';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Client } from '../../src/aws/clients';
import { freeStackPorts, startLocalStack, type RunningStack } from '../../src/stack/local-stack';
import { PortTakenError } from '../../src/stack/ports';
import { LOCAL_S3_CREDENTIALS } from '../../src/aws/local-credentials';
import { LOCAL_BUCKETS } from '../../src/stack/s3-server';
import { ensureTools } from '../../src/stack/tools';
import { alive } from '../support/processes';

const ports = freeStackPorts;

describe('local stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'finetune-stack-test-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('finds the installed tools again without building or printing anything', async () => {
    const lines: string[] = [];
    const started = Date.now();
    const tools = await ensureTools(['temporal', 'versitygw'], { log: (l) => lines.push(l) });
    expect(lines).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(tools.temporal).toMatch(/temporal$/);
    expect(tools.versitygw).toMatch(/versitygw$/);
  });

  it('refuses a taken port, naming the port and the setting that moves it, and starts nothing', async () => {
    const blocker: Server = createServer();
    const p = await ports();
    await new Promise<void>((resolve) => blocker.listen(p.s3Port, '127.0.0.1', resolve));
    try {
      const start = startLocalStack({
        host: '127.0.0.1',
        ...p,
        dataDir,
        worker: false,
        headless: true,
        ephemeral: true,
      });
      await expect(start).rejects.toThrow(PortTakenError);
      await expect(start).rejects.toThrow(
        new RegExp(`Port ${p.s3Port} on 127.0.0.1 \\(S3 server\\).*--s3-port or FINETUNE_S3_PORT`),
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('starts every server healthy with a worker, writes stack.env, and stops leaving no process', async () => {
    let stack: RunningStack | undefined;
    // The worker child inherits the environment: its Prometheus endpoint is checked below.
    const metricsAddress = `127.0.0.1:${(await ports()).s3Port}`;
    process.env.FINETUNE_PROMETHEUS_BIND_ADDRESS = metricsAddress;
    try {
      stack = await startLocalStack({
        host: '127.0.0.1',
        ...(await ports()),
        dataDir,
        worker: true,
        headless: true,
        ephemeral: true,
        simulatorTimeScale: 1000,
      });
      const e = stack.endpoints;
      expect(stack.children.map((c) => c.name)).toEqual(
        expect.arrayContaining([
          'Temporal dev server',
          'S3 server (versitygw)',
          'SQS server (goaws)',
          'Bedrock simulator',
          'worker',
        ]),
      );

      const connection = await Connection.connect({ address: e.temporalAddress });
      const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace: e.namespace });
      expect(namespaceInfo?.name).toBe('default');
      await connection.close();

      const s3 = createS3Client({ region: e.region, s3Endpoint: e.s3Endpoint }, LOCAL_S3_CREDENTIALS);
      const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name);
      s3.destroy();
      expect(buckets).toEqual(expect.arrayContaining(Object.values(LOCAL_BUCKETS)));

      const simulator = await fetch(`${e.bedrockEndpoint}/foundation-models`);
      expect(simulator.status).toBeGreaterThanOrEqual(400); // unsigned: refused as real Bedrock refuses it

      const metrics = await (await fetch(`http://${metricsAddress}/metrics`)).text();
      expect(metrics).toMatch(/temporal_/);

      const env = readFileSync(stack.envFile, 'utf8');
      for (const name of [
        'TEMPORAL_ADDRESS',
        'TEMPORAL_NAMESPACE',
        'AWS_REGION',
        'AWS_ENDPOINT_URL_BEDROCK',
        'AWS_ENDPOINT_URL_S3',
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'TASK_QUEUE',
        'FINETUNE_EVENTS_QUEUE_URL',
      ]) {
        expect(env).toMatch(new RegExp(`^export ${name}=".+"$`, 'm'));
      }
      // Job events on: the stack's worker consumes the queue stack.env names.
      expect(e.eventsQueueUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\d{12}\/finetune-job-events$/);
      expect(env).toContain(`export FINETUNE_EVENTS_QUEUE_URL="${e.eventsQueueUrl}"`);
      expect(readFileSync(stack.envFile.replace(/stack\.env$/, 'logs/worker.log'), 'utf8')).toContain(
        '"job events: consuming"',
      );
    } finally {
      delete process.env.FINETUNE_PROMETHEUS_BIND_ADDRESS;
      const pids = stack?.children.map((c) => c.pid) ?? [];
      await stack?.stop();
      expect(pids.filter(alive)).toEqual([]);
    }
  });
});
