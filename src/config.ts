// The one place that reads the environment. Everything else receives typed settings from here.
//
// Temporal is configured the way every Temporal tool is (envconfig: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE and the TOML profile file); AWS the way every AWS
// tool is (default credential chain, AWS_REGION, AWS_ENDPOINT_URL_BEDROCK, AWS_ENDPOINT_URL_BEDROCK_RUNTIME,
// AWS_ENDPOINT_URL_S3). Only
// what has no ecosystem name gets a FINETUNE_ variable.
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import type { NativeConnectionOptions } from '@temporalio/worker';

export const DEFAULT_TASK_QUEUE = 'bedrock-fine-tuning';
export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_NAMESPACE = 'default';
/** The Worker Deployment a versioned worker joins when FINETUNE_WORKER_DEPLOYMENT_NAME is not set. */
export const DEFAULT_WORKER_DEPLOYMENT_NAME = 'bedrock-finetune';

type Env = Record<string, string | undefined>;

export interface TemporalSettings {
  /** Works for both `Connection.connect` (client) and `NativeConnection.connect` (worker). */
  connectionOptions: NativeConnectionOptions;
  namespace: string;
  address: string;
}

export interface AwsSettings {
  region: string;
  /** Set only for a local or private endpoint; real AWS resolves its own. */
  bedrockEndpoint?: string;
  /** bedrock-runtime (Converse, InvokeModel); the local stack points it at the simulator too. */
  bedrockRuntimeEndpoint?: string;
  s3Endpoint?: string;
  /** SQS (AWS_ENDPOINT_URL_SQS); without it the job-events queue's own URL says where it is. */
  sqsEndpoint?: string;
}

export interface AppConfig {
  temporal: TemporalSettings;
  aws: AwsSettings;
  taskQueue: string;
  /**
   * Which installation of this project the worker belongs to (FINETUNE_INSTALLATION, default the Temporal
   * address): with the namespace, the lineage every Bedrock resource carries, so a reconciler never ends
   * another installation's resources in a shared AWS account.
   */
  installation: string;
}

export interface WorkerSettings {
  /** host:port for a Prometheus scrape endpoint, off when absent. */
  prometheusBindAddress?: string;
  /** How long in-flight activities may run on after SIGINT/SIGTERM, in milliseconds. */
  shutdownGraceTimeMs: number;
  /** Cached workflow runs: sized for the concurrent runs one worker carries, not from the heap. */
  maxCachedWorkflows: number;
  /** Activities (Bedrock and S3 calls, dataset validation) running at once. */
  maxConcurrentActivities: number;
  /** Workflow tasks (replays and decisions) running at once; at most maxCachedWorkflows. */
  maxConcurrentWorkflowTasks: number;
  /** Long polls the worker keeps open for activity tasks and for workflow tasks. */
  activityTaskPollers: number;
  workflowTaskPollers: number;
  /** How long a run's next workflow task waits for this worker (its cache) before any worker may take it. */
  stickyQueueTimeoutMs: number;
  /**
   * How often the reconcile schedule runs a pass (FINETUNE_RECONCILE_EVERY, default 15m); undefined when
   * `off`: this worker then neither creates nor changes the schedule.
   */
  reconcileEveryMs?: number;
  /**
   * Worker Versioning: the Worker Deployment and build this worker belongs to. Absent (no
   * FINETUNE_WORKER_BUILD_ID): an unversioned worker, which takes every task of its task queue.
   */
  deployment?: WorkerDeploymentVersion;
  /**
   * The SQS queue an EventBridge rule fills with Bedrock's job state changes (FINETUNE_EVENTS_QUEUE_URL):
   * the worker consumes it and pokes the runs (src/events/). Absent: no events, runs poll as before.
   */
  eventsQueueUrl?: string;
  /**
   * The fair queue for Bedrock's customization-job quota (FINETUNE_JOB_QUEUE, on by default): runs ask a
   * keeper workflow for a slot instead of retrying the create on timers. Absent when off.
   */
  jobQueue?: JobQueueSettings;
}

