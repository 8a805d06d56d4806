// Dataset validation throughput and memory. For each record format: generate a JSONL file of the given
// size in a temp folder, then, in one child process per file, read it once to warm the page cache, run a
// bare `readline` + `JSON.parse` loop and the validator (the path `finetune validate` takes on a local
// file: 1 MiB reads into one buffer, LineSplitter, DatasetValidator) on the same file, alternately `--repeat` times
// (default 3; the best run counts, since the machine may be shared), and print MB/s for both, their
// ratio and the peak RSS of each phase. Files are deleted afterwards. Figures, not pass/fail.
//
//   npm run bench:validate -- --size 256MB
//   npm run bench:validate -- --size 1GB,2GB --formats bedrock-conversation
//   npm run bench:validate -- --size 64MB --formats bedrock-conversation,tool-use
// Media objects (--media N): starts its own S3 server (versitygw, from the project's tool cache), uploads
// N small PNG objects and a Nova Lite dataset of N records that reference them, then measures the
// engine alone on that dataset, the media check (one ranged GET per object, the path preparation and
// `finetune validate` take) and, for comparison, bare HEADs of the same objects, each at --concurrency
// requests in flight (default 32):
//   npm run bench:validate -- --media 10000
// Also: node dist/bench/bench/validate.js --generate <path> <format> <size> | --measure <path> <format> [repeat]
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createS3Client } from '../src/aws/clients';
import { s3MediaProbe } from '../src/aws/media-probe';
import { findModel, type CustomizationType } from '../src/core/catalog';
import { fileChunks } from '../src/cli/validate';
import {
  checkMediaObjects,
  DatasetValidator,
  LineSplitter,
  MediaReferences,
  type DatasetContext,
} from '../src/core/dataset';
import { freePort } from '../src/stack/ports';
import { LOCAL_S3_CREDENTIALS } from '../src/aws/local-credentials';
import { startS3Server } from '../src/stack/s3-server';
import { findTool } from '../src/stack/tools';

interface FormatSetup {
  modelId: string;
  type: CustomizationType;
  logs?: boolean;
  record: (i: number, words: (n: number) => string) => unknown;
}

