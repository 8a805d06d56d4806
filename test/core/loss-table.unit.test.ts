// The per-epoch loss table the CLI and the run's details show.
import { lossTable, lossText } from '../../src/core/loss-table';

describe('lossTable', () => {
  it('has the epoch and the training loss, to four decimals', () => {
    expect(lossTable([{ epoch: 1, trainingLoss: 1.23456 }])).toEqual({
      headers: ['epoch', 'training loss'],
      rows: [['1', '1.2346']],
    });
  });

  it("adds validation loss and mean reward when any epoch has one, '-' where an epoch lacks it", () => {
    const table = lossTable([
      { epoch: 1, trainingLoss: 1.2, meanReward: 0.25 },
      { epoch: 2, trainingLoss: 0.8, validationLoss: 0.9, meanReward: 0.5 },
    ]);
    expect(table.headers).toEqual(['epoch', 'training loss', 'validation loss', 'mean reward']);
    expect(table.rows).toEqual([
      ['1', '1.2000', '-', '0.2500'],
      ['2', '0.8000', '0.9000', '0.5000'],
    ]);
  });

  it('is empty with no epochs', () => {
    expect(lossTable([])).toEqual({ headers: ['epoch', 'training loss'], rows: [] });
    expect(lossText(undefined)).toBe('-');
  });
});
