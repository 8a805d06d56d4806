// The worker process: connects through envconfig, runs the fineTune workflow and its activities, and
// shuts down gracefully on SIGINT/SIGTERM (built into Worker.run), giving activities in flight a grace
// time. Any number of these may run on one task queue: nothing here assumes it is the only one.
import { Client } from '@temporalio/client';
import type { VersioningBehavior, WorkerDeploymentVersion } from '@temporalio/common';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type LogEntry,
  type WorkerOptions,
} from '@temporalio/worker';
import { createActivities, type Activities, type ActivityDeps } from './activities';
import { createAwsClients, createSqsClient, destroyAwsClients } from './aws/clients';
import { jobSlotSettings } from './activities/job-slots';
import { lineageScope, loadConfig, loadWorkerSettings, type AppConfig, type WorkerSettings } from './config';
import { JobEventsConsumer } from './events/job-events-consumer';
import { ensureReconcileSchedule, RECONCILE_SCHEDULE_ID } from './reconciliation';

export interface FineTuneWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /**
   * Replaces some activities (tests of paths no real Bedrock reaches in time: a stop that never
   * confirms, a quota that never frees). Never set in production.
   */
  activities?: Partial<Activities>;
  /** A prebuilt bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  maxCachedWorkflows?: number;
  /** The capacity settings of WorkerSettings (config.ts); the SDK's defaults when absent. */
  capacity?: Pick<
    WorkerSettings,
    | 'maxConcurrentActivities'
    | 'maxConcurrentWorkflowTasks'
    | 'activityTaskPollers'
    | 'workflowTaskPollers'
    | 'stickyQueueTimeoutMs'
  >;
  identity?: string;
  /**
   * Worker Versioning: the Worker Deployment Version this worker runs (WorkerSettings.deployment). It
   * then takes only the tasks the server routes to that version: a new build takes runs once an operator
   * makes it current or ramping (docs/OPERATIONS.md). Absent: unversioned, as before.
   */
  deployment?: WorkerDeploymentVersion;
}

/**
 * How runs move between builds (docs/decisions.md, "Deploys: Worker Versioning"): at their next workflow task, to the
 * deployment's current (or ramping) version. Runs last hours to days and the workflow keeps every change
 * replay-safe with `patched()` and committed replay histories, so a run may finish on a newer build; old
 * builds need not stay up for the runs they started, and a fixed activity reaches runs in flight.
 */
export const VERSIONING_BEHAVIOR: VersioningBehavior = 'AUTO_UPGRADE';

export const WORKFLOWS_PATH = require.resolve('./workflows');

export function createFineTuneWorker(options: FineTuneWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: { ...createActivities(options.deps), ...options.activities },
    // A cancel reaches an activity only in the answer to its heartbeat: at most 10 s between them, so a
    // stop or a deadline interrupts an hours-long data preparation within seconds (default: 60 s).
    maxHeartbeatThrottleInterval: '10s',
    // The native bridge rejects explicit undefined members: pass only what is set.
    ...(options.shutdownGraceTime !== undefined ? { shutdownGraceTime: options.shutdownGraceTime } : {}),
    ...(options.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
    ...(options.identity !== undefined ? { identity: options.identity } : {}),
    ...(options.deployment
      ? {
          workerDeploymentOptions: {
            version: options.deployment,
            useWorkerVersioning: true,
            defaultVersioningBehavior: VERSIONING_BEHAVIOR,
          },
        }
      : {}),
    ...(options.capacity
      ? {
          maxConcurrentActivityTaskExecutions: options.capacity.maxConcurrentActivities,
          maxConcurrentWorkflowTaskExecutions: options.capacity.maxConcurrentWorkflowTasks,
          maxConcurrentActivityTaskPolls: options.capacity.activityTaskPollers,
          maxConcurrentWorkflowTaskPolls: options.capacity.workflowTaskPollers,
          stickyQueueScheduleToStartTimeout: options.capacity.stickyQueueTimeoutMs,
        }
      : {}),
  });
}

/**
 * The reconciler's schedule, created (or set to this worker's interval) as the worker starts. A worker
 * that cannot (no permission to manage schedules) still runs: the runs do not depend on it.
 */
async function keepReconcileSchedule(temporal: Client, taskQueue: string, everyMs: number | undefined): Promise<void> {
  const logger = Runtime.instance().logger;
  if (everyMs === undefined) {
    logger.info('reconcile schedule: off on this worker (FINETUNE_RECONCILE_EVERY=off)');
    return;
  }
  try {
    const outcome = await ensureReconcileSchedule(temporal, { taskQueue, everyMs });
    logger.info(`reconcile schedule ${RECONCILE_SCHEDULE_ID}: ${outcome}`, { everyMs, taskQueue });
  } catch (err) {
    logger.warn(`reconcile schedule ${RECONCILE_SCHEDULE_ID} could not be kept: ${(err as Error).message}`, {
      hint: 'run passes by hand with `finetune reconcile`, or grant the worker schedule permissions',
    });
  }
}

