// Metrics CSVs as Bedrock may write them (column order and extras are undocumented) and their summary.
// The CSV text is split by the activity layer's parser (csv-parse needs Node's Buffer, so it is not in
// core); it needs no server, so it is tested here with the summary it feeds.
import { parseMetricsCsv, readMetricsCsv } from '../../src/activities/metrics/csv';
import {
  crossCheck,
  jobIdOf,
  jobOutputLocations,
  lossesAgree,
  MetricsCsvError,
  readTrainingMetrics,
  rewardColumns,
  summariseMetrics,
  summariseRewards,
  type MetricPoint,
} from '../../src/core/metrics';

const TRAINING = 's3://out/model-customization-job-abc123def456/training_artifacts/step_wise_training_metrics.csv';
const VALIDATION =
  's3://out/model-customization-job-abc123def456/validation_artifacts/post_fine_tuning_validation/validation_metrics.csv';

const points = (rows: [step: number, epoch: number, loss: number][]): MetricPoint[] =>
  rows.map(([step, epoch, loss]) => ({ step, epoch, loss }));

describe('reading a metrics CSV by header', () => {
  const expected = points([
    [1, 1, 2.5],
    [2, 1, 2.0],
    [3, 2, 1.5],
  ]);

  it('reads the documented layout, perplexity included', () => {
    const csv = 'step_number,epoch_number,training_loss,perplexity\n1,1,2.5,12.18\n2,1,2.0,7.39\n3,2,1.5,4.48\n';
    expect(readMetricsCsv(csv, TRAINING, 'training')).toEqual([
      { step: 1, epoch: 1, loss: 2.5, perplexity: 12.18 },
      { step: 2, epoch: 1, loss: 2.0, perplexity: 7.39 },
      { step: 3, epoch: 2, loss: 1.5, perplexity: 4.48 },
    ]);
  });

  it('finds columns in any order, ignores extra columns, and reads the 2023 layout without perplexity', () => {
    const reordered =
      'learning_rate,training_loss,epoch_number,step_number\n0.0001,2.5,1,1\n0.0001,2.0,1,2\n0.00005,1.5,2,3\n';
    expect(readMetricsCsv(reordered, TRAINING, 'training')).toEqual(expected);
    expect(
      readMetricsCsv('step_number,epoch_number,training_loss\n1,1,2.5\n2,1,2.0\n3,2,1.5', TRAINING, 'training'),
    ).toEqual(expected);
  });

  it('tolerates a BOM, CRLF line ends, blank lines, spaces and header case', () => {
    const csv = '\uFEFF Step_Number , epoch_number,TRAINING_LOSS\r\n\r\n1, 1 ,2.5\r\n2,1,2.0\r\n\r\n3,2,1.5\r\n\r\n';
    expect(readMetricsCsv(csv, TRAINING, 'training')).toEqual(expected);
  });

  it('sorts rows by epoch and step', () => {
    const csv = 'step_number,epoch_number,training_loss\n3,2,1.5\n1,1,2.5\n2,1,2.0\n';
    expect(readMetricsCsv(csv, TRAINING, 'training')).toEqual(expected);
  });

  it('reads a validation file by its validation_loss column', () => {
    const csv = 'epoch_number,validation_loss,step_number\n1,0.12,1\n1,0.09,2\n2,0.06,3\n';
    expect(readMetricsCsv(csv, VALIDATION, 'validation')).toEqual(
      points([
        [1, 1, 0.12],
        [2, 1, 0.09],
        [3, 2, 0.06],
      ]),
    );
  });

  it('rejects a file without a required column, naming the file and the column', () => {
    const read = () => readMetricsCsv('step_number,epoch_number,loss\n1,1,2.5\n', TRAINING, 'training');
    expect(read).toThrow(MetricsCsvError);
    expect(read).toThrow(`${TRAINING}: missing required column "training_loss"`);
    // A training file given where a validation file is expected is the same mistake.
    expect(() => readMetricsCsv('step_number,epoch_number,training_loss\n1,1,2.5\n', VALIDATION, 'validation')).toThrow(
      `${VALIDATION}: missing required column "validation_loss"`,
    );
  });

  it('checks the header even when there are no data rows', () => {
    expect(() => readMetricsCsv('step_number,training_loss\n', TRAINING, 'training')).toThrow(
      'missing required column "epoch_number"',
    );
    expect(readMetricsCsv('step_number,epoch_number,training_loss\n', TRAINING, 'training')).toEqual([]);
  });

  it('treats an empty file as no metrics', () => {
    expect(readMetricsCsv('', TRAINING, 'training')).toEqual([]);
    expect(readMetricsCsv('\uFEFF\r\n\r\n', TRAINING, 'training')).toEqual([]);
  });

  it('rejects a value that is not a number, with its line and column', () => {
    const csv = 'step_number,epoch_number,training_loss\n1,1,2.5\n\n2,1,abc\n';
    expect(() => readMetricsCsv(csv, TRAINING, 'training')).toThrow(
      `${TRAINING}: line 4, column "training_loss": "abc" is not a number`,
    );
  });

  it('rejects a row with more fields than the header', () => {
    const csv = 'step_number,epoch_number,training_loss\n1,1,2.5,9\n';
    expect(() => readMetricsCsv(csv, TRAINING, 'training')).toThrow(
      new RegExp(`^${TRAINING.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a readable CSV`),
    );
  });

  it('leaves out a blank or overflowing perplexity rather than failing', () => {
    const csv = 'step_number,epoch_number,training_loss,perplexity\n1,1,800,inf\n2,1,2.0,\n';
    expect(readMetricsCsv(csv, TRAINING, 'training')).toEqual(
      points([
        [1, 1, 800],
        [2, 1, 2.0],
      ]),
    );
  });
});