// ---- generated records (about 1.2 KB each, all distinct) ----
const IMAGE_EVERY = 10;
const FORMATS: Record<string, FormatSetup> = {
  'bedrock-conversation': {
    modelId: 'amazon.nova-lite-v1:0:300k',
    type: 'FINE_TUNING',
    record: (i, words) => ({
      schemaVersion: 'bedrock-conversation-2024',
      system: [{ text: `You are support agent ${i % 50}. ${words(12)}` }],
      messages: [
        {
          role: 'user',
          content: [
            { text: `Ticket ${i}: ${words(40)}?` },
            ...(i % IMAGE_EVERY === 0
              ? [
                  {
                    image: { format: 'png', source: { s3Location: { uri: `s3://finetune-datasets/images/${i}.png` } } },
                  },
                ]
              : []),
          ],
        },
        { role: 'assistant', content: [{ text: `Answer ${i}: ${words(60)}.` }] },
        { role: 'user', content: [{ text: `Follow-up ${i}: ${words(20)}?` }] },
        { role: 'assistant', content: [{ text: `Resolution ${i}: ${words(40)}.` }] },
      ],
    }),
  },
  // bedrock-conversation with tool use: a declared tool, a call, its result and the answer per record.
  'tool-use': {
    modelId: 'amazon.nova-lite-v1:0:300k',
    type: 'FINE_TUNING',
    record: (i, words) => ({
      schemaVersion: 'bedrock-conversation-2024',
      system: [{ text: `You are support agent ${i % 50}. ${words(8)}` }],
      toolConfig: {
        tools: [
          {
            toolSpec: {
              name: 'lookupOrder',
              description: `Find an order. ${words(10)}`,
              inputSchema: { json: { type: 'object', properties: { orderId: { type: 'string' } } } },
            },
          },
        ],
      },
      messages: [
        { role: 'user', content: [{ text: `Ticket ${i}: ${words(40)}?` }] },
        {
          role: 'assistant',
          content: [
            { text: `Looking up order ${i}.` },
            { toolUse: { toolUseId: `call-${i}`, name: 'lookupOrder', input: { orderId: `A-${i}` } } },
          ],
        },
        {
          role: 'user',
          content: [
            { toolResult: { toolUseId: `call-${i}`, content: [{ json: { status: words(6), items: i % 7 } }] } },
          ],
        },
        { role: 'assistant', content: [{ text: `Resolution ${i}: ${words(50)}.` }] },
      ],
    }),
  },
  'prompt-completion': {
    modelId: 'meta.llama3-1-8b-instruct-v1:0:128k',
    type: 'FINE_TUNING',
    record: (i, words) => ({ prompt: `Question ${i}: ${words(70)}?`, completion: `Answer ${i}: ${words(110)}.` }),
  },
  'claude-messages': {
    modelId: 'anthropic.claude-3-haiku-20240307-v1:0:200k',
    type: 'FINE_TUNING',
    record: (i, words) => ({
      system: `You are agent ${i % 50}.`,
      messages: [
        { role: 'user', content: `Ticket ${i}: ${words(50)}?` },
        { role: 'assistant', content: `Answer ${i}: ${words(70)}.` },
        { role: 'user', content: `Follow-up ${i}: ${words(20)}?` },
        { role: 'assistant', content: `Resolution ${i}: ${words(40)}.` },
      ],
    }),
  },
  'distillation-prompts': {
    modelId: 'amazon.nova-micro-v1:0:128k',
    type: 'DISTILLATION',
    record: (i, words) => ({
      schemaVersion: 'bedrock-conversation-2024',
      messages: [{ role: 'user', content: [{ text: `Prompt ${i}: ${words(180)}?` }] }],
    }),
  },
  'rft-prompts': {
    modelId: 'amazon.nova-2-lite-v1:0:256k',
    type: 'REINFORCEMENT_FINE_TUNING',
    record: (i, words) => ({
      id: `prompt-${i}`,
      messages: [
        { role: 'system', content: `You are rate assistant ${i % 50}. ${words(30)}.` },
        { role: 'user', content: `Quote ${i}: ${words(120)}?` },
      ],
      reference_answer: { total: i * 1.25, currency: 'EUR', note: words(8) },
      zone: 'ABCD'[i % 4],
    }),
  },
  'continued-pretraining': {
    modelId: 'amazon.titan-text-express-v1:0:8k',
    type: 'CONTINUED_PRE_TRAINING',
    record: (i, words) => ({ input: `Document ${i}. ${words(185)}.` }),
  },
  'image-caption': {
    modelId: 'amazon.titan-image-generator-v1:0',
    type: 'FINE_TUNING',
    record: (i, words) => ({
      'image-ref': `s3://finetune-datasets/images/${i}.png`,
      caption: `${words(120)}`.slice(0, 1_000),
    }),
  },
  'invocation-log': {
    modelId: 'amazon.nova-micro-v1:0:128k',
    type: 'DISTILLATION',
    logs: true,
    record: (i, words) => ({
      schemaType: 'ModelInvocationLog',
      schemaVersion: '1.0',
      timestamp: '2026-11-27T10:15:27Z',
      accountId: '123456789012',
      region: 'us-east-1',
      requestId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      operation: 'Converse',
      modelId: 'amazon.nova-pro-v1:0',
      requestMetadata: { project: 'support-bot' },
      input: {
        inputContentType: 'application/json',
        inputBodyJson: { messages: [{ role: 'user', content: [{ text: `Question ${i}: ${words(60)}?` }] }] },
        inputTokenCount: 80,
      },
      output: {
        outputContentType: 'application/json',
        outputBodyJson: {
          output: { message: { role: 'assistant', content: [{ text: `Answer ${i}: ${words(80)}.` }] } },
          stopReason: 'end_turn',
        },
        outputTokenCount: 100,
      },
    }),
  },
};

