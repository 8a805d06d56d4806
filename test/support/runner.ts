// The integration project's runner: Jest's own, in two rounds. First every file but the least-privilege
// test, on as many workers as `maxWorkers` allows; then, once all of them have finished, the
// least-privilege test, which reads the AWS operations every other file recorded
// (test/support/aws-operations.ts). An order alone (the sequencer) is not enough with two workers: the
// last file would start while the other worker still runs its last file.
import TestRunner, { type Test, type TestRunnerOptions, type TestWatcher } from 'jest-runner';

/** The files that run after every other one has finished. */
export const LAST = /[\\/]test[\\/]iam[\\/]/;

export default class LeastPrivilegeAfterTheRest extends TestRunner {
  override async runTests(tests: Test[], watcher: TestWatcher, options: TestRunnerOptions): Promise<void> {
    const last = tests.filter((t) => LAST.test(t.path));
    const rest = tests.filter((t) => !LAST.test(t.path));
    if (rest.length > 0) await super.runTests(rest, watcher, options);
    if (last.length > 0 && !watcher.isInterrupted()) await super.runTests(last, watcher, options);
  }
}
