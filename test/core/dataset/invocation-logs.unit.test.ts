// Invocation log records for distillation: what qualifies, filters, the teacher match, the cap, and
// how problems of many files are located.
import {
  DatasetValidator,
  isInvocationLogKey,
  matchesMetadataFilters,
  metadataFilterProblems,
  normalizeModelId,
  validateFiles,
  type DatasetReport,
  type MetadataFilters,
} from '../../../src/core/dataset';
import { bytesOf, context, logRecord, logWithPrompt, MODELS, type ContextOptions, type Line } from './helpers';

const logs = (options: ContextOptions = {}, student: string = MODELS.novaMicro) =>
  context(student, 'DISTILLATION', { invocationLogs: {}, ...options });

function run(
  ctx: ReturnType<typeof logs>,
  lines: Line[],
  file = 'AWSLogs/1/BedrockModelInvocationLogs/us-east-1/2026/03/04/09/a.json.gz',
): DatasetReport {
  const validator = new DatasetValidator(ctx);
  validator.beginFile(file);
  lines.forEach((line, i) => validator.addLine(bytesOf(line), i + 1));
  return validator.finish();
}

const many = (n: number, make = (i: number) => logRecord(i)) => Array.from({ length: n }, (_, i) => make(i));

describe('invocation logs', () => {
  it('uses Converse records and needs 100 of them', () => {
    const report = run(logs(), many(100));
    expect(report).toMatchObject({ verdict: 'valid', format: 'invocation-log', records: 100 });
    expect(report.invocationLogs).toEqual({ files: 1, recordsRead: 100, filteredOut: 0, qualifying: 100 });
    expect(report.estimatedTokens.total).toBeGreaterThan(100);
  });

  it('fails with fewer than 100 usable records, and says where the others went', () => {
    const lines = [...many(99), logRecord(99, { errorCode: 'ValidationException' }), '', 'not json'];
    const report = run(logs(), lines);
    expect(report.verdict).toBe('invalid');
    expect(report.problems[0]).toEqual({
      rule: 'too-few-records',
      severity: 'error',
      message:
        '99 usable log records (101 read in 1 files, 0 filtered out, 2 dropped); Nova Micro DISTILLATION needs at least 100',
    });
    expect(report.counts).toEqual({ 'too-few-records': 1, 'log-error-record': 1, 'log-invalid-json': 1 });
  });

  it('reads model-native InvokeModel bodies: Anthropic messages, Llama prompt, Titan inputText', () => {
    const anthropic = logWithPrompt(
      0,
      {
        anthropic_version: 'bedrock-2023-05-31',
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'Hi there' }],
      },
      { operation: 'InvokeModel' },
    );
    const anthropicBlocks = logWithPrompt(
      1,
      { messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] },
      { operation: 'InvokeModel' },
    );
    const llama = logWithPrompt(2, { prompt: 'What is 2+2?', max_gen_len: 100 }, { operation: 'InvokeModel' });
    const titan = logWithPrompt(3, { inputText: 'Summarise this.' }, { operation: 'InvokeModel' });
    const stream = logRecord(4, { operation: 'ConverseStream' });
    const report = run(logs(), [anthropic, anthropicBlocks, llama, titan, stream]);
    expect(report.invocationLogs?.qualifying).toBe(5);
    expect(report.counts).toEqual({ 'too-few-records': 1 });
  });

  it('reads InvokeModel and InvokeModelWithResponseStream records of every teacher family, responses included', () => {
    const invoke = (i: number, modelId: string, request: unknown, response: unknown, operation = 'InvokeModel') => {
      const base = logWithPrompt(i, request, { operation, modelId });
      return { ...base, output: { outputContentType: 'application/json', outputBodyJson: response } };
    };
    const nova = { messages: [{ role: 'user', content: [{ text: 'Hi' }] }], system: [{ text: 'Be brief.' }] };
    const claude = { anthropic_version: 'bedrock-2023-05-31', messages: [{ role: 'user', content: 'Hi' }] };
    const llama = { prompt: '<|begin_of_text|>Hi', max_gen_len: 100 };
    const records = [
      invoke(0, 'amazon.nova-pro-v1:0', nova, {
        output: { message: { role: 'assistant', content: [{ text: 'Hello.' }] } },
      }),
      invoke(1, 'anthropic.claude-3-5-sonnet-20241022-v2:0', claude, { content: [{ type: 'text', text: 'Hello.' }] }),
      invoke(2, 'meta.llama3-1-70b-instruct-v1:0', llama, { generation: 'Hello.' }),
      // Streams are logged as their list of events.
      invoke(
        3,
        'amazon.nova-pro-v1:0',
        nova,
        [
          { messageStart: { role: 'assistant' } },
          { contentBlockDelta: { delta: { text: 'Hel' } } },
          { contentBlockDelta: { delta: { text: 'lo.' } } },
          { messageStop: { stopReason: 'end_turn' } },
        ],
        'InvokeModelWithResponseStream',
      ),
      invoke(
        4,
        'anthropic.claude-3-5-sonnet-20241022-v2:0',
        claude,
        [
          { type: 'message_start' },
          { type: 'content_block_delta', delta: { type: 'text_delta', text: 'Hello.' } },
          { type: 'message_stop' },
        ],
        'InvokeModelWithResponseStream',
      ),
      invoke(
        5,
        'meta.llama3-1-70b-instruct-v1:0',
        llama,
        [{ generation: 'Hel' }, { generation: 'lo.' }],
        'InvokeModelWithResponseStream',
      ),
      invoke(
        6,
        'amazon.nova-pro-v1:0',
        nova,
        [{ messageStart: { role: 'assistant' } }],
        'InvokeModelWithResponseStream',
      ),
      invoke(
        7,
        'anthropic.claude-3-5-sonnet-20241022-v2:0',
        claude,
        [{ type: 'message_delta', delta: { stop_reason: 'guardrail_intervened' } }],
        'InvokeModelWithResponseStream',
      ),
    ];
    const report = run(logs({ invocationLogs: { usePromptResponse: true } }), records);
    expect(report.invocationLogs?.qualifying).toBe(6);
    expect(report.counts).toEqual({ 'too-few-records': 1, 'log-missing-response': 1, 'log-guardrail': 1 });
    expect(report.problems.filter((p) => p.line !== undefined).map((p) => `${p.line}:${p.rule}`)).toEqual([
      '7:log-missing-response',
      '8:log-guardrail',
    ]);
  });

  it('drops multi-turn prompts for single-turn students only', () => {
    const multi = logWithPrompt(0, {
      messages: [
        { role: 'user', content: [{ text: 'a' }] },
        { role: 'assistant', content: [{ text: 'b' }] },
        { role: 'user', content: [{ text: 'c' }] },
      ],
    });
    expect(run(logs(), [multi]).invocationLogs?.qualifying).toBe(1);
    expect(run(logs({}, MODELS.haiku), [multi]).counts['log-multi-turn']).toBe(1);
  });

  it('skips blank lines without a problem', () => {
    const report = run(logs(), [...many(100), '', '  ']);
    expect(report.verdict).toBe('valid');
    expect(report.warningCount).toBe(0);
  });

  it('counts an offloaded prompt as used, with a warning', () => {
    const offloaded = logRecord(0, { input: { inputBodyS3Path: 's3://logs/x/data/req-0_input.json.gz' } });
    const report = run(logs(), [offloaded, ...many(99, (i) => logRecord(i + 1))]);
    expect(report.verdict).toBe('valid');
    expect(report.counts).toEqual({ 'log-body-offloaded': 1 });
  });

  it('caps distillation at 15,000 prompts', () => {
    const report = run(logs(), many(15_002));
    expect(report.records).toBe(15_000);
    expect(report.invocationLogs?.qualifying).toBe(15_002);
    expect(report.counts).toEqual({ 'log-over-cap': 2 });
    expect(report.verdict).toBe('valid');
  });

  it('locates problems by file and line when logs span several objects', async () => {
    async function* lines(records: Line[]) {
      for (const r of records) yield bytesOf(r);
    }
    async function* files() {
      yield { name: 'a.json.gz', lines: lines([logRecord(0), '{']) };
      yield { name: 'b.json.gz', lines: lines([logRecord(1, { operation: 'Embed' })]) };
    }
    const report = await validateFiles(files(), logs());
    expect(report.invocationLogs).toMatchObject({ files: 2, recordsRead: 3, qualifying: 1 });
    expect(report.problems.filter((p) => p.line).map((p) => [p.file, p.line, p.rule])).toEqual([
      ['a.json.gz', 2, 'log-invalid-json'],
      ['b.json.gz', 1, 'log-unsupported-operation'],
    ]);
    expect(report.problems.find((p) => p.rule === 'too-few-records')?.file).toBeUndefined();
  });
});

