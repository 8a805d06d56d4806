// The prepareDataset activity in a mock activity context against the stack's real S3 server: validation
// only, invalid data (report written, DatasetInvalid), preparation (dedupe, seeded shuffle and split,
// byte-identical on retry), validation files, totals, invocation logs from gzip objects, heartbeats.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  prepareDatasetActivities,
  type PrepareDatasetInput,
  type PrepareDatasetProgress,
  type PrepareDatasetResult,
} from '../../src/activities/prepare-dataset';
import { createS3Client } from '../../src/aws/clients';
import { loadAwsConfig } from '../../src/config';
import type { Problem } from '../../src/core/dataset';
import { DATA_BUCKET, datasets, LOGS_BUCKET, OUTPUT_BUCKET, put } from '../support/datasets';

const RUN = `prepare-dataset-${Date.now().toString(36)}`;
const OUTPUT = `s3://${OUTPUT_BUCKET}/${RUN}`;
const LLAMA = 'meta.llama3-1-8b-instruct-v1:0:128k';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0:200k';
const NOVA_LITE = 'amazon.nova-lite-v1:0:300k';
const NOVA_MICRO = 'amazon.nova-micro-v1:0:128k';

let s3: S3Client;
beforeAll(() => {
  s3 = createS3Client(loadAwsConfig(process.env));
});
afterAll(() => s3.destroy());

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
/** Claude 3 Haiku records; `pad` characters of extra text make big files. */
const claude = (n: number, pad = 0) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      system: 'You answer support questions.',
      messages: [
        { role: 'user', content: `Question ${i}? ${'x'.repeat(pad)}` },
        { role: 'assistant', content: `Answer ${i}.` },
      ],
    }),
  ).join('\n') + '\n';
const upload = (name: string, body: string | Uint8Array) => put(s3, DATA_BUCKET, `${RUN}/${name}`, body);

async function read(uri: string): Promise<string> {
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri)!;
  return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString('utf-8');
}

interface Attempt {
  result: PrepareDatasetResult;
  heartbeats: PrepareDatasetProgress[];
}

/** One attempt of the activity; `heartbeatDetails` makes it a retry. */
async function attempt(input: PrepareDatasetInput, heartbeatDetails?: PrepareDatasetProgress): Promise<Attempt> {
  const env = new MockActivityEnvironment(
    { attempt: heartbeatDetails ? 2 : 1, heartbeatDetails },
    { logger: new DefaultLogger('ERROR') },
  );
  const heartbeats: PrepareDatasetProgress[] = [];
  env.on('heartbeat', (details: PrepareDatasetProgress) => heartbeats.push(details));
  const { prepareDataset } = prepareDatasetActivities({ s3 });
  const result = await env.run<[PrepareDatasetInput], PrepareDatasetResult, typeof prepareDataset>(
    prepareDataset,
    input,
  );
  return { result, heartbeats };
}

