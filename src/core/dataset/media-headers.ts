// What a media file is, from its first bytes: the container its magic bytes announce and, for images,
// the pixel size its header states. A few dozen bytes settle PNG, GIF, WebP and the containers; a JPEG
// states its size in the first frame header, after any EXIF/ICC segments, so the caller hands in the
// first 64 KiB and a size that is not within them is left unknown rather than guessed.

/** Containers told apart by magic bytes. MP4 and MOV share ISO-BMFF; MKV and WebM share EBML. */
export type SniffedFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'iso-bmff' | 'ebml' | 'pdf';

export interface SniffedMedia {
  format?: SniffedFormat;
  width?: number;
  height?: number;
}

/** Which sniffed container each declared format must be. */
export const CONTAINER_OF: Record<string, SniffedFormat> = {
  png: 'png',
  jpeg: 'jpeg',
  gif: 'gif',
  webp: 'webp',
  mp4: 'iso-bmff',
  mov: 'iso-bmff',
  mkv: 'ebml',
  webm: 'ebml',
  pdf: 'pdf',
};

export const CONTAINER_NAMES: Record<SniffedFormat, string> = {
  png: 'a PNG image',
  jpeg: 'a JPEG image',
  gif: 'a GIF image',
  webp: 'a WebP image',
  'iso-bmff': 'an MP4/MOV video',
  ebml: 'an MKV/WebM video',
  pdf: 'a PDF document',
};

/** How many leading bytes sniffMedia wants. */
export const MEDIA_HEAD_BYTES = 64 * 1024;

const ascii = (b: Uint8Array, at: number, text: string): boolean => {
  if (at + text.length > b.length) return false;
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
};
const u16be = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];
const u16le = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8);
const u24le = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
const u32be = (b: Uint8Array, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;

// ISO-BMFF files open with a box; `ftyp` first is the rule, older QuickTime files may open with others.
const BMFF_FIRST_BOXES = ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip', 'pnot'];

function jpegSize(b: Uint8Array): SniffedMedia {
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return { format: 'jpeg' };
    const marker = b[at + 1];
    // Fill bytes, and markers without a length.
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    // Start of frame (SOF0-SOF15 but DHT, JPG and DAC): height, then width.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return { format: 'jpeg', height: u16be(b, at + 5), width: u16be(b, at + 7) };
    if (marker === 0xd9 || marker === 0xda) return { format: 'jpeg' };
    at += 2 + u16be(b, at + 2);
  }
  return { format: 'jpeg' };
}

function webpSize(b: Uint8Array): SniffedMedia {
  const chunk = String.fromCharCode(b[12], b[13], b[14], b[15]);
  if (chunk === 'VP8 ' && b.length >= 30)
    return { format: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  if (chunk === 'VP8L' && b.length >= 25) {
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X' && b.length >= 30) return { format: 'webp', width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  return { format: 'webp' };
}

/** The container and, for images, the size; `{}` when the bytes match no format in the catalog. */
export function sniffMedia(b: Uint8Array): SniffedMedia {
  if (b.length >= 24 && b[0] === 0x89 && ascii(b, 1, 'PNG\r\n\x1a\n'))
    return { format: 'png', width: u32be(b, 16), height: u32be(b, 20) };
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpegSize(b);
  if (ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a'))
    return b.length >= 10 ? { format: 'gif', width: u16le(b, 6), height: u16le(b, 8) } : { format: 'gif' };
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return b.length >= 16 ? webpSize(b) : { format: 'webp' };
  if (b.length >= 8 && BMFF_FIRST_BOXES.some((box) => ascii(b, 4, box))) return { format: 'iso-bmff' };
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return { format: 'ebml' };
  // The PDF header may follow up to 1,024 bytes of leading garbage (PDF 1.7, annex H.3).
  for (let at = 0; at <= Math.min(1024, b.length - 5); at++) if (ascii(b, at, '%PDF-')) return { format: 'pdf' };
  return {};
}

/** "89 50 4E 47" for a message. */
export function firstBytesHex(b: Uint8Array, n = 8): string {
  return Array.from(b.subarray(0, n), (x) => x.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}
