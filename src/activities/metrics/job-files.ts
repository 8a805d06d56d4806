// The metrics files a job left under its output prefix: the training CSV at its known key, and every
// validation CSV wherever Bedrock put it (the path differs between models). A file that is not in
// Bedrock's format fails the activity without retry: reading it again cannot change it.
import { paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { getText } from '../../aws/s3-objects';
import { parseS3Uri } from '../../core/bedrock-patterns';
import { ActivityFailureType } from '../../core/failures';
import {
  MetricsCsvError,
  readTrainingMetrics,
  rewardColumns,
  summariseRewards,
  VALIDATION_CSV_NAME,
  type JobOutputLocations,
  type MetricPoint,
  type RewardSummary,
} from '../../core/metrics';
import { parseMetricsCsv, readMetricsCsv } from './csv';

export interface JobMetrics {
  /** Undefined when the job wrote no training CSV. */
  trainingCsvUri?: string;
  training: MetricPoint[];
  /** RFT: the grader's rewards from the training CSV's reward columns. */
  rewards?: RewardSummary;
  validations: { uri: string; points: MetricPoint[] }[];
}

/** Every `validation_metrics.csv` under the prefix, at whatever depth, sorted so reruns agree. */
async function listValidationCsvs(s3: S3Client, prefixUri: string): Promise<string[]> {
  const { bucket, key: prefix } = parseS3Uri(prefixUri);
  const uris: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) {
      const key = object.Key ?? '';
      if (key === VALIDATION_CSV_NAME || key.endsWith(`/${VALIDATION_CSV_NAME}`)) uris.push(`s3://${bucket}/${key}`);
    }
  }
  return uris.sort();
}

/** Reads every metrics CSV of the job; a file that is not in Bedrock's format fails without retry. */
export async function readJobMetrics(s3: S3Client, where: JobOutputLocations): Promise<JobMetrics> {
  const trainingText = await getText(s3, where.trainingCsv);
  const validationUris = await listValidationCsvs(s3, where.validationPrefix);
  // A file deleted between the listing and the read counts as empty.
  const validationTexts = await Promise.all(
    validationUris.map(async (uri) => ({ uri, text: (await getText(s3, uri)) ?? '' })),
  );
  try {
    const table = trainingText === undefined ? undefined : parseMetricsCsv(trainingText, where.trainingCsv);
    const training = table ? readTrainingMetrics(table) : { loss: [], rewards: [] };
    return {
      trainingCsvUri: table ? where.trainingCsv : undefined,
      training: training.loss,
      rewards: summariseRewards(training.rewards, rewardColumns(table?.columns ?? [])),
      validations: validationTexts.map(({ uri, text }) => ({ uri, points: readMetricsCsv(text, uri, 'validation') })),
    };
  } catch (err) {
    if (err instanceof MetricsCsvError)
      throw ApplicationFailure.nonRetryable(err.message, ActivityFailureType.MetricsCsvInvalid);
    throw err;
  }
}
