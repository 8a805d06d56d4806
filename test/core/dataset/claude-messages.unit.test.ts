// Claude 3 Haiku fine-tuning records and its limits: 32-10,000 training records, 1,000 validation records,
// 32,000 tokens per record, 10 GB training and 1 GB validation files.
import { claude, context, lineRules, MODELS, records, validate } from './helpers';

const haiku = (options = {}) => context(MODELS.haiku, 'FINE_TUNING', options);
const turns = (...roles: string[]) => roles.map((role, i) => ({ role, content: `turn ${i}` }));

describe('Claude 3 Haiku records', () => {
  it('accepts single- and multi-turn records, with or without a system prompt', () => {
    const lines = records(32, claude);
    lines[0] = { messages: turns('user', 'assistant') };
    lines[1] = { system: 'Be terse.', messages: turns('user', 'assistant', 'user', 'assistant') };
    const report = validate(haiku(), lines);
    expect(report.format).toBe('claude-messages');
    expect(report.problems).toEqual([]);
    expect(report.verdict).toBe('valid');
  });

  it('enforces the shape: string system and content, no extra keys anywhere', () => {
    const report = validate(haiku(), [
      { system: ['Be terse.'], messages: turns('user', 'assistant') },
      {
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'hi' }] },
          { role: 'assistant', content: 'hello' },
        ],
      },
      { messages: turns('user', 'assistant'), id: 'x' },
      {
        messages: [
          { role: 'user', content: 'hi', name: 'bob' },
          { role: 'assistant', content: 'hello' },
        ],
      },
      {
        messages: [
          { role: 'user', content: ' ' },
          { role: 'assistant', content: 'hello' },
        ],
      },
      { system: 'Be terse.' },
      { messages: 'hi' },
      { messages: [{ content: 'hi' }, { role: 'assistant', content: 'hello' }] },
    ]);
    expect(lineRules(report)).toEqual([
      '1:wrong-type',
      '2:wrong-type',
      '3:unknown-field',
      '4:unknown-field',
      '5:empty-text',
      '6:missing-field',
      '7:wrong-type',
      '8:missing-field',
    ]);
  });

  it('requires two or more messages, user first, assistant last, alternating', () => {
    const report = validate(haiku(), [
      { messages: turns('user') },
      { messages: turns('assistant', 'user', 'assistant') },
      { messages: turns('user', 'assistant', 'user') },
      { messages: turns('user', 'user', 'assistant') },
      { messages: turns('user', 'assistant', 'assistant') },
      {
        messages: [
          { role: 'human', content: 'hi' },
          { role: 'assistant', content: 'hello' },
        ],
      },
    ]);
    expect(lineRules(report)).toEqual([
      '1:too-few-messages',
      '2:first-message-not-user',
      '3:last-message-not-assistant',
      '4:roles-not-alternating',
      '5:roles-not-alternating',
      '6:invalid-role',
    ]);
  });
});

describe('Claude 3 Haiku limits', () => {
  const count = (report: ReturnType<typeof validate>, rule: string) =>
    report.counts[rule as keyof typeof report.counts] ?? 0;

  it('training records: at least 32, at most 10,000', () => {
    expect(count(validate(haiku(), records(31, claude)), 'too-few-records')).toBe(1);
    expect(validate(haiku(), records(32, claude)).verdict).toBe('valid');
    expect(validate(haiku(), records(10_000, claude)).verdict).toBe('valid');
    expect(count(validate(haiku(), records(10_001, claude)), 'too-many-records')).toBe(1);
  });

  it('a validation file is held to the validation limits, not the training ones', () => {
    const validation = haiku({ role: 'validation' });
    expect(validate(validation, records(5, claude)).verdict).toBe('valid');
    expect(validate(validation, records(1_000, claude)).verdict).toBe('valid');
    expect(validate(validation, records(1_001, claude)).problems[0]).toMatchObject({
      rule: 'too-many-records',
      message: 'the validation file has 1,001 records; Claude 3 Haiku FINE_TUNING accepts at most 1,000',
    });
    expect(count(validate(validation, []), 'too-few-records')).toBe(1);
  });

  it('file sizes: 10 GiB for training, 1 GiB for validation', () => {
    const GiB = 1024 ** 3;
    expect(validate(haiku({ fileBytes: 10 * GiB }), records(32, claude)).verdict).toBe('valid');
    expect(validate(haiku({ fileBytes: 10 * GiB + 1 }), records(32, claude)).problems[0]).toMatchObject({
      rule: 'file-too-large',
      message: 'the training file is 10.0 GiB; Claude 3 Haiku FINE_TUNING accepts at most 10.0 GiB',
    });
    expect(validate(haiku({ role: 'validation', fileBytes: GiB }), records(1, claude)).verdict).toBe('valid');
    expect(
      count(validate(haiku({ role: 'validation', fileBytes: GiB + 1 }), records(1, claude)), 'file-too-large'),
    ).toBe(1);
  });

  it('32,000 tokens per record', () => {
    const record = (chars: number) => ({
      messages: [
        { role: 'user', content: 'u'.repeat(chars - 6) },
        { role: 'assistant', content: 'abcdef' },
      ],
    });
    expect(count(validate(haiku(), [record(32_000 * 6)]), 'too-many-tokens')).toBe(0);
    expect(count(validate(haiku(), [record(32_000 * 6 + 1)]), 'too-many-tokens')).toBe(1);
  });
});
