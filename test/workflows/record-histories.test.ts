// Records the histories replay.unit.test.ts replays of a completed, a cancelled and a deadline-stopped
// run, on the test stack, when RECORD_HISTORIES=<version-name> is set (the command is in that file's
// header); skipped otherwise.
import { novaFineTune, simulatorTags } from '../support/datasets';
import { recordHistory } from '../support/histories';
import { testContext, uniqueName } from '../support/temporal';
import { failureOf, waitFor } from '../support/wait';

(process.env.RECORD_HISTORIES ? it : it.skip)(
  'records histories of a completed, a cancelled and a deadline-stopped run',
  async () => {
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
  },
);
