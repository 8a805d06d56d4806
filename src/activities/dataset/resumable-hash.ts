// SHA-256 whose running state can be saved in a checkpoint and loaded by another attempt, on another
// machine: Node's crypto hashes cannot export their state, hash-wasm's can (116 bytes). It is slower
// than Node's OpenSSL (about 200 MB/s against 800 on this project's machines), so it is used only for
// what a resumed scan must continue: the source's content hash.
import { createSHA256, type IHasher } from 'hash-wasm';

export class ResumableSha256 {
  private constructor(private readonly hasher: IHasher) {}

  /** A fresh hash, or one continuing from save(). */
  static async create(saved?: string): Promise<ResumableSha256> {
    const hasher = await createSHA256();
    hasher.init();
    if (saved !== undefined) hasher.load(Buffer.from(saved, 'base64'));
    return new ResumableSha256(hasher);
  }

  update(bytes: Uint8Array): this {
    this.hasher.update(bytes);
    return this;
  }

  save(): string {
    return Buffer.from(this.hasher.save()).toString('base64');
  }

  hex(): string {
    return this.hasher.digest('hex');
  }
}
