// Reinforcement fine-tuning prompts (Nova 2 Lite): the records AWS documents are valid; each rule is
// broken once, on the line it names; counts and invocation logs follow the RFT limits.
import { DatasetContextError, DatasetValidator } from '../../../src/core/dataset';
import {
  context,
  lineRules,
  logRecord,
  logWithPrompt,
  MODELS,
  records,
  rftPrompt,
  rulesOf,
  validate,
  type Line,
} from './helpers';

const rftContext = (options = {}) => context(MODELS.nova2Lite, 'REINFORCEMENT_FINE_TUNING', options);
const check = (lines: Line[], options = {}) => validate(rftContext(options), lines);
/** One record among 99 valid ones (line 1), so the record count is not what fails. */
const withValid = (record: Record<string, unknown>) => check([record, ...records(99, (i) => rftPrompt(i + 1))]);

// Verbatim from Bedrock's rft-prepare-data page ("Example: Math problem").
const docsMath = {
  id: 'sample-001',
  messages: [
    { role: 'system', content: 'You are a math tutor' },
    { role: 'user', content: 'Solve: 2x + 5 = 13' },
  ],
  reference_answer: { solution: 'x = 4', steps: ['2x = 13 - 5', '2x = 8', 'x = 4'] },
};
// Verbatim from AWS's Nova dataset validator README (a record with tools).
const docsTools = {
  id: 'tool-001',
  messages: [
    { role: 'system', content: 'You are a helpful game master assistant' },
    {
      role: 'user',
      content: 'Generate a strength stat for a warrior character. Apply a +2 racial bonus modifier.',
    },
  ],
  tools: [
    {
      type: 'function',
      function: {
        name: 'StatRollAPI',
        description: 'Generates character stats',
        parameters: {
          type: 'object',
          properties: { modifier: { description: 'Modifier to apply', type: 'integer' } },
          required: ['modifier'],
        },
      },
    },
  ],
  reference_answer: {
    tool_called: 'StatRollAPI',
    tool_parameters: { modifier: 2 },
    expected_behavior: 'Call StatRollAPI with modifier=2',
  },
};
// Like AWS's GSM8K sample: grader fields beside messages and reference_answer, and no id.
const withGraderFields = {
  messages: [{ role: 'user', content: 'Natalia sold clips to 48 friends in April, and half as many in May...' }],
  reference_answer: '72',
  task_id: 'gsm8k-001',
  domain: 'math',
  difficulty_level: 'easy',
  data_source: 'gsm8k',
};

describe('valid RFT datasets', () => {
  it('accepts the documented records, text parts, tool turns and grader fields, with no problem', () => {
    const multiTurn = rftPrompt(0, {
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'You are a travel agent.' }] },
        { role: 'user', content: 'Find me a flight to Lisbon.' },
        {
          role: 'assistant',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'search', arguments: '{"to":"LIS"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '[{"flight":"TP123"}]' },
        { role: 'user', content: 'Book the first one.' },
      ],
      reference_answer: 'TP123',
    });
    const report = check([docsMath, docsTools, withGraderFields, multiTurn, ...records(96, (i) => rftPrompt(i + 1))]);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ verdict: 'valid', format: 'rft-prompts', records: 100 });
    // Every message's text is prompt (input): 'You are a math tutor' + 'Solve: 2x + 5 = 13' = 38 chars.
    expect(check([docsMath]).estimatedTokens.maxPerRecord).toBe(Math.ceil(38 / 6));
  });

  it('holds a file to 100-20,000 records', () => {
    expect(rulesOf(check(records(99, rftPrompt)))).toEqual(['too-few-records']);
    expect(rulesOf(check(records(20_001, rftPrompt)))).toEqual(['too-many-records']);
    expect(check(records(20_000, rftPrompt)).verdict).toBe('valid');
  });

  it('is offered for Nova 2 Lite only', () => {
    expect(() => new DatasetValidator(context(MODELS.novaMicro, 'REINFORCEMENT_FINE_TUNING'))).toThrow(
      DatasetContextError,
    );
    expect(() => new DatasetValidator(context(MODELS.novaLite, 'REINFORCEMENT_FINE_TUNING'))).toThrow(
      'supports FINE_TUNING, DISTILLATION, not REINFORCEMENT_FINE_TUNING',
    );
  });
});

