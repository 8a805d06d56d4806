// What collectMetrics writes next to the job's outputs: report.json and the loss chart. Both are functions
// of the job, its metrics files and the first attempt's schedule time, so a retried attempt writes the
// same bytes.
import { renderLossChart } from '../../core/loss-chart';
import {
  VALIDATION_ARTIFACTS,
  VALIDATION_CSV_NAME,
  type JobOutputLocations,
  type MetricsSummary,
} from '../../core/metrics';
import type { JobMetrics } from './job-files';

/** The job whose metrics are collected, as the activity is told it. */
export interface CollectedJob {
  jobArn: string;
  jobName: string;
  /** Completed | Stopped | Failed: collect whatever exists. */
  jobStatus: string;
  /** When the job completed. */
  customModelArn?: string;
  baseModelIdentifier: string;
}

/** What report.json holds. `generatedAt` is when collection was first scheduled, not "now". */
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

export function metricsReport(
  job: CollectedJob,
  where: JobOutputLocations,
  metrics: JobMetrics,
  summary: MetricsSummary,
  notes: string[],
  generatedAt: string,
): MetricsReport {
  return {
    jobArn: job.jobArn,
    jobName: job.jobName,
    jobStatus: job.jobStatus,
    customModelArn: job.customModelArn ?? null,
    baseModelIdentifier: job.baseModelIdentifier,
    generatedAt,
    summary,
    trainingCsvUri: metrics.trainingCsvUri ?? null,
    validationCsvUris: metrics.validations.map((v) => v.uri),
    validationFiles: metrics.validations.map((v) => ({
      uri: v.uri,
      evaluations: v.points.length,
      finalValidationLoss: v.points.at(-1)?.loss ?? null,
    })),
    chartUri: where.lossSvg,
    notes,
  };
}

/** "post_fine_tuning_validation/validation" for a validation CSV's legend entry. */
function validationLabel(uri: string, prefixUri: string, only: boolean): string {
  if (only) return 'validation loss';
  const folder = uri.slice(prefixUri.length, -VALIDATION_CSV_NAME.length).replace(/\/$/, '');
  return `validation loss (${folder || VALIDATION_ARTIFACTS})`;
}

/** The loss-curve SVG: training loss and each validation file's loss, or a note that there are none. */
export function lossChart(
  job: CollectedJob,
  where: JobOutputLocations,
  metrics: JobMetrics,
  summary: MetricsSummary,
): string {
  const subtitle = [
    `base model ${job.baseModelIdentifier}`,
    `job ${job.jobStatus}`,
    ...(summary.steps > 0 ? [`${summary.steps} steps, ${summary.epochs.length} epochs`] : []),
    ...(summary.bestEpoch !== undefined ? [`best epoch ${summary.bestEpoch}`] : []),
  ].join(' · ');
  return renderLossChart({
    title: `Loss: ${job.jobName}`,
    subtitle,
    training: metrics.training,
    validations: metrics.validations.map((v) => ({
      label: validationLabel(v.uri, where.validationPrefix, metrics.validations.length === 1),
      points: v.points,
    })),
    note: `job ${job.jobStatus}: no metric rows under ${where.jobPrefix}/`,
  });
}
