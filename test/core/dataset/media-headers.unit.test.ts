// What a media file is, from its first bytes: formats, image sizes, and the problems of one object.
import { findModel } from '../../../src/core/catalog';
import { objectProblems, sniffMedia, type MediaReference } from '../../../src/core/dataset';
import { bytes, samples } from '../../support/media-samples';

describe('sniffMedia', () => {
  it('tells formats apart and reads image sizes', () => {
    expect(sniffMedia(samples.png(640, 480))).toEqual({ format: 'png', width: 640, height: 480 });
    expect(sniffMedia(samples.gif(32, 16))).toEqual({ format: 'gif', width: 32, height: 16 });
    expect(sniffMedia(samples.webp(1000, 2000))).toEqual({ format: 'webp', width: 1000, height: 2000 });
    expect(sniffMedia(samples.jpeg(800, 600))).toEqual({ format: 'jpeg', width: 800, height: 600 });
    expect(sniffMedia(samples.mp4())).toEqual({ format: 'iso-bmff' });
    expect(sniffMedia(samples.mkv())).toEqual({ format: 'ebml' });
    expect(sniffMedia(samples.pdf())).toEqual({ format: 'pdf' });
    expect(sniffMedia(bytes('hello world'))).toEqual({});
  });

  it('leaves a JPEG size unknown when the frame header is past the bytes given', () => {
    expect(sniffMedia(samples.jpeg(800, 600).subarray(0, 22))).toEqual({ format: 'jpeg' });
  });
});

describe('objectProblems', () => {
  const limits = findModel('amazon.nova-lite-v1:0:300k')!.conversation!.media;
  const ref = (format: string, kind: MediaReference['kind'] = 'image'): MediaReference => ({
    line: 3,
    kind,
    format,
    uri: `s3://finetune-datasets/a.${format}`,
    bucket: 'finetune-datasets',
    key: `a.${format}`,
  });
  const ok = (head: Uint8Array, size = head.length) => ({ status: 'ok' as const, size, head });

  it('accepts a file whose bytes are its declared format, within the limits', () => {
    expect(objectProblems(ref('png'), ok(samples.png(640, 480)), limits)).toEqual([]);
    expect(objectProblems(ref('mov', 'video'), ok(samples.mp4()), limits)).toEqual([]);
    expect(objectProblems(ref('webm', 'video'), ok(samples.mkv()), limits)).toEqual([]);
  });

  it('names what the file really is, its size and its pixels when they break the rules', () => {
    expect(objectProblems(ref('jpeg'), ok(samples.png(640, 480)), limits)).toEqual([
      ['media-content-mismatch', 'image s3://finetune-datasets/a.jpeg is declared "jpeg" but is a PNG image'],
    ]);
    expect(objectProblems(ref('mp4', 'video'), ok(bytes('<html>')), limits)).toEqual([
      [
        'media-content-mismatch',
        'video s3://finetune-datasets/a.mp4 is declared "mp4" but is not a known media file (first bytes 3C 68 74 6D 6C 3E)',
      ],
    ]);
    expect(objectProblems(ref('png'), ok(samples.png(24, 900), 12 * 1024 * 1024), limits)).toEqual([
      ['media-too-large', 'image s3://finetune-datasets/a.png is 12.0 MiB: images may be at most 10.0 MiB'],
      ['image-dimensions', 'image s3://finetune-datasets/a.png is 24x900 px: each side must be at least 25 px'],
    ]);
    expect(objectProblems(ref('png'), ok(new Uint8Array(0)), limits)).toEqual([
      ['media-content-mismatch', 'image s3://finetune-datasets/a.png is empty'],
    ]);
    const llama = findModel('meta.llama3-2-11b-instruct-v1:0:128k')!.conversation!.media;
    expect(objectProblems(ref('png'), ok(samples.png(9000, 100)), llama)).toEqual([
      ['image-dimensions', 'image s3://finetune-datasets/a.png is 9000x100 px: each side must be at most 8192 px'],
    ]);
  });
});
