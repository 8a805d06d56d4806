// The media objects a dataset references, checked for real: each distinct object is read once (its
// first 64 KiB and its size: one ranged GET in S3, one read of a local file), with a bounded number of
// reads in flight. A missing or unreadable object, a declared format its magic bytes contradict, a file
// over the model's size limit or an image outside its pixel limits is one problem, on the first line
// that references the object (the message counts the others). Where the objects live is the caller's:
// it hands in a probe, so this stays free of I/O.
import type { MediaLimits } from '../catalog';
import { CONTAINER_NAMES, CONTAINER_OF, firstBytesHex, MEDIA_HEAD_BYTES, sniffMedia } from './media-headers';
import { severityOf, type DatasetRule } from './rules';
import type { MediaKind, MediaReference, Problem } from './types';

/** What reading an object's head answered. */
export type ProbeResult =
  { status: 'ok'; size: number; head: Uint8Array } | { status: 'missing' | 'unreadable'; reason: string };

export type MediaProbe = (ref: MediaReference, headBytes: number) => Promise<ProbeResult>;

interface Referenced {
  ref: MediaReference;
  /** References after the first. */
  more: number;
}

/** The distinct objects of a dataset, in the order first referenced. Feed it from DatasetContext.onMediaReference. */
export class MediaReferences {
  private readonly byUri = new Map<string, Referenced>();

  add(ref: MediaReference): void {
    const known = this.byUri.get(ref.uri);
    if (known) known.more++;
    else this.byUri.set(ref.uri, { ref, more: 0 });
  }

  get size(): number {
    return this.byUri.size;
  }

  entries(): Referenced[] {
    return [...this.byUri.values()];
  }

  /** As JSON, for a checkpoint. */
  snapshot(): Referenced[] {
    return this.entries();
  }

  restore(saved: readonly Referenced[]): void {
    for (const entry of saved) this.byUri.set(entry.ref.uri, { ...entry });
  }
}

export interface MediaCheckOptions {
  /** Reads in flight at once. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called after each object, with how many are done. */
  onProgress?: (done: number) => void;
}

const MAX_BYTES_KEY: Record<MediaKind, keyof MediaLimits> = {
  image: 'maxImageBytes',
  video: 'maxVideoBytes',
  document: 'maxDocumentBytes',
};

const mb = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(bytes < 10 * 1024 ** 2 ? 2 : 1)} MiB`;

/** The problems of one object, given what its probe answered. */
export function objectProblems(ref: MediaReference, result: ProbeResult, limits: MediaLimits): [DatasetRule, string][] {
  const what = `${ref.kind} ${ref.uri}`;
  if (result.status !== 'ok')
    return result.status === 'missing'
      ? [['media-missing', `${what} does not exist (${result.reason})`]]
      : [['media-unreadable', `${what} cannot be read (${result.reason})`]];
  const problems: [DatasetRule, string][] = [];
  const max = limits[MAX_BYTES_KEY[ref.kind]] as number;
  if (max > 0 && result.size > max)
    problems.push(['media-too-large', `${what} is ${mb(result.size)}: ${ref.kind}s may be at most ${mb(max)}`]);
  if (result.size === 0) return [...problems, ['media-content-mismatch', `${what} is empty`]];
  const sniffed = sniffMedia(result.head);
  const expected = CONTAINER_OF[ref.format];
  if (expected && sniffed.format !== expected) {
    const actual = sniffed.format
      ? CONTAINER_NAMES[sniffed.format]
      : `not a known media file (first bytes ${firstBytesHex(result.head)})`;
    problems.push(['media-content-mismatch', `${what} is declared "${ref.format}" but is ${actual}`]);
    return problems;
  }
  if (ref.kind === 'image' && sniffed.width !== undefined && sniffed.height !== undefined) {
    const { width, height } = sniffed;
    const short = Math.min(width, height);
    const long = Math.max(width, height);
    if (short < limits.minImageSide)
      problems.push([
        'image-dimensions',
        `${what} is ${width}x${height} px: each side must be at least ${limits.minImageSide} px`,
      ]);
    else if (limits.maxImageSide !== undefined && long > limits.maxImageSide)
      problems.push([
        'image-dimensions',
        `${what} is ${width}x${height} px: each side must be at most ${limits.maxImageSide} px`,
      ]);
  }
  return problems;
}

/** The file-level warning of a source whose media objects could not be looked at (a local file, no --media-root). */
export function mediaNotCheckedProblem(objects: number): { rule: DatasetRule; message: string } {
  return {
    rule: 'media-not-checked',
    message: `${objects} media object${objects === 1 ? ' was' : 's were'} not checked: give --media-root DIR (the folder that stands for the bucket)`,
  };
}

/** Probes every distinct object with bounded concurrency; the problems come back in line order. */
export async function checkMediaObjects(
  references: MediaReferences,
  probe: MediaProbe,
  limits: MediaLimits,
  options: MediaCheckOptions = {},
): Promise<Problem[]> {
  const entries = references.entries();
  const found: Problem[][] = new Array(entries.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      if (options.signal?.aborted) throw options.signal.reason;
      const index = next++;
      const { ref, more } = entries[index];
      const result = await probe(ref, MEDIA_HEAD_BYTES);
      const also = more > 0 ? ` (referenced on ${more} more line${more === 1 ? '' : 's'})` : '';
      found[index] = objectProblems(ref, result, limits).map(([rule, message]) => ({
        rule,
        severity: severityOf(rule),
        line: ref.line,
        message: `${message}${also}`,
      }));
      options.onProgress?.(++done);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 32, entries.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return found.flat().sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
