// The training records preparation keeps, in a local file with their offsets: dedupe and the seeded
// shuffle need random access to them, and memory must not grow with the dataset. What was added since the
// last checkpoint can be taken out (takeDelta) and, on another attempt, put back (addSaved), so a
// resumed preparation rebuilds the same spool without reading the source again.
//
// A worker killed mid-preparation cannot delete its spool: each spool's folder names its host and
// process, and the first spool a process makes in a folder removes those of its host's dead processes.
import { closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../../host/process-alive';

const LF = 10;
const PREFIX = 'finetune-prepare-';
/** Host names may hold dashes; the folder is PREFIX + host + '.' + pid + '-' + random. */
export const hostSpoolPrefix = (): string => `${PREFIX}${hostname().replace(/[^A-Za-z0-9-]/g, '_')}.`;
const swept = new Set<string>();

/**
 * Removes the spool folders in `parent` left by dead processes of this host (once per process and
 * folder). Folders of other hosts (a shared temp folder) and of live processes are left alone.
 */
export function sweepOrphanSpools(parent: string): string[] {
  const mine = hostSpoolPrefix();
  const removed: string[] = [];
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(mine)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(mine.length))?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || processAlive(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

const NEWLINE = new Uint8Array([LF]);

export class RecordSpool {
  private readonly dir: string;
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(1024 * 1024);
  private used = 0;
  private written = 0;
  private taken = 0;
  private disposed = false;
  private offsets = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  count = 0;

  constructor(parent: string) {
    if (!swept.has(parent)) {
      swept.add(parent);
      sweepOrphanSpools(parent);
    }
    this.dir = mkdtempSync(join(parent, `${hostSpoolPrefix()}${process.pid}-`));
    this.fd = openSync(join(this.dir, 'records.jsonl'), 'w+');
  }

  /** Bytes held: every record with its newline. */
  get bytes(): number {
    return this.written + this.used;
  }

  /** Appends a record as `line\n`; a trailing CR is dropped (prepared files use LF). */
  add(line: Uint8Array): void {
    const body = line.length > 0 && line[line.length - 1] === 13 ? line.subarray(0, line.length - 1) : line;
    this.index(this.bytes, body.length + 1);
    this.append(body);
    this.append(NEWLINE);
  }

  /** Records saved by takeDelta() on an earlier attempt: `line\n` each, as add() wrote them. */
  addSaved(bytes: Uint8Array): void {
    const base = this.bytes;
    let start = 0;
    for (let end = bytes.indexOf(LF); end >= 0; end = bytes.indexOf(LF, start)) {
      this.index(base + start, end + 1 - start);
      start = end + 1;
    }
    this.append(bytes);
    this.taken = this.bytes;
  }

  /** The records added since the last call (or since addSaved), as `line\n` bytes. */
  takeDelta(): Uint8Array {
    this.flush();
    const delta = Buffer.allocUnsafe(this.written - this.taken);
    readSync(this.fd, delta, 0, delta.length, this.taken);
    this.taken = this.written;
    return delta;
  }

  /** Record i (with its newline), in a buffer reused by the next call. */
  read(i: number, scratch: { buffer: Buffer }): Uint8Array {
    this.flush();
    const length = this.lengths[i];
    if (scratch.buffer.length < length)
      scratch.buffer = Buffer.allocUnsafe(Math.max(length, scratch.buffer.length * 2));
    readSync(this.fd, scratch.buffer, 0, length, this.offsets[i]);
    return scratch.buffer.subarray(0, length);
  }

  /** Closes and deletes the file; once only. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private index(offset: number, length: number): void {
    if (this.count === this.offsets.length) this.growIndex();
    this.offsets[this.count] = offset;
    this.lengths[this.count] = length;
    this.count++;
  }

  private append(bytes: Uint8Array): void {
    if (this.used + bytes.length > this.buffer.length) this.flush();
    if (bytes.length > this.buffer.length) {
      writeSync(this.fd, bytes, 0, bytes.length, this.written);
      this.written += bytes.length;
      return;
    }
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }

  private flush(): void {
    if (this.used === 0) return;
    writeSync(this.fd, this.buffer, 0, this.used, this.written);
    this.written += this.used;
    this.used = 0;
  }

  private growIndex(): void {
    const offsets = new Float64Array(this.offsets.length * 2);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const lengths = new Uint32Array(this.lengths.length * 2);
    lengths.set(this.lengths);
    this.lengths = lengths;
  }
}
