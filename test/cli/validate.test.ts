// `finetune validate` run as the user runs it (`node bin/finetune.js validate ...`, after `npm run build`):
// local files and S3 objects of the test stack, human and JSON output, exit codes 0, 1 and 2.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createS3Client } from '../../src/aws/clients';
import { loadAwsConfig } from '../../src/config';
import type { DatasetReport } from '../../src/core/dataset';
import { DATA_BUCKET, datasets, invocationLogRecords, LOGS_BUCKET } from '../support/datasets';
import { padded, samples } from '../support/media-samples';
import { json, runCli, type CliResult } from './helpers';

const RUN = `cli-validate-${Date.now().toString(36)}`;
const LLAMA = 'meta.llama3-1-8b-instruct-v1:0:128k';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0:200k';
const NOVA_LITE = 'amazon.nova-lite-v1:0:300k';
const NOVA_MICRO = 'amazon.nova-micro-v1:0:128k';
const NOVA_2_LITE = 'amazon.nova-2-lite-v1:0:256k';
/** Nova Micro distilled from invocation logs: the flags of every log test. */
const DISTILLATION_LOGS = ['--base-model', NOVA_MICRO, '--type', 'DISTILLATION', '--invocation-logs'];

let dir: string;
let s3: S3Client;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'finetune-validate-'));
  s3 = createS3Client(loadAwsConfig(process.env));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  s3.destroy();
});

const validate = (...args: string[]): Promise<CliResult> => runCli(['validate', ...args], { taskQueue: 'unused' });
const file = (name: string, body: string | Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
};
const upload = async (bucket: string, key: string, body: string | Uint8Array): Promise<string> => {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${RUN}/${key}`, Body: body }));
  return `s3://${bucket}/${RUN}/${key}`;
};
const claude = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: 'user', content: `Question ${i}?` },
        { role: 'assistant', content: `Answer ${i}.` },
      ],
    }),
  ).join('\n') + '\n';

/** 120 prompt/completion records with a broken line 4, a record without completion on line 8 and line 11 repeating line 10. */
function flawed(): string {
  const lines = datasets.promptCompletion(120).trimEnd().split('\n');
  lines[3] = '{"prompt": "unterminated';
  lines[7] = JSON.stringify({ prompt: 'no completion' });
  lines[10] = lines[9];
  return `${lines.join('\n')}\n`;
}

