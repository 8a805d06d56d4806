// Small, valid datasets made on the fly for each record format, and requests that use them.
import { CreateModelCustomizationJobCommand, type BedrockClient, type Tag } from '@aws-sdk/client-bedrock';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { gzipSync } from 'node:zlib';
import type { FineTuneRequest } from '../../src/core/request';

export const DATA_BUCKET = 'finetune-datasets';
export const OUTPUT_BUCKET = 'finetune-outputs';
export const LOGS_BUCKET = 'finetune-invocation-logs';
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/BedrockFineTuning';
/** A grader Lambda ARN (nothing is deployed: the simulator never invokes it). */
export const GRADER_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:finetune-test-grader';
export const NOVA_2_LITE = 'amazon.nova-2-lite-v1:0:256k';

const topics = ['billing', 'shipping', 'returns', 'accounts', 'warranty', 'installation', 'security', 'pricing'];
const question = (i: number) => `Question ${i} about ${topics[i % topics.length]}: how do I handle case ${i}?`;
const answer = (i: number) =>
  `For case ${i}, open the ${topics[i % topics.length]} page and follow step ${(i % 5) + 1}.`;

const jsonl = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

export const datasets = {
  promptCompletion: (n: number) =>
    jsonl(Array.from({ length: n }, (_, i) => ({ prompt: question(i), completion: answer(i) }))),
  conversation: (n: number) =>
    jsonl(
      Array.from({ length: n }, (_, i) => ({
        schemaVersion: 'bedrock-conversation-2024',
        system: [{ text: 'You are a support assistant.' }],
        messages: [
          { role: 'user', content: [{ text: question(i) }] },
          { role: 'assistant', content: [{ text: answer(i) }] },
        ],
      })),
    ),
  continuedPretraining: (n: number) =>
    jsonl(Array.from({ length: n }, (_, i) => ({ input: `${question(i)} ${answer(i)} Background paragraph ${i}.` }))),
  /** Reinforcement fine-tuning prompts: chat-completions messages, a reference answer, a grader field. */
  rftPrompts: (n: number) =>
    jsonl(
      Array.from({ length: n }, (_, i) => ({
        id: `prompt-${i}`,
        messages: [
          { role: 'system', content: 'You are a support assistant. Answer with the page and the step.' },
          { role: 'user', content: question(i) },
        ],
        reference_answer: { page: topics[i % topics.length], step: (i % 5) + 1 },
        topic: topics[i % topics.length],
      })),
    ),
  distillationPrompts: (n: number) =>
    jsonl(
      Array.from({ length: n }, (_, i) => ({
        schemaVersion: 'bedrock-conversation-2024',
        system: [{ text: 'You are a support assistant.' }],
        messages: [{ role: 'user', content: [{ text: question(i) }] }],
      })),
    ),
  /** One gzip file of Converse invocation-log records, as Bedrock delivers them. */
  invocationLogs: (n: number, modelId: string) => gzipSync(jsonl(invocationLogRecords(n, modelId))),
};

/** Converse invocation-log records, as Bedrock writes them (one per line of a log object). */
export interface InvocationLogRecord {
  requestId: string;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  [field: string]: unknown;
}

export function invocationLogRecords(n: number, modelId: string): InvocationLogRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    schemaType: 'ModelInvocationLog',
    schemaVersion: '1.0',
    timestamp: '2026-11-27T10:15:27Z',
    accountId: '123456789012',
    identity: { arn: 'arn:aws:sts::123456789012:assumed-role/SupportBot/worker-1' },
    region: 'us-east-1',
    requestId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    operation: 'Converse',
    modelId,
    requestMetadata: { project: 'support-bot' },
    input: {
      inputContentType: 'application/json',
      inputBodyJson: { messages: [{ role: 'user', content: [{ text: question(i) }] }] },
      inputTokenCount: 20,
    },
    output: {
      outputContentType: 'application/json',
      outputBodyJson: {
        output: { message: { role: 'assistant', content: [{ text: answer(i) }] } },
        stopReason: 'end_turn',
        usage: { inputTokens: 20, outputTokens: 20, totalTokens: 40 },
      },
      outputTokenCount: 20,
    },
  }));
}

export async function put(s3: S3Client, bucket: string, key: string, body: string | Uint8Array): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return `s3://${bucket}/${key}`;
}

