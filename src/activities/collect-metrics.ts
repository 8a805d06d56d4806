// Step 5 of the fineTune workflow: read the metrics CSVs Bedrock wrote under the job's output prefix,
// summarise them per epoch, cross-check them with GetCustomModel, and write report.json and loss.svg
// under `<output>/model-customization-job-<id>/report/`. Whatever the job's status, it collects what
// exists: a job stopped before training has no CSV, and still gets a report that says so.
import { GetCustomModelCommand, type BedrockClient } from '@aws-sdk/client-bedrock';
import { paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { activityInfo, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { parse } from 'csv-parse/sync';
import { awsErrorName } from '../aws/errors';
import { getText, putJson, putText } from '../aws/s3-objects';
import { parseS3Uri } from '../core/bedrock-patterns';
import { ActivityFailureType } from '../core/failures';
import { renderLossChart } from '../core/loss-chart';
import {
  jobOutputLocations,
  MetricsCsvError,
  readMetricPoints,
  readTrainingMetrics,
  rewardColumns,
  summariseMetrics,
  summariseRewards,
  VALIDATION_ARTIFACTS,
  VALIDATION_CSV_NAME,
  type CsvTable,
  type JobOutputLocations,
  type MetricPoint,
  type MetricsFileKind,
  type MetricsSummary,
  type ReportedMetrics,
  type RewardSummary,
} from '../core/metrics';

export type { MetricsSummary } from '../core/metrics';

export interface CollectMetricsInput {
  jobArn: string;
  jobName: string;
  /** outputDataConfig.s3Uri of the job. */
  outputS3Uri: string;
  /** When the job completed. */
  customModelArn?: string;
  baseModelIdentifier: string;
  /** Completed | Stopped | Failed: collect whatever exists. */
  jobStatus: string;
}

export interface CollectMetricsResult {
  summary: MetricsSummary;
  /** s3://.../model-customization-job-<id>/report/report.json */
  reportUri?: string;
  /** s3://.../model-customization-job-<id>/report/loss.svg */
  chartUri?: string;
  trainingCsvUri?: string;
  validationCsvUris: string[];
}

/** What report.json holds. `generatedAt` is when collection was first scheduled (see below). */
export interface MetricsReport {
  jobArn: string;
  jobName: string;
  jobStatus: string;
  customModelArn: string | null;
  baseModelIdentifier: string;
  generatedAt: string;
  summary: MetricsSummary;
  trainingCsvUri: string | null;
  validationCsvUris: string[];
  /** Each validation file's own final loss: the summary averages them. */
  validationFiles: { uri: string; evaluations: number; finalValidationLoss: number | null }[];
  chartUri: string;
  notes: string[];
}

/** ApplicationFailure type of a metrics CSV that is not in Bedrock's format: retrying cannot fix it. */

/**
 * CSV text into a header and rows keyed by it. Lives here, not in core: csv-parse needs Node's Buffer.
 * Tolerates a BOM, CRLF, blank lines and spaces around fields; a row with a different number of fields
 * than the header is an error.
 */
export function parseMetricsCsv(text: string, source: string): CsvTable {
  let columns: string[] = [];
  try {
    const records = parse(text, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      // A function rather than `true`: it also reports the header of a file with no data rows.
      columns: (header: string[]) => (columns = header),
    }) as { info: { lines: number }; record: Record<string, string> }[];
    return { source, columns, rows: records.map(({ info, record }) => ({ line: info.lines, values: record })) };
  } catch (err) {
    throw new MetricsCsvError(`${source}: not a readable CSV: ${(err as Error).message}`);
  }
}

/** The points of one metrics file. */
export function readMetricsCsv(text: string, source: string, kind: MetricsFileKind): MetricPoint[] {
  return readMetricPoints(parseMetricsCsv(text, source), kind);
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

/** GetCustomModel's metrics; undefined when the model is gone (deleted, or another account's). */
async function reportedMetrics(bedrock: BedrockClient, customModelArn: string): Promise<ReportedMetrics | undefined> {
  try {
    const model = await bedrock.send(new GetCustomModelCommand({ modelIdentifier: customModelArn }));
    return {
      trainingLoss: model.trainingMetrics?.trainingLoss,
      validationLosses: (model.validationMetrics ?? []).flatMap((m) => m.validationLoss ?? []),
    };
  } catch (err) {
    // Anything else (throttling, 5xx, access denied) is thrown for the activity's retry policy.
    if (awsErrorName(err) === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/** "post_fine_tuning_validation/validation" for a validation CSV's legend entry. */
function validationLabel(uri: string, prefixUri: string, only: boolean): string {
  if (only) return 'validation loss';
  const folder = uri.slice(prefixUri.length, -VALIDATION_CSV_NAME.length).replace(/\/$/, '');
  return `validation loss (${folder || VALIDATION_ARTIFACTS})`;
}

interface JobMetrics {
  /** Undefined when the job wrote no training CSV. */
  trainingCsvUri?: string;
  training: MetricPoint[];
  /** RFT: the grader's rewards from the training CSV's reward columns. */
  rewards?: RewardSummary;
  validations: { uri: string; points: MetricPoint[] }[];
}

/** Reads every metrics CSV of the job; a file that is not in Bedrock's format fails without retry. */
async function readJobMetrics(s3: S3Client, where: JobOutputLocations): Promise<JobMetrics> {
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

function lossChart(
  input: CollectMetricsInput,
  where: JobOutputLocations,
  metrics: JobMetrics,
  summary: MetricsSummary,
): string {
  const subtitle = [
    `base model ${input.baseModelIdentifier}`,
    `job ${input.jobStatus}`,
    ...(summary.steps > 0 ? [`${summary.steps} steps, ${summary.epochs.length} epochs`] : []),
    ...(summary.bestEpoch !== undefined ? [`best epoch ${summary.bestEpoch}`] : []),
  ].join(' · ');
  return renderLossChart({
    title: `Loss: ${input.jobName}`,
    subtitle,
    training: metrics.training,
    validations: metrics.validations.map((v) => ({
      label: validationLabel(v.uri, where.validationPrefix, metrics.validations.length === 1),
      points: v.points,
    })),
    note: `job ${input.jobStatus}: no metric rows under ${where.jobPrefix}/`,
  });
}

function check(condition: boolean, message: string): void {
  if (!condition) throw ApplicationFailure.nonRetryable(message, 'InvalidRequest');
}

export function collectMetricsActivities(deps: { s3: S3Client; bedrock: BedrockClient }) {
  const { s3, bedrock } = deps;

  async function collectMetrics(input: CollectMetricsInput): Promise<CollectMetricsResult> {
    check(
      /^s3:\/\/[^/]+/.test(input.outputS3Uri),
      `collectMetrics: outputS3Uri is not an S3 URI: ${input.outputS3Uri}`,
    );
    check(/\/[^/]+$/.test(input.jobArn), `collectMetrics: jobArn has no job id as its last segment: ${input.jobArn}`);
    const where = jobOutputLocations(input.outputS3Uri, input.jobArn);

    const metrics = await readJobMetrics(s3, where);
    const notes: string[] = [];
    if (!metrics.trainingCsvUri) notes.push(`no training metrics at ${where.trainingCsv}`);
    if (metrics.validations.length === 0) notes.push(`no ${VALIDATION_CSV_NAME} under ${where.validationPrefix}`);
    if (metrics.rewards) {
      notes.push(
        `reward statistics from the columns ${Object.values(metrics.rewards.columns).join(', ')} of the training CSV; Bedrock's API reports no reward, and the RFT file layout is unconfirmed`,
      );
      if (metrics.training.length === 0) notes.push('the training CSV has reward columns but no training_loss');
    }

    let reported: ReportedMetrics | undefined;
    if (input.customModelArn) {
      reported = await reportedMetrics(bedrock, input.customModelArn);
      if (!reported)
        notes.push(`GetCustomModel: ${input.customModelArn} was not found, so there is nothing to cross-check`);
    }
    const summary = summariseMetrics(
      metrics.training,
      metrics.validations.map((v) => v.points),
      reported,
      metrics.rewards,
    );
    const validationCsvUris = metrics.validations.map((v) => v.uri);

    const report: MetricsReport = {
      jobArn: input.jobArn,
      jobName: input.jobName,
      jobStatus: input.jobStatus,
      customModelArn: input.customModelArn ?? null,
      baseModelIdentifier: input.baseModelIdentifier,
      // The first attempt's schedule time, not "now": a retry must write the same bytes.
      generatedAt: new Date(activityInfo().scheduledTimestampMs).toISOString(),
      summary,
      trainingCsvUri: metrics.trainingCsvUri ?? null,
      validationCsvUris,
      validationFiles: metrics.validations.map((v) => ({
        uri: v.uri,
        evaluations: v.points.length,
        finalValidationLoss: v.points.at(-1)?.loss ?? null,
      })),
      chartUri: where.lossSvg,
      notes,
    };
    await putText(s3, where.lossSvg, lossChart(input, where, metrics, summary), 'image/svg+xml');
    await putJson(s3, where.reportJson, report);
    log.info('metrics collected', {
      jobArn: input.jobArn,
      steps: summary.steps,
      validationFiles: validationCsvUris.length,
      crossCheck: summary.crossCheck,
    });

    return {
      summary,
      reportUri: where.reportJson,
      chartUri: where.lossSvg,
      trainingCsvUri: metrics.trainingCsvUri,
      validationCsvUris,
    };
  }

  return { collectMetrics };
}