describe('local files', () => {
  it('exits 0 with a VALID summary for a clean file', async () => {
    const result = await validate(file('clean.jsonl', datasets.promptCompletion(120)), '--base-model', LLAMA);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^VALID: .*clean\.jsonl \(training data, prompt-completion, meta\.llama3-1-8b-instruct-v1:0:128k FINE_TUNING\)\n {2}120 records, 120 lines, /,
    );
    expect(result.stdout).toContain('0 errors, 0 warnings');
  });

  it('exits 1 and groups problems by rule, errors first, each with its lines and one fix', async () => {
    const result = await validate(file('flawed.jsonl', flawed()), '--base-model', LLAMA);
    expect(result.code).toBe(1);
    const out = result.stdout;
    expect(out.split('\n')[0]).toMatch(/^INVALID: /);
    expect(out).toContain('2 errors, 1 warning');
    expect(out).toMatch(
      /error invalid-json \(1\)\n {2}line 4: not valid JSON: .*\n {2}fix: Make each line one complete JSON object/,
    );
    expect(out).toContain(
      'error missing-field (1)\n  line 8: completion is missing\n  fix: Add the required field named in the message.',
    );
    expect(out).toContain('warning duplicate-record (1)\n  line 11: the record repeats line 10 exactly\n  fix: ');
    expect(out.indexOf('error missing-field')).toBeLessThan(out.indexOf('warning duplicate-record'));
  });

  it('--json prints one object: verdict, counts and problems with physical lines; file-level ones without', async () => {
    const result = await validate(
      file('flawed-json.jsonl', flawed().split('\n').slice(0, 50).join('\n')),
      '--base-model',
      LLAMA,
      '--json',
    );
    expect(result.code).toBe(1);
    const report = json<DatasetReport & { source: string }>(result);
    expect(report).toMatchObject({ verdict: 'invalid', records: 50, errorCount: 3, warningCount: 1 });
    expect(report.counts).toEqual({
      'invalid-json': 1,
      'missing-field': 1,
      'duplicate-record': 1,
      'too-few-total-records': 1,
    });
    expect(report.problems.map((p) => [p.rule, p.severity, p.line])).toEqual([
      ['too-few-total-records', 'error', undefined],
      ['invalid-json', 'error', 4],
      ['missing-field', 'error', 8],
      ['duplicate-record', 'warning', 11],
    ]);
    expect(Object.keys(report.problems[2])).toEqual(['rule', 'severity', 'line', 'message']);
    expect(report.problems[0].message).toBe(
      'training + validation records: 50 + 0 = 50; Llama 3.1 8B Instruct FINE_TUNING needs at least 100',
    );
  });

  it('--role validation holds the file to the validation limits', async () => {
    const path = file('haiku-small.jsonl', claude(5));
    expect((await validate(path, '--base-model', HAIKU, '--role', 'validation')).code).toBe(0);
    const asTraining = await validate(path, '--base-model', HAIKU, '--json');
    expect(asTraining.code).toBe(1);
    expect(json<DatasetReport>(asTraining).counts).toEqual({ 'too-few-records': 1 });
  });

  it('--batch-size changes the token limit', async () => {
    const path = file('titan.jsonl', `${JSON.stringify({ prompt: 'p'.repeat(3_000 * 6), completion: 'ok' })}\n`);
    expect((await validate(path, '--base-model', 'amazon.titan-text-express-v1:0:8k')).code).toBe(0);
    const result = await validate(path, '--base-model', 'amazon.titan-text-express-v1:0:8k', '--batch-size', '2');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('error too-many-tokens (1)');
  });

  it('--type REINFORCEMENT_FINE_TUNING checks RFT prompts: the example is valid, broken records are listed', async () => {
    const example = join(__dirname, '..', '..', 'examples', 'reinforcement-fine-tuning', 'data', 'prompts.jsonl');
    const clean = await validate(example, '--base-model', NOVA_2_LITE, '--type', 'REINFORCEMENT_FINE_TUNING');
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(
      /^VALID: .*\(training data, rft-prompts, amazon\.nova-2-lite-v1:0:256k REINFORCEMENT_FINE_TUNING\)/,
    );

    const lines = datasets.rftPrompts(100).trimEnd().split('\n');
    lines[1] = JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] });
    lines[4] = JSON.stringify({ messages: [{ role: 'assistant', content: 'Hi' }], reference_answer: 'x' });
    const broken = await validate(
      file('rft.jsonl', `${lines.join('\n')}\n`),
      '--base-model',
      NOVA_2_LITE,
      '--type',
      'REINFORCEMENT_FINE_TUNING',
      '--json',
    );
    expect(broken.code).toBe(1);
    expect(json<DatasetReport>(broken).problems.map((p) => [p.rule, p.severity, p.line])).toEqual([
      ['no-user-message', 'error', 5],
      ['missing-reference-answer', 'warning', 2],
    ]);
  });

  it('reads a folder of gzip invocation logs', async () => {
    const logs = join(dir, 'logs', 'AWSLogs', '1', 'BedrockModelInvocationLogs', 'us-east-1', '2026', '11', '27', '10');
    mkdirSync(join(logs, 'data'), { recursive: true });
    writeFileSync(join(logs, 'a.json.gz'), datasets.invocationLogs(120, 'amazon.nova-pro-v1:0'));
    writeFileSync(join(logs, 'data', 'x_input.json.gz'), gzipSync('{}'));
    const result = await validate(join(dir, 'logs'), ...DISTILLATION_LOGS, '--json');
    expect(result.code).toBe(0);
    expect(json<DatasetReport>(result)).toMatchObject({
      format: 'invocation-log',
      records: 120,
      invocationLogs: { files: 1, recordsRead: 120 },
    });
  });
});

