// One local stack for the whole test run, started through the same code as `finetune dev`: an
// in-memory Temporal dev server with its Web UI (for the browser test; it starts no slower), the S3
// server and the Bedrock simulator at a high time scale, each on a free port. The workflow bundle is
// built once here and reused by every test worker. It refuses a dist/ older than src/ first: the
// simulator, the CLI and the worker processes run from dist/ (test/support/stale-build.ts).
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freeStackPorts, startLocalStack } from '../../src/stack/local-stack';
import { WORKFLOWS_PATH } from '../../src/worker';
import { TEST_SIMULATOR_TIME_SCALE } from './constants';
import { refuseStaleBuild } from './stale-build';

export default async function globalSetup(): Promise<void> {
  refuseStaleBuild(resolve(__dirname, '..', '..'));
  const dataDir = mkdtempSync(join(tmpdir(), 'finetune-test-'));
  const started = Date.now();
  const stack = await startLocalStack({
    host: '127.0.0.1',
    ...(await freeStackPorts()),
    dataDir,
    worker: false,
    headless: false,
    ephemeral: true,
    simulatorTimeScale: TEST_SIMULATOR_TIME_SCALE,
    // Two files at a time share this simulator's one account, and some leave jobs training on purpose
    // for a while (stopped by hand, or by their run's clean-up): Bedrock's quota of 10 running jobs would
    // make one file's creates fail for another's jobs. The tests of the quota run simulators of their own.
    simulatorArgs: ['--max-concurrent-jobs', '100'],
    taskQueue: 'test',
  }).catch((err: unknown) => {
    // The error already quotes the failing server's log; a failed start leaves nothing in the temp dir.
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  (globalThis as { __FINETUNE_STACK__?: unknown }).__FINETUNE_STACK__ = stack;
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} },
  });
  const bundlePath = join(dataDir, 'workflow-bundle.js');
  writeFileSync(bundlePath, code);
  // Test files (in band, same process) read the stack through the same variables a user would source;
  // the UI's address under its own name, so CLI output in other tests carries no UI links; the job events'
  // queue too, so the workers tests start consume events only where a test asks (test/events/).
  const { TEMPORAL_UI_URL, FINETUNE_EVENTS_QUEUE_URL, ...env } = stack.env;
  Object.assign(process.env, env, {
    FINETUNE_TEST_UI_URL: TEMPORAL_UI_URL,
    FINETUNE_TEST_EVENTS_QUEUE_URL: FINETUNE_EVENTS_QUEUE_URL,
    FINETUNE_TEST_DATA_DIR: dataDir,
    FINETUNE_TEST_WORKFLOW_BUNDLE: bundlePath,
    // Workers the tests start as processes keep no reconcile schedule: a pass in the middle of another
    // test would end what that test left running on purpose. The reconciler's tests run passes by hand.
    FINETUNE_RECONCILE_EVERY: 'off',
    FINETUNE_TEST_SIMULATOR_PID: String(stack.children.find((c) => c.name === 'Bedrock simulator')?.pid ?? ''),
  });
  process.stderr.write(
    `\n[test stack] up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(stack.endpoints)}\n`,
  );
}
