// The test stack's refusal of a dist/ older than src/ (test/support/stale-build.ts), on a project tree
// made in a temporary folder with the file times set by hand.
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { refuseStaleBuild, StaleBuildError, staleBuildFiles } from './stale-build';

let root: string;

/** Writes `path` under the project with its modification time `seconds` after an arbitrary origin. */
function file(path: string, seconds: number): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, '');
  const at = new Date(Date.UTC(2026, 0, 1) + seconds * 1000);
  utimesSync(full, at, at);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'finetune-stale-build-'));
  file('src/config.ts', 0);
  file('src/simulator/engine.ts', 0);
  file('src/simulator/README.md', 50);
  file('dist/config.js', 10);
  file('dist/simulator/engine.js', 10);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

it('passes a dist/ built after every source file, whatever else src/ holds', () => {
  expect(staleBuildFiles(root)).toEqual([]);
  expect(() => refuseStaleBuild(root)).not.toThrow();
});

it('names a source file changed after its build, in any folder', () => {
  file('src/simulator/engine.ts', 20);
  expect(staleBuildFiles(root)).toEqual(['src/simulator/engine.ts']);
});

it('names a source file that was never built', () => {
  file('src/simulator/new-fault.ts', 5);
  unlinkSync(join(root, 'dist', 'config.js'));
  expect(staleBuildFiles(root).sort()).toEqual(['src/config.ts', 'src/simulator/new-fault.ts']);
});

it('refuses with the files and the command that fixes it', () => {
  file('src/simulator/engine.ts', 20);
  expect(() => refuseStaleBuild(root)).toThrow(StaleBuildError);
  expect(() => refuseStaleBuild(root)).toThrow(
    'dist/ is older than src/: src/simulator/engine.ts changed since the last build (or never built). ' +
      'The integration tests run the simulator, the CLI and the worker processes from dist/, so they would ' +
      'test the old code. Run `npm run build` (`npm test` does it first), then the tests again.',
  );
  let error: unknown;
  try {
    refuseStaleBuild(root);
  } catch (err) {
    error = err;
  }
  expect((error as Error).name).toBe('StaleBuildError');
});

it('names the first three of many, and how many more', () => {
  for (const name of ['a', 'b', 'c', 'd', 'e']) file(`src/core/${name}.ts`, 30);
  expect(() => refuseStaleBuild(root)).toThrow(
    /: src\/core\/a\.ts, src\/core\/b\.ts, src\/core\/c\.ts and 2 more changed/,
  );
});
