// The pure half of preparation: the seeded shuffle and the held-out count.
import { findModel } from '../../../src/core/catalog';
import { preparationOptionProblems, seededPermutation, validationSplitCount } from '../../../src/core/dataset';

const limitsOf = (id: string) => findModel(id)!.customizations.FINE_TUNING!.limits;

describe('seededPermutation', () => {
  it('is a permutation, the same for the same seed, different for another', () => {
    const a = seededPermutation(1_000, 'wf-1');
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
    expect(seededPermutation(1_000, 'wf-1')).toEqual(a);
    expect(seededPermutation(1_000, 'wf-2')).not.toEqual(a);
    expect([...a.slice(0, 10)]).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('is pinned: the same order on every machine and version', () => {
    expect([...seededPermutation(10, 'seed')]).toEqual([0, 4, 7, 5, 9, 2, 1, 6, 8, 3]);
  });

  it('handles empty and single inputs', () => {
    expect([...seededPermutation(0, 's')]).toEqual([]);
    expect([...seededPermutation(1, 's')]).toEqual([0]);
  });
});

describe('validationSplitCount', () => {
  const nova = limitsOf('amazon.nova-lite-v1:0:300k');
  const haiku = limitsOf('anthropic.claude-3-haiku-20240307-v1:0:200k');

  it('rounds the share, at least one record', () => {
    expect(validationSplitCount(100, 0.2, nova)).toBe(20);
    expect(validationSplitCount(10, 0.01, nova)).toBe(1);
    expect(validationSplitCount(100, 0, nova)).toBe(0);
    expect(validationSplitCount(1, 0.5, nova)).toBe(0);
  });

  it('is capped by the validation limit and the training minimum', () => {
    expect(validationSplitCount(10_000, 0.2, haiku)).toBe(1_000);
    expect(validationSplitCount(40, 0.5, haiku)).toBe(8);
  });

  it('is zero when the model takes no validation set', () => {
    expect(
      validationSplitCount(
        100,
        0.2,
        findModel('amazon.titan-image-generator-v1:0')!.customizations.FINE_TUNING!.limits,
      ),
    ).toBe(0);
  });

  it('checks the option range', () => {
    expect(preparationOptionProblems({ validationSplit: 0.5 })).toEqual([]);
    expect(preparationOptionProblems({ validationSplit: 0.6 })).toEqual([
      'validationSplit 0.6 must be between 0 and 0.5',
    ]);
  });
});