const VOCABULARY =
  'account billing router password reset firmware shipping refund warranty invoice order delivery address ' +
  'install configure network wireless signal update version support ticket agent customer device cable port ' +
  'light blink amber green status error code restart power adapter manual page step setting option value';
const WORDS = VOCABULARY.split(' ');

/** A fast deterministic word source (xorshift), so generation is not the bottleneck. */
function wordSource(seed: number): (n: number) => string {
  let x = seed | 1;
  return (n) => {
    let out = '';
    for (let k = 0; k < n; k++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out += (k === 0 ? '' : ' ') + WORDS[(x >>> 0) % WORDS.length];
    }
    return out;
  };
}

function generate(path: string, setup: FormatSetup, bytes: number): number {
  const fd = openSync(path, 'w');
  const words = wordSource(42);
  let written = 0;
  let records = 0;
  let batch: string[] = [];
  let batchBytes = 0;
  while (written + batchBytes < bytes) {
    const line = `${JSON.stringify(setup.record(records++, words))}\n`;
    batch.push(line);
    batchBytes += line.length;
    if (batchBytes >= 4 * 1024 * 1024) {
      written += writeSync(fd, batch.join(''));
      batch = [];
      batchBytes = 0;
    }
  }
  if (batch.length > 0) writeSync(fd, batch.join(''));
  closeSync(fd);
  return records;
}

// ---- measuring (child process) ----

interface Phase {
  mbPerSecond: number;
  seconds: number;
  peakRssMb: number;
}

async function measure<T>(run: () => Promise<T>, bytes: number): Promise<Phase & { result: T }> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const start = process.hrtime.bigint();
  const result = await run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { result, seconds, mbPerSecond: bytes / 1e6 / seconds, peakRssMb: peak / 1024 / 1024 };
}

async function baseline(path: string): Promise<number> {
  let records = 0;
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.length > 0 && JSON.parse(line) !== null) records++;
  }
  return records;
}

async function validator(path: string, setup: FormatSetup, size: number) {
  const ctx: DatasetContext = {
    model: findModel(setup.modelId)!,
    customizationType: setup.type,
    role: 'training',
    fileBytes: size,
    ...(setup.logs ? { invocationLogs: {} } : { datasetBucket: 'finetune-datasets' }),
  };
  const engine = new DatasetValidator(ctx);
  if (setup.logs) engine.beginFile(path);
  const splitter = new LineSplitter();
  let n = 0;
  const onLine = (line: Uint8Array) => engine.addLine(line, ++n);
  for await (const chunk of fileChunks(path)) splitter.push(chunk, onLine);
  splitter.end(onLine);
  const report = engine.finish();
  return { records: report.records, verdict: report.verdict, counts: report.counts };
}

async function warm(path: string): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) void chunk;
}

/** Fastest of the runs (the machine may be shared), and the highest RSS any of them reached. */
function best(runs: Phase[]): Phase {
  return {
    seconds: Math.min(...runs.map((r) => r.seconds)),
    mbPerSecond: Math.max(...runs.map((r) => r.mbPerSecond)),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
  };
}

async function child(path: string, format: string, repeat: number): Promise<void> {
  const setup = FORMATS[format]!;
  const size = statSync(path).size;
  await warm(path);
  const baselineRuns: Phase[] = [];
  const validatorRuns: Phase[] = [];
  let outcome: Awaited<ReturnType<typeof validator>> | undefined;
  // The validator runs first, in a fresh process, so its first run's peak RSS is its own: a V8 heap
  // rarely shrinks, and later runs would carry the other loop's high-water mark.
  for (let r = 0; r < repeat; r++) {
    const run = await measure(() => validator(path, setup, size), size);
    validatorRuns.push(run);
    outcome = run.result;
    baselineRuns.push(await measure(() => baseline(path), size));
  }
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  const validatorPhase = { ...best(validatorRuns), peakRssMb: validatorRuns[0].peakRssMb };
  process.stdout.write(
    `${JSON.stringify({ baseline: best(baselineRuns), validator: { ...validatorPhase, ...outcome }, maxRssMb })}\n`,
  );
}

