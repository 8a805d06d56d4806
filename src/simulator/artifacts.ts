// What a finished job leaves in its output location (reference section 4):
//   <output>/model-customization-job-<jobId>/training_artifacts/step_wise_training_metrics.csv
//   <output>/model-customization-job-<jobId>/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv
// The curves are deterministic per job (a PRNG seeded from the job id), so a completion redone after a
// crash writes the same bytes. They look like training: a falling loss with noise, and validation loss
// that ends above training loss as the epochs go by. A reinforcement fine-tuning job's training file
// also carries reward statistics per step, in columns named as the Bedrock console names its reward
// metrics (critic/rewards/mean, max, min); which files and columns a real RFT job writes is UNCONFIRMED.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { joinS3Uri, parseS3Uri } from '../core/bedrock-patterns';

export const TRAINING_METRICS_PATH = 'training_artifacts/step_wise_training_metrics.csv';
export const VALIDATION_METRICS_PATH =
  'validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv';
/** Long jobs log every k-th step so a file stays at about this many rows. */
const MAX_TRAINING_ROWS = 1000;

/** Grader scores of one step's rollouts (RFT). */
export interface RewardStats {
  mean: number;
  max: number;
  min: number;
}

export interface MetricRow {
  step: number;
  epoch: number;
  loss: number;
  perplexity: number;
  reward?: RewardStats;
}

export const REWARD_COLUMNS = ['critic/rewards/mean', 'critic/rewards/max', 'critic/rewards/min'] as const;

export interface MetricsCurves {
  training: MetricRow[];
  /** One row per epoch; empty when the job has no validation data. */
  validation: MetricRow[];
}

export interface CurveInput {
  jobId: string;
  trainingRecords: number;
  epochs: number;
  batchSize: number;
  hasValidation: boolean;
  /** Reinforcement fine-tuning: training rows carry reward statistics. */
  rewards?: boolean;
}

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
function prng(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round6 = (x: number) => Number(x.toFixed(6));

function row(step: number, epoch: number, loss: number): MetricRow {
  const l = round6(Math.max(0.01, loss));
  return { step, epoch, loss: l, perplexity: round6(Math.exp(l)) };
}

export function metricsCurves(input: CurveInput): MetricsCurves {
  const random = prng(`metrics:${input.jobId}`);
  const initial = 2.2 + random() * 1.2;
  const floor = 0.35 + random() * 0.5;
  const rate = 2.5 + random() * 1.5;
  const smooth = (progress: number) => floor + (initial - floor) * Math.exp(-rate * progress);
  // Roughly normal noise (sum of three uniforms), a few percent of the loss.
  const noise = () => (random() + random() + random() - 1.5) * 0.08;

  const epochs = Math.max(1, input.epochs);
  const stepsPerEpoch = Math.max(1, Math.ceil(input.trainingRecords / Math.max(1, input.batchSize)));
  const totalSteps = stepsPerEpoch * epochs;
  const every = Math.max(1, Math.ceil(totalSteps / MAX_TRAINING_ROWS));
  const training: MetricRow[] = [];
  for (let step = 0; step < totalSteps; step++) {
    const endOfEpoch = (step + 1) % stepsPerEpoch === 0;
    if (step % every !== every - 1 && !endOfEpoch) continue;
    const progress = (step + 1) / totalSteps;
    training.push(row(step, Math.floor(step / stepsPerEpoch), smooth(progress) * (1 + noise())));
  }

  if (input.rewards) addRewards(training, input.jobId);

  const validation: MetricRow[] = [];
  if (input.hasValidation) {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const progress = (epoch + 1) / epochs;
      // The gap between validation and training widens as the model starts to fit the training set.
      const gap = 0.04 + 0.14 * progress * progress;
      const lastTraining = [...training].reverse().find((r) => r.epoch === epoch)?.loss ?? smooth(progress);
      const loss = Math.max(smooth(progress) * (1 + gap + noise() / 4), lastTraining * (1 + gap / 2));
      validation.push(row((epoch + 1) * stepsPerEpoch - 1, epoch, loss));
    }
  }
  return { training, validation };
}

/**
 * Grader scores in 0..1 that climb as the policy learns: the mean rises from about 0.25 towards 0.75,
 * the best rollout of a step scores above it and the worst below. Its own PRNG, so the losses of a job
 * do not depend on whether it is RFT.
 */
function addRewards(rows: MetricRow[], jobId: string): void {
  const random = prng(`rewards:${jobId}`);
  const start = 0.15 + random() * 0.2;
  const end = 0.65 + random() * 0.2;
  const clamp = (x: number) => round6(Math.min(1, Math.max(0, x)));
  rows.forEach((row, i) => {
    const progress = rows.length === 1 ? 1 : i / (rows.length - 1);
    const mean = clamp(start + (end - start) * (1 - Math.exp(-3 * progress)) + (random() - 0.5) * 0.06);
    row.reward = {
      mean,
      max: clamp(Math.max(mean, mean + 0.1 + random() * 0.2)),
      min: clamp(Math.min(mean, mean - 0.15 - random() * 0.2)),
    };
  });
}

export function metricsCsv(rows: readonly MetricRow[], lossColumn: 'training_loss' | 'validation_loss'): string {
  const rewards = rows.some((r) => r.reward);
  const lines = [`step_number,epoch_number,${lossColumn},perplexity${rewards ? `,${REWARD_COLUMNS.join(',')}` : ''}`];
  for (const r of rows) {
    const reward = rewards ? `,${r.reward?.mean ?? ''},${r.reward?.max ?? ''},${r.reward?.min ?? ''}` : '';
    lines.push(`${r.step},${r.epoch},${r.loss},${r.perplexity}${reward}`);
  }
  return `${lines.join('\n')}\n`;
}

export function jobOutputPrefix(outputS3Uri: string, jobId: string): string {
  return joinS3Uri(outputS3Uri, `model-customization-job-${jobId}`);
}

/** Writes the metrics files; throws what S3 throws (the engine decides whether that fails the job). */
export async function writeArtifacts(
  s3: S3Client,
  outputS3Uri: string,
  jobId: string,
  curves: MetricsCurves,
): Promise<void> {
  const prefix = jobOutputPrefix(outputS3Uri, jobId);
  const put = async (relative: string, body: string) => {
    const { bucket, key } = parseS3Uri(joinS3Uri(prefix, relative));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/csv' }));
  };
  await put(TRAINING_METRICS_PATH, metricsCsv(curves.training, 'training_loss'));
  if (curves.validation.length > 0)
    await put(VALIDATION_METRICS_PATH, metricsCsv(curves.validation, 'validation_loss'));
}
