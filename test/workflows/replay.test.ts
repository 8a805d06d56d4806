// Replays committed histories against today's workflow code: a change that would break runs in flight
// fails here. Each file is named for the workflow version that wrote it; keep old ones while runs of
// that version may be in flight. To record the current version's (this file records a completed, a
// cancelled and a deadline run; the tests of other paths record theirs through recordHistory), run
//   RECORD_HISTORIES=<version-name> npx jest test/workflows/replay test/workflows/owned-job test/workflows/fine-tune \
//     test/cli/schedule
// (the schedule tests record a skipped run and one that compared, trained and recorded itself).
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { novaFineTune, simulatorTags } from '../support/datasets';
import { HISTORIES_DIR, recordHistory } from '../support/histories';
import { testContext, uniqueName } from '../support/temporal';
import { failureOf, waitFor } from '../support/wait';

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

if (process.env.RECORD_HISTORIES) {
  it('records histories of a completed, a cancelled and a deadline-stopped run', async () => {
    const taskQueue = uniqueName('record');
    const ctx = await testContext(taskQueue);
    try {
      await ctx.startWorker(taskQueue);
      const done = await ctx.fineTune.start(await novaFineTune(ctx.aws.s3, uniqueName('replay-done'), 20), {
        workflowId: uniqueName('replay-done'),
      });
      await done.result();
      const cancelled = await ctx.fineTune.start(
        await novaFineTune(ctx.aws.s3, uniqueName('replay-cancel'), 20, { jobTags: [simulatorTags.timeScale(20)] }),
        {
          workflowId: uniqueName('replay-cancel'),
        },
      );
      await waitFor('a job', async () => (await cancelled.progress()).jobArn);
      await cancelled.cancel();
      await failureOf(cancelled.result());
      const late = await novaFineTune(ctx.aws.s3, uniqueName('replay-deadline'), 20, {
        jobTags: [simulatorTags.timeScale(20)],
      });
      late.orchestration = { ...late.orchestration, deadline: '5s' };
      const deadline = await ctx.fineTune.start(late, { workflowId: uniqueName('replay-deadline') });
      await failureOf(deadline.result());
      await recordHistory(done.handle, 'completed');
      await recordHistory(cancelled.handle, 'cancelled');
      await recordHistory(deadline.handle, 'deadline');
    } finally {
      await ctx.close();
    }
  });
} else {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('has committed histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  it.each(files)('replays %s without a determinism violation', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: { codePath: process.env.FINETUNE_TEST_WORKFLOW_BUNDLE! } },
        history,
        workflowIdOf(history) ?? file,
      ),
    ).resolves.toBeUndefined();
  });
}
