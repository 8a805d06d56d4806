// The local development stack: Temporal dev server, S3 server, Bedrock simulator, the SQS server of the
// job events and (optionally) a worker, each a child process, all on loopback (GoAws listens on every
// interface: it has no setting for one). `finetune dev`, `finetune demo` and the test run start
// it through here, so the tests exercise the same start-up a newcomer does.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { STACK_PORT_SETTINGS, type StackPortName, type StackSettings } from '../config';
import { startChild, type ManagedChild, type OnSpawn } from './child-process';
import { ProcessRecorder, reclaimLeftovers } from './process-record';
import { assertPortFree, freePort } from './ports';
import { LOCAL_S3_CREDENTIALS } from '../aws/local-credentials';
import { startEventsQueue } from './events-queue';
import { startS3Server } from './s3-server';
import { startTemporalServer } from './temporal-server';
import { ensureTools } from './tools';

/** The package bin, found upward from here (src/stack, dist/stack, or a benchmark's compiled copy). */
export const FINETUNE_BIN = findBin(__dirname);

function findBin(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'bin', 'finetune.js');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return resolve(from, '..', '..', 'bin', 'finetune.js');
  }
}

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_NAMESPACE = 'default';
export const LOCAL_TASK_QUEUE = 'bedrock-fine-tuning';
/** The simulator's default account (simulator/options.ts), which the events queue's URL names too. */
export const LOCAL_ACCOUNT_ID = '123456789012';

export interface LocalStackOptions extends StackSettings {
  /** Run a worker process too (`finetune dev` does unless --no-worker). */
  worker: boolean;
  /** No Temporal Web UI (tests). */
  headless?: boolean;
  /** Keep Temporal in memory instead of the SQLite file (tests). */
  ephemeral?: boolean;
  /** Simulated seconds per real second for the Bedrock simulator. */
  simulatorTimeScale?: number;
  /** More `finetune simulator` flags (e.g. a concurrent-job quota). */
  simulatorArgs?: string[];
  /**
   * Bedrock's job events (default true): the SQS server and its queue, the simulator publishing to it,
   * and FINETUNE_EVENTS_QUEUE_URL in the environment (so the stack's worker consumes them). False: none.
   */
  events?: boolean;
  /** Use this Temporal cluster (host:port, namespace `default`) instead of starting the dev server. */
  externalTemporalAddress?: string;
  /** More `--sqlite-pragma` values for the dev server's SQLite file (beside WAL and synchronous=normal). */
  sqlitePragmas?: string[];
  taskQueue?: string;
  log?: (line: string) => void;
  /** Names this process in the stack's process record (what a later start reports when it is still running). */
  owner?: string;
}

export interface StackEndpoints {
  temporalAddress: string;
  temporalUiUrl?: string;
  namespace: string;
  s3Endpoint: string;
  bedrockEndpoint: string;
  region: string;
  taskQueue: string;
  s3ObjectsDir: string;
  /** The job events' SQS queue; absent when the stack runs without events. */
  eventsQueueUrl?: string;
}

export interface RunningStack {
  endpoints: StackEndpoints;
  /** The variables a second shell needs, with the ecosystem's own names. */
  env: Record<string, string>;
  envFile: string;
  children: ManagedChild[];
  /** The data folder, absolute; its `stack-processes.json` names every process started. */
  dataDir: string;
  stop(): Promise<void>;
}

export function stackEnvironment(endpoints: StackEndpoints): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: endpoints.temporalAddress,
    TEMPORAL_NAMESPACE: endpoints.namespace,
    TASK_QUEUE: endpoints.taskQueue,
    AWS_REGION: endpoints.region,
    AWS_ENDPOINT_URL_BEDROCK: endpoints.bedrockEndpoint,
    // The simulator serves bedrock-runtime (Converse, InvokeModel) on the same port.
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: endpoints.bedrockEndpoint,
    AWS_ENDPOINT_URL_S3: endpoints.s3Endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    ...(endpoints.temporalUiUrl ? { TEMPORAL_UI_URL: endpoints.temporalUiUrl } : {}),
    ...(endpoints.eventsQueueUrl ? { FINETUNE_EVENTS_QUEUE_URL: endpoints.eventsQueueUrl } : {}),
  };
}

