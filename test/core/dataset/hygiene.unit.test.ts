// Line-level hygiene, problem collection and the line splitter: the parts every format shares.
import {
  DatasetContextError,
  DatasetValidator,
  LineSplitter,
  MAX_LINE_BYTES,
  splitLines,
  validateChunks,
  validateLines,
} from '../../../src/core/dataset';
import { DuplicateTracker } from '../../../src/core/dataset/duplicates';
import { firstInvalidUtf8 } from '../../../src/core/dataset/validator';
import { bytesOf, context, lineRules, MODELS, pc, records, validate } from './helpers';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const llama = () => context(MODELS.llama31);

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

describe('a valid file', () => {
  it('is valid, with its figures and no problems', () => {
    const lines = records(100, pc);
    const report = validate(llama(), lines);
    expect(report.verdict).toBe('valid');
    expect(report).toMatchObject({
      format: 'prompt-completion',
      role: 'training',
      records: 100,
      lines: 100,
      errorCount: 0,
      warningCount: 0,
      duplicates: 0,
    });
    expect(report.counts).toEqual({});
    expect(report.problems).toEqual([]);
    expect(report.bytes).toBe(lines.reduce((sum, l) => sum + bytesOf(l).length + 1, 0));
    const chars = JSON.stringify(pc(99)).length; // an upper bound on one record's text
    expect(report.estimatedTokens.maxPerRecord).toBeLessThan(chars / 6);
    expect(report.estimatedTokens.total).toBeGreaterThan(100);
    expect(report.estimatedTokens.limitPerRecord).toBe(16_000);
  });

  it('reports the stored size when the reader knows it', () => {
    expect(validate(context(MODELS.llama31, 'FINE_TUNING', { fileBytes: 12_345 }), records(100, pc)).bytes).toBe(
      12_345,
    );
  });
});

describe('collecting problems', () => {
  it('reports every bad line, not only the first, with 1-based physical line numbers', () => {
    const report = validate(llama(), [
      pc(0),
      '{oops',
      pc(1),
      '',
      '42',
      { prompt: 1, completion: 'x' },
      ...records(100, (i) => pc(i + 10)),
    ]);
    expect(lineRules(report)).toEqual(['2:invalid-json', '4:blank-line', '5:not-an-object', '6:wrong-type']);
    expect(report.errorCount).toBe(4);
    expect(report.verdict).toBe('invalid');
  });

  it('keeps warnings apart from errors: duplicates alone leave the file valid', () => {
    const report = validate(llama(), [...records(100, pc), pc(3)]);
    expect(report.verdict).toBe('valid');
    expect(report.warningCount).toBe(1);
    expect(report.errorCount).toBe(0);
    expect(report.duplicates).toBe(1);
    expect(report.problems).toEqual([
      { rule: 'duplicate-record', severity: 'warning', line: 101, message: 'the record repeats line 4 exactly' },
    ]);
  });

  it('counts every problem but lists the first 100, errors before warnings', () => {
    const dupes = Array.from({ length: 120 }, () => pc(0));
    const bad = Array.from({ length: 150 }, () => '{');
    const report = validate(llama(), [...dupes, ...bad]);
    expect(report.counts).toEqual({ 'duplicate-record': 119, 'invalid-json': 150 });
    expect(report.errorCount).toBe(150);
    expect(report.warningCount).toBe(119);
    expect(report.problems).toHaveLength(100);
    expect(report.problems.every((p) => p.rule === 'invalid-json')).toBe(true);
    expect(report.problems[0].line).toBe(121);
  });

  it('lists file-level problems first', () => {
    const report = validate(context(MODELS.haiku), ['{']);
    expect(report.problems.map((p) => p.rule)).toEqual(['too-few-records', 'invalid-json']);
    expect(report.problems[0].line).toBeUndefined();
  });
});

