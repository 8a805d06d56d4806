// A retried prepareDataset resumes from its last checkpoint instead of reading the file again, and ends
// with exactly what an uninterrupted run writes: the attempt is stopped halfway (cancelled in this
// process, or a real process killed with SIGKILL), the next attempt gets the last heartbeat, and its
// result, prepared files and report are compared byte for byte. Also: a prepared-file upload that fails
// on a local read is aborted in S3 (issue 9, defect 6); checkpoints S3 will not delete are each named in a
// warning.
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { RecordSpool } from '../../src/activities/dataset/record-spool';
import { Progress } from '../../src/activities/dataset/progress';
import { uploadRecords } from '../../src/activities/dataset/write-prepared';
import {
  prepareDatasetActivities,
  type PrepareDatasetInput,
  type PrepareDatasetProgress,
  type PrepareDatasetResult,
} from '../../src/activities/prepare-dataset';
import { createS3Client } from '../../src/aws/clients';
import { loadAwsConfig } from '../../src/config';
import { recorded } from '../support/aws-operations';
import { DATA_BUCKET, OUTPUT_BUCKET, put } from '../support/datasets';
import { startFaultProxy } from '../support/fault-proxy';

const RUN = `prepare-resume-${Date.now().toString(36)}`;
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0:200k';
const CHECKPOINT_BYTES = 512 * 1024;

let s3: S3Client;
const scratch = mkdtempSync(join(tmpdir(), 'finetune-resume-'));
beforeAll(() => {
  s3 = createS3Client(loadAwsConfig(process.env));
});
afterAll(() => {
  s3.destroy();
  rmSync(scratch, { recursive: true, force: true });
});

async function read(uri: string): Promise<string> {
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri)!;
  return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString('utf-8');
}

/** About 6 MB of Claude records, every tenth repeated, one line with an error-free CRLF. */
function dataset(): string {
  const lines: string[] = [];
  for (let i = 0; i < 2_400; i++) {
    const record = JSON.stringify({
      system: `Agent ${i % 7}`,
      messages: [
        { role: 'user', content: `Question ${i}: ${'why '.repeat(300)}?` },
        { role: 'assistant', content: `Answer ${i}.` },
      ],
    });
    lines.push(i === 17 ? `${record}\r` : record);
    if (i % 10 === 0) lines.push(record);
  }
  return `${lines.join('\n')}\n`;
}

interface Outcome {
  result: PrepareDatasetResult;
  heartbeats: PrepareDatasetProgress[];
  /** The Range header of every GetObject of the training file. */
  ranges: (string | undefined)[];
}

/**
 * An S3 client that records the ranges read of `key`: the real client, observed. Its calls are the
 * activity's, so they are recorded for the least-privilege test too (checkpoints saved, read back on
 * resume, deleted).
 */
function observedClient(key: string, ranges: (string | undefined)[], endpoint?: string): S3Client {
  const config = loadAwsConfig(process.env);
  const client = recorded(createS3Client(endpoint ? { ...config, s3Endpoint: endpoint } : config));
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Key?: string; Range?: string };
      if (input.Key === key) ranges.push(input.Range);
      return next(args);
    },
    { step: 'initialize', name: 'recordRanges' },
  );
  return client;
}

async function attempt(
  input: PrepareDatasetInput,
  options: {
    previous?: PrepareDatasetProgress;
    cancelAfterCheckpoints?: number;
    key: string;
    /** S3 through this endpoint (a fault proxy) instead of the server's own. */
    endpoint?: string;
    /** Receives the activity's warnings. */
    warnings?: LogEntry[];
  },
): Promise<Outcome | { heartbeats: PrepareDatasetProgress[] }> {
  const env = new MockActivityEnvironment(
    {
      attempt: options.previous ? 2 : 1,
      heartbeatDetails: options.previous,
      activityId: 'prepare',
      workflowExecution: { workflowId: `${RUN}-wf`, runId: 'r' },
    },
    {
      logger: options.warnings
        ? new DefaultLogger('WARN', (entry) => options.warnings!.push(entry))
        : new DefaultLogger('ERROR'),
    },
  );
  const heartbeats: PrepareDatasetProgress[] = [];
  const ranges: (string | undefined)[] = [];
  const client = observedClient(options.key, ranges, options.endpoint);
  let checkpoints = 0;
  env.on('heartbeat', (details: PrepareDatasetProgress) => {
    const previous = heartbeats.at(-1);
    heartbeats.push(details);
    if (details.checkpoint && details.checkpoint !== previous?.checkpoint) checkpoints++;
    if (checkpoints === options.cancelAfterCheckpoints) env.cancel();
  });
  const { prepareDataset } = prepareDatasetActivities({ s3: client, checkpointBytes: CHECKPOINT_BYTES });
  try {
    const result = await env.run<[PrepareDatasetInput], PrepareDatasetResult, typeof prepareDataset>(
      prepareDataset,
      input,
    );
    return { result, heartbeats, ranges };
  } catch (err) {
    if (options.cancelAfterCheckpoints === undefined) throw err;
    return { heartbeats };
  } finally {
    client.destroy();
  }
}