function envFileText(env: Record<string, string>): string {
  const lines = Object.entries(env).map(([k, v]) => `export ${k}=${JSON.stringify(v)}`);
  return `# Written by \`finetune dev\`: \`source\` this file to talk to the running local stack.\n${lines.join('\n')}\n`;
}

async function checkPorts(options: LocalStackOptions): Promise<void> {
  const what: Record<StackPortName, string> = {
    temporalPort: 'Temporal gRPC',
    temporalUiPort: 'Temporal Web UI',
    s3Port: 'S3 server',
    simulatorPort: 'Bedrock simulator',
    eventsPort: 'SQS server (job events)',
  };
  const names = Object.keys(what) as StackPortName[];
  for (const name of names) {
    if (name === 'temporalUiPort' && options.headless) continue;
    if ((name === 'temporalPort' || name === 'temporalUiPort') && options.externalTemporalAddress) continue;
    if (name === 'eventsPort' && options.events === false) continue;
    const setting = STACK_PORT_SETTINGS[name];
    await assertPortFree(options.host, options[name], what[name], `${setting.flag} or ${setting.env}`);
  }
}

export interface SimulatorProcessOptions {
  host: string;
  port: number;
  s3Endpoint: string;
  stateFile: string;
  timeScale: number;
  logFile: string;
  /** More `finetune simulator` flags (faults, quota). */
  extraArgs?: string[];
  onSpawn?: OnSpawn;
}

/** `finetune simulator` as a child process, ready when it answers HTTP. */
export async function startSimulatorProcess(
  options: SimulatorProcessOptions,
): Promise<{ child: ManagedChild; endpoint: string }> {
  const endpoint = `http://${options.host}:${options.port}`;
  const child = await startChild({
    name: 'Bedrock simulator',
    command: process.execPath,
    args: [
      FINETUNE_BIN,
      'simulator',
      '--host',
      options.host,
      '--port',
      String(options.port),
      '--region',
      LOCAL_REGION,
      '--s3-endpoint',
      options.s3Endpoint,
      '--state-file',
      options.stateFile,
      '--time-scale',
      String(options.timeScale),
      ...(options.extraArgs ?? []),
    ],
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    },
    logFile: options.logFile,
    onSpawn: options.onSpawn,
    // Any HTTP answer means it listens (an unsigned request is refused, as real Bedrock refuses it).
    isReady: async () => (await fetch(`${endpoint}/foundation-models`)).status > 0,
  });
  return { child, endpoint };
}

/** Five ports the OS says are free: a stack beside others (tests, benchmarks). */
export async function freeStackPorts(): Promise<
  Pick<StackSettings, 'temporalPort' | 'temporalUiPort' | 's3Port' | 'simulatorPort' | 'eventsPort'>
> {
  return {
    temporalPort: await freePort(),
    temporalUiPort: await freePort(),
    s3Port: await freePort(),
    simulatorPort: await freePort(),
    eventsPort: await freePort(),
  };
}

