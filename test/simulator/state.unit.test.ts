// The simulator's persistence on real files: snapshot plus journal, what opening does with a cut-short
// last line and with damage elsewhere, a kill between a new snapshot and the emptied journal, and that
// a change costs one journal line (not a rewrite of the whole state).
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPACT_MIN_CHANGES, journalPathOf, StateFileError, Store } from '../../src/simulator/state';
import { modelBehaviour } from '../../src/simulator/reserved-tags';
import type { DeploymentRecord } from '../../src/simulator/resource-records';
import type { JobRecord, ModelRecord } from '../../src/simulator/types';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'finetune-state-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function job(i: number): JobRecord {
  return {
    jobArn: `arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/job${i}`,
    jobId: `job${i}`,
    jobName: `job-${i}`,
    outputModelName: `model-${i}`,
    roleArn: 'arn:aws:iam::123456789012:role/R',
    clientRequestToken: `token-${i}`,
    requestDigest: 'd',
    baseModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k',
    foundationModelId: 'amazon.nova-micro-v1:0:128k',
    customizationType: 'FINE_TUNING',
    trainingDataConfig: { s3Uri: `s3://b/${i}.jsonl` },
    validationDataConfig: { validators: [] },
    outputDataConfig: { s3Uri: 's3://o/' },
    customModelTags: [],
    creationTimeMs: 1_000 + i,
    timeScale: 60,
    epochs: 2,
    batchSize: 1,
  };
}

function model(j: JobRecord): ModelRecord {
  return {
    modelArn: `arn:aws:bedrock:us-east-1:123456789012:custom-model/${j.jobId}`,
    modelName: j.outputModelName,
    jobArn: j.jobArn,
    jobName: j.jobName,
    baseModelArn: j.baseModelArn,
    foundationModelId: j.foundationModelId,
    customizationType: j.customizationType,
    trainingDataConfig: j.trainingDataConfig,
    validationDataConfig: j.validationDataConfig,
    outputDataConfig: j.outputDataConfig,
    trainingLoss: 0.5,
    validationLosses: [],
    creationTimeMs: j.creationTimeMs + 10,
  };
}

/** Everything a store holds, comparable with toEqual. */
function contents(store: Store) {
  return {
    jobs: store.allJobs().sort((a, b) => a.jobArn.localeCompare(b.jobArn)),
    models: store.allModels().sort((a, b) => a.modelArn.localeCompare(b.modelArn)),
    tags: store
      .allJobs()
      .map((j) => [j.jobArn, store.tagsOf(j.jobArn)])
      .concat(store.allModels().map((m) => [m.modelArn, store.tagsOf(m.modelArn)])),
  };
}

/** A few jobs, one completed with its model, one stopped, one model deleted, tags changed. */
function fill(store: Store): void {
  for (let i = 0; i < 5; i++) store.addJob(job(i), [{ key: 'n', value: String(i) }]);
  const done = store.jobByArn(job(1).jobArn)!;
  done.completion = { ok: true, modelArn: model(done).modelArn, trainingLoss: 0.5, validationLosses: [] };
  store.completeJob(done, model(done), [{ key: 'm', value: '1' }]);
  const gone = store.jobByArn(job(2).jobArn)!;
  gone.completion = { ok: true, modelArn: model(gone).modelArn, trainingLoss: 0.5, validationLosses: [] };
  store.completeJob(gone, model(gone), []);
  store.deleteModel(store.modelByArn(model(gone).modelArn)!);
  const stopped = store.jobByArn(job(3).jobArn)!;
  stopped.stopRequestedAtMs = 5_000;
  store.updateJob(stopped);
  store.setTags(job(4).jobArn, [{ key: 'later', value: 'yes' }]);
}

test('every kind of change survives a reopen, through the journal and through a compacted snapshot', () => {
  const file = join(dir, 'state.json');
  const store = Store.open(file);
  fill(store);
  const expected = contents(store);
  expect(expected.models).toHaveLength(1);
  // No close: the process may die at any point after a change returned.
  expect(contents(Store.read(file))).toEqual(expected);
  const reopened = Store.open(file); // replays and compacts
  expect(readFileSync(journalPathOf(file), 'utf8')).toBe('');
  expect(contents(reopened)).toEqual(expected);
  expect(contents(Store.read(file))).toEqual(expected);
  expect(reopened.jobByName('job-3')!.stopRequestedAtMs).toBe(5_000);
  expect(reopened.jobByToken('token-0')!.jobName).toBe('job-0');
  expect(reopened.modelByName('model-2')).toBeUndefined();
  expect(reopened.tagsOf(job(4).jobArn)).toEqual([{ key: 'later', value: 'yes' }]);
});

test('a state file from before the journal (a whole-state JSON file) still opens', () => {
  const file = join(dir, 'state.json');
  writeFileSync(file, JSON.stringify({ version: 1, jobs: [job(7)], models: [], tags: { [job(7).jobArn]: [] } }));
  expect(Store.open(file).jobByName('job-7')!.jobArn).toBe(job(7).jobArn);
});

