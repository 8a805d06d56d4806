// A Bedrock simulator of a test file's own (its flags: faults, quotas, a time scale), beside the run's
// stack and sharing its S3 server, with the clients that talk to it. For tests whose listings must see
// only their own resources, or whose faults must not reach other files' runs.
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { join } from 'node:path';
import type { ManagedChild } from '../../src/stack/child-process';
import { startSimulatorProcess } from '../../src/stack/local-stack';
import { freePort } from '../../src/stack/ports';

export interface OwnSimulator {
  child: ManagedChild;
  endpoint: string;
  /** For the test's own calls and checks (patient: the simulator may be throttling). */
  bedrock: BedrockClient;
  /** For a worker: its calls go through the recorded clients the test context wraps around these. */
  workerBedrock: BedrockClient;
  runtime: BedrockRuntimeClient;
  stop(): Promise<void>;
}

/** Starts one in `scratch` (its state file and log), at `timeScale` (1000 by default). */
export async function ownSimulator(
  scratch: string,
  options: { flags?: string[]; timeScale?: number } = {},
): Promise<OwnSimulator> {
  const port = await freePort();
  const { child, endpoint } = await startSimulatorProcess({
    host: '127.0.0.1',
    port,
    s3Endpoint: process.env.AWS_ENDPOINT_URL_S3!,
    stateFile: join(scratch, `${port}.json`),
    timeScale: options.timeScale ?? 1000,
    logFile: join(scratch, `${port}.log`),
    extraArgs: options.flags ?? [],
  });
  const bedrock = new BedrockClient({ region: 'us-east-1', endpoint, maxAttempts: 10 });
  const workerBedrock = new BedrockClient({ region: 'us-east-1', endpoint });
  const runtime = new BedrockRuntimeClient({ region: 'us-east-1', endpoint });
  return {
    child,
    endpoint,
    bedrock,
    workerBedrock,
    runtime,
    async stop() {
      for (const client of [bedrock, workerBedrock, runtime]) client.destroy();
      await child.stop();
    },
  };
}