describe('media of a local file', () => {
  const record = (i: number, key: string) =>
    JSON.stringify({
      schemaVersion: 'bedrock-conversation-2024',
      messages: [
        {
          role: 'user',
          content: [
            { text: `Describe picture ${i}.` },
            { image: { format: 'png', source: { s3Location: { uri: `s3://${DATA_BUCKET}/${key}` } } } },
          ],
        },
        { role: 'assistant', content: [{ text: 'A harbour at dawn.' }] },
      ],
    });
  const dataset = () => {
    const lines = Array.from({ length: 10 }, (_, i) => record(i, 'img/harbour.png'));
    lines[4] = record(4, 'img/missing.png');
    lines[7] = record(7, 'img/fake.png');
    return file('media.jsonl', `${lines.join('\n')}\n`);
  };

  it('are reported as not checked without --media-root', async () => {
    const result = await validate(dataset(), '--base-model', NOVA_LITE, '--json');
    expect(result.code).toBe(0);
    expect(json<DatasetReport>(result).problems).toEqual([
      {
        rule: 'media-not-checked',
        severity: 'warning',
        message: '3 media objects were not checked: give --media-root DIR (the folder that stands for the bucket)',
      },
    ]);
  });

  it('are read from --media-root, the folder that stands for the bucket', async () => {
    const root = join(dir, 'bucket');
    mkdirSync(join(root, 'img'), { recursive: true });
    writeFileSync(join(root, 'img', 'harbour.png'), padded(samples.png(800, 600), 4096));
    writeFileSync(join(root, 'img', 'fake.png'), padded(samples.gif(800, 600), 4096));
    const result = await validate(dataset(), '--base-model', NOVA_LITE, '--media-root', root);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('error media-missing (1)');
    expect(result.stdout).toContain(
      `line 5: image s3://${DATA_BUCKET}/img/missing.png does not exist (no file ${join(root, 'img', 'missing.png')})`,
    );
    expect(result.stdout).toContain(
      `line 8: image s3://${DATA_BUCKET}/img/fake.png is declared "png" but is a GIF image`,
    );
    const missingRoot = await validate(dataset(), '--base-model', NOVA_LITE, '--media-root', join(dir, 'nope'));
    expect(missingRoot.code).toBe(2);
  });
});

describe('S3 objects, validated in place', () => {
  it('exits 0 for a clean object and applies the same-bucket rule to media', async () => {
    const record = (i: number, bucket: string) =>
      JSON.stringify({
        schemaVersion: 'bedrock-conversation-2024',
        messages: [
          {
            role: 'user',
            content: [
              { text: `Describe picture ${i}.` },
              { image: { format: 'jpeg', source: { s3Location: { uri: `s3://${bucket}/${RUN}/img/${i}.jpg` } } } },
            ],
          },
          { role: 'assistant', content: [{ text: 'A harbour at dawn.' }] },
        ],
      });
    // The images exist: validated in place, media objects are read too.
    for (let i = 0; i < 10; i++) await upload(DATA_BUCKET, `img/${i}.jpg`, padded(samples.jpeg(640, 480), 2048));
    const clean = await upload(
      DATA_BUCKET,
      'media/clean.jsonl',
      Array.from({ length: 10 }, (_, i) => record(i, DATA_BUCKET)).join('\n'),
    );
    expect((await validate(clean, '--base-model', NOVA_LITE)).code).toBe(0);
    const lines = Array.from({ length: 10 }, (_, i) => record(i, DATA_BUCKET));
    lines[6] = record(6, 'finetune-outputs');
    const elsewhere = await upload(DATA_BUCKET, 'media/elsewhere.jsonl', lines.join('\n'));
    const result = await validate(elsewhere, '--base-model', NOVA_LITE, '--json');
    expect(result.code).toBe(1);
    expect(json<DatasetReport>(result).problems).toEqual([
      {
        rule: 'media-bucket',
        severity: 'error',
        line: 7,
        message: expect.stringContaining('is in bucket "finetune-outputs", the dataset in "finetune-datasets"'),
      },
    ]);
  });

  it('validates every gzip log under a prefix', async () => {
    for (let h = 0; h < 2; h++)
      await upload(
        LOGS_BUCKET,
        `AWSLogs/1/BedrockModelInvocationLogs/us-east-1/2026/11/27/0${h}/log-${h}.json.gz`,
        datasets.invocationLogs(60, 'amazon.nova-pro-v1:0'),
      );
    const prefix = `s3://${LOGS_BUCKET}/${RUN}/AWSLogs`;
    const result = await validate(prefix, ...DISTILLATION_LOGS, '--json');
    expect(result.code).toBe(0);
    expect(json<DatasetReport>(result)).toMatchObject({ records: 120, invocationLogs: { files: 2 } });
    const filtered = await validate(
      prefix,
      ...DISTILLATION_LOGS,
      '--metadata-filters',
      '{"equals":{"project":"other"}}',
    );
    expect(filtered.code).toBe(1);
    expect(filtered.stdout).toContain('0 usable log records (120 read in 2 files, 120 filtered out, 0 dropped)');
  });

  it('puts offloaded log bodies back inline; a missing side object drops its record', async () => {
    const hour = `${RUN}/offloaded/AWSLogs/1/BedrockModelInvocationLogs/us-east-1/2026/11/27/10`;
    const side = (id: string) => `s3://${LOGS_BUCKET}/${hour}/data/${id}_input.json.gz`;
    const records = invocationLogRecords(120, 'amazon.nova-pro-v1:0').map((r, i) => {
      if (i !== 3 && i !== 5) return r;
      const { inputBodyJson, ...input } = r.input;
      void inputBodyJson;
      return { ...r, input: { ...input, inputBodyS3Path: side(i === 3 ? r.requestId : 'gone') } };
    });
    // Record 4's side object holds a multimodal prompt: only a read body shows it.
    const multimodal = {
      messages: [
        { role: 'user', content: [{ text: 'What is this?' }, { image: { format: 'png', source: { bytes: '' } } }] },
      ],
    };
    await s3.send(
      new PutObjectCommand({
        Bucket: LOGS_BUCKET,
        Key: `${hour}/data/${records[3].requestId}_input.json.gz`,
        Body: gzipSync(JSON.stringify(multimodal)),
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: LOGS_BUCKET,
        Key: `${hour}/log.json.gz`,
        Body: gzipSync(records.map((r) => JSON.stringify(r)).join('\n') + '\n'),
      }),
    );
    const result = await validate(`s3://${LOGS_BUCKET}/${RUN}/offloaded/AWSLogs`, ...DISTILLATION_LOGS, '--json');
    const report = json<DatasetReport>(result);
    expect(report.counts).toEqual({ 'log-missing-body': 1, 'log-multimodal': 1 });
    expect(report.problems.map((p) => `${p.line}:${p.rule}`)).toEqual(['4:log-multimodal', '6:log-missing-body']);
  });

  it('exits 2 for a missing object', async () => {
    const result = await validate(`s3://${DATA_BUCKET}/${RUN}/nothing.jsonl`, '--base-model', LLAMA);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('does not exist');
  });
});

