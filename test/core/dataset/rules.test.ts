// One invalid fixture per rule id: the table is typed `Record<DatasetRule, ...>`, so adding a rule without
// a fixture does not compile. Each fixture must raise its rule with the rule's severity, on the expected
// line (or none for file-level rules). The valid counterparts live in the per-format test files.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DATASET_RULES,
  DatasetValidator,
  fixFor,
  MAX_LINE_BYTES,
  RULES,
  severityOf,
  totalRecordProblems,
  withFileProblems,
  type DatasetReport,
  type DatasetRule,
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
  type Line,
} from './helpers';

interface Fixture {
  run: () => DatasetReport;
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
const fileLevel = (run: () => DatasetReport): Fixture => ({ run });
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
  'duplicate-tool-name': rft(rftPrompt(0, { tools: [fnTool('lookup'), fnTool('lookup')] })),
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
  'log-unsupported-operation': logs([logRecord(0, { operation: 'InvokeModelWithResponseStream' })]),
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

  it.each(DATASET_RULES)('%s is raised by its fixture', (rule) => {
    const fixture = FIXTURES[rule];
    const report = fixture.run();
    expect(report.counts[rule]).toBeGreaterThanOrEqual(1);
    const problem = report.problems.find((p) => p.rule === rule);
    expect(problem).toBeDefined();
    expect(problem?.severity).toBe(severityOf(rule));
    expect(problem?.line).toBe(fixture.line);
    if (severityOf(rule) === 'error') expect(report.verdict).toBe('invalid');
  });
});

describe('the engine README', () => {
  it('documents every rule id with its severity', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'src', 'core', 'dataset', 'README.md'), 'utf8');
    for (const rule of DATASET_RULES) expect(readme).toContain(`| \`${rule}\` | ${severityOf(rule)} |`);
  });
});
