// The metrics Bedrock writes for a customization job, from CSV rows to a per-epoch summary. Facts are in
// shared/reference/bedrock-model-customization.md section 4: the column order of the CSVs is not
// documented, so columns are found by header name; the validation file has been seen at two paths.
// Reinforcement fine-tuning: the API reports only trainingLoss, and which files and columns an RFT job
// writes is UNCONFIRMED (nova-formats.md 3.5). Reward statistics are read from any training-file
// columns named for them (the console's `critic/rewards/mean|max|min`, or `reward_mean` and the like),
// and such a file may lack `training_loss`.
//
// Turning CSV text into rows is done by the activity (csv-parse): csv-parse/sync imports no Node module,
// but it calls the global `Buffer`, which the workflow sandbox does not have. This file only sees the
// rows, so workflows may import it.
import { joinS3Uri } from './bedrock-patterns';

/** One row of a metrics CSV: a training step, or one evaluation of a validation set. */
export interface MetricPoint {
  step: number;
  epoch: number;
  loss: number;
  perplexity?: number;
}

/** A CSV already split into fields: the header as written and each data row keyed by it. */
export interface CsvTable {
  /** The file (URI or name), for error messages. */
  source: string;
  columns: readonly string[];
  /** `line` is the row's line in the file, for error messages. */
  rows: readonly { line: number; values: Readonly<Record<string, string>> }[];
}

export type MetricsFileKind = 'training' | 'validation';

/** A metrics CSV that cannot be read as Bedrock's format. Retrying will not change it. */
export class MetricsCsvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsCsvError';
  }
}

export const LOSS_COLUMN: Record<MetricsFileKind, string> = {
  training: 'training_loss',
  validation: 'validation_loss',
};

/** Where one job's metrics live: `<output>/model-customization-job-<id>/...` (reference section 4). */
export interface JobOutputLocations {
  jobId: string;
  jobPrefix: string;
  trainingCsv: string;
  /** Every `validation_metrics.csv` below this prefix is a validation file, whatever the folders between. */
  validationPrefix: string;
  reportJson: string;
  lossSvg: string;
}

export const TRAINING_CSV_PATH = 'training_artifacts/step_wise_training_metrics.csv';
export const VALIDATION_ARTIFACTS = 'validation_artifacts';
export const VALIDATION_CSV_NAME = 'validation_metrics.csv';

/** The job id is the last segment of the job ARN (12 lowercase alphanumerics on real Bedrock). */
export function jobIdOf(jobArn: string): string {
  const id = jobArn.slice(jobArn.lastIndexOf('/') + 1);
  if (!jobArn.includes('/') || id === '') throw new Error(`not a model-customization-job ARN: ${jobArn}`);
  return id;
}

export function jobOutputLocations(outputS3Uri: string, jobArn: string): JobOutputLocations {
  const jobId = jobIdOf(jobArn);
  const jobPrefix = joinS3Uri(outputS3Uri, `model-customization-job-${jobId}`);
  return {
    jobId,
    jobPrefix,
    trainingCsv: joinS3Uri(jobPrefix, TRAINING_CSV_PATH),
    validationPrefix: `${joinS3Uri(jobPrefix, VALIDATION_ARTIFACTS)}/`,
    reportJson: joinS3Uri(jobPrefix, 'report', 'report.json'),
    lossSvg: joinS3Uri(jobPrefix, 'report', 'loss.svg'),
  };
}

const normalise = (name: string) => name.trim().toLowerCase();

/** Epoch, then step: validation step numbers are not documented to keep rising across epochs. */
const inTrainingOrder = (points: readonly MetricPoint[]): MetricPoint[] =>
  [...points].sort((a, b) => a.epoch - b.epoch || a.step - b.step);

const lastLoss = (points: readonly MetricPoint[]): number | undefined => inTrainingOrder(points).at(-1)?.loss;