describe('summarising per epoch', () => {
  const training = points([
    [1, 1, 3.0],
    [2, 1, 2.0],
    [3, 2, 1.6],
    [4, 2, 1.4],
    [5, 3, 1.1],
    [6, 3, 0.9],
  ]);

  it('gives mean and last-step training loss per epoch, validation per epoch and the best epoch', () => {
    const validation = points([
      [1, 1, 2.2],
      [2, 2, 1.7],
      [3, 3, 1.9],
    ]);
    const summary = summariseMetrics(training, [validation]);
    expect(summary).toEqual({
      epochs: [
        { epoch: 1, trainingLoss: 2.5, lastStepTrainingLoss: 2.0, validationLoss: 2.2 },
        { epoch: 2, trainingLoss: 1.5, lastStepTrainingLoss: 1.4, validationLoss: 1.7 },
        { epoch: 3, trainingLoss: 1.0, lastStepTrainingLoss: 0.9, validationLoss: 1.9 },
      ],
      steps: 6,
      finalTrainingLoss: 0.9,
      finalValidationLoss: 1.9,
      // Validation rises above training late (overfitting): the best epoch is not the last.
      bestEpoch: 2,
      crossCheck: 'unavailable',
    });
    expect(summary.epochs[2].trainingLoss).toBeCloseTo(1.0, 12);
  });

  it('takes the last evaluation of an epoch when there are several', () => {
    const validation = points([
      [1, 1, 2.4],
      [2, 1, 2.1],
      [3, 2, 1.8],
    ]);
    expect(summariseMetrics(training, [validation]).epochs.map((e) => e.validationLoss)).toEqual([2.1, 1.8, undefined]);
  });

  it('averages several validation files, each counting the same', () => {
    const a = points([
      [1, 1, 2.0],
      [2, 2, 1.0],
    ]);
    const b = points([
      [1, 1, 4.0],
      [2, 2, 2.0],
    ]);
    const summary = summariseMetrics(training, [a, b]);
    expect(summary.epochs.map((e) => e.validationLoss)).toEqual([3.0, 1.5, undefined]);
    expect(summary.finalValidationLoss).toBe(1.5);
    expect(summary.bestEpoch).toBe(2);
  });

  it('picks the best epoch by training loss when there is no validation, and the earlier one on a tie', () => {
    expect(summariseMetrics(training, []).bestEpoch).toBe(3);
    const flat = points([
      [1, 1, 1.0],
      [2, 2, 1.0],
    ]);
    expect(summariseMetrics(flat, []).bestEpoch).toBe(1);
  });

  it('summarises a job stopped mid-epoch and a single step', () => {
    const stopped = summariseMetrics(training.slice(0, 3), []);
    expect(stopped.epochs).toEqual([
      { epoch: 1, trainingLoss: 2.5, lastStepTrainingLoss: 2.0 },
      { epoch: 2, trainingLoss: 1.6, lastStepTrainingLoss: 1.6 },
    ]);
    expect(stopped.finalTrainingLoss).toBe(1.6);
    expect(summariseMetrics(points([[0, 1, 4.2]]), [])).toEqual({
      epochs: [{ epoch: 1, trainingLoss: 4.2, lastStepTrainingLoss: 4.2 }],
      steps: 1,
      finalTrainingLoss: 4.2,
      bestEpoch: 1,
      crossCheck: 'unavailable',
    });
  });

  it('is empty, not an error, when nothing was written', () => {
    const summary = summariseMetrics([], [[]]);
    expect(summary).toEqual({ epochs: [], steps: 0, crossCheck: 'unavailable' });
    // Undefined members vanish in JSON, as in report.json and Temporal payloads.
    expect(JSON.parse(JSON.stringify(summary))).toEqual({ epochs: [], steps: 0, crossCheck: 'unavailable' });
  });
});

