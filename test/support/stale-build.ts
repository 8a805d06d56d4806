// The integration tests run the simulator, the CLI and worker processes from dist/ (bin/finetune.js loads
// dist/cli/main.js), so a src/ file changed since the last build would be tested as it was before. The
// test stack refuses to start then, rather than build by itself: `npm test` builds first, and a run of
// one file says what to do in a line instead of spending a build on every run.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export class StaleBuildError extends Error {
  override name = 'StaleBuildError';
}

/** Every `.ts` file under `dir` (no declaration files), depth first, by name. */
function sources(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The files of `root`/src whose compiled file in `root`/dist is missing or older than they are. */
export function staleBuildFiles(root: string): string[] {
  const src = join(root, 'src');
  const dist = join(root, 'dist');
  return sources(src)
    .filter((file) => {
      const built = join(dist, relative(src, file)).replace(/\.ts$/, '.js');
      try {
        return statSync(file).mtimeMs > statSync(built).mtimeMs;
      } catch {
        return true;
      }
    })
    .map((file) => relative(root, file));
}

/** Throws when dist/ is older than src/, naming the files and the command that fixes it. */
export function refuseStaleBuild(root: string): void {
  const stale = staleBuildFiles(root);
  if (stale.length === 0) return;
  const shown = stale.slice(0, 3).join(', ') + (stale.length > 3 ? ` and ${stale.length - 3} more` : '');
  throw new StaleBuildError(
    `dist/ is older than src/: ${shown} changed since the last build (or never built). The integration ` +
      `tests run the simulator, the CLI and the worker processes from dist/, so they would test the old ` +
      `code. Run \`npm run build\` (\`npm test\` does it first), then the tests again.`,
  );
}