export interface JobQueueSettings {
  /**
   * FINETUNE_JOB_QUEUE_QUOTA: the account's quota (Service Quotas, "Scheduled customization jobs"), the
   * keeper's estimate until it learns otherwise. Unset: unknown, ASSUMED_QUOTA until Bedrock refuses.
   */
  initialQuota?: number;
  /** FINETUNE_JOB_QUEUE_WEIGHTS: `team-a=3,team-b=1`; 1 for a key not named. */
  weights: Record<string, number>;
  /** FINETUNE_JOB_QUEUE_LIST_SECONDS: how often the keeper counts Bedrock's jobs in progress (default 30). */
  listEveryMs: number;
  /** FINETUNE_JOB_QUEUE_PROBE_SECONDS: quiet time before it tries one slot more than it learned (default 600). */
  probeAfterMs: number;
}

/** FINETUNE_JOB_QUEUE* (see JobQueueSettings); undefined when the queue is off. */
export function loadJobQueue(env: Env, problems: string[]): JobQueueSettings | undefined {
  const raw = env.FINETUNE_JOB_QUEUE?.trim() || 'on';
  if (raw !== 'on' && raw !== 'off') {
    problems.push(`FINETUNE_JOB_QUEUE=${JSON.stringify(raw)} is not on or off: set it like FINETUNE_JOB_QUEUE=on`);
  }
  const weights: Record<string, number> = {};
  for (const part of (env.FINETUNE_JOB_QUEUE_WEIGHTS ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([^=\s]+)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m || Number(m[2]) <= 0) {
      problems.push(
        `FINETUNE_JOB_QUEUE_WEIGHTS part ${JSON.stringify(part)} is not key=weight (a positive number): set it like FINETUNE_JOB_QUEUE_WEIGHTS=team-a=3,team-b=1`,
      );
      continue;
    }
    weights[m[1]] = Number(m[2]);
  }
  const initialQuota = env.FINETUNE_JOB_QUEUE_QUOTA?.trim()
    ? positiveInt(env, 'FINETUNE_JOB_QUEUE_QUOTA', 4, problems)
    : undefined;
  const listEveryMs = positiveInt(env, 'FINETUNE_JOB_QUEUE_LIST_SECONDS', 30, problems) * 1000;
  const probeAfterMs = positiveInt(env, 'FINETUNE_JOB_QUEUE_PROBE_SECONDS', 600, problems) * 1000;
  return raw === 'on'
    ? { ...(initialQuota === undefined ? {} : { initialQuota }), weights, listEveryMs, probeAfterMs }
    : undefined;
}

/**
 * Worker defaults, from bench:orchestrate and bench:worker-cache on a 2-core machine (docs/OPERATIONS.md).
 * A run waits in its poll activity's retries, so it needs the cache only around its few workflow tasks:
 * 250 covers the runs in their first minute during a burst of starts (a smaller cache replays them, +84 %
 * worker CPU at 20), while each cached run holds about 0.7 MB (worker RSS with 1,000 runs in flight:
 * 331 MB at 10, 500 MB at 250, 709 MB at 500, 831 MB at 1,000).
 */
export const WORKER_DEFAULTS = {
  maxCachedWorkflows: 250,
  maxConcurrentActivities: 100,
  maxConcurrentWorkflowTasks: 40,
  activityTaskPollers: 10,
  workflowTaskPollers: 10,
  stickyQueueTimeoutSeconds: 10,
} as const;

