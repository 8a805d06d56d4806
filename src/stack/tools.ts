// The programs the local stack needs that npm cannot install: the Temporal CLI (its dev server and Web
// UI), Versity Gateway (an S3 server whose objects are plain files) and GoAws (an SQS server, for the job
// events); and for the scale benchmark the
// Temporal server in its production shape with its schema tool. All are Go programs whose projects
// publish prebuilt releases: each is downloaded once (checked against its release's published sum) into a
// per-user cache outside the checkout, so every clone and CI's fresh clone find it again, and built with
// `go install` only when the download cannot be reached. A second call finds them and prints nothing.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { durationText } from '../core/time-text';
import {
  DOWNLOAD_BASE_VARIABLE,
  downloadBase,
  downloadRelease,
  releasePlatform,
  releaseUrl,
  type Platform,
  type Release,
} from './tool-release';

const execFileAsync = promisify(execFile);

export type ToolName = 'temporal' | 'versitygw' | 'goaws' | 'temporal-server' | 'temporal-sql-tool';

interface ToolSpec {
  module: string;
  version: string;
  /** The file `go install` writes (the package's last path element), when it differs from the tool's name. */
  builds?: string;
  /** An environment variable that points at an existing binary, checked first. */
  pathVariable: string;
  purpose: string;
  /** The project's prebuilt release, tagged `version` (see tool-release.ts). */
  release: Release;
}

const GO_ARCH_AS_UNAME = { amd64: 'x86_64', arm64: 'arm64' } as const;

// One version per project; each Go module version is also the tag of the project's release.
const TEMPORAL_CLI = '1.5.1';
const TEMPORAL_SERVER = '1.29.1';
const VERSITYGW = '1.7.0';
// The first release whose SQS speaks AWS JSON 1.0, the protocol the JavaScript SDK's SQS client sends;
// the module proxy serves it by its exact version (its listing stops at 0.4.5, Query protocol only).
const GOAWS = '0.5.4';

/** Versity names its archives (and the one folder in each) after `uname`: versitygw_v1.7.0_Linux_x86_64. */
function versitygwFolder({ os, arch }: Platform): string {
  return `versitygw_v${VERSITYGW}_${os === 'linux' ? 'Linux' : 'Darwin'}_${GO_ARCH_AS_UNAME[arch]}`;
}

/** GoAws names its archives after `uname` too (goreleaser `title .Os`, x86_64): goaws_Linux_x86_64.tar.gz. */
function goawsArchive({ os, arch }: Platform): string {
  return `goaws_${os === 'linux' ? 'Linux' : 'Darwin'}_${GO_ARCH_AS_UNAME[arch]}.tar.gz`;
}

/** The Temporal server's archive holds the server and its schema tools side by side. */
const TEMPORAL_SERVER_RELEASE = {
  repo: 'temporalio/temporal',
  archive: ({ os, arch }: Platform) => `temporal_${TEMPORAL_SERVER}_${os}_${arch}.tar.gz`,
};

export const TOOLS: Record<ToolName, ToolSpec> = {
  // Later tags carry `replace` directives that `go install pkg@version` refuses: 1.5.1 is the newest
  // the Go fall-back can build, so the download stays on it too (Temporal Server 1.29.1, UI 2.42.1).
  temporal: {
    module: 'github.com/temporalio/cli/cmd/temporal',
    version: `v${TEMPORAL_CLI}`,
    pathVariable: 'TEMPORAL_CLI_PATH',
    purpose: 'Temporal dev server and Web UI',
    release: {
      repo: 'temporalio/cli',
      archive: ({ os, arch }) => `temporal_cli_${TEMPORAL_CLI}_${os}_${arch}.tar.gz`,
      member: () => 'temporal',
    },
  },
  versitygw: {
    module: 'github.com/versity/versitygw/cmd/versitygw',
    version: `v${VERSITYGW}`,
    pathVariable: 'VERSITYGW_PATH',
    purpose: 'S3-compatible server',
    release: {
      repo: 'versity/versitygw',
      archive: (platform) => `${versitygwFolder(platform)}.tar.gz`,
      member: (platform) => `${versitygwFolder(platform)}/versitygw`,
    },
  },
  // The job events' queue in the local stack: Bedrock's state changes go to it as EventBridge sends them.
  goaws: {
    module: 'github.com/Admiral-Piett/goaws/app/cmd',
    version: `v${GOAWS}`,
    builds: 'cmd',
    pathVariable: 'GOAWS_PATH',
    purpose: 'SQS-compatible server (job events)',
    release: { repo: 'Admiral-Piett/goaws', archive: goawsArchive, member: () => 'goaws' },
  },
  // The same server version as the dev server above (Server 1.29.1), as a cluster runs it: all services in
  // one process on PostgreSQL (bench/temporal-cluster.ts).
  'temporal-server': {
    module: 'go.temporal.io/server/cmd/server',
    version: `v${TEMPORAL_SERVER}`,
    builds: 'server',
    pathVariable: 'TEMPORAL_SERVER_PATH',
    purpose: 'Temporal server (production shape, for bench:orchestrate)',
    release: { ...TEMPORAL_SERVER_RELEASE, member: () => 'temporal-server' },
  },
  'temporal-sql-tool': {
    module: 'go.temporal.io/server/cmd/tools/sql',
    version: `v${TEMPORAL_SERVER}`,
    builds: 'sql',
    pathVariable: 'TEMPORAL_SQL_TOOL_PATH',
    purpose: 'Temporal SQL schema tool (for bench:orchestrate)',
    release: { ...TEMPORAL_SERVER_RELEASE, member: () => 'temporal-sql-tool' },
  },
};