describe('line hygiene', () => {
  it('finds invalid UTF-8 and says where', () => {
    const line = new Uint8Array([...encoder.encode('{"prompt":"caf'), 0xe9, ...encoder.encode('","completion":"b"}')]);
    const report = validate(llama(), [line]);
    expect(report.problems[0]).toMatchObject({
      rule: 'invalid-utf8',
      line: 1,
      message: 'invalid UTF-8 at byte 15 of the line (0xE9)',
    });
  });

  it.each([
    ['ascii', [0x41, 0x42], 2],
    ['a lone continuation byte', [0x41, 0x80], 1],
    ['an overlong two-byte form', [0xc0, 0xaf], 0],
    ['an encoded surrogate', [0xed, 0xa0, 0x80], 0],
    ['a truncated sequence', [0x41, 0xe2, 0x82], 1],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
  ])('locates the first bad byte: %s', (_name, bytes, offset) => {
    expect(firstInvalidUtf8(new Uint8Array(bytes))).toBe(offset);
  });

  it('accepts multi-byte UTF-8 text', () => {
    expect(validate(llama(), [...records(99, pc), { prompt: 'Ünïcödé 日本語 🙂', completion: 'ok' }]).verdict).toBe(
      'valid',
    );
  });

  it('reports a byte-order mark and still checks the record behind it', () => {
    const bom = [0xef, 0xbb, 0xbf];
    const report = validate(llama(), [
      new Uint8Array([...bom, ...bytesOf(pc(0))]),
      new Uint8Array([...bom, ...bytesOf({ prompt: 'a' })]),
    ]);
    expect(lineRules(report)).toEqual(['1:byte-order-mark', '2:byte-order-mark', '2:missing-field']);
  });

  it('lists CRLF once, counts it on every line, and leaves the file valid', () => {
    const report = validate(
      llama(),
      Array.from({ length: 100 }, (_, i) => `${JSON.stringify(pc(i))}\r`),
    );
    expect(report.verdict).toBe('valid');
    expect(report.counts).toEqual({ 'crlf-line-ending': 100 });
    expect(report.warningCount).toBe(100);
    expect(lineRules(report)).toEqual(['1:crlf-line-ending']);
  });

  it('treats whitespace-only lines as blank, and does not count them as records', () => {
    const report = validate(llama(), [pc(0), ' \t', pc(1), '\r']);
    expect(report.records).toBe(2);
    expect(report.lines).toBe(4);
    expect(lineRules(report)).toEqual(['2:blank-line', '4:blank-line', '4:crlf-line-ending']);
  });

  it('reports an over-long line without parsing it', () => {
    const report = validate(llama(), [new Uint8Array(MAX_LINE_BYTES + 1).fill(0x7b)]);
    expect(lineRules(report)).toEqual(['1:line-too-long']);
  });

  it('takes a line of exactly the maximum length', () => {
    const padding = 'a'.repeat(MAX_LINE_BYTES - '{"prompt":"","completion":"b"}'.length);
    const line = `{"prompt":"${padding}","completion":"b"}`;
    expect(line.length).toBe(MAX_LINE_BYTES);
    expect(validate(llama(), [line]).counts['line-too-long']).toBeUndefined();
  });

  it('sees duplicates across CRLF and LF lines, and names the first occurrence', () => {
    const report = validate(llama(), [pc(0), pc(1), `${JSON.stringify(pc(0))}\r`, pc(0)]);
    expect(report.duplicates).toBe(2);
    expect(report.problems.filter((p) => p.rule === 'duplicate-record').map((p) => [p.line, p.message])).toEqual([
      [3, 'the record repeats line 1 exactly'],
      [4, 'the record repeats line 1 exactly'],
    ]);
  });

  it('tells callers what each line was', () => {
    const validator = new DatasetValidator(llama());
    const outcomes = [pc(0), pc(0), '{', ''].map((l, i) => validator.addLine(bytesOf(l), i + 1));
    expect(outcomes).toEqual(['record', 'duplicate', 'invalid', 'invalid']);
  });
});

