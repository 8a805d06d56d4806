// Continued pre-training records ({"input"}) for Titan Text Express and Lite.
import { context, cpt, lineRules, MODELS, records, validate } from './helpers';

const titan = (options = {}) => context(MODELS.titanExpress, 'CONTINUED_PRE_TRAINING', options);

describe('continued pre-training', () => {
  it('accepts {"input"} records', () => {
    const report = validate(titan(), records(10, cpt));
    expect(report.format).toBe('continued-pretraining');
    expect(report.verdict).toBe('valid');
  });

  it('refuses other shapes', () => {
    const report = validate(titan(), [
      { text: 'x' },
      { input: ['x'] },
      { input: '' },
      { input: 'x', source: 'y' },
      { prompt: 'a', completion: 'b' },
    ]);
    expect(lineRules(report)).toEqual([
      '1:unknown-field',
      '1:missing-field',
      '2:wrong-type',
      '3:empty-text',
      '4:unknown-field',
      '5:unknown-field',
      '5:unknown-field',
      '5:missing-field',
    ]);
  });

  it('holds records to the batch-size token limit', () => {
    const record = { input: 'x'.repeat(4_096 * 6) };
    expect(validate(titan({ batchSize: 1 }), [record]).verdict).toBe('valid');
    expect(validate(titan({ batchSize: 2 }), [record]).counts['too-many-tokens']).toBe(1);
  });

  it('accepts up to 100,000 records and 10 GiB of training data, 100 MiB of validation data', () => {
    expect(validate(titan({ fileBytes: 10 * 1024 ** 3 }), records(100_000, cpt)).verdict).toBe('valid');
    expect(validate(titan(), records(100_001, cpt)).counts['too-many-records']).toBe(1);
    expect(
      validate(titan({ role: 'validation', fileBytes: 100 * 1024 ** 2 + 1 }), records(3, cpt)).counts['file-too-large'],
    ).toBe(1);
  });
});
