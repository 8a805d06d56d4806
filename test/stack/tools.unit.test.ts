// Installing the tools from their prebuilt releases: a local HTTP server plays the download base (the
// setting a mirror uses) and serves archives packed like the real ones, holding a small script in place
// of each program, with their checksums.txt. The code under test downloads, verifies, extracts and runs
// them for real; only the program inside the archive is a stand-in.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { releasePlatform, releaseUrl, ToolChecksumError } from '../../src/stack/tool-release';
import { ensureTools, TOOLS } from '../../src/stack/tools';

const execFileAsync = promisify(execFile);

// The release file names, written out as each project's GoReleaser configuration makes them (not derived
// from the code under test).
const CLI_ARCHIVE: Record<string, string> = {
  'linux/x64': 'temporal_cli_1.5.1_linux_amd64.tar.gz',
  'linux/arm64': 'temporal_cli_1.5.1_linux_arm64.tar.gz',
  'darwin/x64': 'temporal_cli_1.5.1_darwin_amd64.tar.gz',
  'darwin/arm64': 'temporal_cli_1.5.1_darwin_arm64.tar.gz',
};
const VERSITYGW_FOLDER: Record<string, string> = {
  'linux/x64': 'versitygw_v1.7.0_Linux_x86_64',
  'linux/arm64': 'versitygw_v1.7.0_Linux_arm64',
  'darwin/x64': 'versitygw_v1.7.0_Darwin_x86_64',
  'darwin/arm64': 'versitygw_v1.7.0_Darwin_arm64',
};
const here = `${process.platform}/${process.arch}`;
const CLI_PATH = '/temporalio/cli/releases/download/v1.5.1';
const VERSITYGW_PATH = '/versity/versitygw/releases/download/v1.7.0';