describe('each rule, broken once', () => {
  const message = (role: string, extra: Record<string, unknown> = {}) => ({ role, content: 'Hello.', ...extra });
  const user = message('user');
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['no messages', { messages: undefined }, ['1:missing-field']],
    ['messages not an array', { messages: 'Solve it' }, ['1:wrong-type']],
    ['an empty messages list', { messages: [] }, ['1:no-user-message']],
    ['only a system message', { messages: [message('system')] }, ['1:no-user-message']],
    ['a system message second', { messages: [user, message('system')] }, ['1:system-not-first']],
    ['an unknown role', { messages: [message('developer'), user] }, ['1:invalid-role']],
    ['a message without role', { messages: [{ content: 'Hi' }, user] }, ['1:missing-field']],
    ['a message key the format lacks', { messages: [message('user', { name: 'ana' })] }, ['1:unknown-field']],
    ['tool_calls on a user message', { messages: [message('user', { tool_calls: [] })] }, ['1:unknown-field']],
    ['a tool message without tool_call_id', { messages: [user, message('tool')] }, ['1:missing-field']],
    [
      'tool_call_id on a user message',
      { messages: [message('user', { tool_call_id: 'call_1' })] },
      ['1:unknown-field'],
    ],
    [
      'a malformed tool call',
      { messages: [user, { role: 'assistant', tool_calls: [{ id: 'c', type: 'function' }] }] },
      ['1:wrong-type'],
    ],
    ['a blank content', { messages: [message('user', { content: '  ' })] }, ['1:empty-text']],
    ['a missing content', { messages: [{ role: 'user' }] }, ['1:missing-field']],
    ['content that is an object', { messages: [message('user', { content: { text: 'Hi' } })] }, ['1:wrong-type']],
    [
      'an image part (RFT is text only)',
      {
        messages: [
          message('user', {
            content: [
              { type: 'text', text: 'What is in it?' },
              { type: 'image_url', image_url: { url: 's3://b/a.png' } },
            ],
          }),
        ],
      },
      ['1:media-not-supported'],
    ],
    [
      'a Converse-style block',
      { messages: [message('user', { content: [{ text: 'Hi' }] })] },
      ['1:invalid-content-block', '1:empty-text'],
    ],
    ['a numeric id', { id: 7 }, ['1:wrong-type']],
    ['a blank id', { id: ' ' }, ['1:empty-text']],
    ['tools not a list', { tools: { name: 'lookup' } }, ['1:wrong-type']],
    ['an empty tools list', { tools: [] }, ['1:invalid-tool-definition']],
    [
      'a tool that is not a function',
      { tools: [{ type: 'code_interpreter', function: { name: 'run' } }] },
      ['1:invalid-tool-definition'],
    ],
    ['a tool without a name', { tools: [{ type: 'function', function: {} }] }, ['1:invalid-tool-definition']],
    [
      'tool parameters that are not an object schema',
      { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'string' } } }] },
      ['1:invalid-tool-definition'],
    ],
    [
      'two tools with one name',
      {
        tools: [
          { type: 'function', function: { name: 'f' } },
          { type: 'function', function: { name: 'f' } },
        ],
      },
      ['1:duplicate-tool-name'],
    ],
  ];

  it.each(cases)('%s', (_what, extra, expected) => {
    const report = withValid(rftPrompt(0, extra));
    expect(lineRules(report)).toEqual(expected);
    expect(report.verdict).toBe('invalid');
  });

  it('a missing or empty reference_answer is a warning, naming a look-alike key', () => {
    for (const reference_answer of [undefined, null, '', {}, []]) {
      const report = withValid(rftPrompt(0, { reference_answer }));
      expect(lineRules(report)).toEqual(['1:missing-reference-answer']);
      expect(report).toMatchObject({ verdict: 'valid', warningCount: 1 });
    }
    const typo = withValid(rftPrompt(0, { reference_answer: undefined, referenceAnswer: 'x = 4' }));
    expect(typo.problems[0].message).toContain('(the record has "referenceAnswer": a typo?)');
  });

  it('Nova reserved words are not RFT rules (documented for SFT records only)', () => {
    expect(withValid(rftPrompt(0, { messages: [message('user', { content: 'User: what is 2+2?' })] })).verdict).toBe(
      'valid',
    );
  });
});

describe('RFT from invocation logs', () => {
  const logsContext = (options = {}) => rftContext({ invocationLogs: {}, ...options });
  const runLogs = (lines: Line[], options = {}) => {
    const validator = new DatasetValidator(logsContext(options));
    validator.beginFile('AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2026/03/04/09/a.json.gz');
    lines.forEach((l, i) =>
      validator.addLine(new TextEncoder().encode(typeof l === 'string' ? l : JSON.stringify(l)), i + 1),
    );
    return validator.finish();
  };
  const multiTurn = (i: number) =>
    logWithPrompt(i, {
      messages: [
        { role: 'user', content: [{ text: `Question ${i}?` }] },
        { role: 'assistant', content: [{ text: 'Which one?' }] },
        { role: 'user', content: [{ text: 'The first.' }] },
      ],
    });

  it('keeps multi-turn prompts from any model (there is no teacher), 100 at least', () => {
    const report = runLogs(records(100, multiTurn), { invocationLogs: { usePromptResponse: true } });
    expect(report).toMatchObject({ verdict: 'valid', format: 'invocation-log', records: 100, warningCount: 0 });
    expect(rulesOf(runLogs(records(99, (i) => logRecord(i))))).toEqual(['too-few-records']);
  });

  it('caps the prompts at 20,000, not distillation 15,000', () => {
    const report = runLogs(records(20_001, (i) => logRecord(i)));
    expect(report.records).toBe(20_000);
    expect(report.counts['log-over-cap']).toBe(1);
    expect(report.problems.find((p) => p.rule === 'log-over-cap')?.message).toContain('20,000-prompt cap');
  });

  it('drops multimodal prompts (RFT is text only)', () => {
    const image = logWithPrompt(0, {
      messages: [{ role: 'user', content: [{ text: 'What is this?' }, { image: { format: 'png' } }] }],
    });
    expect(lineRules(runLogs([image]))).toEqual(['1:log-multimodal']);
  });
});
