// Per-file access to the run's stack: a Temporal client, AWS clients and workers on their own task
// queues, all closed by `close()` so Jest exits by itself.
import { Client, Connection } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import { createAwsClients, destroyAwsClients, type AwsClients } from '../../src/aws/clients';
import { lineageScope, loadConfig, type AppConfig } from '../../src/config';
import { FineTuneClient } from '../../src/client';
import type { JobSlotSettings } from '../../src/core/job-slots';
import { createFineTuneWorker } from '../../src/worker';
import { recorded } from './aws-operations';

export interface TestContext {
  config: AppConfig;
  /** For the test's own set-up and checks. Workers get clients of their own, whose calls are recorded. */
  aws: AwsClients;
  client: Client;
  fineTune: FineTuneClient;
  /**
   * A worker on `taskQueue`, running until close() or stopWorker(); `activities` replaces some (say so in
   * the test's name); `deployment` makes it a versioned worker of that Worker Deployment Version.
   */
  startWorker(
    taskQueue: string,
    deps?: Partial<AwsClients> & { jobEvents?: boolean; jobSlots?: JobSlotSettings },
    activities?: Partial<Activities>,
    options?: { deployment?: WorkerDeploymentVersion },
  ): Promise<Worker>;
  stopWorker(worker: Worker): Promise<void>;
  close(): Promise<void>;
}

export async function testContext(taskQueue: string): Promise<TestContext> {
  const config = loadConfig(process.env);
  const aws = createAwsClients(config.aws);
  // The worker's own clients: every operation they send is recorded for the least-privilege test.
  const workerAws = createAwsClients(config.aws);
  recorded(workerAws.bedrock);
  recorded(workerAws.s3);
  const connection = await Connection.connect(config.temporal.connectionOptions);
  const nativeConnection = await NativeConnection.connect(config.temporal.connectionOptions);
  const client = new Client({ connection, namespace: config.temporal.namespace });
  // The workers' own, on their native connection, as the worker process makes it.
  const workerClient = new Client({ connection: nativeConnection, namespace: config.temporal.namespace });
  const running = new Map<Worker, Promise<void>>();
  const ctx: TestContext = {
    config,
    aws,
    client,
    fineTune: new FineTuneClient(client, taskQueue),
    async startWorker(queue, deps, activities, options) {
      const worker = await createFineTuneWorker({
        connection: nativeConnection,
        namespace: config.temporal.namespace,
        taskQueue: queue,
        deps: {
          bedrock: recorded(deps?.bedrock ?? workerAws.bedrock),
          s3: recorded(deps?.s3 ?? workerAws.s3),
          runtime: recorded(deps?.runtime ?? workerAws.runtime),
          temporal: workerClient,
          scope: lineageScope(config),
          jobEvents: deps?.jobEvents,
          ...(deps?.jobSlots ? { jobSlots: deps.jobSlots } : {}),
        },
        activities,
        workflowBundle: { codePath: process.env.FINETUNE_TEST_WORKFLOW_BUNDLE! },
        shutdownGraceTime: '2s',
        deployment: options?.deployment,
      });
      running.set(worker, worker.run());
      return worker;
    },
    async stopWorker(worker) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.get(worker);
      running.delete(worker);
    },
    async close() {
      for (const worker of [...running.keys()]) await ctx.stopWorker(worker);
      await nativeConnection.close();
      await connection.close();
      destroyAwsClients(aws);
      destroyAwsClients(workerAws);
    },
  };
  return ctx;
}

/** A unique name per call, for task queues, workflow IDs and model names. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
