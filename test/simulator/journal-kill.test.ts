// The simulator's journal against real SIGKILLs: a process appending large changes through the store is
// killed while it writes, and a real simulator is killed in the middle of a stream of creates. After
// each, every change that was acknowledged is there and the state opens.
import { CreateModelCustomizationJobCommand, GetModelCustomizationJobCommand } from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { journalPathOf, Store } from '../../src/simulator/state';
import {
  bedrockClient,
  DATASETS,
  jobRequest,
  promptCompletionLines,
  putText,
  s3Client,
  startOwnSimulator,
  unique,
} from './helpers';

jest.setTimeout(120_000);

/** The compiled store (`npm run build`), as the simulator process runs it. */
const COMPILED_STATE = join(__dirname, '..', '..', 'dist', 'simulator', 'state.js');

// Appends jobs of about 1 MB each as fast as it can and prints each index once its append returned.
const WRITER = `
const { Store } = require(${JSON.stringify(COMPILED_STATE)});
const store = Store.open(process.argv[1]);
const padding = 'x'.repeat(1 << 20);
for (let i = 0; ; i++) {
  store.addJob({ jobArn: 'arn-' + i, jobName: 'job-' + i, roleArn: padding, customModelTags: [] }, []);
  process.stdout.write(i + '\\n');
}`;

let dir: string;
let s3: S3Client;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'finetune-journal-kill-'));
  s3 = s3Client();
});
afterAll(() => {
  s3.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the writer until it has acknowledged `atLeast` appends plus a random moment, then SIGKILLs it. */
async function killWriterMidStream(file: string, atLeast: number): Promise<number[]> {
  const child = spawn(process.execPath, ['-e', WRITER, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acknowledged: number[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      acknowledged.push(Number(line));
      if (acknowledged.length === atLeast) resolve();
    });
    void exited.then(() => resolve());
  });
  await sleep(Math.random() * 15);
  child.kill('SIGKILL');
  await exited;
  expect(child.signalCode).toBe('SIGKILL');
  return acknowledged;
}

test('SIGKILL while appending large changes: every acknowledged change is there and the state opens', async () => {
  // A kill lands inside a write(2) only now and then (state.unit.test.ts cuts the last line at chosen
  // bytes for that case); what every kill must leave is a state that opens with all acknowledged changes.
  for (let round = 0; round < 6; round++) {
    const file = join(dir, `writer-${round}.json`);
    const acknowledged = await killWriterMidStream(file, 5);
    // The restart: opening replays the journal, drops a torn tail and compacts.
    const store = Store.open(file);
    const names = new Set(store.allJobs().map((j) => j.jobName));
    for (const i of acknowledged) expect(names.has(`job-${i}`)).toBe(true);
    // At most the one append in flight at the kill went through unacknowledged.
    expect(names.size - acknowledged.length).toBeLessThanOrEqual(1);
    store.addJob({ ...store.allJobs()[0], jobArn: 'after', jobName: 'after' }, []);
    store.close();
    expect(Store.read(file).jobByName('after')).toBeDefined();
    rmSync(file, { force: true });
    rmSync(journalPathOf(file), { force: true });
  }
});

test('a simulator SIGKILLed in the middle of a stream of creates restarts with every acknowledged job', async () => {
  const trainingUri = await putText(s3, DATASETS, `simulator-tests/${unique('kill')}.jsonl`, promptCompletionLines(10));
  const stateFile = join(dir, 'simulator.json');
  const args = ['--time-scale', '60', '--state-file', stateFile, '--max-concurrent-jobs', '100000'];
  let sim = await startOwnSimulator(args);
  let client = bedrockClient(sim.endpoint, 1);
  const acknowledged: string[] = [];
  let killed = false;
  // Eight clients create jobs back to back until the kill.
  const streams = Array.from({ length: 8 }, async () => {
    while (!killed) {
      try {
        const out = await client.send(new CreateModelCustomizationJobCommand(jobRequest(trainingUri)));
        if (!killed) acknowledged.push(out.jobArn!);
      } catch {
        return; // the connection died with the simulator
      }
    }
  });
  while (acknowledged.length < 50) await sleep(5);
  killed = true;
  await sim.kill();
  await Promise.all(streams);
  client.destroy();
  expect(sim.process.signalCode).toBe('SIGKILL');

  sim = await startOwnSimulator(args);
  client = bedrockClient(sim.endpoint);
  try {
    for (const jobArn of acknowledged) {
      const job = await client.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn }));
      expect(job.jobArn).toBe(jobArn);
      expect(job.status).toBe('InProgress');
    }
  } finally {
    client.destroy();
    await sim.stop();
  }
});