async function preparedFiles(result: PrepareDatasetResult): Promise<string[]> {
  return Promise.all([
    read(result.reportUri),
    read(result.trainingDataConfig.s3Uri!),
    read(result.validationDataConfig!.validators![0].s3Uri!),
  ]);
}

describe('a retried preparation', () => {
  const key = `${RUN}/train.jsonl`;
  let uri: string;
  const input = (output: string): PrepareDatasetInput => ({
    baseModelIdentifier: HAIKU,
    customizationType: 'FINE_TUNING',
    trainingDataConfig: { s3Uri: uri },
    outputS3Uri: `s3://${OUTPUT_BUCKET}/${RUN}/${output}`,
    preparation: { dedupe: true, validationSplit: 0.05, seed: 'resume' },
  });
  let uninterrupted: Outcome;

  beforeAll(async () => {
    uri = await put(s3, DATA_BUCKET, key, dataset());
    uninterrupted = (await attempt(input('whole'), { key })) as Outcome;
  });

  it('cancelled halfway, resumes from its last checkpoint and writes what an uninterrupted run writes', async () => {
    const stopped = await attempt(input('cancelled'), { key, cancelAfterCheckpoints: 5 });
    expect('result' in stopped).toBe(false);
    const last = stopped.heartbeats.at(-1)!;
    expect(last.checkpoint).toMatch(/\/prepared\/checkpoints\/[0-9a-f]{32}\/state-1-000005\.json$/);

    const resumed = (await attempt(input('cancelled'), { key, previous: last })) as Outcome;
    // One read of the training file, starting where the checkpoint stopped; the first heartbeat goes on
    // from its counts.
    expect(resumed.ranges).toHaveLength(1);
    const from = Number(/^bytes=(\d+)-$/.exec(resumed.ranges[0] ?? '')?.[1]);
    expect(from).toBeGreaterThanOrEqual(5 * CHECKPOINT_BYTES);
    expect(resumed.heartbeats[0].bytes).toBe(from);
    expect(resumed.heartbeats[0].line).toBeGreaterThan(0);
    expect(uninterrupted.ranges).toEqual([undefined]);

    const { result } = resumed;
    expect(result.stats).toEqual(uninterrupted.result.stats);
    expect(result.fingerprint).toBe(uninterrupted.result.fingerprint);
    expect(result.stats.duplicatesRemoved).toBe(240);
    const [report, train, validation] = await preparedFiles(result);
    const [wholeReport, wholeTrain, wholeValidation] = await preparedFiles(uninterrupted.result);
    expect(train).toBe(wholeTrain);
    expect(validation).toBe(wholeValidation);
    // The reports differ only in where they were written.
    expect(report.replaceAll('/cancelled/', '/whole/')).toBe(wholeReport);
    // Its checkpoints are gone.
    const left = await s3.send(
      new ListObjectsV2Command({ Bucket: OUTPUT_BUCKET, Prefix: `${RUN}/cancelled/prepared/checkpoints/` }),
    );
    expect(left.KeyCount ?? 0).toBe(0);
  });

  it('whose checkpoints S3 will not delete (no s3:DeleteObject) ends as usual, warning of each one left behind', async () => {
    // The proxy answers DeleteObjects as AWS answers a caller without s3:DeleteObject: 200, each key refused.
    const proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL_S3!);
    proxy.faults.denyDeleteObjects = true;
    const warnings: LogEntry[] = [];
    try {
      const done = (await attempt(input('undeleted'), { key, endpoint: proxy.endpoint, warnings })) as Outcome;
      expect(done.result.fingerprint).toBe(uninterrupted.result.fingerprint);
    } finally {
      await proxy.close();
    }
    const left = await s3.send(
      new ListObjectsV2Command({ Bucket: OUTPUT_BUCKET, Prefix: `${RUN}/undeleted/prepared/checkpoints/` }),
    );
    const keys = (left.Contents ?? []).map((o) => o.Key!);
    expect(keys.length).toBeGreaterThan(10);
    expect(warnings.map((w) => w.message).sort()).toEqual(
      keys.map((k) => `prepareDataset: checkpoint s3://${OUTPUT_BUCKET}/${k} left behind (dataset content)`).sort(),
    );
    expect(warnings.every((w) => w.level === 'WARN' && w.meta?.code === 'AccessDenied')).toBe(true);
  });

  it('killed with SIGKILL in a real process, resumes in the next one with the same outputs', async () => {
    // The first attempt runs in its own Node process (the built activity), printing its heartbeats.
    const script = `
      const { MockActivityEnvironment } = require('@temporalio/testing');
      const { DefaultLogger } = require('@temporalio/worker');
      const { prepareDatasetActivities } = require('./dist/activities/prepare-dataset');
      const { createS3Client } = require('./dist/aws/clients');
      const { loadAwsConfig } = require('./dist/config');
      const env = new MockActivityEnvironment(
        { attempt: 1, activityId: 'prepare', workflowExecution: { workflowId: ${JSON.stringify(`${RUN}-wf`)}, runId: 'r' } },
        { logger: new DefaultLogger('ERROR') },
      );
      env.on('heartbeat', (d) => process.stdout.write(JSON.stringify(d) + '\\n'));
      const { prepareDataset } = prepareDatasetActivities({
        s3: createS3Client(loadAwsConfig(process.env)),
        checkpointBytes: ${CHECKPOINT_BYTES},
      });
      env.run(prepareDataset, ${JSON.stringify(input('killed'))}).then(() => process.stdout.write('DONE\\n'));
    `;
    const child = spawn(process.execPath, ['-e', script], {
      cwd: resolve(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let last: PrepareDatasetProgress | undefined;
    let checkpoints = 0;
    for await (const line of createInterface({ input: child.stdout! })) {
      if (line === 'DONE') throw new Error('the first attempt finished before it could be killed');
      const details = JSON.parse(line) as PrepareDatasetProgress;
      if (details.checkpoint && details.checkpoint !== last?.checkpoint) checkpoints++;
      last = details;
      if (checkpoints === 4) {
        child.kill('SIGKILL');
        break;
      }
    }
    await new Promise((done) =>
      child.exitCode !== null || child.signalCode ? done(undefined) : child.once('exit', done),
    );
    expect(child.signalCode).toBe('SIGKILL');

    const resumed = (await attempt(input('killed'), { key, previous: last })) as Outcome;
    expect(Number(/^bytes=(\d+)-$/.exec(resumed.ranges[0] ?? '')?.[1])).toBeGreaterThanOrEqual(4 * CHECKPOINT_BYTES);
    expect(resumed.result.fingerprint).toBe(uninterrupted.result.fingerprint);
    const [report, train, validation] = await preparedFiles(resumed.result);
    const [wholeReport, wholeTrain, wholeValidation] = await preparedFiles(uninterrupted.result);
    expect(train).toBe(wholeTrain);
    expect(validation).toBe(wholeValidation);
    expect(report.replaceAll('/killed/', '/whole/')).toBe(wholeReport);
  });
});

describe('a prepared-file upload', () => {
  it('is aborted in S3 when a local read fails after its first part went up', async () => {
    const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
    const spool = new RecordSpool(scratch);
    const worker = recorded(createS3Client(loadAwsConfig(process.env)));
    const key = `${RUN}/aborted/train.jsonl`;
    try {
      // 9 MiB of records: the first 8 MiB part is uploaded before the failure.
      const line = new TextEncoder().encode(`{"prompt":"${'p'.repeat(1000)}","completion":"c"}`);
      for (let i = 0; i < 9 * 1024; i++) spool.add(line);
      // Past 8.5 MiB the spool's file is closed under the upload: the next read fails with EBADF, a
      // local failure, not an S3 one.
      const progress = new (class extends Progress {
        override read(bytes: number): void {
          super.read(bytes);
          if (this.bytes > 8.5 * 1024 * 1024) spool.dispose();
        }
      })();
      const order = Uint32Array.from({ length: spool.count }, (_, i) => i);
      await expect(
        env.run(() => uploadRecords(worker, `s3://${OUTPUT_BUCKET}/${key}`, spool, order, progress)),
      ).rejects.toThrow(/EBADF/);
    } finally {
      spool.dispose();
      worker.destroy();
    }
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: OUTPUT_BUCKET, Prefix: key }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });
});
