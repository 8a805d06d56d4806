// One invalid fixture per rule id: the table is typed `Record<DatasetRule, ...>`, so adding a rule without
// a fixture does not compile. Each fixture must raise its rule with the rule's severity, on the expected
// line (or none for file-level rules). The valid counterparts live in the per-format test files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkMediaObjects,
  DATASET_RULES,
  DatasetValidator,
  MediaReferences,
  mediaNotCheckedProblem,
  fixFor,
  MAX_LINE_BYTES,
  RULES,
  severityOf,
  totalRecordProblems,
  withFileProblems,
  withLineProblems,
  type DatasetReport,
  type DatasetRule,
  type MediaReference,
  type ProbeResult,
} from '../../../src/core/dataset';
import {
  context,
  claude,
  conversation,
  imageRef,
  logRecord,
  logWithPrompt,
  MODELS,
  pc,
  records,
  rftPrompt,
  validate,
  videoRef,
  documentRef,
  type Line,
} from './helpers';

interface Fixture {
  run: () => DatasetReport | Promise<DatasetReport>;
  /** The line the problem is reported on; undefined for file-level rules. */
  line?: number;
}

const ft = (modelId: string, lines: Line[], line = 1, options = {}): Fixture => ({
  run: () => validate(context(modelId, 'FINE_TUNING', options), lines),
  line,
});
const nova = (record: Record<string, unknown>, options = {}) => ft(MODELS.novaLite, [record], 1, options);
const withMessages = (messages: unknown[], extra = {}) => conversation(0, { messages, ...extra });
const userWith = (...content: unknown[]) => ({ role: 'user', content });
const answer = { role: 'assistant', content: [{ text: 'Done.' }] };
const haikuMessages = (...roles: string[]) => ({ messages: roles.map((role, i) => ({ role, content: `turn ${i}` })) });
const logsCtx = (options: Record<string, unknown> = {}) =>
  context(MODELS.novaMicro, 'DISTILLATION', { invocationLogs: {}, ...options });
const logs = (lines: Line[], options: Record<string, unknown> = {}, line = 1): Fixture => ({
  run: () => {
    const validator = new DatasetValidator(logsCtx(options));
    validator.beginFile('AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2026/03/04/09/a.json.gz');
    lines.forEach((l, i) =>
      validator.addLine(new TextEncoder().encode(typeof l === 'string' ? l : JSON.stringify(l)), i + 1),
    );
    return validator.finish();
  },
  line,
});
const fileLevel = (run: Fixture['run']): Fixture => ({ run });
const nova2 = (record: Record<string, unknown>) => ft(MODELS.nova2Lite, [record]);
const asAssistant = (...content: unknown[]) => ({ role: 'assistant', content });
const reasoning = (text: string) => ({ reasoningContent: { reasoningText: { text } } });
const weatherTools = { tools: [weatherTool('getWeather')] };
function weatherTool(name: string) {
  return {
    toolSpec: {
      name,
      description: 'Weather for a place',
      inputSchema: { json: { type: 'object', properties: { place: { type: 'string' } } } },
    },
  };
}
const toolUse = (id: string, name = 'getWeather') => ({ toolUse: { toolUseId: id, name, input: { place: 'Paris' } } });
const toolResult = (id: string) => ({ toolResult: { toolUseId: id, content: [{ text: 'Sunny' }] } });
/** A tool-use conversation on Nova Lite with the given toolConfig and messages. */
const tools = (toolConfig: unknown, messages: unknown[]) => nova(withMessages(messages, { toolConfig }));
const toolTurns = (use: unknown, result: unknown) => [
  userWith({ text: 'Weather in Paris?' }),
  asAssistant(use),
  userWith(result),
  asAssistant({ text: 'Sunny.' }),
];
/** One image record checked against an object the probe answers for. */
const media = (result: ProbeResult, ref: Partial<MediaReference> = {}): Fixture => ({
  run: async () => {
    const refs = new MediaReferences();
    refs.add({
      line: 1,
      kind: 'image',
      format: 'png',
      uri: 's3://finetune-datasets/a.png',
      bucket: 'finetune-datasets',
      key: 'a.png',
      ...ref,
    });
    const report = validate(
      context(MODELS.novaLite),
      records(8, (i) => conversation(i)),
    );
    const limits = context(MODELS.novaLite).model.conversation!.media;
    return withLineProblems(report, await checkMediaObjects(refs, async () => result, limits));
  },
  line: 1,
});
const png = (width: number, height: number, size = 1000): ProbeResult => {
  const head = new Uint8Array(24);
  head.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  new DataView(head.buffer).setUint32(16, width);
  new DataView(head.buffer).setUint32(20, height);
  return { status: 'ok', size, head };
};
const rft = (record: Record<string, unknown>): Fixture => ({
  run: () => validate(context(MODELS.nova2Lite, 'REINFORCEMENT_FINE_TUNING'), [record]),
  line: 1,
});
const fnTool = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object' } } });

