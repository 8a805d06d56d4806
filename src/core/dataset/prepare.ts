// The pure half of preparation: a seeded, portable shuffle and the size of the held-out validation set.
// Same seed and same records give the same order on every machine and Node version, so a retried
// activity writes byte-identical files under the same fingerprint.
import type { DataLimits } from '../catalog';
import type { DataPreparationOptions } from './types';

/** 32-bit seed material from a string (cyrb53-style mixing of UTF-16 code units). */
function seedWords(seed: string): [number, number, number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < seed.length; i++) {
    const c = seed.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0, (h1 ^ 0x9e3779b9) >>> 0, (h2 ^ 0x7f4a7c15) >>> 0];
}

/** sfc32: a small, well-tested 32-bit generator; floats in [0, 1). */
export function seededRandom(seed: string): () => number {
  let [a, b, c, d] = seedWords(seed);
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** A Fisher-Yates shuffle of 0..n-1 driven by the seed. */
export function seededPermutation(n: number, seed: string): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

export const DEFAULT_SEED = 'bedrock-finetune';

/**
 * How many of `records` to hold out: round(records * split), at least 1 when a split is asked for and
 * at least two records exist, capped by the model's validation limit, and never so many that training
 * would fall under its own minimum.
 */
export function validationSplitCount(records: number, split: number, limits: DataLimits): number {
  if (!(split > 0) || records < 2 || !limits.validationSupported) return 0;
  let count = Math.max(1, Math.round(records * split));
  if (limits.maxValidationRecords !== undefined) count = Math.min(count, limits.maxValidationRecords);
  const minTraining = limits.minTrainingRecords ?? 1;
  count = Math.min(count, Math.max(0, records - minTraining));
  return count;
}

/** Problems with the options themselves (the request schema checks the same range). */
export function preparationOptionProblems(options: DataPreparationOptions): string[] {
  const split = options.validationSplit;
  if (split !== undefined && !(split >= 0 && split <= 0.5))
    return [`validationSplit ${split} must be between 0 and 0.5`];
  return [];
}