/** Wrong or missing configuration: every problem at once, each with how to fix it. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is not usable:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const HOST_PORT = /^[^\s:/]+(:\d{1,5})$|^\[[0-9a-fA-F:]+\](:\d{1,5})$/;

function checkUrl(env: Env, name: string, problems: string[]): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return value.replace(/\/+$/, '');
  } catch {
    problems.push(
      `${name}=${JSON.stringify(value)} is not an http(s) URL: set it like ${name}=http://127.0.0.1:4567, or unset it to use AWS`,
    );
    return undefined;
  }
}

function loadTemporal(env: Env, problems: string[]): TemporalSettings | undefined {
  try {
    const overrideEnvVars = Object.fromEntries(
      Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars });
    const address = connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS;
    if (!HOST_PORT.test(address)) {
      problems.push(
        `TEMPORAL_ADDRESS=${JSON.stringify(address)} is not host:port: set it like TEMPORAL_ADDRESS=localhost:7233`,
      );
    }
    return { connectionOptions: { ...connectionOptions, address }, namespace: namespace ?? DEFAULT_NAMESPACE, address };
  } catch (err) {
    problems.push(
      `Temporal client configuration could not be loaded (${(err as Error).message}): check TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE and the TEMPORAL_* variables`,
    );
    return undefined;
  }
}

function loadAws(env: Env, problems: string[]): AwsSettings {
  const region = (env.AWS_REGION ?? env.AWS_DEFAULT_REGION)?.trim() ?? '';
  if (!region) {
    problems.push(
      'AWS_REGION is not set: export AWS_REGION=us-east-1 (the region of your Bedrock jobs; the local stack writes it to .local/stack.env)',
    );
  } else if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    problems.push(`AWS_REGION=${JSON.stringify(region)} is not a region name: set it like AWS_REGION=us-east-1`);
  }
  return {
    region,
    bedrockEndpoint: checkUrl(env, 'AWS_ENDPOINT_URL_BEDROCK', problems) ?? checkUrl(env, 'AWS_ENDPOINT_URL', problems),
    bedrockRuntimeEndpoint:
      checkUrl(env, 'AWS_ENDPOINT_URL_BEDROCK_RUNTIME', problems) ?? checkUrl(env, 'AWS_ENDPOINT_URL', problems),
    s3Endpoint: checkUrl(env, 'AWS_ENDPOINT_URL_S3', problems) ?? checkUrl(env, 'AWS_ENDPOINT_URL', problems),
    sqsEndpoint: checkUrl(env, 'AWS_ENDPOINT_URL_SQS', problems) ?? checkUrl(env, 'AWS_ENDPOINT_URL', problems),
  };
}

function loadTaskQueue(env: Env, problems: string[]): string {
  const taskQueue = env.TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  if (!taskQueue.trim()) problems.push(`TASK_QUEUE is empty: unset it to use ${DEFAULT_TASK_QUEUE} or set a name`);
  return taskQueue.trim();
}

/** A tag value's characters (Bedrock's pattern), within its 256. */
const TAG_VALUE = /^[a-zA-Z0-9\s._:/=+@-]{1,256}$/;

function loadInstallation(env: Env, temporal: TemporalSettings | undefined, problems: string[]): string {
  const explicit = env.FINETUNE_INSTALLATION?.trim();
  const installation = explicit || temporal?.address || DEFAULT_TEMPORAL_ADDRESS;
  if (!TAG_VALUE.test(installation)) {
    problems.push(
      `FINETUNE_INSTALLATION=${JSON.stringify(installation)} must be 1-256 letters, digits, spaces or . _ : / = + @ - (it is a tag value): set it like FINETUNE_INSTALLATION=ml-platform-prod`,
    );
  }
  return installation;
}

/** Everything a client or worker needs. Throws ConfigError listing every problem. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const temporal = loadTemporal(env, problems);
  const aws = loadAws(env, problems);
  const taskQueue = loadTaskQueue(env, problems);
  const installation = loadInstallation(env, temporal, problems);
  if (problems.length > 0 || !temporal) throw new ConfigError(problems);
  return { temporal, aws, taskQueue, installation };
}

/** The namespace and installation the lineage of every resource names. */
export function lineageScope(config: Pick<AppConfig, 'temporal' | 'installation'>): {
  namespace: string;
  installation: string;
} {
  return { namespace: config.temporal.namespace, installation: config.installation };
}