async function failure(input: PrepareDatasetInput): Promise<ApplicationFailure> {
  try {
    await attempt(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('prepareDataset did not fail');
}

const fineTune = (
  baseModelIdentifier: string,
  s3Uri: string,
  extra: Partial<PrepareDatasetInput> = {},
): PrepareDatasetInput => ({
  baseModelIdentifier,
  customizationType: 'FINE_TUNING',
  trainingDataConfig: { s3Uri },
  outputS3Uri: OUTPUT,
  ...extra,
});

describe('validation only', () => {
  it('fingerprints the original object, writes the report, and hands the original configs back', async () => {
    const data = datasets.promptCompletion(120);
    const uri = await upload('valid/train.jsonl', data);
    const { result, heartbeats } = await attempt(fineTune(LLAMA, uri));
    expect(result.fingerprint).toBe(sha256(data));
    expect(result.reportUri).toBe(`${OUTPUT}/prepared/${result.fingerprint}/validation-report.json`);
    expect(result.trainingDataConfig).toEqual({ s3Uri: uri });
    expect(result.validationDataConfig).toBeUndefined();
    expect(result.stats).toEqual({
      trainingRecords: 120,
      validationRecords: 0,
      estimatedTokens: expect.any(Number),
      warnings: 0,
      duplicatesRemoved: 0,
      bytes: Buffer.byteLength(data),
    });
    const report = JSON.parse(await read(result.reportUri));
    expect(report).toMatchObject({
      verdict: 'valid',
      fingerprint: result.fingerprint,
      preparation: null,
      training: { source: uri, sha256: result.fingerprint, records: 120, format: 'prompt-completion' },
    });
    expect(heartbeats[0]).toMatchObject({ phase: 'training', file: uri });
  });

  it('applies batchSize from the hyperparameters to token limits', async () => {
    const record = JSON.stringify({ prompt: 'p'.repeat(3_000 * 6), completion: 'ok' });
    const uri = await upload(
      'batch/train.jsonl',
      `${Array.from({ length: 10 }, (_, i) => record.replace('ok', `ok ${i}`)).join('\n')}\n`,
    );
    const input = fineTune('amazon.titan-text-express-v1:0:8k', uri);
    await expect(attempt(input)).resolves.toBeDefined();
    const err = await failure({ ...input, hyperParameters: { batchSize: '2' } });
    expect(err.message).toContain('[too-many-tokens]');
  });

  it('heartbeats its progress on large files', async () => {
    // About 20 MB of valid records: a heartbeat at the start and one per 8 MiB read.
    const data = claude(9_000, 2_200);
    const uri = await upload('large/train.jsonl', data);
    const { heartbeats, result } = await attempt(fineTune(HAIKU, uri));
    expect(result.stats.trainingRecords).toBe(9_000);
    const reading = heartbeats.filter((h) => h.phase === 'training' && h.bytes > 0);
    expect(reading.length).toBeGreaterThanOrEqual(2);
    const last = reading[reading.length - 1];
    expect(last.bytes).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    expect(last).toMatchObject({ file: uri, records: last.line });
    expect(last.line).toBeGreaterThan(0);
  });
});

describe('invalid data', () => {
  it('writes the report under invalid-<sha256> and fails DatasetInvalid with the first errors and their lines', async () => {
    const lines = datasets.promptCompletion(120).split('\n');
    lines[4] = '{"prompt": "broken",';
    lines[9] = JSON.stringify({ prompt: 'no completion' });
    const data = lines.join('\n');
    const uri = await upload('invalid/train.jsonl', data);
    const err = await failure(fineTune(LLAMA, uri));
    expect(err.type).toBe('DatasetInvalid');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain('dataset invalid (2 errors;');
    expect(err.message).toContain('line 5 [invalid-json]');
    expect(err.message).toContain('line 10 [missing-field] completion is missing');
    const [details] = err.details as [{ reportUri: string; problems: Problem[] }];
    expect(details.reportUri).toBe(`${OUTPUT}/prepared/invalid-${sha256(data)}/validation-report.json`);
    expect(details.problems.map((p) => [p.line, p.rule])).toEqual([
      [5, 'invalid-json'],
      [10, 'missing-field'],
    ]);
    const report = JSON.parse(await read(details.reportUri));
    expect(report).toMatchObject({
      verdict: 'invalid',
      fingerprint: null,
      training: { errorCount: 2, counts: { 'invalid-json': 1, 'missing-field': 1 } },
    });
  });

  it('applies same-bucket rules to media, since it validates the data where it lives', async () => {
    const record = (i: number, bucket: string) =>
      JSON.stringify({
        schemaVersion: 'bedrock-conversation-2024',
        messages: [
          {
            role: 'user',
            content: [
              { text: `What is in picture ${i}?` },
              { image: { format: 'png', source: { s3Location: { uri: `s3://${bucket}/${RUN}/img/${i}.png` } } } },
            ],
          },
          { role: 'assistant', content: [{ text: 'A cat.' }] },
        ],
      });
    const lines = Array.from({ length: 10 }, (_, i) => record(i, DATA_BUCKET));
    lines[3] = record(3, OUTPUT_BUCKET);
    const uri = await upload('media/train.jsonl', `${lines.join('\n')}\n`);
    const err = await failure(fineTune(NOVA_LITE, uri));
    expect(err.message).toContain('line 4 [media-bucket]');
  });

  it('fails InvalidRequest for a missing object, an unknown model, or a split out of range', async () => {
    expect((await failure(fineTune(LLAMA, `s3://${DATA_BUCKET}/${RUN}/does-not-exist.jsonl`))).type).toBe(
      'InvalidRequest',
    );
    expect((await failure(fineTune('amazon.titan-tg1-large', `s3://${DATA_BUCKET}/x.jsonl`))).type).toBe(
      'InvalidRequest',
    );
    const split = await failure(
      fineTune(LLAMA, `s3://${DATA_BUCKET}/x.jsonl`, { preparation: { validationSplit: 0.9 } }),
    );
    expect(split.type).toBe('InvalidRequest');
    expect(split.message).toBe('preparation: validationSplit 0.9 must be between 0 and 0.5');
  });
});

describe('preparation', () => {
  // 150 distinct records, 30 of them repeated once.
  const distinct = datasets.promptCompletion(150).trimEnd().split('\n');
  const withDupes = `${[...distinct, ...distinct.slice(0, 30)].join('\n')}\n`;
  const prepare = (uri: string, seed: string) =>
    fineTune(LLAMA, uri, { preparation: { dedupe: true, validationSplit: 0.2, seed } });

  it('removes duplicates, shuffles with the seed, splits, and fingerprints the prepared training file', async () => {
    const uri = await upload('prepare/train.jsonl', withDupes);
    const { result } = await attempt(prepare(uri, 'seed-a'));
    expect(result.stats).toMatchObject({ duplicatesRemoved: 30, trainingRecords: 120, validationRecords: 30 });
    const folder = `${OUTPUT}/prepared/${result.fingerprint}`;
    expect(result.trainingDataConfig).toEqual({ s3Uri: `${folder}/train.jsonl` });
    expect(result.validationDataConfig).toEqual({ validators: [{ s3Uri: `${folder}/validation.jsonl` }] });
    const train = await read(`${folder}/train.jsonl`);
    const validation = await read(`${folder}/validation.jsonl`);
    expect(sha256(train)).toBe(result.fingerprint);
    expect(result.stats.bytes).toBe(Buffer.byteLength(train));
    const trainLines = train.trimEnd().split('\n');
    const validationLines = validation.trimEnd().split('\n');
    expect(trainLines).toHaveLength(120);
    expect(validationLines).toHaveLength(30);
    // A partition of the distinct records, in a shuffled order.
    expect([...trainLines, ...validationLines].sort()).toEqual([...distinct].sort());
    expect(trainLines).not.toEqual(distinct.filter((l) => trainLines.includes(l)));
    const report = JSON.parse(await read(result.reportUri));
    expect(report.preparation).toEqual({
      options: { dedupe: true, validationSplit: 0.2, seed: 'seed-a' },
      duplicatesRemoved: 30,
      heldOut: 30,
      trainingUri: `${folder}/train.jsonl`,
      validationUri: `${folder}/validation.jsonl`,
    });
    expect(report.training.counts).toEqual({ 'duplicate-record': 30 });
  });

  it('gives a retried attempt the same result and the same bytes; another seed another fingerprint', async () => {
    const uri = await upload('retry/train.jsonl', withDupes);
    const first = await attempt(prepare(uri, 'seed-b'));
    const train = await read(first.result.trainingDataConfig.s3Uri!);
    const retried = await attempt(prepare(uri, 'seed-b'), {
      phase: 'writing',
      file: first.result.trainingDataConfig.s3Uri!,
      bytes: 1,
      records: 10,
      line: 10,
    });
    expect(retried.result).toEqual(first.result);
    expect(await read(retried.result.trainingDataConfig.s3Uri!)).toBe(train);
    const other = await attempt(prepare(uri, 'seed-c'));
    expect(other.result.fingerprint).not.toBe(first.result.fingerprint);
  });

  it('with dedupe only, keeps the original order and needs no split', async () => {
    const uri = await upload('dedupe/train.jsonl', withDupes);
    const { result } = await attempt(fineTune(LLAMA, uri, { preparation: { dedupe: true } }));
    expect(result.stats).toMatchObject({ duplicatesRemoved: 30, trainingRecords: 150, validationRecords: 0 });
    expect(result.validationDataConfig).toBeUndefined();
    expect(await read(result.trainingDataConfig.s3Uri!)).toBe(`${distinct.join('\n')}\n`);
  });

  it('keeps the original object when preparation changes nothing', async () => {
    const data = datasets.promptCompletion(120);
    const uri = await upload('unchanged/train.jsonl', data);
    const { result } = await attempt(fineTune(LLAMA, uri, { preparation: { dedupe: true } }));
    expect(result.trainingDataConfig).toEqual({ s3Uri: uri });
    expect(result.fingerprint).toBe(sha256(data));
  });

  it('refuses a dataset that dedupe brings under the minimum', async () => {
    const lines = datasets.promptCompletion(60).trimEnd().split('\n');
    const uri = await upload('too-few/train.jsonl', `${[...lines, ...lines].join('\n')}\n`);
    const err = await failure(fineTune(LLAMA, uri, { preparation: { dedupe: true } }));
    expect(err.message).toContain('[too-few-total-records] training + validation records: 60 + 0 = 60');
  });
});

describe('validation files', () => {
  it('are checked against validation limits, and a split is not made when one is given', async () => {
    const training = await upload('haiku/train.jsonl', claude(40));
    const validation = await upload('haiku/validation.jsonl', claude(5));
    const { result } = await attempt({
      ...fineTune(HAIKU, training, { preparation: { validationSplit: 0.3 } }),
      validationDataConfig: { validators: [{ s3Uri: validation }] },
    });
    expect(result.trainingDataConfig).toEqual({ s3Uri: training });
    expect(result.validationDataConfig).toEqual({ validators: [{ s3Uri: validation }] });
    expect(result.stats).toMatchObject({ trainingRecords: 40, validationRecords: 5 });
    const report = JSON.parse(await read(result.reportUri));
    expect(report.validation).toHaveLength(1);
    expect(report.validation[0]).toMatchObject({
      source: validation,
      role: 'validation',
      records: 5,
      verdict: 'valid',
    });
  });

  it('name the validation file in the failure when it is the bad one', async () => {
    const training = await upload('haiku2/train.jsonl', claude(40));
    const validation = await upload('haiku2/validation.jsonl', claude(1_001));
    const err = await failure({
      ...fineTune(HAIKU, training),
      validationDataConfig: { validators: [{ s3Uri: validation }] },
    });
    expect(err.message).toContain(`${validation}: file [too-many-records] the validation file has 1,001 records`);
    const [details] = err.details as [{ problems: Problem[] }];
    expect(details.problems[0]).toMatchObject({ rule: 'too-many-records', file: validation });
  });

  it('count with training towards the total limits', async () => {
    const training = await upload('llama/train.jsonl', datasets.promptCompletion(80));
    const validation = await upload('llama/validation.jsonl', datasets.promptCompletion(19));
    const err = await failure({
      ...fineTune(LLAMA, training),
      validationDataConfig: { validators: [{ s3Uri: validation }] },
    });
    expect(err.message).toContain('[too-few-total-records] training + validation records: 80 + 19 = 99');
    const validation20 = await upload('llama/validation20.jsonl', datasets.promptCompletion(20));
    await expect(
      attempt({ ...fineTune(LLAMA, training), validationDataConfig: { validators: [{ s3Uri: validation20 }] } }),
    ).resolves.toBeDefined();
  });
});

describe('invocation logs', () => {
  const hour = (h: number) =>
    `${RUN}/logs/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/11/27/${String(h).padStart(2, '0')}`;
  const distill = (s3Uri: string, extra: Partial<PrepareDatasetInput> = {}): PrepareDatasetInput => ({
    baseModelIdentifier: NOVA_MICRO,
    customizationType: 'DISTILLATION',
    trainingDataConfig: { invocationLogsConfig: { invocationLogSource: { s3Uri }, usePromptResponse: false } },
    outputS3Uri: OUTPUT,
    teacherModelIdentifier: 'amazon.nova-pro-v1:0',
    ...extra,
  });

  beforeAll(async () => {
    for (let h = 0; h < 3; h++)
      await put(
        s3,
        LOGS_BUCKET,
        `${hour(h)}/20261127T${h}0000Z_abc${h}.json.gz`,
        datasets.invocationLogs(50, 'amazon.nova-pro-v1:0'),
      );
    // Side files and the permission marker are not logs.
    await put(
      s3,
      LOGS_BUCKET,
      `${hour(0)}/data/00000000-0000-4000-8000-000000000001_input.json.gz`,
      gzipSync('{"messages":[]}'),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: LOGS_BUCKET,
        Key: `${RUN}/logs/amazon-bedrock-logs-permission-check`,
        Body: new Uint8Array(0),
        ContentLength: 0,
      }),
    );
  });

  it('reads every gzip log under the prefix and fingerprints the used records', async () => {
    const { result } = await attempt(distill(`s3://${LOGS_BUCKET}/${RUN}/logs/AWSLogs`));
    expect(result.stats).toMatchObject({ trainingRecords: 150, validationRecords: 0, duplicatesRemoved: 0 });
    expect(result.trainingDataConfig).toEqual(distill(`s3://${LOGS_BUCKET}/${RUN}/logs/AWSLogs`).trainingDataConfig);
    const report = JSON.parse(await read(result.reportUri));
    expect(report.training).toMatchObject({
      format: 'invocation-log',
      records: 150,
      invocationLogs: { files: 3, recordsRead: 150, filteredOut: 0, qualifying: 150 },
    });
    // The fingerprint covers the used records in key order.
    const used = [0, 1, 2]
      .map(() => gunzipSync(datasets.invocationLogs(50, 'amazon.nova-pro-v1:0')).toString())
      .join('');
    expect(result.fingerprint).toBe(sha256(used));
  });

  it('applies requestMetadataFilters and fails when too few records remain', async () => {
    const err = await failure(
      distill(`s3://${LOGS_BUCKET}/${RUN}/logs/AWSLogs`, {
        trainingDataConfig: {
          invocationLogsConfig: {
            invocationLogSource: { s3Uri: `s3://${LOGS_BUCKET}/${RUN}/logs/AWSLogs` },
            requestMetadataFilters: { equals: { project: 'other' } },
          },
        },
      }),
    );
    expect(err.type).toBe('DatasetInvalid');
    expect(err.message).toContain(
      '[too-few-records] 0 usable log records (150 read in 3 files, 150 filtered out, 0 dropped)',
    );
  });

  it('with usePromptResponse, uses only the teacher’s responses', async () => {
    const input = distill(`s3://${LOGS_BUCKET}/${RUN}/logs/AWSLogs`, {
      trainingDataConfig: {
        invocationLogsConfig: {
          invocationLogSource: { s3Uri: `s3://${LOGS_BUCKET}/${RUN}/logs/AWSLogs` },
          usePromptResponse: true,
        },
      },
      teacherModelIdentifier: 'amazon.nova-premier-v1:0',
    });
    const err = await failure(input);
    expect(err.message).toContain('150 dropped');
    const [details] = err.details as [{ problems: Problem[] }];
    expect(details.problems[0].rule).toBe('too-few-records');
  });

  it('fails when no log file is under the prefix', async () => {
    const err = await failure(distill(`s3://${LOGS_BUCKET}/${RUN}/no-logs-here/AWSLogs`));
    expect(err.message).toContain('[no-log-files]');
  });
});
