// Problems found after reading, added to a report.
import { withFileProblems } from '../../../src/core/dataset';
import { context, MODELS, pc, records, validate } from './helpers';

describe('withFileProblems', () => {
  it('adds problems first and recomputes the verdict and counts', () => {
    const report = validate(context(MODELS.llama31), records(100, pc));
    const merged = withFileProblems(report, [{ rule: 'too-many-total-records', message: 'too many' }]);
    expect(merged).toMatchObject({ verdict: 'invalid', errorCount: 1, counts: { 'too-many-total-records': 1 } });
    expect(merged.problems[0]).toEqual({ rule: 'too-many-total-records', severity: 'error', message: 'too many' });
    expect(withFileProblems(report, [])).toBe(report);
  });
});
