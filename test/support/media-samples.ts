// The first bytes of real media formats, for tests of the media checks: enough of each header to be
// recognised (and, for images, to state a size), padded to any size asked for.
export const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));
const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const le16 = (n: number) => [n & 255, (n >>> 8) & 255];
const le24 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255];

export const samples = {
  png: (w: number, h: number) => bytes([0x89], 'PNG\r\n\x1a\n', be32(13), 'IHDR', be32(w), be32(h), [8, 6, 0, 0, 0]),
  gif: (w: number, h: number) => bytes('GIF89a', le16(w), le16(h), [0, 0, 0]),
  webp: (w: number, h: number) =>
    bytes('RIFF', be32(0), 'WEBP', 'VP8X', be32(10), [0, 0, 0, 0], le24(w - 1), le24(h - 1)),
  // SOI, an APP0 segment, then SOF0 with height and width.
  jpeg: (w: number, h: number) =>
    bytes(
      [0xff, 0xd8, 0xff, 0xe0, 0, 16],
      'JFIF\0',
      new Array(9).fill(0),
      [0xff, 0xc0, 0, 17, 8],
      [h >> 8, h & 255, w >> 8, w & 255],
      [3],
    ),
  mp4: () => bytes(be32(24), 'ftypisom', be32(0), 'isommp41'),
  mkv: () => bytes([0x1a, 0x45, 0xdf, 0xa3], [0x9f, 0x42, 0x86, 0x81, 0x01]),
  pdf: () => bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'),
};

/** `head` followed by zeros up to `size` bytes. */
export function padded(head: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(head.subarray(0, size));
  return out;
}