describe('usePromptResponse and the teacher', () => {
  const teacherCtx = (teacher: string) =>
    logs({ invocationLogs: { usePromptResponse: true }, teacherModelIdentifier: teacher });

  it('uses only responses of the teacher, comparing ids, profiles and ARNs', () => {
    const records = [
      logRecord(0, { modelId: 'amazon.nova-pro-v1:0' }),
      logRecord(1, { modelId: 'us.amazon.nova-pro-v1:0' }),
      logRecord(2, { modelId: 'arn:aws:bedrock:us-east-1:111122223333:inference-profile/global.amazon.nova-pro-v1:0' }),
      logRecord(3, { modelId: 'amazon.nova-premier-v1:0' }),
    ];
    const report = run(teacherCtx('arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0'), records);
    expect(report.invocationLogs?.qualifying).toBe(3);
    expect(report.counts['log-not-from-teacher']).toBe(1);
  });

  it('needs a text response; prompts-only mode does not', () => {
    const noResponse = logRecord(0, { output: { outputContentType: 'application/json' } });
    const emptyResponse = logRecord(1, {
      output: { outputBodyJson: { output: { message: { role: 'assistant', content: [] } } } },
    });
    const llama = logWithPrompt(
      2,
      { prompt: 'Hi' },
      { operation: 'InvokeModel', output: { outputBodyJson: { generation: 'Hello!' } } },
    );
    const withResponses = run(teacherCtx('amazon.nova-pro-v1:0'), [noResponse, emptyResponse, llama]);
    expect(withResponses.counts['log-missing-response']).toBe(2);
    expect(withResponses.invocationLogs?.qualifying).toBe(1);
    expect(run(logs(), [noResponse, emptyResponse]).invocationLogs?.qualifying).toBe(2);
  });

  it('normalizes model ids', () => {
    expect(normalizeModelId('eu.anthropic.claude-3-5-sonnet-20240620-v1:0')).toBe(
      'anthropic.claude-3-5-sonnet-20240620-v1:0',
    );
    expect(normalizeModelId('arn:aws:bedrock:us-west-2::foundation-model/Meta.Llama3-1-70b-instruct-v1:0')).toBe(
      'meta.llama3-1-70b-instruct-v1:0',
    );
  });
});