/** Fast polling for jobs that run at the test stack's time scale. */
export const FAST_POLLING = {
  initialInterval: '500ms',
  maximumInterval: '1s',
  backoffCoefficient: 2,
  jitter: 0.1,
} as const;

/** A Nova Micro fine-tune on `n` conversation records, uploaded under `prefix`. */
export async function novaFineTune(
  s3: S3Client,
  prefix: string,
  n = 20,
  extra: Partial<FineTuneRequest> = {},
): Promise<FineTuneRequest> {
  const trainingUri = await put(s3, DATA_BUCKET, `${prefix}/train.jsonl`, datasets.conversation(n));
  return {
    customModelName: `${prefix.replace(/[^a-zA-Z0-9]+/g, '-').slice(0, 50)}-model`,
    roleArn: ROLE_ARN,
    baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
    customizationType: 'FINE_TUNING',
    trainingDataConfig: { s3Uri: trainingUri },
    outputDataConfig: { s3Uri: `s3://${OUTPUT_BUCKET}/${prefix}/` },
    hyperParameters: { epochCount: '2', learningRate: '0.00001' },
    orchestration: { polling: { ...FAST_POLLING } },
    ...extra,
  };
}

/** Reserved simulator tags (see src/simulator/README.md). */
export const simulatorTags = {
  timeScale: (scale: number) => ({ key: 'simulator:time-scale', value: String(scale) }),
  outcome: (outcome: 'fail-validation' | 'fail-training' | 'fail-grader') => ({
    key: 'simulator:outcome',
    value: outcome,
  }),
};

/** A Nova 2 Lite reinforcement fine-tuning request on `n` prompts uploaded under `prefix`, graded by GRADER_ARN. */
export async function novaRft(
  s3: S3Client,
  prefix: string,
  n = 120,
  extra: Partial<FineTuneRequest> = {},
): Promise<FineTuneRequest> {
  const trainingUri = await put(s3, DATA_BUCKET, `${prefix}/prompts.jsonl`, datasets.rftPrompts(n));
  return {
    customModelName: `${prefix.replace(/[^a-zA-Z0-9]+/g, '-').slice(0, 50)}-model`,
    roleArn: ROLE_ARN,
    baseModelIdentifier: NOVA_2_LITE,
    customizationType: 'REINFORCEMENT_FINE_TUNING',
    trainingDataConfig: { s3Uri: trainingUri },
    outputDataConfig: { s3Uri: `s3://${OUTPUT_BUCKET}/${prefix}/` },
    customizationConfig: {
      rftConfig: {
        graderConfig: { lambdaGrader: { lambdaArn: GRADER_ARN } },
        hyperParameters: { epochCount: 2, batchSize: 16, learningRate: 0.00001, trainingSamplePerPrompt: 4 },
      },
    },
    orchestration: { polling: { ...FAST_POLLING } },
    ...extra,
  };
}

/** A Nova Pro -> Nova Micro distillation request on the given training data. */
export function novaDistillation(
  prefix: string,
  trainingDataConfig: FineTuneRequest['trainingDataConfig'],
  maxResponseLengthForInference?: number,
): FineTuneRequest {
  return {
    customModelName: `${prefix}-model`,
    roleArn: ROLE_ARN,
    baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
    customizationType: 'DISTILLATION',
    trainingDataConfig,
    outputDataConfig: { s3Uri: `s3://${OUTPUT_BUCKET}/${prefix}/` },
    customizationConfig: {
      distillationConfig: {
        teacherModelConfig: { teacherModelIdentifier: 'amazon.nova-pro-v1:0', maxResponseLengthForInference },
      },
    },
    orchestration: { polling: { ...FAST_POLLING } },
  };
}

/** Creates a fine-tuning job straight through Bedrock (not through a run) from a request's members. */
export async function createJobDirectly(
  bedrock: BedrockClient,
  request: FineTuneRequest,
  overrides: { jobName?: string; customModelName?: string; jobTags?: Tag[] } = {},
) {
  return bedrock.send(
    new CreateModelCustomizationJobCommand({
      jobName: request.jobName,
      clientRequestToken: request.clientRequestToken,
      customModelName: request.customModelName,
      roleArn: request.roleArn,
      baseModelIdentifier: request.baseModelIdentifier,
      customizationType: 'FINE_TUNING',
      trainingDataConfig: request.trainingDataConfig,
      outputDataConfig: request.outputDataConfig,
      ...overrides,
    }),
  );
}