/** Only the Temporal part: commands such as `status` and `list` need no AWS settings. */
export function loadTemporalConfig(env: Env = process.env): Pick<AppConfig, 'temporal' | 'taskQueue'> {
  const problems: string[] = [];
  const temporal = loadTemporal(env, problems);
  const taskQueue = loadTaskQueue(env, problems);
  if (problems.length > 0 || !temporal) throw new ConfigError(problems);
  return { temporal, taskQueue };
}

/** The Temporal Web UI's base address, for links (no ecosystem variable names it; `finetune dev` sets it). */
export function temporalUiUrl(env: Env = process.env): string | undefined {
  return env.TEMPORAL_UI_URL?.trim().replace(/\/+$/, '') || undefined;
}

/** Only the AWS part: `finetune validate` and the simulator need no Temporal. */
export function loadAwsConfig(env: Env = process.env): AwsSettings {
  const problems: string[] = [];
  const aws = loadAws(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return aws;
}

function positiveInt(env: Env, name: string, fallback: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    problems.push(`${name}=${JSON.stringify(raw)} is not a positive integer: set it like ${name}=${fallback}`);
    return fallback;
  }
  return n;
}

/** The SDK's rule for a workflow-side limit: at least 2, and at most the setting it feeds. */
function boundedBy(name: string, value: number, limitName: string, limit: number, problems: string[]): void {
  if (value < 2 || value > limit) problems.push(`${name}=${value} must be from 2 to ${limitName} (${limit})`);
}

const RECONCILE_EVERY_DEFAULT = '15m';

/** FINETUNE_RECONCILE_EVERY: '15m', '1h', '90s', ... (at least a minute), or 'off'. */
function loadReconcileEvery(env: Env, problems: string[]): number | undefined {
  const raw = env.FINETUNE_RECONCILE_EVERY?.trim() || RECONCILE_EVERY_DEFAULT;
  if (raw === 'off') return undefined;
  const match = /^(\d+)(s|m|h|d)$/.exec(raw);
  const ms = match ? Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm'] : NaN;
  if (!(ms >= 60_000)) {
    problems.push(
      `FINETUNE_RECONCILE_EVERY=${JSON.stringify(raw)} is not an interval of at least a minute: set it like FINETUNE_RECONCILE_EVERY=15m, or off`,
    );
    return undefined;
  }
  return ms;
}

/**
 * Names of a Worker Deployment Version. The server refuses a leading "__" (reserved) and "." or ":" in a
 * deployment name (its separators), and allows 480 bytes each at its default ID length limit; 255
 * characters and no whitespace are ours, so a build ID stays one word in the `temporal` commands.
 */
const DEPLOYMENT_FIELD_MAX = 255;

function checkDeploymentField(name: string, value: string, example: string, problems: string[]): void {
  const fix = `set it like ${name}=${example}`;
  if (value.length > DEPLOYMENT_FIELD_MAX) {
    problems.push(`${name} is ${value.length} characters long: at most ${DEPLOYMENT_FIELD_MAX}; ${fix}`);
  }
  if (value.startsWith('__')) problems.push(`${name}=${JSON.stringify(value)} starts with "__" (reserved): ${fix}`);
  if (/\s/.test(value)) problems.push(`${name}=${JSON.stringify(value)} contains whitespace: ${fix}`);
}

/**
 * Versioned only when a build ID is given: the build ID must change with every build of the worker and be
 * the same on all its replicas, which only the deploy pipeline knows (an image tag, a commit). A worker
 * without one is unversioned, as the local stack's is.
 */