test('a last line cut short (a SIGKILL in the middle of an append) is dropped; every whole line is kept', () => {
  const file = join(dir, 'state.json');
  const store = Store.open(file);
  fill(store);
  const expected = contents(store);
  store.addJob(job(9), []);
  store.close();
  const full = readFileSync(journalPathOf(file));
  const lastLineStart = full.subarray(0, full.length - 1).lastIndexOf('\n') + 1;
  // Cut the last append at several points: each leaves the state as it was before that append.
  for (const cut of [lastLineStart + 1, lastLineStart + 40, full.length - 1]) {
    writeFileSync(journalPathOf(file), full.subarray(0, cut));
    expect(contents(Store.read(file))).toEqual(expected);
  }
  // Opening drops the torn line for good: the next append starts on a clean line.
  const reopened = Store.open(file);
  reopened.addJob(job(10), []);
  expect(Store.read(file).jobByName('job-10')).toBeDefined();
  expect(Store.read(file).jobByName('job-9')).toBeUndefined();
});

test('a damaged line that is not the last is an error naming the line, never silently skipped', () => {
  const file = join(dir, 'state.json');
  const store = Store.open(file);
  fill(store);
  store.close();
  const lines = readFileSync(journalPathOf(file), 'utf8').split('\n');
  lines[2] = lines[2].slice(0, 20);
  writeFileSync(journalPathOf(file), lines.join('\n'));
  expect(() => Store.open(file)).toThrow(StateFileError);
  expect(() => Store.open(file)).toThrow(/journal .* damaged at line 3/);
});

test('a kill between the new snapshot and emptying the journal: the journal replays over it to the same state', () => {
  const file = join(dir, 'state.json');
  const store = Store.open(file);
  fill(store);
  store.close();
  const expected = contents(Store.read(file));
  const journal = journalPathOf(file);
  const saved = join(dir, 'journal.saved');
  copyFileSync(journal, saved);
  Store.open(file).close(); // snapshot written, journal emptied
  expect(statSync(journal).size).toBe(0);
  copyFileSync(saved, journal); // as if the kill came just before the journal was emptied
  expect(contents(Store.read(file))).toEqual(expected);
  expect(contents(Store.open(file))).toEqual(expected);
});

test('a change appends one line of its own size, whatever the number of jobs; compaction keeps the journal bounded', () => {
  const file = join(dir, 'state.json');
  const store = Store.open(file);
  const journal = journalPathOf(file);
  const lines = () => readFileSync(journal, 'utf8').split('\n').length - 1;
  const sizeOfOneAppend = (i: number) => {
    const before = statSync(journal).size;
    store.addJob(job(i), []);
    return statSync(journal).size - before;
  };
  const emptySnapshot = statSync(file).size;
  const first = sizeOfOneAppend(0);
  for (let i = 1; i < COMPACT_MIN_CHANGES - 2; i++) store.addJob(job(i), []);
  // Nearly the same size (ids have a few more digits) with ~1,000 jobs as with none.
  expect(sizeOfOneAppend(COMPACT_MIN_CHANGES - 2)).toBeLessThan(first * 1.05);
  expect(lines()).toBe(COMPACT_MIN_CHANGES - 1);
  expect(statSync(file).size).toBe(emptySnapshot);
  // The journal reaches COMPACT_MIN_CHANGES lines: the whole state goes to the snapshot, the journal restarts.
  store.addJob(job(COMPACT_MIN_CHANGES - 1), []);
  expect(lines()).toBe(0);
  expect(statSync(file).size).toBeGreaterThan(first * (COMPACT_MIN_CHANGES - 1));
  store.addJob(job(COMPACT_MIN_CHANGES), []);
  expect(lines()).toBe(1);
  expect(Store.read(file).allJobs()).toHaveLength(COMPACT_MIN_CHANGES + 1);
});

test('a state file from before deployments, Provisioned Throughput, evaluation jobs and model jobTags still opens; those resources then survive a reopen', () => {
  const file = join(dir, 'state.json');
  const done = job(1);
  done.completion = { ok: true, modelArn: model(done).modelArn, trainingLoss: 0.5, validationLosses: [] };
  // What an older simulator wrote: no deployments/throughputs/evaluations, no jobTags on jobs or models.
  writeFileSync(file, JSON.stringify({ version: 1, jobs: [done], models: [model(done)], tags: {} }));
  const old = Store.open(file);
  expect(old.allResources('deployment')).toEqual([]);
  expect(old.allResources('evaluation')).toEqual([]);
  const loaded = old.modelByArn(model(done).modelArn)!;
  expect(loaded.jobTags).toBeUndefined();
  // Untagged: scores centre on 0.5, it serves and deploys normally.
  expect(modelBehaviour(loaded.jobTags)).toEqual({});

  const deployment: DeploymentRecord = {
    arn: 'arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/abcdefghijkl',
    id: 'abcdefghijkl',
    clientRequestToken: 'tok',
    requestDigest: 'd',
    creationTimeMs: 2_000,
    timeScale: 60,
    name: 'dep',
    modelArn: loaded.modelArn,
    updates: [],
  };
  old.addResource('deployment', deployment, [{ key: 'team', value: 'ml' }]);
  deployment.updates.push({ modelArn: loaded.modelArn, requestedAtMs: 3_000 });
  old.updateResource('deployment', deployment);
  old.close();
  const reopened = Store.read(file);
  expect(reopened.allResources('deployment')).toEqual([deployment]);
  expect(reopened.resourceByToken('deployment', 'tok')?.arn).toBe(deployment.arn);
  expect(reopened.tagsOf(deployment.arn)).toEqual([{ key: 'team', value: 'ml' }]);
});