describe('requestMetadataFilters', () => {
  const meta = { project: 'support-bot', env: 'prod' };

  it.each<[string, MetadataFilters, boolean, boolean]>([
    ['equals', { equals: { env: 'prod' } }, true, false],
    ['notEquals', { notEquals: { env: 'prod' } }, false, true],
    ['andAll', { andAll: [{ equals: { env: 'prod' } }, { equals: { project: 'support-bot' } }] }, true, false],
    ['orAll', { orAll: [{ equals: { env: 'dev' } }, { equals: { project: 'support-bot' } }] }, true, false],
  ])('%s', (_name, filters, matchesTagged, matchesUntagged) => {
    expect(metadataFilterProblems(filters)).toEqual([]);
    expect(matchesMetadataFilters(meta, filters)).toBe(matchesTagged);
    // A record without requestMetadata fails equals and passes notEquals.
    expect(matchesMetadataFilters(undefined, filters)).toBe(matchesUntagged);
  });

  it('is case-sensitive', () => {
    expect(matchesMetadataFilters(meta, { equals: { env: 'Prod' } })).toBe(false);
  });

  it.each<[string, MetadataFilters, string]>([
    ['two members', { equals: { a: '1' }, notEquals: { b: '2' } }, 'exactly one of equals, notEquals, andAll, orAll'],
    ['no member', {}, 'exactly one of equals, notEquals, andAll, orAll'],
    ['two keys', { equals: { a: '1', b: '2' } }, 'exactly one key'],
    ['an empty list', { andAll: [] }, '1-16 filters'],
    ['17 filters', { orAll: Array.from({ length: 17 }, (_, i) => ({ equals: { k: `${i}` } })) }, '1-16 filters'],
    [
      'a base filter with both',
      { andAll: [{ equals: { a: '1' }, notEquals: { b: '2' } }] },
      'exactly one of equals, notEquals',
    ],
    ['a comma in a value', { equals: { tags: 'a,b' } }, 'must be a string of up to 256'],
    ['an empty key', { equals: { '': 'x' } }, 'must be 1-256'],
  ])('refuses %s', (_name, filters, message) => {
    expect(metadataFilterProblems(filters).join(' ')).toContain(message);
  });

  it('filters records out without calling them problems', () => {
    const report = run(logs({ invocationLogs: { requestMetadataFilters: { equals: { env: 'prod' } } } }), many(200));
    expect(report.invocationLogs).toEqual({ files: 1, recordsRead: 200, filteredOut: 100, qualifying: 100 });
    expect(report.verdict).toBe('valid');
    expect(report.problems).toEqual([]);
  });

  it('reports an invalid filter once and does not filter', () => {
    const report = run(logs({ invocationLogs: { requestMetadataFilters: { equals: {} } } }), many(100));
    expect(report.counts).toEqual({ 'invalid-metadata-filter': 1 });
    expect(report.invocationLogs?.filteredOut).toBe(0);
  });
});

describe('log object keys', () => {
  it.each([
    ['AWSLogs/1/BedrockModelInvocationLogs/us-east-1/2026/03/04/09/20260304T091527Z_ab12.json.gz', true],
    ['prefix/AWSLogs/1/BedrockModelInvocationLogs/us-east-1/2026/03/04/09/data/req_input.json.gz', false],
    ['data/req_output.json.gz', false],
    ['prefix/amazon-bedrock-logs-permission-check', false],
    ['AWSLogs/1/BedrockModelInvocationLogs/us-east-1/2026/03/04/09/x.json', false],
    ['AWSLogs/metadata/x.json.gz', true],
  ])('%s -> %s', (key, expected) => {
    expect(isInvocationLogKey(key)).toBe(expected);
  });
});