describe('reinforcement fine-tuning rewards (file layout UNCONFIRMED: found by column name)', () => {
  it('recognises the console names and common spellings, but not a reward margin', () => {
    expect(
      rewardColumns(['step_number', 'critic/rewards/mean', 'critic/rewards/max', 'critic/rewards/min', 'loss']),
    ).toEqual({ mean: 'critic/rewards/mean', max: 'critic/rewards/max', min: 'critic/rewards/min' });
    expect(rewardColumns(['Mean_Reward', 'reward_max', 'train/reward/min'])).toEqual({
      mean: 'Mean_Reward',
      max: 'reward_max',
      min: 'train/reward/min',
    });
    expect(rewardColumns(['reward'])).toEqual({ mean: 'reward' });
    expect(rewardColumns(['reward_margin', 'training_loss', 'maximum_steps'])).toEqual({});
  });

  it('reads losses and rewards from one training file, and rewards alone when it has no training_loss', () => {
    const both = parseMetricsCsv(
      'step_number,epoch_number,training_loss,critic/rewards/mean,critic/rewards/max,critic/rewards/min\n' +
        '1,0,0.9,0.2,0.5,0\n0,0,1.0,0.1,0.4,0\n2,1,0.8,,0.9,0.3\n',
      TRAINING,
    );
    expect(readTrainingMetrics(both)).toEqual({
      loss: points([
        [0, 0, 1.0],
        [1, 0, 0.9],
        [2, 1, 0.8],
      ]),
      rewards: [
        { step: 0, epoch: 0, mean: 0.1, max: 0.4, min: 0 },
        { step: 1, epoch: 0, mean: 0.2, max: 0.5, min: 0 },
        // A blank statistic is left out, like a blank perplexity.
        { step: 2, epoch: 1, max: 0.9, min: 0.3 },
      ],
    });
    const rewardsOnly = parseMetricsCsv('step_number,epoch_number,reward_mean\n0,0,0.3\n1,0,0.5\n', TRAINING);
    expect(readTrainingMetrics(rewardsOnly)).toEqual({
      loss: [],
      rewards: [
        { step: 0, epoch: 0, mean: 0.3 },
        { step: 1, epoch: 0, mean: 0.5 },
      ],
    });
    // Without reward columns a training file still needs its loss.
    expect(() => readTrainingMetrics(parseMetricsCsv('step_number,epoch_number\n0,0\n', TRAINING))).toThrow(
      MetricsCsvError,
    );
  });

  it('summarises the mean reward per epoch, first, last and best, and joins it to the loss epochs', () => {
    const rewards = [
      { step: 0, epoch: 0, mean: 0.2 },
      { step: 1, epoch: 0, mean: 0.4 },
      { step: 2, epoch: 1, mean: 0.7 },
      { step: 3, epoch: 1, mean: 0.6 },
    ];
    const summary = summariseRewards(rewards, { mean: 'reward_mean' })!;
    expect(summary).toEqual({
      columns: { mean: 'reward_mean' },
      steps: 4,
      firstMean: 0.2,
      finalMean: 0.6,
      bestMean: 0.7,
      epochs: [
        { epoch: 0, meanReward: expect.closeTo(0.3, 10) },
        { epoch: 1, meanReward: expect.closeTo(0.65, 10) },
      ],
    });
    const training = points([
      [0, 0, 1.0],
      [2, 1, 0.8],
    ]);
    const joined = summariseMetrics(training, [], undefined, summary);
    expect(joined.epochs.map((e) => e.meanReward)).toEqual([expect.closeTo(0.3, 10), expect.closeTo(0.65, 10)]);
    expect(joined.rewards).toBe(summary);
    expect(summariseRewards([], {})).toBeUndefined();
  });
});

