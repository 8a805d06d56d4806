// Prompt/completion records (Titan Text, Cohere, Llama 3.1): fields, and token limits at their boundaries.
import { context, lineRules, MODELS, pc, records, validate } from './helpers';

/** A record of exactly `inputTokens` + `outputTokens` estimated tokens (6 characters each). */
const sized = (inputTokens: number, outputTokens: number) => ({
  prompt: 'p'.repeat(inputTokens * 6),
  completion: 'c'.repeat(outputTokens * 6),
});

describe('prompt-completion records', () => {
  it.each([MODELS.titanExpress, MODELS.titanLite, MODELS.titanPremier, MODELS.cohere, MODELS.llama31])(
    'accepts a clean file for %s',
    (model) => {
      const report = validate(context(model), records(100, pc));
      expect(report.format).toBe('prompt-completion');
      expect(report.verdict).toBe('valid');
    },
  );

  it('requires both fields as non-blank strings and nothing else', () => {
    const report = validate(context(MODELS.titanExpress), [
      { prompt: 'a', completion: 'b' },
      { completion: 'b' },
      { prompt: 'a', completion: null },
      { prompt: 'a', completion: '' },
      { prompt: 'a', completion: 'b', metadata: { source: 'x' } },
      { Prompt: 'a', completion: 'b' },
    ]);
    expect(lineRules(report)).toEqual([
      '2:missing-field',
      '3:wrong-type',
      '4:empty-text',
      '5:unknown-field',
      '6:unknown-field',
      '6:missing-field',
    ]);
    expect(report.problems.find((p) => p.line === 3)?.message).toBe('completion must be a string, not null');
  });
});

describe('token limits', () => {
  it('Titan Text Express: 4,096 tokens at batch size 1, 2,048 from batch size 2', () => {
    const at = (batchSize: number, tokens: number) =>
      validate(context(MODELS.titanExpress, 'FINE_TUNING', { batchSize }), [sized(tokens - 100, 100)]).counts[
        'too-many-tokens'
      ] ?? 0;
    expect(at(1, 4_096)).toBe(0);
    expect(at(1, 4_097)).toBe(1);
    expect(at(2, 2_048)).toBe(0);
    expect(at(2, 2_049)).toBe(1);
    expect(at(4, 2_049)).toBe(1);
  });

  it('Titan Text Lite: 4,096 tokens up to batch size 2', () => {
    const at = (batchSize: number, tokens: number) =>
      validate(context(MODELS.titanLite, 'FINE_TUNING', { batchSize }), [sized(tokens - 100, 100)]).counts[
        'too-many-tokens'
      ] ?? 0;
    expect(at(2, 4_096)).toBe(0);
    expect(at(3, 4_096)).toBe(1);
    expect(at(6, 2_048)).toBe(0);
  });

  it('Cohere Command: input 4,096 and output 2,048 tokens', () => {
    const problems = (input: number, output: number) =>
      validate(context(MODELS.cohere), [sized(input, output)]).problems.filter((p) => p.rule === 'too-many-tokens');
    expect(problems(4_096, 2_048)).toEqual([]);
    expect(problems(4_097, 10)[0].message).toBe('the record has about 4097 input tokens, over the limit of 4096');
    expect(problems(10, 2_049)[0].message).toBe('the record has about 2049 output tokens, over the limit of 2048');
  });

  it('Llama 3.1: 16,000 tokens for input and output together', () => {
    const count = (input: number, output: number) =>
      validate(context(MODELS.llama31), [sized(input, output)]).counts['too-many-tokens'] ?? 0;
    expect(count(8_000, 8_000)).toBe(0);
    expect(count(8_000, 8_001)).toBe(1);
  });

  it('estimates at one token per 6 characters of text, rounding up', () => {
    const report = validate(context(MODELS.llama31), [
      { prompt: 'abcdefg', completion: 'hijklm' },
      { prompt: 'a', completion: 'b' },
    ]);
    expect(report.estimatedTokens).toEqual({ total: 3 + 1, maxPerRecord: 3, limitPerRecord: 16_000 });
  });
});