function loadDeployment(env: Env, problems: string[]): WorkerDeploymentVersion | undefined {
  const buildId = env.FINETUNE_WORKER_BUILD_ID?.trim() || undefined;
  const deploymentName = env.FINETUNE_WORKER_DEPLOYMENT_NAME?.trim() || undefined;
  if (!buildId) {
    if (deploymentName) {
      problems.push(
        `FINETUNE_WORKER_DEPLOYMENT_NAME=${JSON.stringify(deploymentName)} is set without FINETUNE_WORKER_BUILD_ID: set the build ID too (like FINETUNE_WORKER_BUILD_ID=2026-11-28.1 or the image tag), or unset both for an unversioned worker`,
      );
    }
    return undefined;
  }
  checkDeploymentField('FINETUNE_WORKER_BUILD_ID', buildId, 'v1.4.0-3f9c2ab', problems);
  const name = deploymentName ?? DEFAULT_WORKER_DEPLOYMENT_NAME;
  checkDeploymentField('FINETUNE_WORKER_DEPLOYMENT_NAME', name, DEFAULT_WORKER_DEPLOYMENT_NAME, problems);
  if (/[.:]/.test(name)) {
    problems.push(
      `FINETUNE_WORKER_DEPLOYMENT_NAME=${JSON.stringify(name)} contains "." or ":" (the server's separators): set it like FINETUNE_WORKER_DEPLOYMENT_NAME=${DEFAULT_WORKER_DEPLOYMENT_NAME}`,
    );
  }
  return { deploymentName: name, buildId };
}

/** FINETUNE_EVENTS_QUEUE_URL: an SQS queue URL, https://sqs.<region>.amazonaws.com/<account>/<name>. */
function loadEventsQueueUrl(env: Env, problems: string[]): string | undefined {
  const raw = env.FINETUNE_EVENTS_QUEUE_URL?.trim();
  if (!raw) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  const path = url?.pathname.split('/').filter(Boolean) ?? [];
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || path.length !== 2) {
    problems.push(
      `FINETUNE_EVENTS_QUEUE_URL=${JSON.stringify(raw)} is not an SQS queue URL: set it like FINETUNE_EVENTS_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/123456789012/finetune-job-events (the queue's URL, not its ARN), or unset it to run without events`,
    );
    return undefined;
  }
  return raw;
}

/** Worker-process settings that have no ecosystem variable. */
export function loadWorkerSettings(env: Env = process.env): WorkerSettings {
  const problems: string[] = [];
  const prometheusBindAddress = env.FINETUNE_PROMETHEUS_BIND_ADDRESS?.trim() || undefined;
  if (prometheusBindAddress && !HOST_PORT.test(prometheusBindAddress)) {
    problems.push(
      `FINETUNE_PROMETHEUS_BIND_ADDRESS=${JSON.stringify(prometheusBindAddress)} is not host:port: set it like FINETUNE_PROMETHEUS_BIND_ADDRESS=0.0.0.0:9464`,
    );
  }
  const graceSeconds = positiveInt(env, 'FINETUNE_SHUTDOWN_GRACE_SECONDS', 30, problems);
  const d = WORKER_DEFAULTS;
  const maxCachedWorkflows = positiveInt(env, 'FINETUNE_MAX_CACHED_WORKFLOWS', d.maxCachedWorkflows, problems);
  if (maxCachedWorkflows < 2) {
    problems.push(`FINETUNE_MAX_CACHED_WORKFLOWS=${maxCachedWorkflows} must be at least 2 (the SDK's minimum)`);
  }
  const maxConcurrentWorkflowTasks = positiveInt(
    env,
    'FINETUNE_MAX_CONCURRENT_WORKFLOW_TASKS',
    Math.min(d.maxConcurrentWorkflowTasks, maxCachedWorkflows),
    problems,
  );
  boundedBy(
    'FINETUNE_MAX_CONCURRENT_WORKFLOW_TASKS',
    maxConcurrentWorkflowTasks,
    'FINETUNE_MAX_CACHED_WORKFLOWS',
    maxCachedWorkflows,
    problems,
  );
  const workflowTaskPollers = positiveInt(
    env,
    'FINETUNE_WORKFLOW_TASK_POLLERS',
    Math.min(d.workflowTaskPollers, maxConcurrentWorkflowTasks),
    problems,
  );
  boundedBy(
    'FINETUNE_WORKFLOW_TASK_POLLERS',
    workflowTaskPollers,
    'FINETUNE_MAX_CONCURRENT_WORKFLOW_TASKS',
    maxConcurrentWorkflowTasks,
    problems,
  );
  const maxConcurrentActivities = positiveInt(
    env,
    'FINETUNE_MAX_CONCURRENT_ACTIVITIES',
    d.maxConcurrentActivities,
    problems,
  );
  const activityTaskPollers = positiveInt(
    env,
    'FINETUNE_ACTIVITY_TASK_POLLERS',
    Math.min(d.activityTaskPollers, maxConcurrentActivities),
    problems,
  );
  if (activityTaskPollers > maxConcurrentActivities) {
    problems.push(
      `FINETUNE_ACTIVITY_TASK_POLLERS=${activityTaskPollers} must not exceed FINETUNE_MAX_CONCURRENT_ACTIVITIES (${maxConcurrentActivities})`,
    );
  }
  const stickySeconds = positiveInt(
    env,
    'FINETUNE_STICKY_QUEUE_TIMEOUT_SECONDS',
    d.stickyQueueTimeoutSeconds,
    problems,
  );
  const reconcileEveryMs = loadReconcileEvery(env, problems);
  const deployment = loadDeployment(env, problems);
  const eventsQueueUrl = loadEventsQueueUrl(env, problems);
  const jobQueue = loadJobQueue(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...(eventsQueueUrl ? { eventsQueueUrl } : {}),
    reconcileEveryMs,
    prometheusBindAddress,
    shutdownGraceTimeMs: graceSeconds * 1000,
    maxCachedWorkflows,
    maxConcurrentActivities,
    maxConcurrentWorkflowTasks,
    activityTaskPollers,
    workflowTaskPollers,
    stickyQueueTimeoutMs: stickySeconds * 1000,
    ...(deployment ? { deployment } : {}),
    ...(jobQueue ? { jobQueue } : {}),
  };
}

