// Step 5 of the fineTune workflow: read the metrics CSVs Bedrock wrote under the job's output prefix,
// summarise them per epoch, cross-check them with GetCustomModel, and write report.json and loss.svg
// under `<output>/model-customization-job-<id>/report/`. Whatever the job's status, it collects what
// exists: a job stopped before training has no CSV, and still gets a report that says so. Reading the
// files is metrics/job-files.ts, the CSV format metrics/csv.ts, what is written metrics/report-and-chart.ts.
import { GetCustomModelCommand, type BedrockClient } from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import { activityInfo, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { awsErrorName } from '../aws/errors';
import { getText, putJson, putText } from '../aws/s3-objects';
import { FailureType } from '../core/failures';
import type { PromotionResult } from '../core/promotion-contract';
import {
  jobOutputLocations,
  summariseMetrics,
  VALIDATION_CSV_NAME,
  type MetricsSummary,
  type ReportedMetrics,
} from '../core/metrics';
import { readJobMetrics } from './metrics/job-files';
import { lossChart, metricsReport, type CollectedJob } from './metrics/report-and-chart';

export type { MetricsSummary } from '../core/metrics';
export type { MetricsReport } from './metrics/report-and-chart';

export interface CollectMetricsInput extends CollectedJob {
  /** outputDataConfig.s3Uri of the job. */
  outputS3Uri: string;
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

function check(condition: boolean, message: string): void {
  if (!condition) throw ApplicationFailure.nonRetryable(message, FailureType.InvalidRequest);
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
    // The first attempt's schedule time, not "now": a retry must write the same bytes.
    const generatedAt = new Date(activityInfo().scheduledTimestampMs).toISOString();
    const report = metricsReport(input, where, metrics, summary, notes, generatedAt);
    await putText(s3, where.lossSvg, lossChart(input, where, metrics, summary), 'image/svg+xml');
    await putJson(s3, where.reportJson, report);
    log.info('metrics collected', {
      jobArn: input.jobArn,
      steps: summary.steps,
      validationFiles: report.validationCsvUris.length,
      crossCheck: summary.crossCheck,
    });

    return {
      summary,
      reportUri: where.reportJson,
      chartUri: where.lossSvg,
      trainingCsvUri: metrics.trainingCsvUri,
      validationCsvUris: report.validationCsvUris,
    };
  }

  /**
   * The promotion's comparison table (metric, new, current, threshold, verdict) and outcome, added to
   * report.json beside the metrics: one report of the run, for whoever reads it after the run.
   */
  async function recordPromotionInReport(input: { reportUri: string; promotion: PromotionResult }): Promise<void> {
    const text = await getText(s3, input.reportUri);
    if (text === undefined) return;
    const report = JSON.parse(text) as Record<string, unknown>;
    const { outcome, reasons, deployment, modelArn, previousModelArn, scores, approval } = input.promotion;
    await putJson(s3, input.reportUri, {
      ...report,
      promotion: { outcome, reasons, deployment, modelArn, previousModelArn, scores, approval },
    });
  }

  return { collectMetrics, recordPromotionInReport };
}
