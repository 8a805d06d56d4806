// Training + validation totals and file sizes at their boundaries.
import { findModel } from '../../../src/core/catalog';
import { totalRecordProblems } from '../../../src/core/dataset';
import { fileLimitProblems } from '../../../src/core/dataset/limits';

const limitsOf = (id: string) => findModel(id)!.customizations.FINE_TUNING!.limits;
const rules = (problems: { rule: string }[]) => problems.map((p) => p.rule);

describe('training + validation totals', () => {
  const llama = limitsOf('meta.llama3-1-8b-instruct-v1:0:128k');

  it('Llama: 100 to 10,000 records together', () => {
    expect(rules(totalRecordProblems(llama, 90, 9, 'Llama'))).toEqual(['too-few-total-records']);
    expect(rules(totalRecordProblems(llama, 90, 10, 'Llama'))).toEqual([]);
    expect(rules(totalRecordProblems(llama, 9_000, 1_000, 'Llama'))).toEqual([]);
    expect(totalRecordProblems(llama, 9_000, 1_001, 'Llama 3.1 8B FINE_TUNING')).toEqual([
      {
        rule: 'too-many-total-records',
        message:
          'training + validation records: 9,000 + 1,001 = 10,001; Llama 3.1 8B FINE_TUNING accepts at most 10,000',
      },
    ]);
  });

  it('Claude 3 Haiku: at most 10,000 together', () => {
    const haiku = limitsOf('anthropic.claude-3-haiku-20240307-v1:0:200k');
    expect(rules(totalRecordProblems(haiku, 9_500, 500, 'Haiku'))).toEqual([]);
    expect(rules(totalRecordProblems(haiku, 9_500, 501, 'Haiku'))).toEqual(['too-many-total-records']);
  });
});

describe('file limits', () => {
  const express = limitsOf('amazon.titan-text-express-v1:0:8k');
  const facts = (role: 'training' | 'validation', records: number, bytes: number) => ({
    role,
    records,
    bytes,
    subject: 'Titan',
  });

  it('training file: 1 GiB for Titan Text fine-tuning', () => {
    expect(rules(fileLimitProblems(express, facts('training', 10, 1024 ** 3)))).toEqual([]);
    expect(rules(fileLimitProblems(express, facts('training', 10, 1024 ** 3 + 1)))).toEqual(['file-too-large']);
  });

  it('validation file: 100 MiB and 1,000 records, never the training limits', () => {
    expect(rules(fileLimitProblems(express, facts('validation', 1_000, 100 * 1024 ** 2)))).toEqual([]);
    expect(rules(fileLimitProblems(express, facts('validation', 1_001, 100 * 1024 ** 2 + 1)))).toEqual([
      'too-many-records',
      'file-too-large',
    ]);
  });

  it('an empty file is too small in either role', () => {
    expect(rules(fileLimitProblems(express, facts('training', 0, 0)))).toEqual(['too-few-records']);
    expect(rules(fileLimitProblems(express, facts('validation', 0, 0)))).toEqual(['too-few-records']);
  });
});
