// The Temporal server in its production shape, on this machine: the real server binary
// (go.temporal.io/server v1.29.1, the version inside the dev server of Temporal CLI v1.5.1), all four
// services (frontend, history, matching, worker) in one process, on PostgreSQL 15 for persistence and
// visibility. Everything lives in a temp folder and goes away on stop. What a user does for a cluster
// of their own is the same steps (docs/OPERATIONS.md): schema with temporal-sql-tool, the server with a
// config file, the namespace and the search attributes with the Temporal CLI.
//
//   npm run bench:cluster                 (prints TEMPORAL_ADDRESS and runs until Ctrl-C)
//   npm run bench:orchestrate -- --jobs 1000 --temporal-server postgres
//
// PostgreSQL refuses to run as root: as root, it runs as the user FINETUNE_POSTGRES_USER (default
// `postgres`) through setpriv. Its binaries are found beside `postgres` on PATH, or in FINETUNE_POSTGRES_BIN.
import { Connection } from '@temporalio/client';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { searchAttributeFlags } from '../src/core/search-attributes';
import { startChild, type ManagedChild } from '../src/stack/child-process';
import { assertPortFree } from '../src/stack/ports';
import { ensureTools } from '../src/stack/tools';

const execFileAsync = promisify(execFile);
const HOST = '127.0.0.1';
const DB_USER = 'temporal';
const NAMESPACE = 'default';

export interface TemporalCluster {
  address: string;
  /** The processes to measure: the server, and PostgreSQL with its backends. */
  processes: { name: string; pid: number }[];
  dir: string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** History shards: fixed for a cluster's life; 4 suits one 2-core machine (production clusters use 512+). */
  shards?: number;
  log?: (line: string) => void;
}

function postgresBinDir(): string {
  if (process.env.FINETUNE_POSTGRES_BIN) return process.env.FINETUNE_POSTGRES_BIN;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      return dirname(realpathSync(join(dir, 'postgres')));
    } catch {
      // not here
    }
  }
  throw new Error(
    'PostgreSQL is not installed (no `postgres` on PATH): install PostgreSQL 15, or set FINETUNE_POSTGRES_BIN to its bin folder',
  );
}

/** As root, a command runs as the unprivileged PostgreSQL user; otherwise as is. */
function asPostgresUser(
  command: string,
  args: string[],
): { command: string; args: string[]; owner?: [number, number] } {
  if (process.getuid?.() !== 0) return { command, args };
  const user = process.env.FINETUNE_POSTGRES_USER ?? 'postgres';
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  return {
    command: 'setpriv',
    args: [`--reuid=${uid}`, `--regid=${gid}`, '--init-groups', '--reset-env', command, ...args],
    owner: [uid, gid],
  };
}

function serverConfig(p: Record<string, number>, shards: number, dir: string): string {
  const store = (database: string, maxConns: number) => `
      sql:
        pluginName: postgres12
        databaseName: ${database}
        connectAddr: "${HOST}:${p.postgres}"
        connectProtocol: tcp
        user: ${DB_USER}
        password: ""
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
  const service = (grpc: number, membership: number, http?: number) => `
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnIP: ${HOST}${http ? `\n      httpPort: ${http}` : ''}`;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${shards}
  datastores:
    default:${store('temporal', 20)}
    visibility:${store('temporal_visibility', 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: ${HOST}
  metrics:
    prometheus:
      framework: tally
      timerType: histogram
      listenAddress: "${HOST}:${p.metrics}"
services:
  frontend:${service(p.frontend, p.frontendMembership, p.http)}
  history:${service(p.history, p.historyMembership)}
  matching:${service(p.matching, p.matchingMembership)}
  worker:${service(p.worker, p.workerMembership)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: ${HOST}:${p.frontend}
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${join(dir, 'config', 'dynamicconfig.yaml')}
  pollInterval: 10s
`;
}

/**
 * A free port below 32768: the server records its membership ports in a PostgreSQL smallint, so the
 * OS's ephemeral ports (usually above 32767) make it fail at start ("out of range for type smallint").
 */