/** Ports and folders of the local development stack (`finetune dev`, `finetune demo`, the tests). */
export interface StackSettings {
  host: string;
  temporalPort: number;
  temporalUiPort: number;
  s3Port: number;
  simulatorPort: number;
  /** The SQS server (GoAws) holding the job events' queue. */
  eventsPort: number;
  /** Where the stack keeps its SQLite file, S3 objects and simulator state: `.local/` by default. */
  dataDir: string;
}

export const STACK_PORT_SETTINGS = {
  temporalPort: { flag: '--temporal-port', env: 'FINETUNE_TEMPORAL_PORT', fallback: 7233 },
  temporalUiPort: { flag: '--ui-port', env: 'FINETUNE_UI_PORT', fallback: 8233 },
  s3Port: { flag: '--s3-port', env: 'FINETUNE_S3_PORT', fallback: 9000 },
  simulatorPort: { flag: '--simulator-port', env: 'FINETUNE_SIMULATOR_PORT', fallback: 4567 },
  eventsPort: { flag: '--events-port', env: 'FINETUNE_EVENTS_PORT', fallback: 4100 },
} as const;

export type StackPortName = keyof typeof STACK_PORT_SETTINGS;

export function loadStackSettings(overrides: Partial<StackSettings>, env: Env = process.env): StackSettings {
  const problems: string[] = [];
  const port = (name: StackPortName): number => {
    const setting = STACK_PORT_SETTINGS[name];
    const value = overrides[name] ?? positiveInt(env, setting.env, setting.fallback, problems);
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
      problems.push(`${setting.flag} ${value} is not a port: use 1-65535 (or set ${setting.env})`);
    }
    return value;
  };
  const settings: StackSettings = {
    host: overrides.host ?? '127.0.0.1',
    temporalPort: port('temporalPort'),
    temporalUiPort: port('temporalUiPort'),
    s3Port: port('s3Port'),
    simulatorPort: port('simulatorPort'),
    eventsPort: port('eventsPort'),
    dataDir: overrides.dataDir ?? env.FINETUNE_DATA_DIR ?? '.local',
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}
