// The patch register (src/workflows/patches.ts) says what the code and the histories say: every
// patch the workflow checks is registered and checked, and each branch has a committed history that
// replay.unit.test.ts replays (a marker where the new branch ran, none where the old one did).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PATCHES, type Patch } from '../../src/workflows/patches';
import { HISTORIES_DIR } from '../support/histories';

const WORKFLOWS = join(__dirname, '..', '..', 'src', 'workflows');
const sources = readdirSync(WORKFLOWS)
  .filter((f) => f.endsWith('.ts') && f !== 'patches.ts')
  .map((f) => readFileSync(join(WORKFLOWS, f), 'utf8'))
  .join('\n');

/** The patch ids a history's markers record. */
function markers(history: string): Set<string> {
  const events = (JSON.parse(readFileSync(join(HISTORIES_DIR, `${history}.json`), 'utf8')) as { events: Event[] })
    .events;
  const ids = events.flatMap((e) => {
    const a = e.markerRecordedEventAttributes;
    if (a?.markerName !== 'core_patch') return [];
    const data = a.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [(JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id: string }).id] : [];
  });
  return new Set(ids);
}

interface Event {
  markerRecordedEventAttributes?: {
    markerName?: string;
    details?: Record<string, { payloads?: { data?: string }[] }>;
  };
}

const entries = Object.entries(PATCHES) as [string, Patch][];

it('every patch the workflow checks goes through the register, and every registered patch is checked', () => {
  expect(sources).not.toMatch(/\bpatched\(/);
  const used = new Set([...sources.matchAll(/\btakes\('([A-Za-z]+)'\)/g)].map((m) => m[1]));
  expect([...used].sort()).toEqual(entries.map(([name]) => name).sort());
  expect(new Set(entries.map(([, p]) => p.id)).size).toBe(entries.length);
});

describe.each(entries)('patch %s', (_name, patch) => {
  it('has a committed history of its new branch, with its marker', () => {
    expect(patch.newBranch.length).toBeGreaterThan(0);
    for (const history of patch.newBranch) expect([history, markers(history).has(patch.id)]).toEqual([history, true]);
  });

  it('names histories of its old branch that hold no marker of it', () => {
    for (const history of patch.oldBranch) expect([history, markers(history).has(patch.id)]).toEqual([history, false]);
  });
});
