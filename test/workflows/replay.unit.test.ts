// Replays committed histories against today's workflow code: a change that would break runs in flight
// fails here. No server: the workflow code is bundled here and each history replayed in this process.
// Each file is named for the workflow version that wrote it; keep old ones while runs of that version
// may be in flight. To record the current version's (the tests of each path record theirs through
// recordHistory: test/support/histories.ts), run
//   RECORD_HISTORIES=<version-name> npx jest test/workflows/fine-tune test/workflows/owned-job \
//     test/workflows/clean-up test/workflows/promotion test/cli/schedule test/cli/promotion
// (fine-tune records a completed, a cancelled and a deadline run; the schedule tests a skipped run and one
// that compared, trained and recorded itself). The fair queue's histories are recorded with the queue on:
//   RECORD_HISTORIES=v8 npx jest test/workflows/job-queue   (writes v8-fair-queue-*; v10 kept only
//   v10-fair-queue-ask-again, the run that asked a lost keeper again)
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WORKFLOWS_PATH } from '../../src/worker';
import { HISTORIES_DIR } from '../support/histories';

const dir = HISTORIES_DIR;

/**
 * The workflow ID a run had, where its history shows it: a run that starts a child names it from its own
 * ID (`<id>-promote`), so it replays only under that ID. Other runs replay under the file's name.
 */
function workflowIdOf(history: ReturnType<typeof historyFromJSON>): string | undefined {
  for (const event of history.events ?? []) {
    const child = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    if (child?.endsWith('-promote')) return child.slice(0, -'-promote'.length);
  }
  return undefined;
}
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
let workflowBundle: WorkflowBundle;

beforeAll(async () => {
  const silent = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };
  workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: silent });
}, 60_000);

it('has committed histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(5);
});

it.each(files)('replays %s without a determinism violation', async (file) => {
  const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  await expect(
    Worker.runReplayHistory({ workflowBundle }, history, workflowIdOf(history) ?? file),
  ).resolves.toBeUndefined();
});
