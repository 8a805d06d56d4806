// Running the real CLI (`node bin/finetune.js ...`) as a child process against the test stack, with the
// environment a user gets from `source .local/stack.env` plus the test file's own task queue.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FineTuneRequest } from '../../src/core/request';
import { loadExamples, uploadExample } from '../../src/cli/examples';
import { FAST_POLLING } from '../support/datasets';
import { expectDocumented, jsonKey } from './json-docs';
import { testContext, type TestContext } from '../support/temporal';

export const BIN = resolve(__dirname, '..', '..', 'bin', 'finetune.js');
export const EXAMPLES = resolve(__dirname, '..', '..', 'examples');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The arguments it ran with. */
  args: string[];
}

export function runCli(
  args: string[],
  options: { taskQueue: string; env?: Record<string, string | undefined>; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: { ...process.env, TASK_QUEUE: options.taskQueue, ...options.env },
        timeout: options.timeoutMs ?? 90_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stdout, stderr, args });
      },
    );
  });
}

/**
 * The JSON a `--json` command printed (and nothing else on stdout), checked against its documented
 * shape in docs/cli.md.
 */
export function json<T = Record<string, unknown>>(result: CliResult): T {
  let value: T;
  try {
    value = JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(
      `stdout is not one JSON object (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`,
    );
  }
  if (result.args.includes('--json')) expectDocumented(jsonKey(result.args), value);
  return value;
}

export function exampleRequest(name: string): FineTuneRequest {
  return JSON.parse(readFileSync(join(EXAMPLES, name, 'request.json'), 'utf8')) as FineTuneRequest;
}

/**
 * An example's request made unique for one test (its own model name, and deployment when it promotes)
 * and fast (polling every half second; optionally the simulator's per-job clock through its reserved
 * tag). A promotion's answers come as fast as the simulator gives them, and the simulator's judge scores
 * the model around `evalScore` (0.85 unless given: above the examples' gates).
 */
export function testRequest(
  name: string,
  unique: string,
  options: { timeScale?: number; tags?: { key: string; value: string }[]; evalScore?: number } = {},
): FineTuneRequest {
  const request = exampleRequest(name);
  const promotion = request.orchestration?.promotion;
  const tags = [
    ...(options.timeScale ? [{ key: 'simulator:time-scale', value: String(options.timeScale) }] : []),
    ...(promotion ? [{ key: 'simulator:eval-score', value: String(options.evalScore ?? 0.85) }] : []),
    ...(options.tags ?? []),
  ];
  return {
    ...request,
    customModelName: `${unique}-model`
      .replace(/[^a-zA-Z0-9]+/g, '-')
      .slice(-63)
      .replace(/^-+/, ''),
    jobTags: [...(request.jobTags ?? []), ...tags],
    orchestration: {
      ...request.orchestration,
      polling: { ...FAST_POLLING },
      ...(promotion
        ? {
            promotion: {
              ...promotion,
              deployment: `${unique}-bot`
                .replace(/[^a-zA-Z0-9]+/g, '-')
                .slice(-63)
                .replace(/^-+/, ''),
              evaluation: { ...promotion.evaluation, requestsPerMinute: 6000 },
            },
          }
        : {}),
    },
  };
}

// A test file's request files: made at its first one, removed when the file's tests end (registered here,
// so no test file can forget it; 256 folders had piled up in the temp dir when each file had to).
let folder: string | undefined;
afterAll(() => removeRequestFiles());

/** Writes a request file for the CLI and returns its path. */
export function requestFile(name: string, content: unknown): string {
  folder ??= mkdtempSync(join(tmpdir(), 'finetune-cli-test-'));
  const path = join(folder, `${name}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

function removeRequestFiles(): void {
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = undefined;
}

/** A test context with a worker on `taskQueue` and one example's data uploaded to S3. */
export async function contextWithExample(taskQueue: string, exampleName: string): Promise<TestContext> {
  const ctx = await testContext(taskQueue);
  await ctx.startWorker(taskQueue);
  const [example] = (await loadExamples()).filter((e) => e.name === exampleName);
  await uploadExample(ctx.aws.s3, example);
  return ctx;
}
