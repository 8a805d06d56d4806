// The fault suite's own stack, every part a process it can hurt: the Temporal dev server on a SQLite
// file (stopped and restarted mid-run, runs survive in the file; or restarted on a new, empty file, and
// every run is lost), the S3 server, the Bedrock simulator with a state file (SIGKILLed and restarted,
// or restarted with throttling, lost or held answers, or lossy job events switched on), GoAws holding the
// job events' queue the simulator publishes to, and two `finetune worker` processes on one task queue
// consuming it (SIGKILLed; a fresh one replaces each). All on free ports under one folder, so it
// runs beside the test stack and other suites.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagedChild } from '../../src/stack/child-process';
import {
  LOCAL_ACCOUNT_ID,
  LOCAL_NAMESPACE,
  LOCAL_REGION,
  stackEnvironment,
  startSimulatorProcess,
  startWorkerProcess,
  type StackEndpoints,
} from '../../src/stack/local-stack';
import { freePort } from '../../src/stack/ports';
import { startEventsQueue } from '../../src/stack/events-queue';
import { startS3Server } from '../../src/stack/s3-server';
import { startTemporalServer } from '../../src/stack/temporal-server';
import { ensureTools } from '../../src/stack/tools';

const HOST = '127.0.0.1';
const TASK_QUEUE = 'fault-suite';
/**
 * Simulated seconds per second of what sets no time scale of its own: deployments (7.5 minutes to
 * create, 5 to update) and evaluation jobs (about 5 minutes for 8 prompts) take a few seconds. Every job
 * the suite makes sets its own (the simulator:time-scale tag).
 */
const RESOURCE_TIME_SCALE = 100;
/** Every start of the simulator: room for the deployments promotions leave (AWS: 10, 2 creating). */
const SIMULATOR_BASE_ARGS = ['--max-deployments', '100', '--max-deployments-in-progress', '20'];

export interface WorkerSlot {
  /** Which of the two workers: 'a' or 'b'. */
  name: string;
  child: ManagedChild;
  /** A replacement being started after a kill. */
  starting?: Promise<void>;
  starts: number;
}

/** Resolves when the process has exited (at once if it already has). */
function exited(child: ManagedChild): Promise<void> {
  if (child.exited()) return Promise.resolve();
  return new Promise((resolve) => child.process.once('exit', () => resolve()));
}

async function sigkill(child: ManagedChild): Promise<void> {
  if (!child.exited()) child.process.kill('SIGKILL');
  await exited(child);
}

/** A place in the simulator's logs (one file per start): what it logs after it is what it did since. */
export interface LogMark {
  start: number;
  offset: number;
}

export class FaultStack {
  readonly workers: WorkerSlot[] = [];
  private temporal!: ManagedChild;
  private s3!: ManagedChild;
  /** GoAws: the job events' queue the simulator publishes to and both workers consume. */
  private sqs?: ManagedChild;
  private simulator!: ManagedChild;
  private simulatorArgs: string[] = [];
  private temporalStarts = 0;
  /** Where the Temporal server's SQLite file is: a new folder each time its state is lost. */
  private temporalDataDir: string;
  private temporalStateLosses = 0;
  private simulatorStarts = 0;

  private constructor(
    readonly dir: string,
    readonly endpoints: StackEndpoints,
    private readonly ports: { temporal: number; s3: number; simulator: number },
    private readonly binaries: { temporal: string; versitygw: string; goaws: string },
  ) {
    this.temporalDataDir = dir;
  }

  /** The variables a worker or client needs (the ecosystem's own names). */
  get env(): Record<string, string> {
    return stackEnvironment(this.endpoints);
  }

  static async start(dir: string): Promise<FaultStack> {
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const binaries = await ensureTools(['temporal', 'versitygw', 'goaws']);
    const ports = { temporal: await freePort(), s3: await freePort(), simulator: await freePort() };
    const eventsPort = await freePort();
    const endpoints: StackEndpoints = {
      temporalAddress: `${HOST}:${ports.temporal}`,
      namespace: LOCAL_NAMESPACE,
      s3Endpoint: `http://${HOST}:${ports.s3}`,
      bedrockEndpoint: `http://${HOST}:${ports.simulator}`,
      region: LOCAL_REGION,
      taskQueue: TASK_QUEUE,
      s3ObjectsDir: join(dir, 's3'),
    };
    const stack = new FaultStack(dir, endpoints, ports, binaries);
    try {
      const [, s3, events] = await Promise.all([
        stack.startTemporal(),
        startS3Server({
          binary: binaries.versitygw,
          host: HOST,
          port: ports.s3,
          dataDir: dir,
          logFile: join(dir, 'logs', 's3.log'),
          region: LOCAL_REGION,
        }),
        // Job events on, as `finetune dev` runs them: every run's job publishes, both workers consume.
        startEventsQueue({
          binary: binaries.goaws,
          host: HOST,
          port: eventsPort,
          accountId: LOCAL_ACCOUNT_ID,
          region: LOCAL_REGION,
          dataDir: dir,
          logFile: join(dir, 'logs', 'goaws.log'),
        }),
      ]);
      stack.s3 = s3.child;
      stack.sqs = events.child;
      stack.endpoints.eventsQueueUrl = events.queueUrl;
      await stack.startSimulator([]);
      // The two workers bundle the workflow code at start: one after the other on a 2-core machine.
      for (const name of ['a', 'b']) stack.workers.push({ name, child: await stack.spawnWorker(name, 1), starts: 1 });
      return stack;
    } catch (err) {
      await stack.stop();
      throw err;
    }
  }

