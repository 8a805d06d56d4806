// After Jest's summary: the slowest test files of the run, with their seconds, so that where the time of
// `npm test` goes is in front of whoever made it slower. A file's time is from its start to its end
// (two files run side by side, so the times add up to more than the run took).
import { relative } from 'node:path';
import { stderr } from 'node:process';
import { setImmediate } from 'node:timers';

/** How many files it lists. */
const SHOWN = 10;

export default class SlowestFiles {
  /** @param {{ rootDir: string }} globalConfig */
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  /**
   * @param {unknown} _contexts
   * @param {{ testResults: { testFilePath: string, perfStats: { start: number, end: number } }[] }} results
   */
  onRunComplete(_contexts, results) {
    if (results.testResults.length < 2) return;
    const files = results.testResults
      .map((r) => ({
        path: relative(this.rootDir, r.testFilePath),
        seconds: (r.perfStats.end - r.perfStats.start) / 1000,
      }))
      .sort((a, b) => b.seconds - a.seconds);
    const total = files.reduce((sum, f) => sum + f.seconds, 0);
    const lines = files.slice(0, SHOWN).map((f) => `${f.seconds.toFixed(1).padStart(8)} s  ${f.path}`);
    // Jest prints its own summary after every custom reporter's: this goes after it.
    setImmediate(() =>
      stderr.write(
        `\nSlowest test files (${Math.min(SHOWN, files.length)} of ${files.length}; ${total.toFixed(0)} s of file time in all):\n${lines.join('\n')}\n`,
      ),
    );
  }
}