const latin1 = new Uint8Array([
  ...new TextEncoder().encode('{"prompt":"caf'),
  0xe9,
  ...new TextEncoder().encode('","completion":"b"}'),
]);
const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(JSON.stringify(pc(0)))]);

const FIXTURES: Record<DatasetRule, Fixture> = {
  'invalid-utf8': ft(MODELS.llama31, [latin1]),
  'byte-order-mark': ft(MODELS.llama31, [withBom]),
  'crlf-line-ending': ft(MODELS.llama31, [`${JSON.stringify(pc(0))}\r`]),
  'blank-line': ft(MODELS.llama31, [pc(0), '   ', pc(1)], 2),
  'invalid-json': ft(MODELS.llama31, ['{"prompt": "a", "completion": "b",}']),
  'not-an-object': ft(MODELS.llama31, ['["prompt", "completion"]']),
  'line-too-long': ft(MODELS.llama31, [`{"prompt":"${'a'.repeat(MAX_LINE_BYTES)}","completion":"b"}`]),
  'duplicate-record': ft(MODELS.llama31, [pc(0), pc(1), pc(0)], 3),
  'missing-field': ft(MODELS.llama31, [{ prompt: 'a' }]),
  'unknown-field': ft(MODELS.llama31, [{ ...pc(0), id: 7 }]),
  'wrong-type': ft(MODELS.llama31, [{ prompt: 42, completion: 'b' }]),
  'empty-text': ft(MODELS.llama31, [{ prompt: '  ', completion: 'b' }]),
  'too-many-tokens': ft(MODELS.cohere, [{ prompt: 'x'.repeat(4_097 * 6), completion: 'b' }]),
  'too-few-messages': ft(MODELS.haiku, [haikuMessages('user')]),
  'invalid-role': ft(MODELS.haiku, [haikuMessages('user', 'system', 'assistant')]),
  'first-message-not-user': ft(MODELS.haiku, [haikuMessages('assistant', 'user', 'assistant')]),
  'last-message-not-assistant': ft(MODELS.haiku, [haikuMessages('user', 'assistant', 'user')]),
  'roles-not-alternating': ft(MODELS.haiku, [haikuMessages('user', 'user', 'assistant')]),
  'schema-version': ft(MODELS.llama32Text, [conversation(0, { schemaVersion: 'bedrock-conversation-2023' })]),
  'invalid-content-block': nova(withMessages([userWith({ text: 'a', image: {} }), answer])),
  'media-not-supported': ft(MODELS.novaMicro, [
    withMessages([userWith({ text: 'What is this?' }, imageRef('a.png')), answer]),
  ]),
  'media-in-assistant-message': nova(
    withMessages([userWith({ text: 'Draw it' }), { role: 'assistant', content: [imageRef('a.png')] }]),
  ),
  'media-format': nova(withMessages([userWith({ text: 'What is this?' }, imageRef('a.bmp', 'bmp')), answer])),
  'media-extension': nova(withMessages([userWith({ text: 'What is this?' }, imageRef('a.jpg', 'png')), answer])),
  'media-uri': nova(
    withMessages([
      userWith(
        { text: 'What is this?' },
        { image: { format: 'png', source: { s3Location: { uri: 'https://example.com/a.png' } } } },
      ),
      answer,
    ]),
  ),
  'media-bucket': nova(
    withMessages([userWith({ text: 'What is this?' }, imageRef('a.png', 'png', 'other-bucket')), answer]),
    { datasetBucket: 'finetune-datasets' },
  ),
  'too-many-images': nova(
    withMessages([
      userWith({ text: 'Compare' }, ...Array.from({ length: 11 }, (_, i) => imageRef(`${i}.png`))),
      answer,
    ]),
  ),
  'too-many-videos': nova(withMessages([userWith({ text: 'Compare' }, videoRef('a.mp4'), videoRef('b.mp4')), answer])),
  'mixed-media': nova(withMessages([userWith({ text: 'Compare' }, videoRef('a.mp4'), imageRef('b.png')), answer])),
  'too-many-documents': nova2(
    withMessages([
      userWith({ text: 'Summarise' }, documentRef('a.pdf'), documentRef('b.pdf')),
      asAssistant({ text: 'Done.' }),
    ]),
  ),
  'reasoning-not-supported': nova(
    withMessages([userWith({ text: 'Why?' }), asAssistant(reasoning('Think.'), { text: 'So.' })]),
  ),
  'reasoning-in-user-message': nova2(withMessages([userWith(reasoning('Think.')), asAssistant({ text: 'So.' })])),
  'reasoning-with-media': nova2(
    withMessages([
      userWith({ text: 'What is it?' }, imageRef('a.png')),
      asAssistant(reasoning('Look.'), { text: 'A cat.' }),
    ]),
  ),
  'tool-use-not-supported': ft(MODELS.llama32Text, [
    withMessages(toolTurns(toolUse('t1'), toolResult('t1')), { toolConfig: weatherTools }),
  ]),
  'tool-use-unconfirmed': tools(weatherTools, toolTurns(toolUse('t1'), toolResult('t1'))),
  'tool-config': tools({ tools: [] }, [userWith({ text: 'Hi' }), answer]),
  'duplicate-tool-name': tools({ tools: [weatherTool('getWeather'), weatherTool('getWeather')] }, [
    userWith({ text: 'Hi' }),
    answer,
  ]),
  'tool-in-wrong-role': tools(weatherTools, [
    userWith({ text: 'Hi' }, toolUse('t1')),
    asAssistant(toolResult('t1')),
    userWith({ text: 'And?' }),
    answer,
  ]),
  'undeclared-tool': tools(weatherTools, toolTurns(toolUse('t1', 'getTime'), toolResult('t1'))),
  'duplicate-tool-use-id': tools(weatherTools, [
    userWith({ text: 'Weather in Paris and Rome?' }),
    asAssistant(toolUse('t1'), toolUse('t1')),
    userWith(toolResult('t1')),
    answer,
  ]),
  'unmatched-tool-result': tools(weatherTools, toolTurns(toolUse('t1'), toolResult('t2'))),
  'reserved-word': nova(withMessages([userWith({ text: 'user: what is 2+2?' }), answer])),
  'multi-turn-not-supported': {
    run: () =>
      validate(context(MODELS.haiku, 'DISTILLATION'), [
        withMessages([userWith({ text: 'a' }), answer, userWith({ text: 'b' })]),
      ]),
    line: 1,
  },
  'system-not-first': rft(
    rftPrompt(0, {
      messages: [
        { role: 'user', content: 'Solve: x + 1 = 2' },
        { role: 'system', content: 'You are a math tutor.' },
      ],
    }),
  ),
  'no-user-message': rft(rftPrompt(0, { messages: [{ role: 'system', content: 'You are a math tutor.' }] })),
  'missing-reference-answer': rft(rftPrompt(0, { reference_answer: undefined })),
  'invalid-tool-definition': rft(rftPrompt(0, { tools: [{ type: 'retrieval' }] })),
  'caption-length': ft(MODELS.titanImage, [{ 'image-ref': 's3://finetune-datasets/a.png', caption: 'ab' }]),
  'too-few-records': fileLevel(() => validate(context(MODELS.haiku), records(31, claude))),
  'too-many-records': fileLevel(() =>
    validate(context(MODELS.titanExpress, 'FINE_TUNING', { role: 'validation' }), records(1_001, pc)),
  ),
  'too-few-total-records': fileLevel(() => {
    const ctx = context(MODELS.llama31);
    return withFileProblems(
      validate(ctx, records(80, pc)),
      totalRecordProblems(ctx.model.customizations.FINE_TUNING!.limits, 80, 19, 'Llama'),
    );
  }),
  'too-many-total-records': fileLevel(() => {
    const ctx = context(MODELS.llama31);
    return withFileProblems(
      validate(ctx, records(100, pc)),
      totalRecordProblems(ctx.model.customizations.FINE_TUNING!.limits, 9_500, 501, 'Llama'),
    );
  }),
  'file-too-large': fileLevel(() =>
    validate(context(MODELS.titanExpress, 'FINE_TUNING', { fileBytes: 1024 ** 3 + 1 }), records(10, pc)),
  ),
  'validation-not-supported': fileLevel(() =>
    validate(context(MODELS.titanImage, 'FINE_TUNING', { role: 'validation' }), [
      { 'image-ref': 's3://b/a.png', caption: 'a dog' },
    ]),
  ),
  'validation-ignored': fileLevel(() =>
    validate(context(MODELS.nova2Lite, 'FINE_TUNING', { role: 'validation' }), [conversation(0)]),
  ),
  'validation-overlap': {
    run: () => {
      const encoder = new TextEncoder();
      const training = new DatasetValidator(context(MODELS.llama31));
      [pc(0), pc(1), pc(2)].forEach((r, i) => training.addLine(encoder.encode(JSON.stringify(r)), i + 1));
      const validation = new DatasetValidator(context(MODELS.llama31, 'FINE_TUNING', { role: 'validation' }), {
        training,
      });
      validation.addLine(encoder.encode(JSON.stringify(pc(2))), 1);
      return validation.finish();
    },
    line: 1,
  },
  'media-missing': media({ status: 'missing', reason: 'NoSuchKey' }),
  'media-unreadable': media({ status: 'unreadable', reason: 'AccessDenied: access denied' }),
  'media-content-mismatch': media(png(100, 100), { format: 'jpeg', uri: 's3://finetune-datasets/a.jpg', key: 'a.jpg' }),
  'media-too-large': media(png(100, 100, 11 * 1024 * 1024)),
  'image-dimensions': media(png(20, 600)),
  'media-not-checked': fileLevel(() =>
    withFileProblems(
      validate(
        context(MODELS.novaLite),
        records(8, (i) => conversation(i)),
      ),
      [mediaNotCheckedProblem(3)],
    ),
  ),
  'invalid-metadata-filter': fileLevel(() =>
    logs([], { invocationLogs: { requestMetadataFilters: { equals: { project: 'a', env: 'b' } } } }).run(),
  ),
  'duplicate-check-incomplete': fileLevel(() => {
    const validator = new DatasetValidator(context(MODELS.titanExpress, 'CONTINUED_PRE_TRAINING'), {
      maxTrackedRecords: 100,
    });
    const encoder = new TextEncoder();
    for (let i = 1; i <= 101; i++) validator.addLine(encoder.encode(`{"input":"${i}"}`), i);
    return validator.finish();
  }),
  'no-log-files': fileLevel(() => new DatasetValidator(logsCtx()).finish()),
  'log-invalid-json': logs(['{"schemaType": "ModelInvocationLog", "input": {']),
  'log-not-invocation-log': logs([{ ...logRecord(0), schemaType: 'CloudTrailEvent' }]),
  'log-missing-field': logs([logRecord(0, { modelId: undefined })]),
  'log-unsupported-operation': logs([logRecord(0, { operation: 'ApplyGuardrail' })]),
  'log-error-record': logs([logRecord(0, { errorCode: 'ThrottlingException' })]),
  'log-body-offloaded': logs([
    logRecord(0, { input: { inputBodyS3Path: 's3://logs/AWSLogs/data/req-0_input.json.gz' } }),
  ]),
  'log-missing-body': logs([logRecord(0, { input: { inputContentType: 'application/json' } })]),
  'log-unreadable-body': logs([logWithPrompt(0, { foo: 'bar' }, { operation: 'InvokeModel' })]),
  'log-multimodal': logs([
    logWithPrompt(0, {
      messages: [userWith({ text: 'What is this?' }, { image: { format: 'png', source: { bytes: '' } } })],
    }),
  ]),
  'log-multi-turn': {
    run: () => {
      const validator = new DatasetValidator(context(MODELS.haiku, 'DISTILLATION', { invocationLogs: {} }));
      validator.addLine(
        new TextEncoder().encode(
          JSON.stringify(logWithPrompt(0, { messages: [userWith({ text: 'a' }), answer, userWith({ text: 'b' })] })),
        ),
        1,
      );
      return validator.finish();
    },
    line: 1,
  },
  'log-guardrail': logs([
    logRecord(0, {
      output: {
        outputBodyJson: {
          output: { message: { role: 'assistant', content: [{ text: 'Sorry.' }] } },
          stopReason: 'guardrail_intervened',
        },
      },
    }),
  ]),
  'log-empty-prompt': logs([logWithPrompt(0, { messages: [userWith({ text: '   ' })] })]),
  'log-missing-response': logs([logRecord(0, { output: { outputContentType: 'application/json' } })], {
    invocationLogs: { usePromptResponse: true },
  }),
  'log-not-from-teacher': logs([logRecord(0)], {
    invocationLogs: { usePromptResponse: true },
    teacherModelIdentifier: 'amazon.nova-premier-v1:0',
  }),
  'log-over-cap': logs(
    records(15_001, (i) => logRecord(i)),
    {},
    15_001,
  ),
  'log-metadata-unfilterable': logs([logRecord(0, { requestMetadata: { project: 'a,b' } })], {
    invocationLogs: { requestMetadataFilters: { notEquals: { project: 'x' } } },
  }),
};

