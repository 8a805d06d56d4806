// Splits a stream of byte chunks into lines without decoding them, so the engine can check UTF-8 per
// line and memory holds one chunk plus one line. A line longer than `maxLineBytes` is cut to
// `maxLineBytes + 1` bytes and the rest of it skipped: the engine reports it as too long, and a file
// without newlines cannot exhaust memory.

/** 2 MiB. The largest per-record limit in the catalog, 32,000 tokens, is about 192,000 characters:
 *  under 1.2 MB even with every character JSON-escaped as \uXXXX. Invocation log bodies are inline up to
 *  100 KB each. */
export const MAX_LINE_BYTES = 2 * 1024 * 1024;

const LF = 10;

/**
 * Hands out each line without its `\n` (a `\r` before it stays, for the CRLF check). A final line
 * without a newline comes out of end(); an empty remainder after the last newline is not a line.
 * Lines are views into the chunk when they fit in it: use them before the next push().
 * Callback-based so the hot path pays no promise per line; splitLines() wraps it as an iterable.
 */
export class LineSplitter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private overlong = false;

  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {}

  push(chunk: Uint8Array, onLine: (line: Uint8Array) => void): void {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(LF, start);
      if (end < 0) break;
      if (this.pendingBytes === 0) {
        // The common case: the whole line sits in this chunk, handed out without copying.
        onLine(chunk.subarray(start, end - start > this.maxLineBytes ? start + this.maxLineBytes + 1 : end));
      } else {
        this.take(chunk.subarray(start, end));
        onLine(this.flush());
      }
      start = end + 1;
    }
    // The tail belongs to the next line. Copied, since the producer may reuse its chunk (and a Buffer's
    // slice() would not copy).
    if (start < chunk.length) this.take(new Uint8Array(chunk.subarray(start)));
  }

  end(onLine: (line: Uint8Array) => void): void {
    if (this.pendingBytes > 0) onLine(this.flush());
  }

  /** The partial line held between pushes (a copy), and whether it is already over the limit. */
  tail(): { bytes: Uint8Array; overlong: boolean } {
    const bytes = new Uint8Array(this.pendingBytes);
    let offset = 0;
    for (const part of this.pending) {
      bytes.set(part, offset);
      offset += part.length;
    }
    return { bytes, overlong: this.overlong };
  }

  /** Continues from a tail() taken earlier, as if the bytes before it had been pushed. */
  restoreTail(tail: { bytes: Uint8Array; overlong: boolean }): void {
    this.pending = tail.bytes.length > 0 ? [tail.bytes] : [];
    this.pendingBytes = tail.bytes.length;
    this.overlong = tail.overlong;
  }

  private take(part: Uint8Array): void {
    if (this.overlong) return;
    const room = this.maxLineBytes + 1 - this.pendingBytes;
    if (part.length >= room) {
      this.pending.push(part.subarray(0, room));
      this.pendingBytes += room;
      this.overlong = true;
    } else if (part.length > 0) {
      this.pending.push(part);
      this.pendingBytes += part.length;
    }
  }

  private flush(): Uint8Array {
    const parts = this.pending;
    let line: Uint8Array;
    if (parts.length === 1) line = parts[0];
    else {
      line = new Uint8Array(this.pendingBytes);
      let offset = 0;
      for (const part of parts) {
        line.set(part, offset);
        offset += part.length;
      }
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.overlong = false;
    return line;
  }
}

/** The lines of a chunk stream as an async iterable (see LineSplitter). */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array>,
  maxLineBytes = MAX_LINE_BYTES,
): AsyncGenerator<Uint8Array> {
  const splitter = new LineSplitter(maxLineBytes);
  let lines: Uint8Array[] = [];
  const collect = (line: Uint8Array) => lines.push(line);
  for await (const chunk of chunks) {
    splitter.push(chunk, collect);
    const ready = lines;
    lines = [];
    yield* ready;
  }
  splitter.end(collect);
  yield* lines;
}
