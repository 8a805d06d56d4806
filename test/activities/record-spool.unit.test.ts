// The preparation spool's clean-up of folders a killed worker left: real folders, real processes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostSpoolPrefix, RecordSpool, sweepOrphanSpools } from '../../src/activities/dataset/record-spool';

let parent: string;
beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'spool-sweep-'));
});
afterEach(() => rmSync(parent, { recursive: true, force: true }));

function folder(name: string): string {
  mkdirSync(join(parent, name));
  writeFileSync(join(parent, name, 'records.jsonl'), '{"a":1}\n');
  return name;
}

/** The PID of a process that has exited. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  return pid!;
}

test("a spool removes the folders of this host's dead processes, and only those", () => {
  const dead = folder(`${hostSpoolPrefix()}${deadPid()}-aaaaaa`);
  const live = folder(`${hostSpoolPrefix()}${process.ppid}-bbbbbb`);
  const own = folder(`${hostSpoolPrefix()}${process.pid}-cccccc`);
  const otherHost = folder(`finetune-prepare-another-host.${deadPid()}-dddddd`);
  const unrelated = folder('finetune-prepare-eeeeee');

  const spool = new RecordSpool(parent);
  try {
    const left = readdirSync(parent);
    expect(left).not.toContain(dead);
    expect(left).toEqual(expect.arrayContaining([live, own, otherHost, unrelated]));
    // The new spool's own folder names this host and process.
    expect(left.filter((n) => n.startsWith(`${hostSpoolPrefix()}${process.pid}-`))).toHaveLength(2);
  } finally {
    spool.dispose();
  }
  expect(readdirSync(parent)).toHaveLength(4);
});

test('sweeping a folder with nothing of ours removes nothing', () => {
  folder('unrelated');
  expect(sweepOrphanSpools(parent)).toEqual([]);
  expect(existsSync(join(parent, 'unrelated'))).toBe(true);
});