describe('DuplicateTracker', () => {
  it('remembers records through table growth and answers with the first line', () => {
    const tracker = new DuplicateTracker();
    const n = 50_000;
    for (let i = 1; i <= n; i++) expect(tracker.firstLineOf(encoder.encode(`record ${i}`), i)).toBe(0);
    for (let i = 1; i <= n; i += 997) expect(tracker.firstLineOf(encoder.encode(`record ${i}`), n + i)).toBe(i);
    expect(tracker.firstLineOf(encoder.encode(''), n + 1)).toBe(0);
    expect(tracker.firstLineOf(encoder.encode(''), n + 2)).toBe(n + 1);
  });

  it('stops tracking at its limit', () => {
    const tracker = new DuplicateTracker(3);
    [1, 2, 3].forEach((i) => tracker.firstLineOf(encoder.encode(`r${i}`), i));
    expect(tracker.full).toBe(true);
    expect(tracker.firstLineOf(encoder.encode('r1'), 4)).toBe(0);
  });
});

describe('LineSplitter and the entry points', () => {
  const text = `${JSON.stringify(pc(0))}\n${JSON.stringify(pc(1))}\r\n\n${JSON.stringify(pc(2))}`;
  const bytes = encoder.encode(text);

  it('gives the same lines whatever the chunk size, the last one without a newline', async () => {
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const lines: string[] = [];
      for await (const line of splitLines(chunksOf(bytes, size))) lines.push(decoder.decode(line));
      expect(lines).toEqual([JSON.stringify(pc(0)), `${JSON.stringify(pc(1))}\r`, '', JSON.stringify(pc(2))]);
    }
  });

  it('does not make a line of the empty remainder after the last newline', async () => {
    const lines: Uint8Array[] = [];
    for await (const line of splitLines(chunksOf(encoder.encode('a\nb\n'), 3))) lines.push(line);
    expect(lines.map((l) => decoder.decode(l))).toEqual(['a', 'b']);
  });

  it('cuts an over-long line to max + 1 bytes across chunks and keeps the next line whole', () => {
    const splitter = new LineSplitter(10);
    const lines: string[] = [];
    const onLine = (l: Uint8Array) => lines.push(decoder.decode(l));
    for (const part of ['0123456', '789abcdef', 'ghij\nnext', '\n0123456789abc\n'])
      splitter.push(encoder.encode(part), onLine);
    splitter.end(onLine);
    expect(lines).toEqual(['0123456789a', 'next', '0123456789a']);
  });

  it('copies what it keeps, so a producer may reuse its buffer (a Buffer, whose slice() is a view)', () => {
    const splitter = new LineSplitter();
    const lines: string[] = [];
    const reused = Buffer.alloc(8);
    for (const part of ['ab\ncd', 'ef\ng', 'hij\n']) {
      reused.fill(0);
      const n = reused.write(part);
      splitter.push(reused.subarray(0, n), (l) => lines.push(decoder.decode(l)));
    }
    expect(lines).toEqual(['ab', 'cdef', 'ghij']);
  });

  it('validateLines, validateChunks and addLine agree', async () => {
    const ctx = llama();
    const byLines = await validateLines(splitLines(chunksOf(bytes, 5)), ctx);
    const byChunks = await validateChunks(chunksOf(bytes, 5), ctx);
    const direct = validate(ctx, [JSON.stringify(pc(0)), `${JSON.stringify(pc(1))}\r`, '', JSON.stringify(pc(2))]);
    expect(byLines).toEqual(direct);
    expect(byChunks).toEqual(direct);
    expect(direct.bytes).toBe(bytes.length + 1);
  });
});

describe('contexts the engine refuses', () => {
  it('a customization type the model does not support', () => {
    expect(() => new DatasetValidator(context(MODELS.titanImage, 'DISTILLATION'))).toThrow(DatasetContextError);
    expect(() => new DatasetValidator(context(MODELS.titanImage, 'DISTILLATION'))).toThrow(
      'supports FINE_TUNING, not DISTILLATION',
    );
  });

  it('invocation logs outside distillation and RFT, or as validation data', () => {
    expect(() => new DatasetValidator(context(MODELS.novaMicro, 'FINE_TUNING', { invocationLogs: {} }))).toThrow(
      'DISTILLATION and REINFORCEMENT_FINE_TUNING only',
    );
    expect(
      () => new DatasetValidator(context(MODELS.novaMicro, 'DISTILLATION', { invocationLogs: {}, role: 'validation' })),
    ).toThrow('never a validation set');
  });
});