/** `$FINETUNE_TOOLS_DIR`, else `$XDG_CACHE_HOME/bedrock-finetune`, else `~/.cache/bedrock-finetune`. */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FINETUNE_TOOLS_DIR) return env.FINETUNE_TOOLS_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'bedrock-finetune');
}

function cachedPath(name: ToolName, env: NodeJS.ProcessEnv): string {
  return join(toolsDir(env), `${name}-${TOOLS[name].version}`, name);
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Where the tool already is, without building anything: its variable, then PATH, then the cache. */
export function findTool(name: ToolName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env[TOOLS[name].pathVariable];
  if (explicit) {
    if (!existsSync(explicit))
      throw new Error(`${TOOLS[name].pathVariable}=${explicit} does not exist: fix or unset it`);
    return explicit;
  }
  const cached = cachedPath(name, env);
  return onPath(name, env) ?? (existsSync(cached) ? cached : undefined);
}

export type ToolLog = (line: string) => void;

/** Downloads the release, else builds with Go, else says exactly what would install the tool. */
async function install(name: ToolName, env: NodeJS.ProcessEnv, log: ToolLog): Promise<string> {
  const spec = TOOLS[name];
  const target = cachedPath(name, env);
  const platform = releasePlatform();
  const base = downloadBase(env);
  let notDownloaded: string;
  if (platform) {
    const started = Date.now();
    const archiveUrl = releaseUrl(base, spec.release, spec.version, spec.release.archive(platform));
    log(`downloading ${name} ${spec.version} (${spec.purpose}) from ${archiveUrl}`);
    const outcome = await downloadRelease({ release: spec.release, tag: spec.version, platform, base, target });
    if ('installed' in outcome) {
      log(`installed ${name} in ${durationText(Date.now() - started)}: ${target}`);
      return target;
    }
    notDownloaded = `the download failed: ${outcome.unavailable}`;
  } else {
    notDownloaded = `no prebuilt release is fetched for ${process.platform}/${process.arch}`;
  }
  return build(name, env, log, { notDownloaded, base });
}

async function build(
  name: ToolName,
  env: NodeJS.ProcessEnv,
  log: ToolLog,
  why: { notDownloaded: string; base: string },
): Promise<string> {
  const spec = TOOLS[name];
  const target = cachedPath(name, env);
  // Build into a scratch folder and rename, so an interrupted build never leaves a half-written binary
  // that the next run would take for a finished one.
  const scratch = `${dirname(target)}.partial-${process.pid}`;
  mkdirSync(scratch, { recursive: true });
  const started = Date.now();
  log(`${why.notDownloaded}; trying go install instead (a few minutes the first time)`);
  try {
    await execFileAsync('go', ['install', `${spec.module}@${spec.version}`], {
      env: { ...env, GOBIN: scratch, GOFLAGS: env.GOFLAGS ?? '-trimpath' },
      maxBuffer: 64 * 1024 * 1024,
    });
    mkdirSync(dirname(target), { recursive: true });
    renameSync(join(scratch, spec.builds ?? name), target);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        `${name} ${spec.version} (${spec.purpose}) is missing: ${why.notDownloaded}, and Go is not installed ` +
          `to build it. Do one of: let this machine reach ${why.base} (or set ${DOWNLOAD_BASE_VARIABLE} to a ` +
          `mirror of its release downloads) and run again; install Go 1.25 or later (https://go.dev/dl) and run ` +
          `again; or put ${name} on PATH, or set ${spec.pathVariable} to an existing binary.`,
        { cause: err },
      );
    }
    throw new Error(`go install ${spec.module}@${spec.version} failed:\n${(e.stderr ?? e.message).trim()}`, {
      cause: err,
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  log(`built ${name} in ${durationText(Date.now() - started)}: ${target}`);
  return target;
}

/** Every tool's path, installing the missing ones concurrently. Quiet when all are present. */
export async function ensureTools(
  names: ToolName[] = ['temporal', 'versitygw'],
  options: { env?: NodeJS.ProcessEnv; log?: ToolLog } = {},
): Promise<Record<ToolName, string>> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`[tools] ${line}\n`));
  const paths = await Promise.all(names.map(async (name) => findTool(name, env) ?? install(name, env, log)));
  return Object.fromEntries(names.map((name, i) => [name, paths[i]])) as Record<ToolName, string>;
}
