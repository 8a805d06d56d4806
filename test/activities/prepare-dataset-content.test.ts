// prepareDataset against the stack's real S3 server, for what lives beyond the JSONL file: the media
// objects records reference (missing, mismatched, oversized, too small: real objects), invocation logs
// whose bodies Bedrock offloaded to side objects, a validation set that repeats training records, and a
// Nova 2 Lite validation set Bedrock ignores.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { gzipSync } from 'node:zlib';
import {
  prepareDatasetActivities,
  type PrepareDatasetInput,
  type PrepareDatasetResult,
} from '../../src/activities/prepare-dataset';
import { createS3Client } from '../../src/aws/clients';
import { loadAwsConfig } from '../../src/config';
import type { DatasetReport, Problem } from '../../src/core/dataset';
import { DATA_BUCKET, invocationLogRecords, LOGS_BUCKET, OUTPUT_BUCKET, put } from '../support/datasets';
import { bytes, padded, samples } from '../support/media-samples';

const RUN = `prepare-content-${Date.now().toString(36)}`;
const OUTPUT = `s3://${OUTPUT_BUCKET}/${RUN}`;
const NOVA_LITE = 'amazon.nova-lite-v1:0:300k';
const NOVA_2_LITE = 'amazon.nova-2-lite-v1:0:256k';

let s3: S3Client;
beforeAll(() => {
  s3 = createS3Client(loadAwsConfig(process.env));
});
afterAll(() => s3.destroy());

async function prepare(input: PrepareDatasetInput): Promise<PrepareDatasetResult> {
  const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
  const { prepareDataset } = prepareDatasetActivities({ s3 });
  return env.run(prepareDataset, input);
}

async function failure(input: PrepareDatasetInput): Promise<ApplicationFailure> {
  const err = await prepare(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

/** The parts of validation-report.json these tests read. */
interface ReportBody {
  training: DatasetReport;
  validation: DatasetReport[];
  offloadedBodiesFetched?: number;
}

async function report(uri: string): Promise<ReportBody> {
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri)!;
  const body = (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!;
  return JSON.parse(await body.transformToString('utf-8'));
}

const fineTune = (baseModelIdentifier: string, s3Uri: string, extra: Partial<PrepareDatasetInput> = {}) => ({
  baseModelIdentifier,
  customizationType: 'FINE_TUNING' as const,
  trainingDataConfig: { s3Uri },
  outputS3Uri: OUTPUT,
  ...extra,
});

const image = (key: string, format = 'png') => ({
  image: { format, source: { s3Location: { uri: `s3://${DATA_BUCKET}/${RUN}/${key}`, bucketOwner: '123456789012' } } },
});
const pictureRecord = (i: number, ...images: unknown[]) =>
  JSON.stringify({
    schemaVersion: 'bedrock-conversation-2024',
    messages: [
      { role: 'user', content: [{ text: `What is in picture ${i}?` }, ...images] },
      { role: 'assistant', content: [{ text: `Picture ${i} shows a cat.` }] },
    ],
  });

describe('media objects', () => {
  beforeAll(async () => {
    await put(s3, DATA_BUCKET, `${RUN}/img/ok.png`, padded(samples.png(640, 480), 4096));
    await put(s3, DATA_BUCKET, `${RUN}/img/photo.jpg`, padded(samples.png(640, 480), 4096));
    await put(s3, DATA_BUCKET, `${RUN}/img/huge.png`, padded(samples.png(4000, 3000), 11 * 1024 * 1024));
    await put(s3, DATA_BUCKET, `${RUN}/img/tiny.png`, padded(samples.png(16, 16), 512));
  });

  it('accepts a dataset whose images exist and are what they say', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => pictureRecord(i, image('img/ok.png')));
    const uri = await put(s3, DATA_BUCKET, `${RUN}/media-ok/train.jsonl`, `${lines.join('\n')}\n`);
    const result = await prepare(fineTune(NOVA_LITE, uri));
    expect(result.stats.warnings).toBe(0);
  });

  it('reports a missing, a mismatched, an oversized and a too-small image, each on its first line', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => pictureRecord(i, image('img/ok.png')));
    lines[1] = pictureRecord(1, image('img/missing.png'));
    lines[3] = pictureRecord(3, image('img/photo.jpg', 'jpeg'));
    lines[5] = pictureRecord(5, image('img/huge.png'));
    lines[6] = pictureRecord(6, image('img/tiny.png'));
    lines[8] = pictureRecord(8, image('img/missing.png'));
    const uri = await put(s3, DATA_BUCKET, `${RUN}/media-bad/train.jsonl`, `${lines.join('\n')}\n`);
    const err = await failure(fineTune(NOVA_LITE, uri));
    expect(err.type).toBe('DatasetInvalid');
    const [details] = err.details as [{ reportUri: string; problems: Problem[] }];
    expect(details.problems.map((p) => `${p.line}:${p.rule}`)).toEqual([
      '2:media-missing',
      '4:media-content-mismatch',
      '6:media-too-large',
      '7:image-dimensions',
    ]);
    const [missing, mismatch, large, small] = details.problems.map((p) => p.message);
    expect(missing).toBe(
      `image s3://${DATA_BUCKET}/${RUN}/img/missing.png does not exist (NoSuchKey) (referenced on 1 more line)`,
    );
    expect(mismatch).toBe(`image s3://${DATA_BUCKET}/${RUN}/img/photo.jpg is declared "jpeg" but is a PNG image`);
    expect(large).toBe(`image s3://${DATA_BUCKET}/${RUN}/img/huge.png is 11.0 MiB: images may be at most 10.0 MiB`);
    expect(small).toBe(`image s3://${DATA_BUCKET}/${RUN}/img/tiny.png is 16x16 px: each side must be at least 25 px`);
    expect((await report(details.reportUri)).training.counts).toMatchObject({
      'media-missing': 1,
      'media-content-mismatch': 1,
      'media-too-large': 1,
      'image-dimensions': 1,
    });
  });

  it('refuses media on Nova Micro before reading any object', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => pictureRecord(i, image('img/ok.png')));
    const uri = await put(s3, DATA_BUCKET, `${RUN}/media-micro/train.jsonl`, `${lines.join('\n')}\n`);
    const err = await failure(fineTune('amazon.nova-micro-v1:0:128k', uri));
    const [details] = err.details as [{ problems: Problem[] }];
    expect(details.problems[0]).toMatchObject({ rule: 'media-not-supported', line: 1 });
    expect(details.problems.some((p) => p.rule.startsWith('media-missing'))).toBe(false);
  });

  it('checks the PDF documents of Nova 2 Lite records by their magic bytes', async () => {
    await put(s3, DATA_BUCKET, `${RUN}/doc/report.pdf`, padded(samples.pdf(), 2048));
    await put(s3, DATA_BUCKET, `${RUN}/doc/fake.pdf`, bytes('<html>not a pdf</html>'));
    const doc = (i: number, key: string) =>
      JSON.stringify({
        schemaVersion: 'bedrock-conversation-2024',
        messages: [
          {
            role: 'user',
            content: [
              { text: `Summarise report ${i}.` },
              { document: { format: 'pdf', source: { s3Location: { uri: `s3://${DATA_BUCKET}/${RUN}/${key}` } } } },
            ],
          },
          { role: 'assistant', content: [{ text: `Report ${i} says sales grew.` }] },
        ],
      });
    const lines = Array.from({ length: 200 }, (_, i) => doc(i, 'doc/report.pdf'));
    lines[9] = doc(9, 'doc/fake.pdf');
    const uri = await put(s3, DATA_BUCKET, `${RUN}/doc/train.jsonl`, `${lines.join('\n')}\n`);
    const err = await failure(fineTune(NOVA_2_LITE, uri));
    const [details] = err.details as [{ problems: Problem[] }];
    expect(details.problems.map((p) => `${p.line}:${p.rule}`)).toEqual(['10:media-content-mismatch']);
    expect(details.problems[0].message).toContain('is declared "pdf" but is not a known media file (first bytes 3C 68');
  });
});

