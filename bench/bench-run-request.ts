// One benchmark run's request: a Nova Micro fine-tune with its own small dataset object in S3, whose
// job lasts `hours` of the benchmark's clock (S simulated seconds per real second) through the
// simulator's reserved `simulator:time-scale` job tag, so the dataset stays 20 records whatever the length.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FineTuneRequest, PollingOptions } from '../src/core/request';
import { TIMING } from '../src/simulator/lifecycle';

const RECORDS = 20;
const EPOCHS = 2;

/** Simulated seconds of a RECORDS-record, EPOCHS-epoch job at time scale 1 (src/simulator/lifecycle.ts). */
const NATURAL_JOB_SECONDS =
  TIMING.validationS +
  TIMING.dataProcessingBaseS +
  TIMING.dataProcessingPerRecordS * RECORDS +
  TIMING.trainingBaseS +
  TIMING.trainingPerRecordEpochS * RECORDS * EPOCHS;

function conversation(salt: string): string {
  const lines: string[] = [];
  for (let i = 0; i < RECORDS; i++) {
    lines.push(
      JSON.stringify({
        schemaVersion: 'bedrock-conversation-2024',
        messages: [
          { role: 'user', content: [{ text: `${salt}: question ${i}` }] },
          { role: 'assistant', content: [{ text: `answer ${i}` }] },
        ],
      }),
    );
  }
  return lines.join('\n') + '\n';
}

/** Uploads run `name`'s dataset and returns its request. */
export async function benchRunRequest(
  s3: S3Client,
  name: string,
  options: { hours: number; timeScale: number; polling?: PollingOptions; queueKey?: string },
): Promise<FineTuneRequest> {
  const key = `bench/${name}.jsonl`;
  await s3.send(new PutObjectCommand({ Bucket: 'finetune-datasets', Key: key, Body: conversation(name) }));
  const jobScale = (NATURAL_JOB_SECONDS * options.timeScale) / (options.hours * 3600);
  return {
    customModelName: name,
    roleArn: 'arn:aws:iam::123456789012:role/BedrockFineTuning',
    baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
    customizationType: 'FINE_TUNING',
    trainingDataConfig: { s3Uri: `s3://finetune-datasets/${key}` },
    outputDataConfig: { s3Uri: `s3://finetune-outputs/bench/${name}/` },
    hyperParameters: { epochCount: String(EPOCHS) },
    jobTags: [{ key: 'simulator:time-scale', value: jobScale.toPrecision(6) }],
    orchestration: {
      ...(options.polling ? { polling: options.polling } : {}),
      // The fair queue's fairness key (a team): the benchmark's tenants.
      ...(options.queueKey ? { queue: { key: options.queueKey } } : {}),
    },
  };
}
