// Exact-duplicate detection in bounded memory. Each record is remembered as a 64-bit hash of its bytes
// (two independent 32-bit lanes) plus its line number, in an open-addressing table of typed arrays:
// 12 bytes per slot, at most 4,194,304 slots (48 MiB), no per-record objects. Two different records collide with probability about
// n^2 / 2^65 (1e-7 for two million records), which is negligible for a warning and for dedupe.
// Tracking stops at MAX_TRACKED records so memory stays bounded whatever the file size; no model in
// the catalog accepts more than 500,000 records, so a file that large is invalid anyway.

export const MAX_TRACKED = 1 << 21;

/** Two 32-bit multiply-xorshift lanes over little-endian 4-byte words: fast in V8 (no allocation, no
 *  BigInt; DataView reads are inlined and twice as fast as composing bytes). Returns the first lane;
 *  the second is left in `lane2` (a tuple per line would cost a GC). */
let lane2 = 0;
let view: DataView | undefined;
function hashBytes(bytes: Uint8Array): number {
  // Lines are views into a few large chunks: one DataView per chunk buffer, not per line.
  if (view?.buffer !== bytes.buffer) view = new DataView(bytes.buffer);
  const base = bytes.byteOffset;
  let h1 = 0x9747b28c | 0;
  let h2 = 0x85ebca6b | 0;
  const n = bytes.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const k = view.getInt32(base + i, true);
    h1 = Math.imul(h1 ^ k, 0x5bd1e995);
    h1 ^= h1 >>> 15;
    h2 = Math.imul(h2 ^ k, 0xcc9e2d51);
    h2 = (h2 << 13) | (h2 >>> 19);
  }
  for (; i < n; i++) {
    h1 = Math.imul(h1 ^ bytes[i], 0x5bd1e995);
    h2 = Math.imul(h2 ^ bytes[i], 0xcc9e2d51);
  }
  h1 ^= n;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0xc2b2ae35);
  h2 ^= n;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0x85ebca6b);
  h2 ^= h2 >>> 13;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0xc2b2ae35);
  lane2 = h2 >>> 0;
  // A first lane of 0 marks an empty slot.
  return h1 >>> 0 || 1;
}

export class DuplicateTracker {
  constructor(readonly limit = MAX_TRACKED) {}

  private capacity = 1 << 12;
  private size = 0;
  private keys = new Uint32Array(this.capacity * 2);
  private lines = new Uint32Array(this.capacity);

  get full(): boolean {
    return this.size >= this.limit;
  }

  /** The line of an earlier identical record, or 0 after remembering this one. */
  firstLineOf(bytes: Uint8Array, line: number): number {
    if (this.full) return 0;
    const h1 = hashBytes(bytes);
    const h2 = lane2;
    const mask = this.capacity - 1;
    let slot = h1 & mask;
    for (;;) {
      const k1 = this.keys[slot * 2];
      if (k1 === 0) break;
      if (k1 === h1 && this.keys[slot * 2 + 1] === h2) return this.lines[slot];
      slot = (slot + 1) & mask;
    }
    this.keys[slot * 2] = h1;
    this.keys[slot * 2 + 1] = h2;
    this.lines[slot] = line;
    if (++this.size * 4 > this.capacity * 3) this.grow();
    return 0;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldLines = this.lines;
    this.capacity *= 2;
    this.keys = new Uint32Array(this.capacity * 2);
    this.lines = new Uint32Array(this.capacity);
    const mask = this.capacity - 1;
    for (let old = 0; old < oldLines.length; old++) {
      const h1 = oldKeys[old * 2];
      if (h1 === 0) continue;
      let slot = h1 & mask;
      while (this.keys[slot * 2] !== 0) slot = (slot + 1) & mask;
      this.keys[slot * 2] = h1;
      this.keys[slot * 2 + 1] = oldKeys[old * 2 + 1];
      this.lines[slot] = oldLines[old];
    }
  }
}