describe('validation sets', () => {
  it('warns about validation records that are also training records, with both line numbers', async () => {
    const haiku = 'anthropic.claude-3-haiku-20240307-v1:0:200k';
    const claude = (i: number) =>
      JSON.stringify({
        messages: [
          { role: 'user', content: `Question ${i}?` },
          { role: 'assistant', content: `Answer ${i}.` },
        ],
      });
    const training = Array.from({ length: 40 }, (_, i) => claude(i));
    const validation = [claude(100), claude(7), claude(101), claude(33)];
    const trainingUri = await put(s3, DATA_BUCKET, `${RUN}/overlap/train.jsonl`, `${training.join('\n')}\n`);
    const validationUri = await put(s3, DATA_BUCKET, `${RUN}/overlap/val.jsonl`, `${validation.join('\n')}\n`);
    const result = await prepare({
      ...fineTune(haiku, trainingUri),
      validationDataConfig: { validators: [{ s3Uri: validationUri }] },
    });
    expect(result.stats.warnings).toBe(2);
    const body = await report(result.reportUri);
    expect(body.validation[0].problems).toEqual([
      {
        rule: 'validation-overlap',
        severity: 'warning',
        line: 2,
        message: 'the record is also line 8 of the training set',
      },
      {
        rule: 'validation-overlap',
        severity: 'warning',
        line: 4,
        message: 'the record is also line 34 of the training set',
      },
    ]);
  });

  it('on Nova 2 Lite, does not read the validation set and says Bedrock ignores it', async () => {
    const reasoned = (i: number) =>
      JSON.stringify({
        schemaVersion: 'bedrock-conversation-2024',
        messages: [
          { role: 'user', content: [{ text: `What is ${i} squared?` }] },
          {
            role: 'assistant',
            content: [{ reasoningContent: { reasoningText: { text: `${i} times ${i}.` } } }, { text: `${i * i}.` }],
          },
        ],
      });
    const uri = await put(
      s3,
      DATA_BUCKET,
      `${RUN}/nova2/train.jsonl`,
      `${Array.from({ length: 200 }, (_, i) => reasoned(i)).join('\n')}\n`,
    );
    const validation = { validators: [{ s3Uri: `s3://${DATA_BUCKET}/${RUN}/nova2/not-even-there.jsonl` }] };
    const result = await prepare({ ...fineTune(NOVA_2_LITE, uri), validationDataConfig: validation });
    expect(result.validationDataConfig).toEqual(validation);
    expect(result.stats).toMatchObject({ trainingRecords: 200, validationRecords: 0, warnings: 1 });
    const body = await report(result.reportUri);
    expect(body.validation).toEqual([]);
    expect(body.training.problems).toEqual([
      {
        rule: 'validation-ignored',
        severity: 'warning',
        message: `Nova 2 Lite FINE_TUNING takes no validation set: Bedrock ignores ${validation.validators[0].s3Uri}, so it was not checked`,
      },
    ]);
  });
});