// ---- media objects ----

/** A 2 KiB PNG: a real header stating 640x480, then padding. */
function pngObject(): Uint8Array {
  const png = new Uint8Array(2048);
  png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(png.buffer).setUint32(16, 640);
  new DataView(png.buffer).setUint32(20, 480);
  return png;
}

/** Runs `task(i)` for i in [0, n) with `concurrency` in flight; returns the seconds taken. */
async function pool(n: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function media(args: string[]): Promise<void> {
  const n = Number(option(args, '--media', '10000'));
  const concurrency = Number(option(args, '--concurrency', '32'));
  const binary = findTool('versitygw');
  if (!binary) throw new Error('versitygw is not in the tool cache: run `finetune dev` once, or npm test');
  const dir = mkdtempSync(join(option(args, '--dir', tmpdir()), 'finetune-bench-media-'));
  const region = 'us-east-1';
  const { child, endpoint } = await startS3Server({
    binary,
    host: '127.0.0.1',
    port: await freePort(),
    dataDir: dir,
    logFile: join(dir, 's3.log'),
    region,
  });
  const s3 = createS3Client({ region, s3Endpoint: endpoint }, LOCAL_S3_CREDENTIALS);
  const bucket = 'finetune-datasets';
  try {
    const png = pngObject();
    const uploadSeconds = await pool(n, concurrency, (i) =>
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: `bench/img/${i}.png`, Body: png })),
    );
    const words = wordSource(7);
    const path = join(dir, 'media.jsonl');
    const fd = openSync(path, 'w');
    for (let i = 0; i < n; i++) {
      const record = {
        schemaVersion: 'bedrock-conversation-2024',
        messages: [
          {
            role: 'user',
            content: [
              { text: `Ticket ${i}: ${words(40)}?` },
              { image: { format: 'png', source: { s3Location: { uri: `s3://${bucket}/bench/img/${i}.png` } } } },
            ],
          },
          { role: 'assistant', content: [{ text: `Answer ${i}: ${words(60)}.` }] },
        ],
      };
      writeSync(fd, `${JSON.stringify(record)}\n`);
    }
    closeSync(fd);
    const size = statSync(path).size;

    // The engine alone on the dataset (no object read), as the plain-text figures are measured.
    const refs = new MediaReferences();
    const model = findModel('amazon.nova-lite-v1:0:300k')!;
    const ctx: DatasetContext = {
      model,
      customizationType: 'FINE_TUNING',
      role: 'training',
      datasetBucket: bucket,
      fileBytes: size,
      onMediaReference: (ref) => refs.add(ref),
    };
    // Best of three, as for the plain-text figures; the references are collected by the first run.
    const runs: Awaited<ReturnType<typeof measure<ReturnType<DatasetValidator['finish']>>>>[] = [];
    for (let r = 0; r < 3; r++)
      runs.push(
        await measure(async () => {
          const validator = new DatasetValidator(r === 0 ? ctx : { ...ctx, onMediaReference: undefined });
          const splitter = new LineSplitter();
          let line = 0;
          const onLine = (bytes: Uint8Array) => validator.addLine(bytes, ++line);
          for await (const chunk of fileChunks(path)) splitter.push(chunk, onLine);
          splitter.end(onLine);
          return validator.finish();
        }, size),
      );
    const engine = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const checkStart = process.hrtime.bigint();
    const problems = await checkMediaObjects(refs, s3MediaProbe(s3), model.conversation!.media, { concurrency });
    const checkSeconds = Number(process.hrtime.bigint() - checkStart) / 1e9;
    const headSeconds = await pool(n, concurrency, (i) =>
      s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `bench/img/${i}.png` })),
    );
    console.log(
      `node ${process.version}, ${process.platform}/${process.arch}; S3: versitygw on loopback; ${concurrency} requests in flight`,
    );
    console.log(
      `media dataset: ${n} records, ${(size / 1e6).toFixed(1)} MB, ${refs.size} distinct objects (uploaded at ${(n / uploadSeconds).toFixed(0)} PUT/s)`,
    );
    console.log(
      `  engine alone:              ${engine.mbPerSecond.toFixed(0)} MB/s, ${(n / engine.seconds).toFixed(0)} records/s (${engine.result.verdict})`,
    );
    console.log(
      `  media check (ranged GET):  ${(refs.size / checkSeconds).toFixed(0)} objects/s, ${checkSeconds.toFixed(2)} s, ${problems.length} problems`,
    );
    console.log(`  bare HEAD, for comparison: ${(n / headSeconds).toFixed(0)} HEADs/s, ${headSeconds.toFixed(2)} s`);
    console.log(
      `  whole validation:          ${(n / (engine.seconds + checkSeconds)).toFixed(0)} records/s with the media check`,
    );
  } finally {
    s3.destroy();
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- driver ----

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB)?$/i.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text} (use e.g. 64MB or 1GB)`);
  const unit = { KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[(match[2] ?? 'MB').toUpperCase() as 'KB' | 'MB' | 'GB'];
  return Math.round(Number(match[1]) * unit);
}

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

function main(args: string[]): void {
  const sizes = option(args, '--size', '64MB').split(',').map(parseSize);
  const formats = option(args, '--formats', Object.keys(FORMATS).join(',')).split(',');
  const repeat = option(args, '--repeat', '3');
  const dir = mkdtempSync(join(option(args, '--dir', tmpdir()), 'finetune-bench-'));
  console.log(
    `node ${process.version}, ${process.platform}/${process.arch}; best of ${repeat} runs each; files in ${dir} (deleted after)`,
  );
  console.log(
    'format                 size      records  readline+JSON.parse  validator   ratio  peak RSS (baseline / validator 1st run)  verdict',
  );
  try {
    for (const format of formats) {
      const setup = FORMATS[format];
      if (!setup) throw new Error(`unknown format ${format}; known: ${Object.keys(FORMATS).join(', ')}`);
      for (const size of sizes) {
        const path = join(dir, `${format}-${size}.jsonl`);
        const records = generate(path, setup, size);
        const run = spawnSync(process.execPath, [__filename, '--measure', path, format, repeat], {
          encoding: 'utf8',
          maxBuffer: 1024 * 1024,
        });
        rmSync(path, { force: true });
        if (run.status !== 0) throw new Error(`measuring ${format} failed:\n${run.stderr}`);
        const m = JSON.parse(run.stdout.trim().split('\n').pop()!);
        const counts = Object.entries(m.validator.counts as Record<string, number>)
          .map(([rule, n]) => `${rule}:${n}`)
          .join(' ');
        const row = [
          format.padEnd(22),
          `${(size / 1024 ** 2).toFixed(0)} MiB`.padStart(9),
          String(records).padStart(10),
          `${m.baseline.mbPerSecond.toFixed(0)} MB/s`.padStart(20),
          `${m.validator.mbPerSecond.toFixed(0)} MB/s`.padStart(11),
          (m.validator.mbPerSecond / m.baseline.mbPerSecond).toFixed(2).padStart(7),
          `${m.baseline.peakRssMb.toFixed(0)} MB / ${m.validator.peakRssMb.toFixed(0)} MB`.padStart(32),
          ` ${m.validator.verdict}${counts ? ` (${counts})` : ''}`,
        ].join(' ');
        console.log(row);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--generate') {
  // Keep a generated file, e.g. to profile: --generate <path> <format> <size>.
  console.log(`${generate(process.argv[3], FORMATS[process.argv[4]], parseSize(process.argv[5]))} records`);
} else if (process.argv[2] === '--measure') {
  child(process.argv[3], process.argv[4], Number(process.argv[5] ?? 1)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else if (process.argv.includes('--media')) {
  media(process.argv.slice(2)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main(process.argv.slice(2));
}