/**
 * The job-events consumer (FINETUNE_EVENTS_QUEUE_URL), its queue checked: a wrong URL or a missing
 * permission stops the worker's start, since its runs would otherwise poll as if events reached them.
 */
async function startJobEvents(
  config: AppConfig,
  settings: WorkerSettings,
  deps: Pick<ActivityDeps, 'bedrock' | 'temporal' | 'scope'>,
): Promise<{ stop(): Promise<void> } | undefined> {
  const queueUrl = settings.eventsQueueUrl;
  if (!queueUrl) return undefined;
  const logger = Runtime.instance().logger;
  const sqs = createSqsClient(queueUrl, config.aws.region, { endpoint: config.aws.sqsEndpoint });
  const consumer = new JobEventsConsumer({
    queueUrl,
    sqs,
    bedrock: deps.bedrock,
    temporal: deps.temporal,
    scope: deps.scope,
    log: { info: (m, meta) => logger.info(m, meta), warn: (m, meta) => logger.warn(m, meta) },
    metrics: Runtime.instance().metricMeter,
  });
  try {
    const queue = await consumer.checkQueue();
    logger.info('job events: consuming', { queueUrl, ...queue });
  } catch (err) {
    sqs.destroy();
    throw err;
  }
  consumer.start();
  return {
    stop: async () => {
      await consumer.stop();
      sqs.destroy();
    },
  };
}

/** One JSON object per line: what log collectors (CloudWatch, Loki, Datadog) parse without help. */
function jsonLine(entry: LogEntry): void {
  const { message, level, timestampNanos, meta } = entry;
  const line = JSON.stringify(
    { time: new Date(Number(timestampNanos / 1_000_000n)).toISOString(), level, message, ...meta },
    (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
  );
  process.stdout.write(`${line}\n`);
}

export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  const settings = loadWorkerSettings(env);
  Runtime.install({
    logger: new DefaultLogger('INFO', jsonLine),
    telemetryOptions: settings.prometheusBindAddress
      ? { metrics: { prometheus: { bindAddress: settings.prometheusBindAddress } } }
      : undefined,
  });
  const slots = settings.jobQueue ? jobSlotSettings(settings.jobQueue) : undefined;
  const connection = await NativeConnection.connect(config.temporal.connectionOptions);
  const clients = createAwsClients(config.aws);
  let events: { stop(): Promise<void> } | undefined;
  try {
    const temporal = new Client({ connection, namespace: config.temporal.namespace });
    const scope = lineageScope(config);
    events = await startJobEvents(config, settings, { bedrock: clients.bedrock, temporal, scope });
    const worker = await createFineTuneWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.taskQueue,
      deps: {
        ...clients,
        temporal,
        scope,
        jobEvents: events !== undefined,
        ...(slots ? { jobSlots: slots } : {}),
      },
      shutdownGraceTime: settings.shutdownGraceTimeMs,
      maxCachedWorkflows: settings.maxCachedWorkflows,
      capacity: settings,
      deployment: settings.deployment,
    });
    Runtime.instance().logger.info('finetune worker ready', {
      taskQueue: config.taskQueue,
      namespace: config.temporal.namespace,
      // Versioned or not is the first thing to check when a new build takes no tasks.
      workerDeployment: settings.deployment?.deploymentName ?? 'unversioned',
      workerBuildId: settings.deployment?.buildId ?? 'unversioned',
      temporalAddress: config.temporal.address,
      awsRegion: config.aws.region,
      bedrockEndpoint: config.aws.bedrockEndpoint ?? 'AWS',
      s3Endpoint: config.aws.s3Endpoint ?? 'AWS',
      prometheus: settings.prometheusBindAddress ?? 'off',
      maxCachedWorkflows: settings.maxCachedWorkflows,
      maxConcurrentActivities: settings.maxConcurrentActivities,
      maxConcurrentWorkflowTasks: settings.maxConcurrentWorkflowTasks,
      activityTaskPollers: settings.activityTaskPollers,
      workflowTaskPollers: settings.workflowTaskPollers,
      stickyQueueTimeoutMs: settings.stickyQueueTimeoutMs,
      installation: config.installation,
      jobEvents: settings.eventsQueueUrl ?? 'off',
      jobQueue: slots
        ? `on (quota ${slots.initialQuota}${slots.quotaAssumed ? ' assumed until Bedrock refuses: set FINETUNE_JOB_QUEUE_QUOTA' : ''})`
        : 'off',
    });
    await keepReconcileSchedule(temporal, config.taskQueue, settings.reconcileEveryMs);
    await worker.run();
  } finally {
    await events?.stop();
    destroyAwsClients(clients);
    await connection.close();
  }
}
