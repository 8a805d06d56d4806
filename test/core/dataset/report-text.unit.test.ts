// The human text of a report and the failure summary.
import { reportText, summarizeErrors } from '../../../src/core/dataset';
import { context, MODELS, pc, records, validate } from './helpers';

describe('reportText', () => {
  it('groups problems by rule with their lines and one fix per rule', () => {
    const report = validate(context(MODELS.llama31), [...records(100, pc), '{', '{', { prompt: 'a' }, pc(0)]);
    const text = reportText(report, { source: 'train.jsonl' });
    expect(text).toContain(
      'INVALID: train.jsonl (training data, prompt-completion, meta.llama3-1-8b-instruct-v1:0:128k FINE_TUNING)',
    );
    expect(text).toContain('  104 records, 104 lines,');
    expect(text).toContain('  3 errors, 1 warning');
    expect(text).toContain('error invalid-json (2)\n  line 101: not valid JSON');
    expect(text).toContain('  line 102: not valid JSON');
    expect(text).toContain(
      'error missing-field (1)\n  line 103: completion is missing\n  fix: Add the required field named in the message.',
    );
    expect(text).toContain(
      'warning duplicate-record (1)\n  line 104: the record repeats line 1 exactly\n  fix: Remove repeated records',
    );
    expect(text.indexOf('invalid-json')).toBeLessThan(text.indexOf('duplicate-record'));
  });

  it('says VALID and lists nothing for a clean file', () => {
    const text = reportText(validate(context(MODELS.llama31), records(100, pc)), { source: 's3://b/k' });
    expect(text.split('\n')[0]).toBe(
      'VALID: s3://b/k (training data, prompt-completion, meta.llama3-1-8b-instruct-v1:0:128k FINE_TUNING)',
    );
    expect(text).not.toContain('fix:');
  });

  it('tells how many more lines a rule has beyond those shown', () => {
    const report = validate(
      context(MODELS.llama31),
      Array.from({ length: 120 }, () => '['),
    );
    const text = reportText(report, { source: 'x', perRule: 2 });
    expect(text).toContain('error invalid-json (120)');
    expect(text).toMatch(/ {2}also at line 3, line 4, .*line 100\n/);
    expect(text).toContain('  ... 20 more not listed');
  });
});

describe('summarizeErrors', () => {
  it('names the first errors with their lines and rules', () => {
    const report = validate(context(MODELS.llama31), [...records(100, pc), '{', { prompt: 'a' }, '[', '7', 'x', 'y']);
    expect(summarizeErrors(report, 2)).toMatch(
      /^line 101 \[invalid-json\] not valid JSON: .*; line 102 \[missing-field\] completion is missing; and 4 more errors$/,
    );
  });
});
