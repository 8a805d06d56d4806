// The local stack never leaves a server behind, tried with real processes as a user would: `finetune
// dev` interrupted twice while it stops, `finetune dev` killed with SIGKILL and started again on the same
// folder and ports, and a second `finetune dev` on a folder whose stack still runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertPortFree } from '../../src/stack/ports';
import { stackFlags, stackPorts, type StackPorts } from '../support/stack-ports';
import { elapsedMs, isRecordedProcess, ProcessRecorder, readRecord, recordPath } from '../../src/stack/process-record';
import { alive, processesUsing } from '../support/processes';
import { waitFor } from '../support/wait';
import { BIN } from '../cli/helpers';

interface Dev {
  process: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

const folders: string[] = [];
const started: ChildProcess[] = [];

afterAll(() => {
  // Whatever a failed assertion left: the dev processes this file started, and their servers.
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of folders) {
    for (const pid of processesUsing(dir)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

function startDev(dataDir: string, ports: StackPorts): Dev {
  const child = spawn(process.execPath, [BIN, 'dev', '--no-worker', ...stackFlags(ports, dataDir)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

async function untilUp(dev: Dev): Promise<void> {
  await waitFor(
    'finetune dev to be up',
    async () =>
      dev.output().includes('Press Ctrl-C to stop everything.') || dev.process.exitCode !== null ? true : undefined,
    120_000,
    200,
  );
  if (!dev.output().includes('Press Ctrl-C to stop everything.'))
    throw new Error(`finetune dev did not come up:\n${dev.output()}`);
}

async function portsFree(ports: StackPorts): Promise<void> {
  for (const port of Object.values(ports)) await assertPortFree('127.0.0.1', port, 'stack', 'test');
}

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'finetune-leftovers-'));
  folders.push(dir);
  return dir;
}

it('a second Ctrl-C while the stack stops kills what is left at once and leaves no server running', async () => {
  const dataDir = folder();
  const ports = await stackPorts();
  const dev = startDev(dataDir, ports);
  await untilUp(dev);
  expect(processesUsing(dataDir).filter((pid) => pid !== dev.process.pid).length).toBeGreaterThanOrEqual(3);

  dev.process.kill('SIGINT');
  await waitFor('the stop to begin', async () =>
    dev.output().includes('Stopping the local stack') ? true : undefined,
  );
  dev.process.kill('SIGINT');
  expect(await dev.exited).toBe(130);
  expect(dev.output()).toContain('Killing the local stack now...');
  expect(processesUsing(dataDir)).toEqual([]);
  await portsFree(ports);
  expect(existsSync(recordPath(dataDir))).toBe(false);
}, 180_000);

it('after `finetune dev` is killed with SIGKILL, the next start stops the servers it left and comes up', async () => {
  const dataDir = folder();
  const ports = await stackPorts();
  const first = startDev(dataDir, ports);
  await untilUp(first);
  const record = readRecord(dataDir)!;
  expect(record.owner).toMatchObject({ name: 'finetune dev', pid: first.process.pid });
  expect(record.processes.map((p) => p.name)).toEqual(
    expect.arrayContaining(['Temporal dev server', 'S3 server (versitygw)', 'Bedrock simulator']),
  );

  first.process.kill('SIGKILL');
  await first.exited;
  // What SIGKILL leaves: the servers, in their own process groups, on their ports.
  const left = record.processes.map((p) => p.pid);
  expect(left.filter(alive)).toEqual(left);

  const second = startDev(dataDir, ports);
  await untilUp(second);
  for (const p of record.processes)
    expect(second.output()).toContain(
      `Stopped the ${p.name} (pid ${p.pid}) that an earlier stack of ${dataDir} left running.`,
    );
  expect(left.filter(alive)).toEqual([]);

  second.process.kill('SIGINT');
  expect(await second.exited).toBe(0);
  expect(processesUsing(dataDir)).toEqual([]);
  await portsFree(ports);
}, 240_000);

it('refuses to start a second stack on a folder whose stack still runs, naming it and how to stop it (exit 2)', async () => {
  const dataDir = folder();
  const first = startDev(dataDir, await stackPorts());
  await untilUp(first);
  const second = startDev(dataDir, await stackPorts());
  expect(await second.exited).toBe(2);
  expect(second.output()).toContain(
    `A local stack of ${dataDir} is already running (finetune dev, pid ${first.process.pid}). Stop it first: Ctrl-C in its terminal, or \`kill ${first.process.pid}\`.`,
  );
  // The running stack was not touched.
  expect(processesUsing(dataDir).length).toBeGreaterThanOrEqual(4);
  first.process.kill('SIGINT');
  expect(await first.exited).toBe(0);
  expect(processesUsing(dataDir)).toEqual([]);
}, 180_000);

describe('the process record', () => {
  it('recognises a recorded process only while it is the same one (command line and start time)', async () => {
    const dataDir = folder();
    const sleeper = spawn('sleep', ['30']);
    started.push(sleeper);
    const recorder = await ProcessRecorder.start(dataDir, 'test');
    recorder.add('sleeper', sleeper.pid!, ['sleep', '30']);
    const [recorded] = readRecord(dataDir)!.processes;
    expect(await isRecordedProcess(recorded)).toBe(true);
    expect(await isRecordedProcess({ ...recorded, commandLine: 'sleep 31' })).toBe(false);
    expect(await isRecordedProcess({ ...recorded, spawnedAt: new Date(Date.now() - 3_600_000).toISOString() })).toBe(
      false,
    );
    expect(await isRecordedProcess(readRecord(dataDir)!.owner)).toBe(true);
    sleeper.kill('SIGKILL');
    await new Promise((resolve) => sleeper.once('exit', resolve));
    expect(await isRecordedProcess(recorded)).toBe(false);
    recorder.clear();
    expect(readRecord(dataDir)).toBeUndefined();
  });

  it("reads ps's elapsed times", () => {
    expect(elapsedMs('03:04')).toBe(184_000);
    expect(elapsedMs('02:03:04')).toBe(7_384_000);
    expect(elapsedMs('1-02:03:04')).toBe(93_784_000);
  });
});