/**
 * The points of one metrics CSV, in epoch and step order. Columns are matched by name (case and surrounding
 * spaces ignored) in any order; extra columns are ignored; `perplexity` is optional. An empty file
 * (no header at all) has no points.
 */
export function readMetricPoints(table: CsvTable, kind: MetricsFileKind): MetricPoint[] {
  if (table.columns.length === 0 && table.rows.length === 0) return [];
  const byName = new Map(table.columns.map((c) => [normalise(c), c]));
  const column = (name: string): string => {
    const found = byName.get(name);
    if (found === undefined) {
      throw new MetricsCsvError(
        `${table.source}: missing required column "${name}" (columns found: ${table.columns.map((c) => JSON.stringify(c)).join(', ') || 'none'})`,
      );
    }
    return found;
  };
  const stepCol = column('step_number');
  const epochCol = column('epoch_number');
  const lossCol = column(LOSS_COLUMN[kind]);
  const perplexityCol = byName.get('perplexity');

  const points = table.rows.map(({ line, values }) => {
    const number = (col: string): number => {
      const raw = values[col] ?? '';
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) {
        throw new MetricsCsvError(
          `${table.source}: line ${line}, column "${col}": ${JSON.stringify(raw)} is not a number`,
        );
      }
      return value;
    };
    const point: MetricPoint = { step: number(stepCol), epoch: number(epochCol), loss: number(lossCol) };
    if (perplexityCol !== undefined) {
      // Informative only: a blank or non-finite value (exp of a large loss overflows) is left out.
      const raw = values[perplexityCol] ?? '';
      const perplexity = Number(raw);
      if (raw.trim() !== '' && Number.isFinite(perplexity)) point.perplexity = perplexity;
    }
    return point;
  });
  // Stable sort: rows with the same epoch and step keep the file's order.
  return inTrainingOrder(points);
}

export interface EpochSummary {
  epoch: number;
  /** Mean of the epoch's step losses: each step saw a different batch, so one step is noise. */
  trainingLoss: number;
  /** The loss of the epoch's last step. */
  lastStepTrainingLoss: number;
  /** Validation loss at the epoch's last evaluation, averaged over the validation files that have one. */
  validationLoss?: number;
  /** RFT: the mean of the epoch's step mean rewards. */
  meanReward?: number;
}

/** Grader reward statistics of one training step (RFT): whichever of mean, max and min the file has. */
export interface RewardPoint {
  step: number;
  epoch: number;
  mean?: number;
  max?: number;
  min?: number;
}

export type RewardStat = 'mean' | 'max' | 'min';

const REWARD_STAT_WORDS: Record<RewardStat, RegExp> = {
  mean: /(^|[^a-z])(mean|avg|average)([^a-z]|$)/,
  max: /(^|[^a-z])max([^a-z]|$)/,
  min: /(^|[^a-z])min([^a-z]|$)/,
};

/** The reward columns of a header, by statistic (the first of each wins); a bare `reward(s)` is the mean. */
export function rewardColumns(columns: readonly string[]): Partial<Record<RewardStat, string>> {
  const found: Partial<Record<RewardStat, string>> = {};
  for (const column of columns) {
    const name = normalise(column);
    if (!name.includes('reward')) continue;
    const stat =
      name === 'reward' || name === 'rewards'
        ? 'mean'
        : (Object.keys(REWARD_STAT_WORDS) as RewardStat[]).find((s) => REWARD_STAT_WORDS[s].test(name));
    if (stat && found[stat] === undefined) found[stat] = column;
  }
  return found;
}