describe('invocation logs with offloaded bodies', () => {
  const hour = `${RUN}/logs/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/11/27/10`;
  const sidePath = (id: string, part: string) => `s3://${LOGS_BUCKET}/${hour}/data/${id}_${part}.json.gz`;

  it('reads the side objects and checks the bodies they hold; a missing one drops its record', async () => {
    const records = invocationLogRecords(120, 'amazon.nova-pro-v1:0').map((r, i) => {
      if (i === 3) {
        // A long prompt, offloaded: the record keeps only the path.
        const { inputBodyJson, ...input } = r.input;
        void inputBodyJson;
        return { ...r, input: { ...input, inputBodyS3Path: sidePath(r.requestId, 'input') } };
      }
      if (i === 4) {
        const { outputBodyJson, ...output } = r.output;
        void outputBodyJson;
        return { ...r, output: { ...output, outputBodyS3Path: sidePath(r.requestId, 'output') } };
      }
      if (i === 5) {
        const { inputBodyJson, ...input } = r.input;
        void inputBodyJson;
        return { ...r, input: { ...input, inputBodyS3Path: sidePath('gone', 'input') } };
      }
      if (i === 6) {
        const { inputBodyJson, ...input } = r.input;
        void inputBodyJson;
        return { ...r, input: { ...input, inputBodyS3Path: sidePath(r.requestId, 'input') } };
      }
      return r;
    });
    const ids = records.map((r) => r.requestId);
    // Record 3's prompt is a real one; record 6's side object holds a multimodal prompt, which the
    // engine can only see once the body is read.
    await put(
      s3,
      LOGS_BUCKET,
      `${hour}/data/${ids[3]}_input.json.gz`,
      gzipSync(JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'x'.repeat(120_000) }] }] })),
    );
    await put(
      s3,
      LOGS_BUCKET,
      `${hour}/data/${ids[4]}_output.json.gz`,
      gzipSync(JSON.stringify({ output: { message: { role: 'assistant', content: [{ text: 'An answer.' }] } } })),
    );
    await put(
      s3,
      LOGS_BUCKET,
      `${hour}/data/${ids[6]}_input.json.gz`,
      gzipSync(
        JSON.stringify({
          messages: [
            { role: 'user', content: [{ text: 'What is this?' }, { image: { format: 'png', source: { bytes: '' } } }] },
          ],
        }),
      ),
    );
    await put(
      s3,
      LOGS_BUCKET,
      `${hour}/20261127T100000Z_abc.json.gz`,
      gzipSync(records.map((r: unknown) => JSON.stringify(r)).join('\n') + '\n'),
    );
    const result = await prepare({
      baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
      customizationType: 'DISTILLATION',
      trainingDataConfig: {
        invocationLogsConfig: {
          invocationLogSource: { s3Uri: `s3://${LOGS_BUCKET}/${RUN}/logs/AWSLogs` },
          usePromptResponse: true,
        },
      },
      teacherModelIdentifier: 'amazon.nova-pro-v1:0',
      outputS3Uri: OUTPUT,
    });
    expect(result.stats.trainingRecords).toBe(118);
    const body = await report(result.reportUri);
    expect(body.offloadedBodiesFetched).toBe(3);
    expect(body.training.counts).toEqual({ 'log-missing-body': 1, 'log-multimodal': 1 });
    expect(body.training.problems.map((p: Problem) => `${p.line}:${p.rule}`)).toEqual([
      '6:log-missing-body',
      '7:log-multimodal',
    ]);
    expect(body.training.problems[0].message).toBe(
      `the side object ${sidePath('gone', 'input')} does not exist (NoSuchKey)`,
    );
    // The 120,000-character prompt was counted: the record's tokens come from its side object.
    expect(body.training.estimatedTokens.maxPerRecord).toBeGreaterThanOrEqual(20_000);
  });
});
