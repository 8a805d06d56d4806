// `finetune demo` as a newcomer runs it (default time scale and example), on its own ports and data
// folder beside the run's shared stack: watched to its metrics and on to its promotion to a deployment
// (the comparison table), then Ctrl-C stops every process.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackFlags, stackPorts } from '../support/stack-ports';
import { processesUsing } from '../support/processes';
import { waitFor } from '../support/wait';
import { BIN } from './helpers';

const dataDir = mkdtempSync(join(tmpdir(), 'finetune-demo-test-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('brings up the stack, fine-tunes an example to its metrics and loss chart, promotes it to a deployment with the comparison table, and stops everything on Ctrl-C', async () => {
  const ports = await stackPorts();
  const demo = spawn(process.execPath, [BIN, 'demo', ...stackFlags(ports, dataDir)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  demo.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  demo.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
  let stopped = false;
  /** Ctrl-C, once (a second one would end the demo before it has stopped its stack). */
  const interrupt = async () => {
    if (!stopped) demo.kill('SIGINT');
    stopped = true;
    return exited;
  };
  try {
    await waitFor(
      'the demo to finish its fine-tune',
      async () => (stdout.includes('Press Ctrl-C to stop everything.') || demo.exitCode !== null ? true : undefined),
      200_000,
      500,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\nstdout:\n${stdout}\nstderr:\n${stderr}`, { cause: err });
    });
    if (demo.exitCode !== null)
      throw new Error(
        `the demo exited (${demo.exitCode}) before its fine-tune ended\nstdout:\n${stdout}\nstderr:\n${stderr}`,
      );
    expect(stdout).toContain('Local stack is up:');
    expect(stdout).toMatch(
      /^Completed: arn:aws:bedrock:us-east-1:\d{12}:custom-model\/amazon\.nova-micro-v1:0:128k\//m,
    );
    expect(stdout).toMatch(
      /epoch +training loss +validation loss(\n +\d +\d\.\d{4} +\d\.\d{4}.*){2}\n +\d+ steps; final training loss/,
    );
    // The promotion: a new deployment (nothing served it before), the table, and the gate passed.
    expect(stdout).toMatch(/^\S+ promoting \(evaluating\)/m);
    expect(stdout).toContain('Promotion ✓ promoted (deployment tidewater-support-bot)');
    expect(stdout).toMatch(/^ +serves it +arn:aws:bedrock:us-east-1:\d{12}:custom-model-deployment\/\w+$/m);
    expect(stdout).toMatch(/^ +metric +new +current +threshold +verdict$/m);
    expect(stdout).toMatch(/^ +Builtin\.Correctness +0\.8\d{3} +- +min 0\.7, maxDrop 0\.02 +pass$/m);
    expect(stdout).toContain('npx finetune deployments');
    // The chart as the S3 server stores it: a plain file under the stack's data folder.
    const chart = /^ +loss chart +(\/\S+)$/m.exec(stdout)?.[1];
    expect(chart?.startsWith(join(dataDir, 's3', 'finetune-outputs'))).toBe(true);
    expect(readFileSync(chart!, 'utf8')).toContain('<svg');
    expect(stdout).toMatch(
      new RegExp(
        `Temporal UI +http://127\\.0\\.0\\.1:${ports.ui}/namespaces/default/workflows/demo-\\d{8}-\\d{6}/[0-9a-f-]{36}/history`,
      ),
    );
    expect(existsSync(join(dataDir, 'stack.env'))).toBe(true);

    const children = processesUsing(dataDir).filter((pid) => pid !== demo.pid);
    expect(children.length).toBeGreaterThanOrEqual(4); // Temporal, S3, simulator, worker

    expect(await interrupt()).toBe(0);
    expect(stdout).toContain('Stopped.');
    expect(processesUsing(dataDir)).toEqual([]);
  } finally {
    await interrupt();
  }
}, 240_000);