/** The reward points of a training CSV, in epoch and step order; none when it has no reward column. */
export function readRewardPoints(table: CsvTable): RewardPoint[] {
  const columns = rewardColumns(table.columns);
  if (Object.keys(columns).length === 0) return [];
  const byName = new Map(table.columns.map((c) => [normalise(c), c]));
  const stepCol = byName.get('step_number');
  const epochCol = byName.get('epoch_number');
  if (stepCol === undefined || epochCol === undefined) {
    throw new MetricsCsvError(`${table.source}: reward columns without step_number and epoch_number`);
  }
  const points = table.rows.map(({ line, values }) => {
    const step = Number(values[stepCol]);
    const epoch = Number(values[epochCol]);
    if (!Number.isFinite(step) || !Number.isFinite(epoch))
      throw new MetricsCsvError(`${table.source}: line ${line}: step_number and epoch_number must be numbers`);
    const point: RewardPoint = { step, epoch };
    for (const [stat, column] of Object.entries(columns) as [RewardStat, string][]) {
      // Informative only, like perplexity: a blank or non-numeric value is left out.
      const raw = values[column] ?? '';
      const value = Number(raw);
      if (raw.trim() !== '' && Number.isFinite(value)) point[stat] = value;
    }
    return point;
  });
  return [...points].sort((a, b) => a.epoch - b.epoch || a.step - b.step);
}

/** The training file's losses and rewards. A file with reward columns may lack `training_loss` (RFT). */
export function readTrainingMetrics(table: CsvTable): { loss: MetricPoint[]; rewards: RewardPoint[] } {
  const rewards = readRewardPoints(table);
  const hasLoss = table.columns.some((c) => normalise(c) === LOSS_COLUMN.training);
  return { loss: rewards.length > 0 && !hasLoss ? [] : readMetricPoints(table, 'training'), rewards };
}

export interface RewardSummary {
  /** The columns read, as the file names them. */
  columns: Partial<Record<RewardStat, string>>;
  steps: number;
  /** Mean reward of the first and of the last step: how far training moved the grader's score. */
  firstMean?: number;
  finalMean?: number;
  /** Highest mean reward of any step. */
  bestMean?: number;
  /** Mean of each epoch's step means. */
  epochs: { epoch: number; meanReward: number }[];
}

export function summariseRewards(
  points: readonly RewardPoint[],
  columns: Partial<Record<RewardStat, string>>,
): RewardSummary | undefined {
  if (points.length === 0) return undefined;
  const means = points.flatMap((p) => (p.mean === undefined ? [] : [p]));
  const epochs = [...new Set(means.map((p) => p.epoch))].map((epoch) => ({
    epoch,
    meanReward: mean(means.filter((p) => p.epoch === epoch).map((p) => p.mean!))!,
  }));
  return {
    columns,
    steps: points.length,
    firstMean: means[0]?.mean,
    finalMean: means.at(-1)?.mean,
    bestMean: means.length > 0 ? Math.max(...means.map((p) => p.mean!)) : undefined,
    epochs,
  };
}

export type CrossCheck = 'match' | 'mismatch' | 'unavailable';

export interface MetricsSummary {
  epochs: EpochSummary[];
  /** Training steps written (rows of the step-wise CSV). */
  steps: number;
  /** The last step's training loss. */
  finalTrainingLoss?: number;
  /** Each validation file's last evaluation, averaged over the files. */
  finalValidationLoss?: number;
  /** Lowest validation loss; lowest mean training loss when there is no validation. */
  bestEpoch?: number;
  customModelTrainingLoss?: number;
  /** GetCustomModel's validationMetrics (one per validator), averaged. */
  customModelValidationLoss?: number;
  crossCheck: CrossCheck;
  /** RFT: the grader's rewards, when the training file has reward columns. */
  rewards?: RewardSummary;
}

/** The losses GetCustomModel (or GetModelCustomizationJob) reports. */
export interface ReportedMetrics {
  trainingLoss?: number;
  validationLosses?: readonly number[];
}

/**
 * Relative tolerance for the cross-check. The CSV and the API should carry the same float; 1e-3 absorbs
 * a value printed with fewer digits in one place than the other. A mismatch is informational: it is
 * reported, never an error.
 */
