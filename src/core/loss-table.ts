// The per-epoch loss table a finished run shows, in the CLI (`finetune status`, `watch`, `start --wait`)
// and in the run's details in the Temporal UI: which columns it has and how each value is written.
import type { MetricsSummaryView } from './fine-tune-contract';

type Epoch = MetricsSummaryView['epochs'][number];

/** A loss or reward as the tables write it: four decimals, '-' when unknown. */
export function lossText(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(4);
}

export interface LossTable {
  /** 'epoch', 'training loss', then 'validation loss' and 'mean reward' when any epoch has one. */
  headers: string[];
  /** One row per epoch, a cell per header. */
  rows: string[][];
}

export function lossTable(epochs: readonly Epoch[]): LossTable {
  const columns: [string, (e: Epoch) => string][] = [
    ['epoch', (e) => String(e.epoch)],
    ['training loss', (e) => lossText(e.trainingLoss)],
  ];
  if (epochs.some((e) => e.validationLoss !== undefined))
    columns.push(['validation loss', (e) => lossText(e.validationLoss)]);
  // Reinforcement fine-tuning: the grader's mean reward.
  if (epochs.some((e) => e.meanReward !== undefined)) columns.push(['mean reward', (e) => lossText(e.meanReward)]);
  return {
    headers: columns.map(([header]) => header),
    rows: epochs.map((e) => columns.map(([, cell]) => cell(e))),
  };
}
