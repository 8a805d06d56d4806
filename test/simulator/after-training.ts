// Shared by the tests of what comes after training (deployments, Provisioned Throughput, evaluation
// jobs, bedrock-runtime): custom models trained on the spot from a small Nova dataset (a base that
// deploys on demand in us-east-1), runtime clients, and polling a resource until a status.
import { CreateModelCustomizationJobCommand, type BedrockClient, type Tag } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { S3Client } from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import { datasets } from '../support/datasets';
import { DATASETS, OUTPUTS, putText, REGION, ROLE_ARN, unique, waitForJob } from './helpers';

export const NOVA_MICRO = 'amazon.nova-micro-v1:0:128k';
export const NOVA_LITE = 'amazon.nova-lite-v1:0:300k';

/**
 * Flags of a simulator of a file's own, fast and with quotas no file here reaches: the stack's has the
 * default quotas (10 deployments, a few model units), which one of these files alone exceeds.
 */
export const ROOMY = [
  '--time-scale',
  '1000',
  '--max-deployments',
  '1000',
  '--max-deployments-in-progress',
  '1000',
  '--max-no-commitment-model-units',
  '1000',
  '--max-commitment-model-units',
  '1000',
];

export function runtimeClient(
  endpoint = process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME,
  maxAttempts?: number,
): BedrockRuntimeClient {
  return new BedrockRuntimeClient({ region: REGION, endpoint, ...(maxAttempts ? { maxAttempts } : {}) });
}

const trainingUris = new Map<string, Promise<string>>();

/** One small training file per record format: Titan takes prompt/completion, Nova and Llama 3.3 conversations. */
function trainingUriFor(s3: S3Client, base: string): Promise<string> {
  const titan = base.startsWith('amazon.titan');
  const key = titan ? 'titan' : 'conversation';
  let uri = trainingUris.get(key);
  if (!uri) {
    const text = titan ? datasets.promptCompletion(8) : datasets.conversation(8);
    uri = putText(s3, DATASETS, `simulator-tests/${unique(key)}.jsonl`, text);
    trainingUris.set(key, uri);
  }
  return uri;
}

/**
 * Trains a custom model of `base` (Nova Micro by default) at a time scale that finishes in well under a
 * second, with `jobTags` (simulator:eval-score, simulator:outcome=fail-smoke...), and returns its ARN.
 */
export async function trainModel(
  bedrock: BedrockClient,
  s3: S3Client,
  options: { base?: string; jobTags?: Tag[] } = {},
): Promise<string> {
  const base = options.base ?? NOVA_MICRO;
  const trainingUri = await trainingUriFor(s3, base);
  const name = unique('train');
  const { jobArn } = await bedrock.send(
    new CreateModelCustomizationJobCommand({
      jobName: name,
      customModelName: `${name}-model`,
      roleArn: ROLE_ARN,
      baseModelIdentifier: base,
      trainingDataConfig: { s3Uri: trainingUri },
      outputDataConfig: { s3Uri: `s3://${OUTPUTS}/simulator-tests/` },
      jobTags: [{ key: 'simulator:time-scale', value: '1000000' }, ...(options.jobTags ?? [])],
    }),
  );
  const job = await waitForJob(bedrock, jobArn!);
  if (job.status !== 'Completed') throw new Error(`training ${name} ended ${job.status}: ${job.failureMessage}`);
  return job.outputModelArn!;
}

/** Polls `get` until `done` holds of its answer. */
export async function waitUntil<T>(
  get: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not reached after ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await sleep(50);
  }
}

/** The error an SDK call ends with (the test fails if it succeeds). */
export async function failure(
  call: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number } } & Record<string, unknown>> {
  try {
    await call;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}