export async function startLocalStack(options: LocalStackOptions): Promise<RunningStack> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dataDir = resolve(options.dataDir);
  const logs = join(dataDir, 'logs');
  mkdirSync(logs, { recursive: true });
  // Servers an earlier stack of this folder left behind (its process was killed) are stopped first.
  for (const line of await reclaimLeftovers(dataDir)) log(line);
  await checkPorts(options);
  const events = options.events ?? true;
  const tools = await ensureTools(['temporal', 'versitygw', ...(events ? (['goaws'] as const) : [])], {
    log: (line) => log(`[tools] ${line}`),
  });

  const recorder = await ProcessRecorder.start(dataDir, options.owner ?? 'finetune');
  const onSpawn: OnSpawn = (name, pid, argv) => recorder.add(name, pid, argv);
  const children: ManagedChild[] = [];
  const stop = async () => {
    // Reverse order: the worker lets go of its tasks before the server it talks to goes away.
    for (const child of [...children].reverse()) await child.stop();
    recorder.clear();
  };
  try {
    const [temporal, s3, eventsQueue] = await Promise.all([
      options.externalTemporalAddress
        ? { address: options.externalTemporalAddress, uiUrl: undefined }
        : startTemporalServer({
            binary: tools.temporal,
            host: options.host,
            port: options.temporalPort,
            uiPort: options.temporalUiPort,
            headless: options.headless ?? false,
            dataDir: options.ephemeral ? undefined : dataDir,
            sqlitePragmas: options.sqlitePragmas,
            logFile: join(logs, 'temporal.log'),
            namespace: LOCAL_NAMESPACE,
            onSpawn,
          }).then((t) => (children.push(t.child), t)),
      startS3Server({
        binary: tools.versitygw,
        host: options.host,
        port: options.s3Port,
        dataDir,
        logFile: join(logs, 's3.log'),
        region: LOCAL_REGION,
        onSpawn,
      }).then((s) => (children.push(s.child), s)),
      events
        ? startEventsQueue({
            binary: tools.goaws,
            host: options.host,
            port: options.eventsPort,
            accountId: LOCAL_ACCOUNT_ID,
            region: LOCAL_REGION,
            dataDir,
            logFile: join(logs, 'goaws.log'),
            onSpawn,
          }).then((q) => (children.push(q.child), q))
        : undefined,
    ]);
    const simulator = await startSimulatorProcess({
      host: options.host,
      port: options.simulatorPort,
      s3Endpoint: s3.endpoint,
      stateFile: join(dataDir, 'simulator-state.json'),
      timeScale: options.simulatorTimeScale ?? 60,
      logFile: join(logs, 'simulator.log'),
      extraArgs: [
        ...(eventsQueue ? ['--events-queue-url', eventsQueue.queueUrl] : []),
        ...(options.simulatorArgs ?? []),
      ],
      onSpawn,
    });
    children.push(simulator.child);

    const endpoints: StackEndpoints = {
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      namespace: LOCAL_NAMESPACE,
      s3Endpoint: s3.endpoint,
      bedrockEndpoint: simulator.endpoint,
      region: LOCAL_REGION,
      taskQueue: options.taskQueue ?? LOCAL_TASK_QUEUE,
      s3ObjectsDir: join(dataDir, 's3'),
      ...(eventsQueue ? { eventsQueueUrl: eventsQueue.queueUrl } : {}),
    };
    const env = stackEnvironment(endpoints);
    const envFile = join(dataDir, 'stack.env');
    writeFileSync(envFile, envFileText(env));

    if (options.worker) children.push(await startWorkerProcess({ env, logFile: join(logs, 'worker.log'), onSpawn }));
    return { endpoints, env, envFile, children, dataDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** `finetune worker` as a child process with the stack's variables, ready when it logs that it polls. */
export function startWorkerProcess(options: {
  env: Record<string, string>;
  logFile: string;
  name?: string;
  onSpawn?: OnSpawn;
  /** Flags for Node itself (a benchmark's --cpu-prof, which NODE_OPTIONS does not take). */
  nodeArgs?: string[];
}): Promise<ManagedChild> {
  return startChild({
    name: options.name ?? 'worker',
    command: process.execPath,
    args: [...(options.nodeArgs ?? []), FINETUNE_BIN, 'worker'],
    env: { ...process.env, ...options.env },
    logFile: options.logFile,
    onSpawn: options.onSpawn,
    readyTimeoutMs: 120_000,
    isReady: async () => workerReady(options.logFile),
  });
}

/** The worker logs one structured line when it has connected and is about to poll. */
async function workerReady(logFile: string): Promise<boolean> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text.includes('"finetune worker ready"');
}
