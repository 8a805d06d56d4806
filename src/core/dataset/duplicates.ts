// Exact-duplicate detection in bounded memory. Each record is remembered as a 64-bit hash of its bytes
// plus its line number, in an open-addressing table in one typed array: 12 bytes per slot, at most
// 4,194,304 slots (48 MiB), no per-record objects. Two different records collide with probability about
// n^2 / 2^65 (1e-7 for two million records), which is negligible for a warning and for dedupe.
// Tracking stops at MAX_TRACKED records so memory stays bounded whatever the file size; no model in
// the catalog accepts more than 500,000 records, so a file that large is invalid anyway.

export const MAX_TRACKED = 1 << 21;

const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f | 0;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

/** The final avalanche of xxHash32. */
function avalanche(h: number): number {
  h = Math.imul(h ^ (h >>> 15), P2);
  h = Math.imul(h ^ (h >>> 13), P3);
  return h ^ (h >>> 16);
}

/**
 * A 64-bit hash of the bytes: xxHash32's four independent lanes over 16-byte stripes (independent, so
 * the CPU runs them side by side: about 3.5 GB/s in V8 with inlined DataView reads, no allocation, no
 * BigInt), merged two different ways into two 32-bit words. Returns the first word and leaves the second
 * in `lane2` (a tuple per line would cost a GC). Not for adversarial input: dedupe only.
 */
let lane2 = 0;
let view: DataView | undefined;
function hashBytes(bytes: Uint8Array): number {
  // Lines are views into a few large chunks: one DataView per chunk buffer, not per line.
  if (view?.buffer !== bytes.buffer) view = new DataView(bytes.buffer);
  const base = bytes.byteOffset;
  const n = bytes.length;
  let a = (P1 + P2) | 0;
  let b = P2;
  let c = 0;
  let d = -P1 | 0;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    a = Math.imul(rotl((a + Math.imul(view.getInt32(base + i, true), P2)) | 0, 13), P1);
    b = Math.imul(rotl((b + Math.imul(view.getInt32(base + i + 4, true), P2)) | 0, 13), P1);
    c = Math.imul(rotl((c + Math.imul(view.getInt32(base + i + 8, true), P2)) | 0, 13), P1);
    d = Math.imul(rotl((d + Math.imul(view.getInt32(base + i + 12, true), P2)) | 0, 13), P1);
  }
  let h1 = (rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18) + n) | 0;
  let h2 = Math.imul(a ^ P4, P3) ^ Math.imul(b, P1) ^ Math.imul(c ^ n, P2) ^ Math.imul(d, P4);
  for (; i < n; i++) {
    h1 = Math.imul(rotl(h1 + Math.imul(bytes[i], P4), 11), P1);
    h2 = Math.imul(rotl(h2 ^ bytes[i], 11), P3);
  }
  lane2 = avalanche(h2) >>> 0;
  // A first word of 0 marks an empty slot.
  return avalanche(h1) >>> 0 || 1;
}

export class DuplicateTracker {
  constructor(readonly limit = MAX_TRACKED) {}

  private capacity = 1 << 12;
  private size = 0;
  /** Per slot: hash word 1, hash word 2, line. One array, so a probe touches one cache line. */
  private slots = new Uint32Array(this.capacity * 3);
  /** Entries added since the last takeJournal(), as (h1, h2, line) triples, when journaling is on. */
  private journal?: Uint32Array;
  private journalUsed = 0;

  get full(): boolean {
    return this.size >= this.limit;
  }

  /** Records every new entry from now on, for takeJournal() (a resumable scan saves them). */
  startJournal(): void {
    this.journal ??= new Uint32Array(3 * 1024);
  }

  /** The entries added since the last call, in order: replaying them rebuilds the same answers. */
  takeJournal(): Uint32Array {
    const taken = this.journal ? this.journal.slice(0, this.journalUsed) : new Uint32Array(0);
    this.journalUsed = 0;
    return taken;
  }

  /** Adds entries a journal saved (h1, h2, line triples). */
  replay(entries: Uint32Array): void {
    for (let o = 0; o + 2 < entries.length; o += 3) this.insert(entries[o], entries[o + 1], entries[o + 2]);
  }

  /** The line of an earlier identical record, or 0 after remembering this one. */
  firstLineOf(bytes: Uint8Array, line: number): number {
    if (this.full) return 0;
    const h1 = hashBytes(bytes);
    const h2 = lane2;
    const found = this.find(h1, h2);
    if (found !== 0) return found;
    this.insert(h1, h2, line);
    return 0;
  }

  /** The line of an identical record, or 0; remembers nothing (a validation record against training). */
  lineOf(bytes: Uint8Array): number {
    const h1 = hashBytes(bytes);
    return this.find(h1, lane2);
  }

  private find(h1: number, h2: number): number {
    const slots = this.slots;
    const mask = this.capacity - 1;
    let slot = h1 & mask;
    for (;;) {
      const k1 = slots[slot * 3];
      if (k1 === 0) return 0;
      if (k1 === h1 && slots[slot * 3 + 1] === h2) return slots[slot * 3 + 2];
      slot = (slot + 1) & mask;
    }
  }

  private insert(h1: number, h2: number, line: number): void {
    const slots = this.slots;
    const mask = this.capacity - 1;
    let slot = h1 & mask;
    while (slots[slot * 3] !== 0) slot = (slot + 1) & mask;
    slots[slot * 3] = h1;
    slots[slot * 3 + 1] = h2;
    slots[slot * 3 + 2] = line;
    if (this.journal) {
      if (this.journalUsed + 3 > this.journal.length) {
        const grown = new Uint32Array(this.journal.length * 2);
        grown.set(this.journal);
        this.journal = grown;
      }
      this.journal[this.journalUsed++] = h1;
      this.journal[this.journalUsed++] = h2;
      this.journal[this.journalUsed++] = line;
    }
    if (++this.size * 4 > this.capacity * 3) this.grow();
  }

  private grow(): void {
    const old = this.slots;
    this.capacity *= 2;
    const slots = (this.slots = new Uint32Array(this.capacity * 3));
    const mask = this.capacity - 1;
    for (let o = 0; o < old.length; o += 3) {
      const h1 = old[o];
      if (h1 === 0) continue;
      let slot = h1 & mask;
      while (slots[slot * 3] !== 0) slot = (slot + 1) & mask;
      slots[slot * 3] = h1;
      slots[slot * 3 + 1] = old[o + 1];
      slots[slot * 3 + 2] = old[o + 2];
    }
  }
}
