// Media references in conversation records and image-caption records: S3 URIs, formats and extensions.
// Which formats a model takes is the catalog's (ConversationContent).

/** File extensions each declared format may have. */
export const EXTENSIONS_BY_FORMAT: Record<string, readonly string[]> = {
  jpeg: ['jpeg', 'jpg'],
  png: ['png'],
  gif: ['gif'],
  webp: ['webp'],
  mov: ['mov'],
  mkv: ['mkv'],
  mp4: ['mp4'],
  webm: ['webm'],
  pdf: ['pdf'],
};

// Bucket naming rules, then a key. Conversation media keys may hold only the characters Nova accepts
// (its validator's `[\w\-/.]+`: letters, digits, _, -, / and .); image-caption keys any non-space.
const CONVERSATION_MEDIA_URI = /^s3:\/\/([a-z0-9][-.a-z0-9]{1,61}[a-z0-9])\/([\w\-/.]+)$/;
const S3_OBJECT_URI = /^s3:\/\/([a-z0-9][-.a-z0-9]{1,61}[a-z0-9])\/(\S+)$/;

export function parseMediaUri(uri: string, strict = true): { bucket: string; key: string } | undefined {
  const match = (strict ? CONVERSATION_MEDIA_URI : S3_OBJECT_URI).exec(uri);
  return match ? { bucket: match[1], key: match[2] } : undefined;
}

export function extensionOf(uri: string): string {
  const name = uri.slice(uri.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}
