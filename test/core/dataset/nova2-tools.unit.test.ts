// Nova 2 Lite fine-tuning (reasoningContent, documents, its media formats and record limits) and tool
// use in bedrock-conversation-2024 records: a dataset that follows the rules passes, and each rule broken
// once is reported on its line.
import { customizationOf } from '../../../src/core/catalog';
import {
  context,
  conversation,
  documentRef,
  imageRef,
  lineRules,
  MODELS,
  records,
  validate,
  videoRef,
} from './helpers';

const user = (...content: unknown[]) => ({ role: 'user', content });
const assistant = (...content: unknown[]) => ({ role: 'assistant', content });
const reasoning = (text: string) => ({ reasoningContent: { reasoningText: { text } } });
const nova2 = (options = {}) => context(MODELS.nova2Lite, 'FINE_TUNING', options);

/** The reasoning example of the Nova 2 SFT docs, made unique by i. */
const reasoned = (i: number) =>
  conversation(i, {
    messages: [
      user({ text: `What is the capital of country number ${i}?` }),
      assistant(reasoning(`I need to recall country ${i}'s capital.`), { text: `Capital ${i}.` }),
    ],
  });

describe('Nova 2 Lite fine-tuning', () => {
  it('accepts a reasoning dataset of 200 records, reasoning in several assistant turns, and counts it as output', () => {
    const multi = conversation(0, {
      messages: [
        user({ text: 'Plan a trip.' }),
        assistant(reasoning('First the dates.'), { text: 'When?' }),
        user({ text: 'In May.' }),
        assistant(reasoning('May is warm.'), { text: 'Go to Lisbon.' }),
      ],
    });
    const report = validate(nova2(), [multi, ...records(199, (i) => reasoned(i + 1))]);
    expect(report.format).toBe('bedrock-conversation');
    expect(report.problems).toEqual([]);
    expect(report.records).toBe(200);
    const withoutReasoning = validate(nova2(), [conversation(0)]);
    const withReasoning = validate(nova2(), [reasoned(0)]);
    expect(withReasoning.estimatedTokens.total).toBeGreaterThan(withoutReasoning.estimatedTokens.total);
  });

  it('needs 200 to 20,000 records', () => {
    const report = validate(nova2(), records(199, reasoned));
    expect(report.problems.map((p) => p.rule)).toEqual(['too-few-records']);
    expect(report.problems[0].message).toBe(
      'the training file has 199 records; Nova 2 Lite FINE_TUNING needs at least 200',
    );
    expect(customizationOf(nova2().model, 'FINE_TUNING')!.limits.maxTrainingRecords).toBe(20_000);
  });

  it('warns that a validation set is ignored, without holding the file to any limit', () => {
    const report = validate(nova2({ role: 'validation' }), [conversation(0)]);
    expect(report.verdict).toBe('valid');
    expect(report.problems).toEqual([
      {
        rule: 'validation-ignored',
        severity: 'warning',
        message: 'Nova 2 Lite FINE_TUNING takes no validation set: Bedrock ignores this file',
      },
    ]);
  });

  it('refuses reasoning in user turns, with media, and on Nova 1', () => {
    const report = validate(nova2(), [
      conversation(0, { messages: [user(reasoning('Think.'), { text: 'Hi' }), assistant({ text: 'Hello.' })] }),
      conversation(1, {
        messages: [user({ text: 'What is it?' }, imageRef('a.png')), assistant(reasoning('Look.'), { text: 'A cat.' })],
      }),
      conversation(2, { messages: [user({ text: 'Why?' }), assistant(reasoning('   '), { text: 'So.' })] }),
    ]);
    expect(lineRules(report)).toEqual(['1:reasoning-in-user-message', '2:reasoning-with-media', '3:empty-text']);
    expect(lineRules(validate(context(MODELS.novaLite), [reasoned(0)]))).toEqual(['1:reasoning-not-supported']);
    expect(validate(context(MODELS.novaLite), [reasoned(0)]).problems.find((p) => p.line === 1)?.message).toBe(
      'messages[1].content[0].reasoningContent: Nova Lite does not train on reasoning (Nova 2 Lite only)',
    );
  });

  it('takes png, jpeg and gif images and mov, mkv and mp4 videos, not webp or webm', () => {
    const ask = (block: unknown) =>
      conversation(0, { messages: [user({ text: 'What is it?' }, block), assistant({ text: 'A cat.' })] });
    for (const block of [
      imageRef('a.png'),
      imageRef('a.jpg', 'jpeg'),
      imageRef('a.gif', 'gif'),
      videoRef('a.mkv', 'mkv'),
    ])
      expect(lineRules(validate(nova2(), [ask(block)]))).toEqual([]);
    expect(lineRules(validate(nova2(), [ask(imageRef('a.webp', 'webp'))]))).toEqual(['1:media-format']);
    expect(lineRules(validate(nova2(), [ask(videoRef('a.webm', 'webm'))]))).toEqual(['1:media-format']);
    expect(validate(nova2(), [ask(imageRef('a.webp', 'webp'))]).problems.find((p) => p.line === 1)?.message).toBe(
      'messages[0].content[1].image.format is "webp": Nova 2 Lite takes image formats png, jpeg, gif',
    );
  });

  it('takes one PDF document per record, in user turns, never beside a video; Nova 1 takes none', () => {
    const doc = (...blocks: unknown[]) =>
      conversation(0, { messages: [user({ text: 'Summarise.' }, ...blocks), assistant({ text: 'Done.' })] });
    expect(
      lineRules(validate(nova2(), [doc(documentRef('a.pdf')), doc(documentRef('b.pdf'), imageRef('c.png'))])),
    ).toEqual([]);
    const named = doc({
      document: { format: 'pdf', name: 'report', source: { s3Location: { uri: 's3://finetune-datasets/r.pdf' } } },
    });
    expect(lineRules(validate(nova2(), [named]))).toEqual([]);
    const report = validate(nova2(), [
      doc(documentRef('a.pdf'), documentRef('b.pdf')),
      doc(videoRef('a.mp4'), documentRef('a.pdf')),
      conversation(2, { messages: [user({ text: 'Hi' }), assistant(documentRef('a.pdf'))] }),
      doc(documentRef('a.docx', 'docx')),
    ]);
    expect(lineRules(report)).toEqual([
      '1:too-many-documents',
      '2:mixed-media',
      '3:media-in-assistant-message',
      '4:media-format',
    ]);
    expect(
      validate(context(MODELS.novaLite), [doc(documentRef('a.pdf'))]).problems.find((p) => p.line === 1),
    ).toMatchObject({
      rule: 'media-not-supported',
      message: 'messages[0].content[1].document: Nova Lite takes no documents (PDF documents: Nova 2 Lite only)',
    });
  });
});