describe('cross-checking with GetCustomModel', () => {
  const training = points([
    [1, 1, 2.0],
    [2, 1, 1.7109375],
  ]);

  it('matches the last step loss within a relative 1e-3', () => {
    const summary = summariseMetrics(training, [], { trainingLoss: 1.7109375, validationLosses: [1.9, 2.1] });
    expect(summary.crossCheck).toBe('match');
    expect(summary.customModelTrainingLoss).toBe(1.7109375);
    expect(summary.customModelValidationLoss).toBeCloseTo(2.0, 12);
    expect(summariseMetrics(training, [], { trainingLoss: 1.711 }).crossCheck).toBe('match');
  });

  it('reports a mismatch beyond the tolerance', () => {
    expect(summariseMetrics(training, [], { trainingLoss: 1.72 }).crossCheck).toBe('mismatch');
    // The epoch mean is not the final loss.
    expect(summariseMetrics(training, [], { trainingLoss: 1.85546875 }).crossCheck).toBe('mismatch');
  });

  it('is unavailable without one side', () => {
    expect(summariseMetrics(training, [], { validationLosses: [] }).crossCheck).toBe('unavailable');
    expect(summariseMetrics([], [], { trainingLoss: 1.7 }).crossCheck).toBe('unavailable');
    expect(summariseMetrics(training, []).crossCheck).toBe('unavailable');
    expect(crossCheck(undefined, undefined)).toBe('unavailable');
  });

  it('compares relatively, with a floor for losses near zero', () => {
    expect(lossesAgree(1000, 1000.9)).toBe(true);
    expect(lossesAgree(1000, 1001.1)).toBe(false);
    expect(lossesAgree(0, 0)).toBe(true);
    expect(lossesAgree(0.0001, 0.00011)).toBe(false);
  });
});

describe('where a job writes its metrics', () => {
  const arn =
    'arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.titan-text-express-v1:0:8k/1y5n57gh5y2e';

  it('takes the job id from the last ARN segment', () => {
    expect(jobIdOf(arn)).toBe('1y5n57gh5y2e');
    expect(() => jobIdOf('1y5n57gh5y2e')).toThrow('not a model-customization-job ARN');
    expect(() => jobIdOf('arn:aws:bedrock:us-east-1:123456789012:model-customization-job/')).toThrow();
  });

  it('builds the paths under the output prefix, with or without a trailing slash', () => {
    for (const output of ['s3://finetune-outputs/runs/a', 's3://finetune-outputs/runs/a/']) {
      expect(jobOutputLocations(output, arn)).toEqual({
        jobId: '1y5n57gh5y2e',
        jobPrefix: 's3://finetune-outputs/runs/a/model-customization-job-1y5n57gh5y2e',
        trainingCsv:
          's3://finetune-outputs/runs/a/model-customization-job-1y5n57gh5y2e/training_artifacts/step_wise_training_metrics.csv',
        validationPrefix: 's3://finetune-outputs/runs/a/model-customization-job-1y5n57gh5y2e/validation_artifacts/',
        reportJson: 's3://finetune-outputs/runs/a/model-customization-job-1y5n57gh5y2e/report/report.json',
        lossSvg: 's3://finetune-outputs/runs/a/model-customization-job-1y5n57gh5y2e/report/loss.svg',
      });
    }
    expect(jobOutputLocations('s3://finetune-outputs', arn).trainingCsv).toBe(
      's3://finetune-outputs/model-customization-job-1y5n57gh5y2e/training_artifacts/step_wise_training_metrics.csv',
    );
  });
});
