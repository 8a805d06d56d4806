// The S3 streaming helpers against the stack's real S3 server: listing past one page, lines of plain
// and gzipped objects, and multipart writes.
import { GetObjectCommand, ListMultipartUploadsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { gzipSync } from 'node:zlib';
import { createS3Client } from '../../src/aws/clients';
import { listObjects, objectLines, openObject } from '../../src/aws/s3-lines';
import { S3ObjectWriter } from '../../src/aws/s3-writer';
import { loadAwsConfig } from '../../src/config';

const BUCKET = 'finetune-datasets';
const RUN = `s3-lines-${Date.now().toString(36)}`;
const decoder = new TextDecoder();

let s3: S3Client;
beforeAll(() => {
  s3 = createS3Client(loadAwsConfig(process.env));
});
afterAll(() => s3.destroy());

const put = (key: string, body: Uint8Array | string) =>
  s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

async function collect(lines: AsyncIterable<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(decoder.decode(line));
  return out;
}

describe('listObjects', () => {
  it('follows continuation tokens through every page, in key order', async () => {
    const prefix = `${RUN}/many/`;
    const keys = Array.from({ length: 23 }, (_, i) => `${prefix}${String(i).padStart(3, '0')}.json.gz`);
    await Promise.all(keys.map((key) => put(key, 'x')));
    const listed: string[] = [];
    for await (const object of listObjects(s3, BUCKET, prefix, { pageSize: 5 })) listed.push(object.key);
    expect(listed).toEqual(keys);
  });

  it('yields nothing for an empty prefix', async () => {
    const listed = [];
    for await (const object of listObjects(s3, BUCKET, `${RUN}/nothing-here/`)) listed.push(object);
    expect(listed).toEqual([]);
  });
});

describe('objectLines', () => {
  // Several of the SDK's body chunks, and lines that straddle them.
  const lines = Array.from({ length: 20_000 }, (_, i) =>
    JSON.stringify({ prompt: `question ${i} ${'x'.repeat(i % 97)}`, completion: `answer ${i}` }),
  );
  const text = `${lines.join('\n')}\n`;

  it('splits a plain object into lines without the newline', async () => {
    await put(`${RUN}/plain.jsonl`, text);
    expect(await collect(objectLines(s3, BUCKET, `${RUN}/plain.jsonl`))).toEqual(lines);
  });

  it('gunzips when asked (invocation logs)', async () => {
    await put(`${RUN}/logs.json.gz`, gzipSync(text));
    expect(await collect(objectLines(s3, BUCKET, `${RUN}/logs.json.gz`, { gunzip: true }))).toEqual(lines);
  });

  it('reports the stored size and sees the stored bytes', async () => {
    const gz = gzipSync(text);
    await put(`${RUN}/sized.json.gz`, gz);
    let seen = 0;
    const opened = await openObject(s3, BUCKET, `${RUN}/sized.json.gz`, {
      gunzip: true,
      onStoredBytes: (c) => (seen += c.length),
    });
    expect(opened.size).toBe(gz.length);
    let out = 0;
    for await (const chunk of opened.chunks) out += chunk.length;
    expect(out).toBe(Buffer.byteLength(text));
    expect(seen).toBe(gz.length);
  });

  it('fails on a missing object with S3 error name', async () => {
    await expect(collect(objectLines(s3, BUCKET, `${RUN}/missing.jsonl`))).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('fails, rather than ending early, on a corrupt gzip stream', async () => {
    const gz = gzipSync(text);
    await put(`${RUN}/corrupt.json.gz`, gz.subarray(0, gz.length / 2));
    await expect(collect(objectLines(s3, BUCKET, `${RUN}/corrupt.json.gz`, { gunzip: true }))).rejects.toThrow();
  });
});

describe('S3ObjectWriter', () => {
  const read = async (key: string) =>
    Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());

  it('writes a small object in one PutObject', async () => {
    const writer = new S3ObjectWriter(s3, BUCKET, `${RUN}/small.jsonl`);
    await writer.write(Buffer.from('{"a":1}\n'));
    await writer.write(Buffer.from('{"a":2}\n'));
    await writer.end();
    expect((await read(`${RUN}/small.jsonl`)).toString()).toBe('{"a":1}\n{"a":2}\n');
    expect(writer.bytes).toBe(16);
  });

  it('writes a large object as a multipart upload, byte for byte, reusing its buffer', async () => {
    const partBytes = 5 * 1024 * 1024;
    const writer = new S3ObjectWriter(s3, BUCKET, `${RUN}/large.bin`, { partBytes });
    const expected = Buffer.alloc(2 * partBytes + 12_345);
    for (let i = 0; i < expected.length; i++) expected[i] = (i * 31) % 251;
    const scratch = Buffer.alloc(300_000);
    for (let offset = 0; offset < expected.length; offset += scratch.length) {
      const n = expected.copy(scratch, 0, offset, offset + scratch.length);
      await writer.write(scratch.subarray(0, n));
    }
    await writer.end();
    expect((await read(`${RUN}/large.bin`)).equals(expected)).toBe(true);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: `${RUN}/large.bin` }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });
});