describe('bad usage exits 2', () => {
  it.each<[string, string[], string]>([
    [
      'an unknown model',
      ['x.jsonl', '--base-model', 'amazon.titan-tg1-large'],
      'is not a customizable model in the catalog',
    ],
    [
      'a type the model lacks',
      ['x.jsonl', '--base-model', LLAMA, '--type', 'CONTINUED_PRE_TRAINING'],
      'supports FINE_TUNING, DISTILLATION, not CONTINUED_PRE_TRAINING',
    ],
    ['a missing file', [join(tmpdir(), 'finetune-no-such-file.jsonl'), '--base-model', LLAMA], 'does not exist'],
    ['no --base-model', ['x.jsonl'], "required option '--base-model <id>' not specified"],
    [
      'an unknown role',
      ['x.jsonl', '--base-model', LLAMA, '--role', 'test'],
      'Allowed choices are training, validation',
    ],
    ['a bad batch size', ['x.jsonl', '--base-model', LLAMA, '--batch-size', 'two'], 'expected a positive integer'],
    [
      'RFT on a model without it',
      ['x.jsonl', '--base-model', NOVA_MICRO, '--type', 'REINFORCEMENT_FINE_TUNING'],
      'supports FINE_TUNING, DISTILLATION, not REINFORCEMENT_FINE_TUNING',
    ],
    [
      'logs outside distillation',
      ['x.jsonl', '--base-model', LLAMA, '--invocation-logs'],
      '--invocation-logs needs --type DISTILLATION',
    ],
    [
      'a malformed filter',
      [
        'x',
        '--base-model',
        NOVA_MICRO,
        '--type',
        'DISTILLATION',
        '--invocation-logs',
        '--metadata-filters',
        '{"equals":{}}',
      ],
      'must hold exactly one key',
    ],
  ])('%s', async (_name, args, message) => {
    const result = await validate(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });
});