// The tool-use record of the Nova Forge SDK's validator tests (nova-formats.md 1.4).
const weather = {
  toolSpec: {
    name: 'getWeather',
    description: 'Get weather information for a location',
    inputSchema: { json: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } },
  },
};
const toolUse = (id: string, name = 'getWeather') => ({
  toolUse: { toolUseId: id, name, input: { location: 'Paris' } },
});
const toolResult = (id: string, content: unknown = [{ text: 'Sunny, 22°C' }]) => ({
  toolResult: { toolUseId: id, content },
});
const toolRecord = (i: number, over: { toolConfig?: unknown; messages?: unknown[] } = {}) =>
  conversation(i, {
    system: [{ text: 'You are an expert in composing function calls.' }],
    toolConfig: 'toolConfig' in over ? over.toolConfig : { tools: [weather] },
    messages: over.messages ?? [
      user({ text: `What's the weather in city ${i}?` }),
      assistant(toolUse(`weather_${i}`)),
      user(toolResult(`weather_${i}`)),
      assistant({ text: `The weather in city ${i} is sunny.` }),
    ],
  });

describe('tool use', () => {
  it('accepts a tool-use dataset on Nova 2 Lite and Nova Lite, with one warning that acceptance is unconfirmed', () => {
    for (const model of [MODELS.nova2Lite, MODELS.novaLite, MODELS.novaMicro]) {
      const report = validate(
        context(model),
        records(200, (i) => toolRecord(i)),
      );
      expect(report.verdict).toBe('valid');
      expect(report.counts).toEqual({ 'tool-use-unconfirmed': 200 });
      expect(report.problems).toHaveLength(1);
      expect(report.problems[0]).toMatchObject({ rule: 'tool-use-unconfirmed', severity: 'warning', line: 1 });
    }
    expect(validate(context(MODELS.novaLite), [toolRecord(0)]).problems.find((p) => p.line === 1)?.message).toContain(
      'AWS documents no tool use for Nova 1 fine-tuning',
    );
    expect(validate(nova2(), [toolRecord(0)]).problems.find((p) => p.line === 1)?.message).toContain(
      'might cause your job to fail',
    );
  });

  it('accepts results as json, with a status, several calls answered in one turn, and toolChoice', () => {
    const record = toolRecord(0, {
      toolConfig: { tools: [weather], toolChoice: { auto: {} } },
      messages: [
        user({ text: 'Weather in Paris and Rome?' }),
        assistant({ text: 'Checking both.' }, toolUse('a'), toolUse('b')),
        user(
          { toolResult: { toolUseId: 'a', content: [{ json: { sky: 'sunny' } }], status: 'success' } },
          toolResult('b'),
        ),
        assistant({ text: 'Both sunny.' }),
      ],
    });
    expect(lineRules(validate(nova2(), [record]))).toEqual(['1:tool-use-unconfirmed']);
  });

  it('reports each tool rule broken once', () => {
    const lines = [
      toolRecord(0, { toolConfig: { tools: [] } }),
      toolRecord(1, { toolConfig: { tools: [weather, weather] } }),
      toolRecord(2, { toolConfig: { tools: [{ toolSpec: { ...weather.toolSpec, inputSchema: { json: {} } } }] } }),
      toolRecord(3, {
        messages: [
          user({ text: 'Hi' }, toolUse('t')),
          assistant(toolResult('t')),
          user({ text: 'So?' }),
          assistant({ text: 'Sunny.' }),
        ],
      }),
      toolRecord(4, {
        messages: [
          user({ text: 'Time?' }),
          assistant(toolUse('t', 'getTime')),
          user(toolResult('t')),
          assistant({ text: 'Noon.' }),
        ],
      }),
      toolRecord(5, { toolConfig: undefined }),
      toolRecord(6, {
        messages: [
          user({ text: 'Two?' }),
          assistant(toolUse('t'), toolUse('t')),
          user(toolResult('t')),
          assistant({ text: 'Ok.' }),
        ],
      }),
      toolRecord(7, {
        messages: [
          user({ text: 'Go' }),
          assistant(toolUse('t')),
          user(toolResult('other')),
          assistant({ text: 'Ok.' }),
        ],
      }),
      toolRecord(8, {
        messages: [
          user({ text: 'Go' }),
          assistant(toolUse('t')),
          user(toolResult('t'), toolResult('t')),
          assistant({ text: 'Ok.' }),
        ],
      }),
      toolRecord(9, {
        messages: [
          user({ text: 'Go' }),
          assistant({ toolUse: { toolUseId: 't', name: 'getWeather', input: 'Paris' } }),
          user(toolResult('t')),
          assistant({ text: 'Ok.' }),
        ],
      }),
      toolRecord(10, {
        messages: [
          user({ text: 'Go' }),
          assistant(toolUse('t')),
          user(toolResult('t', [])),
          assistant({ text: 'Ok.' }),
        ],
      }),
      toolRecord(11, {
        messages: [
          user({ text: 'Go' }),
          assistant(toolUse('t')),
          user(toolResult('t', [{ text: 'a', json: {} }])),
          assistant({ text: 'Ok.' }),
        ],
      }),
    ];
    const report = validate(nova2(), lines);
    expect(lineRules(report).filter((r) => !r.endsWith('tool-use-unconfirmed'))).toEqual([
      '1:tool-config',
      '1:undeclared-tool',
      '2:duplicate-tool-name',
      '3:tool-config',
      '4:tool-in-wrong-role',
      '4:tool-in-wrong-role',
      '5:undeclared-tool',
      '6:undeclared-tool',
      '7:duplicate-tool-use-id',
      '8:unmatched-tool-result',
      '9:unmatched-tool-result',
      '10:wrong-type',
      '11:wrong-type',
      '12:invalid-content-block',
    ]);
    const message = (line: number) => report.problems.find((p) => p.line === line && p.severity === 'error')?.message;
    expect(message(5)).toBe(
      'messages[1].content[0].toolUse calls "getTime", which toolConfig.tools does not declare (declared: getWeather)',
    );
    expect(message(8)).toBe(
      'messages[2].content[0].toolResult answers toolUseId "other", which no earlier toolUse has',
    );
    expect(message(9)).toBe('messages[2].content[1].toolResult answers toolUseId "t" a second time');
  });

  it('refuses tool use on Llama and in distillation prompts', () => {
    expect(lineRules(validate(context(MODELS.llama32Text), [toolRecord(0)]))).toContain('1:tool-use-not-supported');
    const prompt = conversation(0, {
      toolConfig: { tools: [weather] },
      messages: [user({ text: 'Weather?' })],
    });
    expect(lineRules(validate(context(MODELS.novaMicro, 'DISTILLATION'), [prompt]))).toEqual([
      '1:tool-use-not-supported',
    ]);
  });
});