async function freeLowPort(taken: Set<number>): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    try {
      await assertPortFree(HOST, port, 'Temporal server', 'another port');
      taken.add(port);
      return port;
    } catch {
      // taken: try another
    }
  }
  throw new Error('no free port found between 20000 and 32000 for the Temporal server');
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} within ${timeoutMs / 1000} s${last ? `: ${(last as Error).message}` : ''}`);
}

export async function startTemporalCluster(options: ClusterOptions = {}): Promise<TemporalCluster> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const tools = await ensureTools(['temporal-server', 'temporal-sql-tool', 'temporal'], {
    log: (line) => log(`[tools] ${line}`),
  });
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'finetune-cluster-'));
  const children: ManagedChild[] = [];
  const stop = async () => {
    for (const child of [...children].reverse()) await child.stop(30_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // ---- PostgreSQL 15, defaults (fsync and synchronous_commit on), in its own folder ----
    const pgData = join(dir, 'pg');
    const probe = asPostgresUser(join(bin, 'initdb'), []);
    mkdirSync(pgData, { mode: 0o700 });
    if (probe.owner) {
      chmodSync(dir, 0o755);
      chownSync(pgData, ...probe.owner);
    }
    const initdb = asPostgresUser(join(bin, 'initdb'), ['-D', pgData, '-U', DB_USER, '-A', 'trust', '-E', 'UTF8']);
    await execFileAsync(initdb.command, initdb.args);
    const ports: Record<string, number> = {};
    const taken = new Set<number>();
    for (const name of [
      'postgres',
      'frontend',
      'frontendMembership',
      'http',
      'history',
      'historyMembership',
      'matching',
      'matchingMembership',
      'worker',
      'workerMembership',
      'metrics',
    ]) {
      ports[name] = await freeLowPort(taken);
    }
    const pg = asPostgresUser(join(bin, 'postgres'), [
      '-D',
      pgData,
      '-h',
      HOST,
      '-p',
      String(ports.postgres),
      '-k',
      pgData,
      '-c',
      'max_connections=200',
    ]);
    children.push(
      await startChild({
        name: 'PostgreSQL',
        command: pg.command,
        args: pg.args,
        logFile: join(dir, 'logs', 'postgres.log'),
        readyTimeoutMs: 60_000,
        isReady: async () => {
          await execFileAsync(join(bin, 'pg_isready'), ['-h', HOST, '-p', String(ports.postgres)]);
          return true;
        },
      }),
    );
    log(`[cluster] PostgreSQL ready on ${HOST}:${ports.postgres}`);

    // ---- schemas, with the server's own tool and the schemas embedded in it ----
    const sql = (db: string, ...args: string[]) =>
      execFileAsync(tools['temporal-sql-tool'], [
        '--plugin',
        'postgres12',
        '--ep',
        HOST,
        '-p',
        String(ports.postgres),
        '-u',
        DB_USER,
        '--db',
        db,
        ...args,
      ]);
    for (const [db, schema] of [
      ['temporal', 'postgresql/v12/temporal'],
      ['temporal_visibility', 'postgresql/v12/visibility'],
    ]) {
      await sql(db, 'create-database');
      await sql(db, 'setup-schema', '-v', '0.0');
      await sql(db, 'update-schema', '--schema-name', schema);
    }
    log('[cluster] schemas set up');

    // ---- the server ----
    mkdirSync(join(dir, 'config'), { recursive: true });
    writeFileSync(join(dir, 'config', 'production.yaml'), serverConfig(ports, options.shards ?? 4, dir));
    // Eager activities, as the local stack's dev server has them (src/stack/temporal-server.ts).
    writeFileSync(join(dir, 'config', 'dynamicconfig.yaml'), 'system.enableActivityEagerExecution:\n  - value: true\n');
    const address = `${HOST}:${ports.frontend}`;
    children.push(
      await startChild({
        name: 'Temporal server',
        command: tools['temporal-server'],
        args: ['--root', dir, '--config', 'config', '--env', 'production', '--allow-no-auth', 'start'],
        logFile: join(dir, 'logs', 'temporal-server.log'),
        readyTimeoutMs: 120_000,
        isReady: async () => {
          const connection = await Connection.connect({ address, connectTimeout: 1_000 });
          try {
            await connection.workflowService.getSystemInfo({});
            return true;
          } finally {
            await connection.close();
          }
        },
      }),
    );

    // ---- the namespace and the design's search attributes, as an operator would add them ----
    const cli = (...args: string[]) => execFileAsync(tools.temporal, [...args, '--address', address]);
    await until('namespace default was not created', 60_000, async () => {
      await cli('operator', 'namespace', 'create', '--namespace', NAMESPACE, '--retention', '1d').catch(
        (err: { stderr?: string }) => {
          if (!String(err.stderr).includes('already')) throw err;
        },
      );
      return true;
    });
    const attributeArgs = searchAttributeFlags().flatMap((flag) => {
      const [name, type] = flag.split('=');
      return ['--name', name, '--type', type];
    });
    await until('the search attributes were not added', 60_000, async () => {
      await cli('operator', 'search-attribute', 'create', '--namespace', NAMESPACE, ...attributeArgs);
      return true;
    });
    // Ready when a start would pass: the frontend knows the namespace and the attributes (caches refresh
    // every few seconds).
    await until('the namespace and its search attributes did not become usable', 120_000, async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        const query = searchAttributeFlags()
          .map((flag) => flag.split('='))
          .map(([name, type]) => (type === 'Double' ? `${name} = 0` : `${name} = 'x'`))
          .join(' AND ');
        await connection.workflowService.countWorkflowExecutions({ namespace: NAMESPACE, query });
        return true;
      } finally {
        await connection.close();
      }
    });
    log(`[cluster] Temporal server ${address} ready (PostgreSQL, ${options.shards ?? 4} history shards)`);
    const [postgres, server] = children;
    return {
      address,
      processes: [
        { name: 'Temporal server (cluster)', pid: server.pid },
        { name: 'PostgreSQL (all processes)', pid: postgres.pid },
      ],
      dir,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function main(): Promise<void> {
  const cluster = await startTemporalCluster();
  console.log(`export TEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=${NAMESPACE}`);
  console.log(`logs: ${join(cluster.dir, 'logs')}; Ctrl-C stops the server and PostgreSQL and removes the folder`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await cluster.stop();
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