  private async startTemporal(): Promise<void> {
    this.temporalStarts++;
    const { child } = await startTemporalServer({
      binary: this.binaries.temporal,
      host: HOST,
      port: this.ports.temporal,
      uiPort: 0,
      headless: true,
      // The SQLite file is what lets runs outlive the server process. The search attributes are
      // registered at every start (flags), so a server on a new file has them too.
      dataDir: this.temporalDataDir,
      logFile: join(this.dir, 'logs', `temporal-${this.temporalStarts}.log`),
      namespace: LOCAL_NAMESPACE,
    });
    this.temporal = child;
  }

  /**
   * The simulator, with extra flags (throttling, lost or held answers) or none; its state file keeps
   * every job, deployment and evaluation job across starts.
   */
  async startSimulator(extraArgs: string[]): Promise<void> {
    this.simulatorStarts++;
    this.simulatorArgs = extraArgs;
    const { child } = await startSimulatorProcess({
      host: HOST,
      port: this.ports.simulator,
      s3Endpoint: this.endpoints.s3Endpoint,
      stateFile: join(this.dir, 'simulator-state.json'),
      timeScale: RESOURCE_TIME_SCALE,
      logFile: this.simulatorLog(this.simulatorStarts),
      extraArgs: [
        ...SIMULATOR_BASE_ARGS,
        ...(this.endpoints.eventsQueueUrl ? ['--events-queue-url', this.endpoints.eventsQueueUrl] : []),
        ...extraArgs,
      ],
    });
    this.simulator = child;
  }

  private simulatorLog(start: number): string {
    return join(this.dir, 'logs', `simulator-${start}.log`);
  }

  /** The end of the simulator's log now. */
  simulatorLogMark(): LogMark {
    return { start: this.simulatorStarts, offset: statSync(this.simulatorLog(this.simulatorStarts)).size };
  }

  /** The simulator's log lines written since `mark`, through its restarts (each start logs to a new file). */
  simulatorLogSince(mark: LogMark): string[] {
    const lines: string[] = [];
    for (let start = mark.start; start <= this.simulatorStarts; start++) {
      const text = readFileSync(this.simulatorLog(start));
      lines.push(
        ...text
          .subarray(start === mark.start ? mark.offset : 0)
          .toString('utf8')
          .split('\n'),
      );
    }
    return lines.filter((line) => line.length > 0);
  }

  private spawnWorker(name: string, start: number): Promise<ManagedChild> {
    return startWorkerProcess({
      name: `worker ${name}`,
      // No reconcile schedule: the suite runs its passes itself, one after each run that cannot clean up.
      // The fair queue on, whatever the default, its keeper counting Bedrock's jobs every 2 s (not 30): a
      // slot freed by a job of no run (the quota points' blocker) is seen within the run's few seconds.
      env: {
        ...this.env,
        FINETUNE_SHUTDOWN_GRACE_SECONDS: '2',
        FINETUNE_RECONCILE_EVERY: 'off',
        FINETUNE_JOB_QUEUE: 'on',
        FINETUNE_JOB_QUEUE_LIST_SECONDS: '2',
      },
      logFile: join(this.dir, 'logs', `worker-${name}-${start}.log`),
    });
  }

  /** Temporal's identity of each worker (the SDK's default, `pid@host`). */
  identityOf(slot: WorkerSlot): string {
    return `${slot.child.pid}@${hostname()}`;
  }

  slotOfIdentity(identity: string | undefined): WorkerSlot | undefined {
    return this.workers.find((w) => this.identityOf(w) === identity && !w.child.exited());
  }

  /** SIGKILL, then a replacement starts in the background (the other worker carries on meanwhile). */
  async killWorker(slot: WorkerSlot): Promise<number> {
    const pid = slot.child.pid;
    await sigkill(slot.child);
    slot.starts++;
    slot.starting = this.spawnWorker(slot.name, slot.starts)
      .then((child) => {
        slot.child = child;
      })
      .finally(() => {
        slot.starting = undefined;
      });
    return pid;
  }

  /** The Temporal server stopped (SIGTERM) and started again on the same file and port. */
  async restartTemporal(downMs: number): Promise<void> {
    await this.temporal.stop();
    await sleep(downMs);
    await this.startTemporal();
  }

  /**
   * The Temporal server's state lost: stopped, and after `downMs` started on the same port with a new,
   * empty SQLite file (as a dev server whose file was deleted, or a namespace whose history is gone).
   * Every run the server knew is unknown to it now; the workers reconnect to the same address.
   */
  async loseTemporalState(downMs: number): Promise<void> {
    await this.temporal.stop();
    await sleep(downMs);
    this.temporalStateLosses++;
    this.temporalDataDir = join(this.dir, `temporal-after-loss-${this.temporalStateLosses}`);
    await this.startTemporal();
  }

  /** The simulator SIGKILLed and started again from its state file, after `downMs`. */
  async restartSimulator(downMs: number, extraArgs = this.simulatorArgs): Promise<void> {
    await sigkill(this.simulator);
    await sleep(downMs);
    await this.startSimulator(extraArgs);
  }

  /** Both workers up (replacements started), before the next run begins. */
  async settle(): Promise<void> {
    for (const slot of this.workers) await slot.starting;
  }

  async stop(): Promise<void> {
    for (const slot of this.workers) {
      await slot.starting?.catch(() => undefined);
      await slot.child?.stop(5_000);
    }
    await this.simulator?.stop();
    await this.temporal?.stop();
    await this.s3?.stop();
    await this.sqs?.stop();
  }
}