const scratch = mkdtempSync(join(tmpdir(), 'finetune-tools-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let dirCount = 0;
function freshDir(label: string): string {
  const dir = join(scratch, `${label}-${++dirCount}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A tar.gz holding `files` (path -> contents; scripts are made executable), packed with the system tar. */
function tarGz(files: Record<string, string>): Buffer {
  const root = freshDir('archive');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
    if (text.startsWith('#!')) chmodSync(join(root, path), 0o755);
  }
  const tops = [...new Set(Object.keys(files).map((path) => path.split('/')[0]))];
  return execFileSync('tar', ['-czf', '-', '-C', root, ...tops], { maxBuffer: 1024 * 1024 });
}

const script = (output: string) => `#!/bin/sh\necho "${output}"\n`;

/** The two releases as their projects lay them out: the CLI's files at the top, Versity's in one folder. */
function releases(): Record<string, Buffer> {
  const cli = tarGz({ temporal: script('temporal version 1.5.1 (stand-in)'), LICENSE: 'MIT\n' });
  const folder = VERSITYGW_FOLDER[here];
  const gw = tarGz({
    [`${folder}/versitygw`]: script('versitygw 1.7.0 (stand-in)'),
    [`${folder}/README.md`]: 'readme\n',
    [`${folder}/LICENSE`]: 'Apache-2.0\n',
  });
  return {
    [`${CLI_PATH}/${CLI_ARCHIVE[here]}`]: cli,
    [`${CLI_PATH}/checksums.txt`]: Buffer.from(
      `${sha256(Buffer.from('other'))}  other.zip\n${sha256(cli)}  ${CLI_ARCHIVE[here]}\n`,
    ),
    [`${VERSITYGW_PATH}/${folder}.tar.gz`]: gw,
    [`${VERSITYGW_PATH}/checksums.txt`]: Buffer.from(`${sha256(gw)}  ${folder}.tar.gz\n`),
  };
}

interface Mirror {
  base: string;
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves `files` under `/github` (a mirror's prefix). Archives answer with a redirect to `/assets/...`, as
 * GitHub's release downloads do; `cutOff` paths send half their bytes and drop the connection; `silent`
 * paths never answer.
 */
async function mirror(
  files: Record<string, Buffer>,
  options: { cutOff?: string[]; silent?: string[] } = {},
): Promise<Mirror> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const redirected = req.url?.startsWith('/assets/');
    const path = (req.url ?? '').replace(/^\/(github|assets)\//, '/');
    if (options.silent?.includes(path)) return;
    if (path.endsWith('.tar.gz') && !redirected) {
      res.writeHead(302, { location: `/assets${path}` }).end();
      return;
    }
    const body = req.url?.match(/^\/(github|assets)\//) ? files[path] : undefined;
    if (!body) {
      res.writeHead(404).end('Not Found');
      return;
    }
    res.writeHead(200, { 'content-length': body.length });
    if (options.cutOff?.includes(path)) {
      res.write(body.subarray(0, body.length >> 1), () => res.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    base: `http://127.0.0.1:${port}/github`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A base URL nothing listens on. */
async function closedBase(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** A folder holding only a `go` that records being run (to prove a path never reaches Go). */
function recordingGo(): { dir: string; ran: () => boolean } {
  const dir = freshDir('go-recorder');
  const marker = join(dir, 'ran');
  writeFileSync(join(dir, 'go'), `#!/bin/sh\ntouch "${marker}"\nexit 1\n`);
  chmodSync(join(dir, 'go'), 0o755);
  return { dir, ran: () => existsSync(marker) };
}

/** The environment of a machine with nothing installed: a fresh tools folder, only `pathDirs` on PATH. */
function machine(base: string, pathDirs: string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FINETUNE_TOOLS_DIR: freshDir('tools'),
    FINETUNE_TOOLS_DOWNLOAD_BASE: base,
    PATH: pathDirs.join(delimiter) || freshDir('empty-path'),
  };
  for (const name of Object.values(TOOLS)) delete env[name.pathVariable];
  return env;
}

function leftovers(toolsDir: string): string[] {
  return existsSync(toolsDir) ? readdirSync(toolsDir, { recursive: true }).map(String) : [];
}

describe('release file names', () => {
  it('follow each project’s published layout on every platform', () => {
    const names = (platform: NodeJS.Platform, arch: string) => {
      const p = releasePlatform(platform, arch)!;
      return Object.values(TOOLS).map((spec) => ({
        url: releaseUrl('https://github.com', spec.release, spec.version, spec.release.archive(p)),
        member: spec.release.member(p),
      }));
    };
    const gh = 'https://github.com';
    expect(names('linux', 'x64')).toEqual([
      { url: `${gh}${CLI_PATH}/temporal_cli_1.5.1_linux_amd64.tar.gz`, member: 'temporal' },
      {
        url: `${gh}${VERSITYGW_PATH}/versitygw_v1.7.0_Linux_x86_64.tar.gz`,
        member: 'versitygw_v1.7.0_Linux_x86_64/versitygw',
      },
      {
        url: `${gh}/Admiral-Piett/goaws/releases/download/v0.5.4/goaws_Linux_x86_64.tar.gz`,
        member: 'goaws',
      },
      {
        url: `${gh}/temporalio/temporal/releases/download/v1.29.1/temporal_1.29.1_linux_amd64.tar.gz`,
        member: 'temporal-server',
      },
      {
        url: `${gh}/temporalio/temporal/releases/download/v1.29.1/temporal_1.29.1_linux_amd64.tar.gz`,
        member: 'temporal-sql-tool',
      },
    ]);
    expect(names('darwin', 'arm64').map((n) => n.url.split('/').pop())).toEqual([
      'temporal_cli_1.5.1_darwin_arm64.tar.gz',
      'versitygw_v1.7.0_Darwin_arm64.tar.gz',
      'goaws_Darwin_arm64.tar.gz',
      'temporal_1.29.1_darwin_arm64.tar.gz',
      'temporal_1.29.1_darwin_arm64.tar.gz',
    ]);
    expect(names('linux', 'arm64')[1].url).toMatch(/versitygw_v1\.7\.0_Linux_arm64\.tar\.gz$/);
    expect(names('darwin', 'x64')[1].member).toBe('versitygw_v1.7.0_Darwin_x86_64/versitygw');
    expect(releasePlatform('win32', 'x64')).toBeUndefined();
    expect(releasePlatform('linux', 'ia32')).toBeUndefined();
  });
});

const supported = here in CLI_ARCHIVE;
(supported ? describe : describe.skip)(`installing from a download base (${here})`, () => {
  it('downloads, verifies and installs both tools, which then run; a second call is quiet and offline', async () => {
    const server = await mirror(releases());
    try {
      const env = machine(`${server.base}/`, []);
      const lines: string[] = [];
      const tools = await ensureTools(['temporal', 'versitygw'], { env, log: (l) => lines.push(l) });

      expect(tools.temporal).toBe(join(env.FINETUNE_TOOLS_DIR!, 'temporal-v1.5.1', 'temporal'));
      expect(tools.versitygw).toBe(join(env.FINETUNE_TOOLS_DIR!, 'versitygw-v1.7.0', 'versitygw'));
      expect((await execFileAsync(tools.temporal, ['--version'])).stdout).toBe('temporal version 1.5.1 (stand-in)\n');
      expect((await execFileAsync(tools.versitygw, ['--version'])).stdout).toBe('versitygw 1.7.0 (stand-in)\n');
      expect(server.requests).toEqual(
        expect.arrayContaining([
          `/github${CLI_PATH}/checksums.txt`,
          `/github${CLI_PATH}/${CLI_ARCHIVE[here]}`,
          `/assets${CLI_PATH}/${CLI_ARCHIVE[here]}`,
          `/github${VERSITYGW_PATH}/checksums.txt`,
        ]),
      );
      expect(lines).toEqual(
        expect.arrayContaining([
          `downloading temporal v1.5.1 (Temporal dev server and Web UI) from ${server.base}${CLI_PATH}/${CLI_ARCHIVE[here]}`,
          expect.stringMatching(/^installed temporal in .*temporal-v1\.5\.1\/temporal$/),
          expect.stringMatching(/^installed versitygw in /),
        ]),
      );
      // Only the programs: no archive, no scratch folder.
      expect(leftovers(env.FINETUNE_TOOLS_DIR!).sort()).toEqual([
        'temporal-v1.5.1',
        'temporal-v1.5.1/temporal',
        'versitygw-v1.7.0',
        'versitygw-v1.7.0/versitygw',
      ]);

      const requestsBefore = server.requests.length;
      const again: string[] = [];
      expect(await ensureTools(['temporal', 'versitygw'], { env, log: (l) => again.push(l) })).toEqual(tools);
      expect(again).toEqual([]);
      expect(server.requests.length).toBe(requestsBefore);
    } finally {
      await server.close();
    }
  });

  it('refuses an archive whose sum differs from checksums.txt, naming both sums, and never falls back to Go', async () => {
    const files = releases();
    const published = `${CLI_PATH}/checksums.txt`;
    const wrong = sha256(Buffer.from('not the release'));
    files[published] = Buffer.from(`${wrong}  ${CLI_ARCHIVE[here]}\n`);
    const actual = sha256(files[`${CLI_PATH}/${CLI_ARCHIVE[here]}`]);
    const server = await mirror(files);
    const go = recordingGo();
    try {
      const env = machine(server.base, [go.dir]);
      const install = ensureTools(['temporal'], { env, log: () => undefined });
      await expect(install).rejects.toThrow(ToolChecksumError);
      await expect(install).rejects.toThrow(
        `Checksum mismatch for ${CLI_ARCHIVE[here]} from ${server.base}${CLI_PATH}/${CLI_ARCHIVE[here]}: ` +
          `checksums.txt says sha256 ${wrong}, the download is sha256 ${actual}. Nothing was installed.`,
      );
      expect(go.ran()).toBe(false);
      expect(leftovers(env.FINETUNE_TOOLS_DIR!)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('refuses a checksums.txt that lists no sum for the archive', async () => {
    const files = releases();
    files[`${VERSITYGW_PATH}/checksums.txt`] = Buffer.from(`${sha256(Buffer.from('x'))}  something-else.tar.gz\n`);
    const server = await mirror(files);
    const go = recordingGo();
    try {
      const env = machine(server.base, [go.dir]);
      await expect(ensureTools(['versitygw'], { env, log: () => undefined })).rejects.toThrow(
        new RegExp(`checksums\\.txt lists no sha256 for ${VERSITYGW_FOLDER[here]}\\.tar\\.gz`),
      );
      expect(go.ran()).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('with the base unreachable and no Go, says within seconds exactly what to install or set', async () => {
    const base = await closedBase();
    const env = machine(base, []);
    const started = Date.now();
    await expect(ensureTools(['temporal'], { env, log: () => undefined })).rejects.toThrow(
      `temporal v1.5.1 (Temporal dev server and Web UI) is missing: the download failed: ` +
        `${base}${CLI_PATH}/checksums.txt: connect ECONNREFUSED ${base.slice('http://'.length)}, and Go is not installed to build it. Do one of: let ` +
        `this machine reach ${base} (or set FINETUNE_TOOLS_DOWNLOAD_BASE to a mirror of its release downloads) ` +
        `and run again; install Go 1.25 or later (https://go.dev/dl) and run again; or put temporal on PATH, or ` +
        `set TEMPORAL_CLI_PATH to an existing binary.`,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(leftovers(env.FINETUNE_TOOLS_DIR!)).toEqual([]);
  });

  it('treats a download cut off midway as unreachable and installs nothing', async () => {
    const server = await mirror(releases(), { cutOff: [`${CLI_PATH}/${CLI_ARCHIVE[here]}`] });
    try {
      const env = machine(server.base, []);
      await expect(ensureTools(['temporal'], { env, log: () => undefined })).rejects.toThrow(
        new RegExp(
          `missing: the download failed: ${server.base}${CLI_PATH}/${CLI_ARCHIVE[here]}: .*Go is not installed`,
        ),
      );
      expect(leftovers(env.FINETUNE_TOOLS_DIR!)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('gives up on a base that accepts the connection but never answers after 10 s', async () => {
    const server = await mirror(releases(), { silent: [`${CLI_PATH}/checksums.txt`] });
    try {
      const env = machine(server.base, []);
      const started = Date.now();
      await expect(ensureTools(['temporal'], { env, log: () => undefined })).rejects.toThrow(
        `the download failed: ${server.base}${CLI_PATH}/checksums.txt: nothing received for 10 s, and Go is not installed`,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await server.close();
    }
  }, 30_000);

  it('rejects a download base that is not an http(s) URL or carries credentials, without echoing them', async () => {
    const env = machine('ftp://mirror.example.com', []);
    await expect(ensureTools(['temporal'], { env })).rejects.toThrow(
      'FINETUNE_TOOLS_DOWNLOAD_BASE=ftp://mirror.example.com is not an http(s) URL',
    );
    const secret = machine('https://me:s3cret@mirror.example.com', []);
    const failure = ensureTools(['temporal'], { env: secret });
    await expect(failure).rejects.toThrow('FINETUNE_TOOLS_DOWNLOAD_BASE carries a user name or password');
    await expect(failure).rejects.not.toThrow(/s3cret/);
  });

  // The build path, with the real Go: seconds when Go's module and build caches hold versitygw already
  // (as on a machine that built it before), minutes on a cold cache.
  const goDir = (process.env.PATH ?? '').split(delimiter).find((dir) => dir && existsSync(join(dir, 'go')));
  (goDir ? it : it.skip)(
    'with the base unreachable and Go present, builds the tool with go install',
    async () => {
      const base = await closedBase();
      const env = machine(base, [goDir!]);
      const lines: string[] = [];
      const { versitygw } = await ensureTools(['versitygw'], { env, log: (l) => lines.push(l) });
      expect(versitygw).toBe(join(env.FINETUNE_TOOLS_DIR!, 'versitygw-v1.7.0', 'versitygw'));
      expect(lines[1]).toBe(
        `the download failed: ${base}${VERSITYGW_PATH}/checksums.txt: connect ECONNREFUSED ` +
          `${base.slice('http://'.length)}; trying go install instead (a few minutes the first time)`,
      );
      expect(lines[2]).toMatch(/^built versitygw in /);
      expect((await execFileAsync(versitygw, ['--version'])).stdout).toMatch(/^Version\s*:/m);
    },
    15 * 60_000,
  );
});