export const CROSS_CHECK_RELATIVE_TOLERANCE = 1e-3;
/** Below this, two losses are equal whatever their ratio (both essentially zero). */
const CROSS_CHECK_ABSOLUTE_FLOOR = 1e-9;

export function lossesAgree(a: number, b: number): boolean {
  const diff = Math.abs(a - b);
  return (
    diff <= CROSS_CHECK_ABSOLUTE_FLOOR || diff <= CROSS_CHECK_RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b))
  );
}

const mean = (values: readonly number[]): number | undefined =>
  values.length === 0 ? undefined : values.reduce((sum, v) => sum + v, 0) / values.length;

/** Points grouped by epoch, epochs ascending, each group in step order. */
function byEpoch(points: readonly MetricPoint[]): Map<number, MetricPoint[]> {
  const groups = new Map<number, MetricPoint[]>();
  for (const p of inTrainingOrder(points)) {
    const group = groups.get(p.epoch);
    if (group) group.push(p);
    else groups.set(p.epoch, [p]);
  }
  return groups;
}

/**
 * The per-epoch summary of one job. `validations` holds one point list per validation file (several
 * validators can write several files): each file counts the same, since their sizes are unknown here.
 * Epochs are those of the training CSV; a validation-only epoch has no training loss to pair with and
 * only counts toward `finalValidationLoss`.
 */
export function summariseMetrics(
  training: readonly MetricPoint[],
  validations: readonly (readonly MetricPoint[])[],
  reported?: ReportedMetrics,
  rewards?: RewardSummary,
): MetricsSummary {
  const rewardOf = new Map(rewards?.epochs.map((e) => [e.epoch, e.meanReward]));
  const validationByEpoch = validations.map((points) => byEpoch(points));
  const epochs: EpochSummary[] = [...byEpoch(training)].map(([epoch, points]) => {
    // The last evaluation of an epoch is the model as the epoch left it.
    const validationLoss = mean(validationByEpoch.flatMap((groups) => lastLoss(groups.get(epoch) ?? []) ?? []));
    return {
      epoch,
      trainingLoss: mean(points.map((p) => p.loss))!,
      lastStepTrainingLoss: lastLoss(points)!,
      validationLoss,
      ...(rewardOf.has(epoch) ? { meanReward: rewardOf.get(epoch) } : {}),
    };
  });

  const withValidation = epochs.filter((e) => e.validationLoss !== undefined);
  const candidates = withValidation.length > 0 ? withValidation : epochs;
  const score = (e: EpochSummary) => e.validationLoss ?? e.trainingLoss;
  // Ties go to the earlier epoch: same loss for less training.
  const best = candidates.reduce<EpochSummary | undefined>(
    (b, e) => (b === undefined || score(e) < score(b) ? e : b),
    undefined,
  );

  const finalTrainingLoss = lastLoss(training);
  // Absent values are undefined keys, which JSON (report.json, Temporal payloads) leaves out.
  return {
    epochs,
    steps: training.length,
    finalTrainingLoss,
    finalValidationLoss: mean(validations.flatMap((points) => lastLoss(points) ?? [])),
    bestEpoch: best?.epoch,
    customModelTrainingLoss: reported?.trainingLoss,
    customModelValidationLoss: mean(reported?.validationLosses ?? []),
    crossCheck: crossCheck(finalTrainingLoss, reported?.trainingLoss),
    ...(rewards ? { rewards } : {}),
  };
}

/** The CSV's last-step training loss against the API's `trainingMetrics.trainingLoss`. */
export function crossCheck(
  csvFinalTrainingLoss: number | undefined,
  reportedTrainingLoss: number | undefined,
): CrossCheck {
  if (csvFinalTrainingLoss === undefined || reportedTrainingLoss === undefined) return 'unavailable';
  return lossesAgree(csvFinalTrainingLoss, reportedTrainingLoss) ? 'match' : 'mismatch';
}
