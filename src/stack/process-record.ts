// What a local stack started, recorded in its data folder (`<dataDir>/stack-processes.json`) as each
// server is spawned, so that a `finetune dev` killed with SIGKILL (or a second Ctrl-C) does not leave
// servers that block the next start on their ports. The next start of the same folder stops what the
// record names, after checking that each process is still the one it started (same command line, started
// when it was spawned): a PID the system gave to another program since is never touched.
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { processAlive } from '../host/process-alive';

const RECORD_FILE = 'stack-processes.json';
/** How far a process's start may lie from the recorded spawn (ps reports whole seconds). */
const START_TOLERANCE_MS = 5_000;

export interface RecordedProcess {
  name: string;
  pid: number;
  /** The command line as `ps` shows it: executable and arguments, space-separated. */
  commandLine: string;
  spawnedAt: string;
}

export interface StackRecord {
  /** The process that started the stack (`finetune dev`, `demo`, a test run). */
  owner: RecordedProcess;
  processes: RecordedProcess[];
}

/** Another process of this folder's stack still runs: the user stops it first. */
export class StackInUseError extends Error {
  constructor(owner: RecordedProcess, dataDir: string) {
    super(
      `A local stack of ${dataDir} is already running (${owner.name}, pid ${owner.pid}). Stop it first: Ctrl-C in its terminal, or \`kill ${owner.pid}\`.`,
    );
    this.name = 'StackInUseError';
  }
}

export function recordPath(dataDir: string): string {
  return join(dataDir, RECORD_FILE);
}

export function readRecord(dataDir: string): StackRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordPath(dataDir), 'utf8')) as StackRecord;
  } catch {
    return undefined;
  }
}

/** Writes the record on every change: it must be on disk before anything can kill this process. */
export class ProcessRecorder {
  private constructor(
    private readonly dataDir: string,
    private readonly record: StackRecord,
  ) {
    this.save();
  }

  /** Records this process as the owner (its command line as ps shows it, since argv is resolved). */
  static async start(dataDir: string, ownerName: string): Promise<ProcessRecorder> {
    const self = await inspect(process.pid);
    const owner: RecordedProcess = {
      name: ownerName,
      pid: process.pid,
      commandLine: self?.args ?? process.argv.join(' '),
      spawnedAt: new Date(self?.startedAt ?? Date.now()).toISOString(),
    };
    return new ProcessRecorder(dataDir, { owner, processes: [] });
  }

  add(name: string, pid: number, argv: string[]): void {
    this.record.processes.push({ name, pid, commandLine: argv.join(' '), spawnedAt: new Date().toISOString() });
    this.save();
  }

  /** Everything stopped: nothing is left to reclaim. */
  clear(): void {
    rmSync(recordPath(this.dataDir), { force: true });
  }

  private save(): void {
    writeFileSync(recordPath(this.dataDir), `${JSON.stringify(this.record, null, 2)}\n`);
  }
}

/** '1-02:03:04', '02:03:04' or '03:04' (ps's etime) in milliseconds. */
export function elapsedMs(etime: string): number {
  const [days, clock] = etime.includes('-') ? etime.split('-') : ['0', etime];
  const parts = clock.split(':').map(Number);
  while (parts.length < 3) parts.unshift(0);
  const [h, m, s] = parts;
  return (((Number(days) * 24 + h) * 60 + m) * 60 + s) * 1000;
}

/** The process as ps sees it now (command line and start), or undefined when it is gone. */
async function inspect(pid: number): Promise<{ args: string; startedAt: number } | undefined> {
  try {
    const { stdout } = await promisify(execFile)('ps', ['-ww', '-o', 'etime=,args=', '-p', String(pid)]);
    const match = /^\s*(\S+)\s+(.*)$/.exec(stdout.trim());
    if (!match) return undefined;
    return { args: match[2], startedAt: Date.now() - elapsedMs(match[1]) };
  } catch {
    return undefined; // ps exits 1 when no such process
  }
}

/** Still the process that was recorded: its command line, started when it was spawned. */
export async function isRecordedProcess(p: RecordedProcess): Promise<boolean> {
  const now = await inspect(p.pid);
  if (!now) return false;
  const spawned = Date.parse(p.spawnedAt);
  return now.args === p.commandLine && Math.abs(now.startedAt - spawned) <= START_TOLERANCE_MS;
}

/** SIGTERM (or SIGKILL at once), SIGKILL after the grace time; resolves when the process is gone. */
export async function stopProcess(pid: number, graceMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const until = Date.now() + graceMs;
  while (processAlive(pid) && Date.now() < until) await sleep(100);
  if (processAlive(pid)) {
    process.kill(pid, 'SIGKILL');
    while (processAlive(pid)) await sleep(50);
  }
}

/**
 * Before a stack starts on `dataDir`: stops the servers an earlier stack of the same folder left
 * running (its owner killed before it could stop them), and refuses to start beside a stack whose
 * owner still runs. Returns a line per process it stopped.
 */
export async function reclaimLeftovers(dataDir: string, graceMs = 10_000): Promise<string[]> {
  const record = readRecord(dataDir);
  if (!record) return [];
  if (record.owner.pid !== process.pid && (await isRecordedProcess(record.owner)))
    throw new StackInUseError(record.owner, dataDir);
  const stopped: string[] = [];
  // Reverse order of start, as a stack stops itself: the worker before the servers.
  for (const p of [...record.processes].reverse()) {
    if (!(await isRecordedProcess(p))) continue;
    await stopProcess(p.pid, graceMs);
    stopped.push(`Stopped the ${p.name} (pid ${p.pid}) that an earlier stack of ${dataDir} left running.`);
  }
  rmSync(recordPath(dataDir), { force: true });
  return stopped;
}

/** A second Ctrl-C: every recorded server of this process's stack killed at once, nothing left behind. */
export async function killRecorded(dataDir: string): Promise<void> {
  const record = readRecord(dataDir);
  if (!record || record.owner.pid !== process.pid) return;
  await Promise.all(
    record.processes.map(async (p) => {
      if (await isRecordedProcess(p)) await stopProcess(p.pid, 2_000, 'SIGKILL');
    }),
  );
  rmSync(recordPath(dataDir), { force: true });
}
