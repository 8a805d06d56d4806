// A tool's prebuilt release, fetched the way its project publishes it: an archive per platform and a
// `checksums.txt` of their SHA-256 sums (GoReleaser's layout, which the Temporal CLI, the Temporal server
// and Versity Gateway all use), under GitHub's release paths `<base>/<owner>/<repo>/releases/download/<tag>/`.
// The base is a setting so a company without internet access can point it at a mirror of those paths.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const DOWNLOAD_BASE_VARIABLE = 'FINETUNE_TOOLS_DOWNLOAD_BASE';
export const DEFAULT_DOWNLOAD_BASE = 'https://github.com';
/** A download gives up after this long without a byte from the server: an offline machine moves on to Go. */
export const IDLE_TIMEOUT_MS = 10_000;

/**
 * A platform whose archive is fetched, in GoReleaser's words: Linux and macOS on amd64 and arm64, which
 * all three projects publish as tar.gz. Anything else (Windows, where the stack does not run) goes to Go.
 */
export interface Platform {
  os: 'linux' | 'darwin';
  arch: 'amd64' | 'arm64';
}

export function releasePlatform(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): Platform | undefined {
  const os = platform === 'linux' || platform === 'darwin' ? platform : undefined;
  const goArch = arch === 'x64' ? 'amd64' : arch === 'arm64' ? 'arm64' : undefined;
  return os && goArch ? { os, arch: goArch } : undefined;
}

export interface Release {
  /** The GitHub repository (`owner/name`) whose release it is. */
  repo: string;
  archive(platform: Platform): string;
  /** The program's path inside the archive. */
  member(platform: Platform): string;
}

/** Each release's file of sums (`<sha256>  <file name>` lines), as GoReleaser names it in all three projects. */
export const CHECKSUMS_FILE = 'checksums.txt';

/** The download base: the setting, else GitHub. Only http(s), and never with credentials (logged as is). */
export function downloadBase(env: NodeJS.ProcessEnv): string {
  const value = env[DOWNLOAD_BASE_VARIABLE] || DEFAULT_DOWNLOAD_BASE;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(
      `${DOWNLOAD_BASE_VARIABLE}=${value} is not a URL: set it to e.g. https://mirror.example.com/github`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`${DOWNLOAD_BASE_VARIABLE}=${value} is not an http(s) URL`);
  if (url.username || url.password)
    throw new Error(
      `${DOWNLOAD_BASE_VARIABLE} carries a user name or password: the tools download sends none and logs ` +
        'the URL, so use a mirror that serves release files without credentials',
    );
  return value.replace(/\/+$/, '');
}

export function releaseUrl(base: string, release: Release, tag: string, file: string): string {
  return `${base}/${release.repo}/releases/download/${tag}/${file}`;
}

/** The download's bytes differ from the published sum, or the sum is missing: an incident, never a fall-back. */
export class ToolChecksumError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolChecksumError';
  }
}

/** The release could not be fetched (no route, no answer, an HTTP error, a cut-off body): try another way. */
class ReleaseUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseUnavailable';
  }
}

export type DownloadOutcome = { installed: string } | { unavailable: string };

/**
 * Downloads the release archive for `platform`, checks it against the release's published sum, and puts
 * the program at `target`. Everything happens in a scratch folder beside `target`'s and ends with a rename,
 * so an interrupted download never leaves a file the next run would take for a finished one.
 */
export async function downloadRelease(options: {
  release: Release;
  tag: string;
  platform: Platform;
  base: string;
  target: string;
}): Promise<DownloadOutcome> {
  const { release, tag, platform, base, target } = options;
  const archive = release.archive(platform);
  const archiveUrl = releaseUrl(base, release, tag, archive);
  const checksumsUrl = releaseUrl(base, release, tag, CHECKSUMS_FILE);
  const scratch = `${dirname(target)}.partial-${process.pid}`;
  try {
    const expected = publishedSum(await fetchText(checksumsUrl), archive, checksumsUrl);
    mkdirSync(scratch, { recursive: true });
    const actual = await fetchToFile(archiveUrl, join(scratch, archive));
    if (actual !== expected) {
      throw new ToolChecksumError(
        `Checksum mismatch for ${archive} from ${archiveUrl}: ${CHECKSUMS_FILE} says sha256 ${expected}, ` +
          `the download is sha256 ${actual}. Nothing was installed. The download base (${base}) serves bytes ` +
          `that are not the published release: report it to whoever runs it.`,
      );
    }
    const member = release.member(platform);
    await extract(join(scratch, archive), member, scratch);
    chmodSync(join(scratch, member), 0o755);
    mkdirSync(dirname(target), { recursive: true });
    renameSync(join(scratch, member), target);
    return { installed: target };
  } catch (err) {
    if (err instanceof ReleaseUnavailable) return { unavailable: err.message };
    throw err;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function publishedSum(checksums: string, archive: string, checksumsUrl: string): string {
  for (const line of checksums.split('\n')) {
    const match = /^([0-9a-f]{64})\s+\*?(\S+)\s*$/i.exec(line);
    if (match && match[2] === archive) return match[1].toLowerCase();
  }
  throw new ToolChecksumError(
    `${checksumsUrl} lists no sha256 for ${archive}: the download base serves a file of sums that does ` +
      'not belong to this release. Nothing was installed.',
  );
}

/** A GET whose every wait (the answer, each part of the body) is bounded by IDLE_TIMEOUT_MS. */
async function get<T>(url: string, read: (response: Response, stillAlive: () => void) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const stillAlive = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => controller.abort(new ReleaseUnavailable(`${url}: nothing received for ${IDLE_TIMEOUT_MS / 1000} s`)),
      IDLE_TIMEOUT_MS,
    );
  };
  stillAlive();
  try {
    const response = await fetch(url, { signal: controller.signal });
    if (!response.ok) throw new ReleaseUnavailable(`${url}: HTTP ${response.status}`);
    return await read(response, stillAlive);
  } catch (err) {
    if (err instanceof ReleaseUnavailable) throw err;
    if (controller.signal.aborted) throw controller.signal.reason;
    // fetch reports every network failure (no route, refused, reset, a body cut off) as a TypeError
    // (by name: it comes from Node's own realm); anything else (a full disk) is not about reaching the
    // release and must not send us to Go.
    if ((err as Error).name === 'TypeError') throw new ReleaseUnavailable(`${url}: ${networkReason(err)}`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
  return cause?.message ?? (err as Error).message;
}

function fetchText(url: string): Promise<string> {
  return get(url, (response) => response.text());
}

/** Streams the body to `file` and returns its sha256 (hex). */
function fetchToFile(url: string, file: string): Promise<string> {
  return get(url, async (response, stillAlive) => {
    if (!response.body) throw new ReleaseUnavailable(`${url}: empty answer`);
    const hash = createHash('sha256');
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          stillAlive();
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(file),
    );
    return hash.digest('hex');
  });
}

/** `tar` is on every Linux and macOS, the only platforms with archives here. */
async function extract(archive: string, member: string, into: string): Promise<void> {
  try {
    await execFileAsync('tar', ['-xzf', archive, '-C', into, member]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    throw new Error(`Extracting ${member} from ${archive} failed: ${(e.stderr || e.message).trim()}`, { cause: err });
  }
}