describe('every rule id', () => {
  it('has a severity and a one-line fix', () => {
    for (const rule of DATASET_RULES) {
      expect(['error', 'warning']).toContain(RULES[rule].severity);
      expect(fixFor(rule).length).toBeGreaterThan(10);
      expect(fixFor(rule)).not.toContain('\n');
    }
  });

  it('is kebab-case, so reports and scripts can rely on it', () => {
    for (const rule of DATASET_RULES) expect(rule).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it.each(DATASET_RULES)('%s is raised by its fixture', async (rule) => {
    const fixture = FIXTURES[rule];
    const report = await fixture.run();
    expect(report.counts[rule]).toBeGreaterThanOrEqual(1);
    const problem = report.problems.find((p) => p.rule === rule);
    expect(problem).toBeDefined();
    expect(problem?.severity).toBe(severityOf(rule));
    expect(problem?.line).toBe(fixture.line);
    if (severityOf(rule) === 'error') expect(report.verdict).toBe('invalid');
  });
});

describe('rules shared by formats', () => {
  it('duplicate-tool-name is raised for an RFT record too', () => {
    const report = rft(rftPrompt(0, { tools: [fnTool('lookup'), fnTool('lookup')] })).run() as DatasetReport;
    expect(report.problems.find((p) => p.rule === 'duplicate-tool-name')?.line).toBe(1);
  });
});

describe('the engine README', () => {
  it('documents every rule id with its severity', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'src', 'core', 'dataset', 'README.md'), 'utf8');
    for (const rule of DATASET_RULES) expect(readme).toContain(`| \`${rule}\` | ${severityOf(rule)} |`);
  });
});
