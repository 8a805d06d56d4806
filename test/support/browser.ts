// A headless Chromium for UI tests: the one `@sparticuz/chromium` ships inside its npm package (no
// download at run time), driven by playwright-core. Screenshots go to test-artifacts/ (git-ignored).
import chromium from '@sparticuz/chromium';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium as playwright, type Browser } from 'playwright-core';

export const ARTIFACTS_DIR = resolve(__dirname, '..', '..', 'test-artifacts');

/**
 * The package's flags for a headless shell, plus what this machine kind needs: no GPU, and no
 * background connections (the network is closed; Chromium would retry them without end).
 */
const EXTRA_FLAGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The package runs Chromium as one process: closing its last page ends the browser, so use one page. */
export async function launchBrowser(): Promise<Browser> {
  return playwright.launch({
    executablePath: await chromium.executablePath(),
    headless: true,
    args: [...chromium.args, ...EXTRA_FLAGS],
  });
}

/** `test-artifacts/<folder>/<name>.png`, the folder created. */
export function artifactPath(folder: string, name: string): string {
  const dir = join(ARTIFACTS_DIR, folder);
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}
