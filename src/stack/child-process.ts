// A server the stack runs as a child process: started, awaited until healthy, and stopped so that it
// leaves nothing behind. Output goes to a log file under the stack's data folder, where a user looks
// when something will not start.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  /** Resolves true once the server answers. Called until it does or the time runs out. */
  isReady: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** Called as soon as the process exists, before it is ready (the stack records it there). */
  onSpawn?: OnSpawn;
}

export type OnSpawn = (name: string, pid: number, argv: string[]) => void;

export interface ManagedChild {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly process: ChildProcess;
  /** SIGTERM, then SIGKILL after the grace time; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  exited(): boolean;
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

export async function startChild(spec: ChildSpec): Promise<ManagedChild> {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  // One log per start: an old line must never be read as this start's readiness.
  const log = createWriteStream(spec.logFile, { flags: 'w' });
  await new Promise((resolve) => log.once('open', resolve));
  const child = spawn(spec.command, spec.args, {
    env: spec.env ?? process.env,
    cwd: spec.cwd,
    stdio: ['ignore', log, log],
    // Its own process group: a Ctrl-C in the terminal reaches only us, and we stop the children in order.
    detached: true,
  });
  if (child.pid !== undefined) spec.onSpawn?.(spec.name, child.pid, [spec.command, ...spec.args]);
  let exitInfo: string | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    });
    child.once('error', (err) => {
      exitInfo = err.message;
      resolve();
    });
  });
  exitedPromise.finally(() => log.end()).catch(() => undefined);

  const managed: ManagedChild = {
    name: spec.name,
    pid: child.pid ?? -1,
    logFile: spec.logFile,
    process: child,
    exited: () => exitInfo !== undefined,
    async stop(graceMs = 10_000) {
      if (exitInfo !== undefined) return;
      child.kill('SIGTERM');
      // The grace timer is cancelled once the child is gone, so it never holds the process open.
      const grace = new AbortController();
      const killed = await Promise.race([
        exitedPromise.then(() => true),
        sleep(graceMs, false, { signal: grace.signal }).catch(() => false),
      ]);
      grace.abort();
      if (!killed) {
        child.kill('SIGKILL');
        await exitedPromise;
      }
    },
  };

  const deadline = Date.now() + (spec.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exitInfo !== undefined) {
      throw new Error(
        `${spec.name} exited during start-up (${exitInfo}). Last lines of ${spec.logFile}:\n${tail(spec.logFile)}`,
      );
    }
    if (await spec.isReady().catch(() => false)) return managed;
    if (Date.now() > deadline) {
      await managed.stop(2_000);
      throw new Error(
        `${spec.name} did not become ready in time. Last lines of ${spec.logFile}:\n${tail(spec.logFile)}`,
      );
    }
    await sleep(200);
  }
}
