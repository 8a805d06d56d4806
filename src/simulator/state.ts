// Jobs, custom models and tags, kept in memory and persisted as a snapshot (the state file) plus an
// append-only journal beside it (`<state file>.journal`), one JSON line per change. A change costs one
// append of what changed, however many jobs there are; when the journal has as many lines as there are
// records (and at least COMPACT_MIN_CHANGES), the whole state is written to a new snapshot and the
// journal is emptied, so the cost per change stays constant on average.
//
// Durability: a change is written with write(2) before the response that reports it goes out. That
// survives the process being killed at any moment (SIGKILL included): the kernel holds what was
// written. The journal is not fsynced per change, so a power cut may lose the last changes (like the
// Temporal dev server's synchronous=normal). A snapshot is fsynced before it is renamed over the old one.
// A SIGKILL in the middle of an append leaves a last line without its newline: that change was never
// acknowledged, and opening drops it. Any other unreadable line is an error, never silently skipped.
// Opening replays the journal over the snapshot and compacts. Replaying is idempotent (each line holds
// whole records, later lines win), so a kill between renaming a new snapshot and emptying the journal
// loses nothing.
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { AnyResource, ResourceKind, ResourceRecords } from './resource-records';
import type { JobRecord, ModelRecord, Tag } from './types';

export const STATE_VERSION = 1;
/** Below this many journal lines the journal is never compacted: small states need no snapshot churn. */
export const COMPACT_MIN_CHANGES = 1_000;

interface StateFile {
  version: number;
  jobs: JobRecord[];
  models: ModelRecord[];
  /** Tags per resource ARN (every kind). */
  tags: Record<string, Tag[]>;
  /** Absent in state files written before these resources existed. */
  deployments?: ResourceRecords['deployment'][];
  throughputs?: ResourceRecords['throughput'][];
  evaluations?: ResourceRecords['evaluation'][];
}

const SNAPSHOT_KEY = { deployment: 'deployments', throughput: 'throughputs', evaluation: 'evaluations' } as const;
const RESOURCE_KINDS: readonly ResourceKind[] = ['deployment', 'throughput', 'evaluation'];

/** One journal line: whole records, so replaying it again gives the same state. */
export type Change =
  | { op: 'job'; job: JobRecord; tags?: Tag[] }
  | { op: 'complete'; job: JobRecord; model?: ModelRecord; modelTags?: Tag[] }
  | { op: 'delete-model'; modelArn: string }
  | { op: 'tags'; arn: string; tags: Tag[] }
  | { op: 'resource'; kind: ResourceKind; record: AnyResource; tags?: Tag[] };

export class StateFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateFileError';
  }
}

export function journalPathOf(stateFile: string): string {
  return `${stateFile}.journal`;
}

export class Store {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly jobsByName = new Map<string, JobRecord>();
  private readonly jobsByToken = new Map<string, JobRecord>();
  private readonly models = new Map<string, ModelRecord>();
  private readonly modelsByName = new Map<string, ModelRecord>();
  private readonly tags = new Map<string, Tag[]>();
  private readonly resources: { [K in ResourceKind]: Map<string, ResourceRecords[K]> } = {
    deployment: new Map(),
    throughput: new Map(),
    evaluation: new Map(),
  };
  private readonly resourcesByToken = new Map<string, AnyResource>();
  /** The journal, open for appending; undefined when the state lives in memory only. */
  private journal: number | undefined;
  private journalLines = 0;

  private constructor(private readonly file: string | undefined) {}

  /**
   * Loads the snapshot and replays the journal when they exist, then compacts. A file that cannot be
   * read is an error, never silently reset.
   */
  static open(file: string | undefined): Store {
    const store = new Store(file);
    if (file === undefined) return store;
    if (existsSync(file)) store.loadSnapshot(file);
    const journal = journalPathOf(file);
    if (existsSync(journal)) store.replay(journal);
    mkdirSync(dirname(file), { recursive: true });
    store.journal = openSync(journal, 'a');
    store.compact();
    return store;
  }

  /** Reads what a state file and its journal hold, without taking them over (tests, tools). */
  static read(file: string): Store {
    const store = new Store(undefined);
    if (existsSync(file)) store.loadSnapshot(file);
    if (existsSync(journalPathOf(file))) store.replay(journalPathOf(file));
    return store;
  }

  private loadSnapshot(file: string): void {
    let state: StateFile;
    try {
      state = JSON.parse(readFileSync(file, 'utf8')) as StateFile;
    } catch (err) {
      throw new StateFileError(
        `The simulator state file ${file} cannot be read (${(err as Error).message}): move it and ${journalPathOf(file)} away to start empty.`,
      );
    }
    if (state.version !== STATE_VERSION || !Array.isArray(state.jobs) || !Array.isArray(state.models)) {
      throw new StateFileError(
        `The simulator state file ${file} has an unknown format (version ${String(state.version)}): move it and ${journalPathOf(file)} away to start empty.`,
      );
    }
    for (const job of state.jobs) this.indexJob(job);
    for (const model of state.models) this.indexModel(model);
    for (const [arn, tags] of Object.entries(state.tags ?? {})) this.tags.set(arn, tags);
    for (const kind of RESOURCE_KINDS) {
      for (const record of state[SNAPSHOT_KEY[kind]] ?? []) this.indexResource(kind, record);
    }
  }

  private replay(journal: string): void {
    const lines = readFileSync(journal, 'utf8').split('\n');
    // The text after the last newline is empty, or an append a SIGKILL cut short (never acknowledged).
    lines.pop();
    lines.forEach((line, i) => {
      let change: Change;
      try {
        change = JSON.parse(line) as Change;
      } catch (err) {
        throw new StateFileError(
          `The simulator journal ${journal} is damaged at line ${i + 1} (${(err as Error).message}): ` +
            `move it and the state file away to start empty.`,
        );
      }
      this.apply(change);
    });
  }

  private apply(change: Change): void {
    switch (change.op) {
      case 'job':
        this.indexJob(change.job);
        if (change.tags) this.tags.set(change.job.jobArn, change.tags);
        return;
      case 'complete':
        this.indexJob(change.job);
        if (change.model) {
          this.indexModel(change.model);
          this.tags.set(change.model.modelArn, change.modelTags ?? []);
        }
        return;
      case 'delete-model': {
        const model = this.models.get(change.modelArn);
        this.models.delete(change.modelArn);
        if (model && this.modelsByName.get(model.modelName) === model) this.modelsByName.delete(model.modelName);
        this.tags.delete(change.modelArn);
        return;
      }
      case 'tags':
        this.tags.set(change.arn, change.tags);
        return;
      case 'resource':
        this.indexResource(change.kind, change.record);
        if (change.tags) this.tags.set(change.record.arn, change.tags);
        return;
    }
  }

  /** Applies a change in memory and appends it to the journal before anyone is told about it. */
  private record(change: Change): void {
    this.apply(change);
    if (this.journal === undefined) return;
    const bytes = Buffer.from(`${JSON.stringify(change)}\n`, 'utf8');
    for (let done = 0; done < bytes.length;) done += writeSync(this.journal, bytes, done, bytes.length - done);
    this.journalLines++;
    if (this.journalLines >= Math.max(COMPACT_MIN_CHANGES, this.recordCount)) this.compact();
  }

  /** Writes the whole state to a fresh snapshot (fsynced, then renamed over the old one) and empties the journal. */
  private compact(): void {
    if (this.file === undefined || this.journal === undefined) return;
    const state: StateFile = {
      version: STATE_VERSION,
      jobs: [...this.jobs.values()],
      models: [...this.models.values()],
      tags: Object.fromEntries(this.tags),
      deployments: [...this.resources.deployment.values()],
      throughputs: [...this.resources.throughput.values()],
      evaluations: [...this.resources.evaluation.values()],
    };
    const temp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(temp, 'w');
    try {
      const bytes = Buffer.from(JSON.stringify(state), 'utf8');
      for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.file);
    // A kill here replays the old journal over the new snapshot on the next open: the same state.
    ftruncateSync(this.journal, 0);
    this.journalLines = 0;
  }

  /** Lets go of the journal (the simulator's shutdown); later changes stay in memory only. */
  close(): void {
    if (this.journal === undefined) return;
    closeSync(this.journal);
    this.journal = undefined;
  }

  private indexJob(job: JobRecord): void {
    this.jobs.set(job.jobArn, job);
    this.jobsByName.set(job.jobName, job);
    if (job.clientRequestToken !== undefined) this.jobsByToken.set(job.clientRequestToken, job);
  }

  private get recordCount(): number {
    return (
      this.jobs.size +
      this.models.size +
      this.resources.deployment.size +
      this.resources.throughput.size +
      this.resources.evaluation.size
    );
  }

  private indexResource<K extends ResourceKind>(kind: K, record: ResourceRecords[K]): void {
    (this.resources[kind] as Map<string, ResourceRecords[K]>).set(record.arn, record);
    if (record.clientRequestToken !== undefined)
      this.resourcesByToken.set(`${kind} ${record.clientRequestToken}`, record);
  }

  private indexModel(model: ModelRecord): void {
    this.models.set(model.modelArn, model);
    this.modelsByName.set(model.modelName, model);
  }

  allJobs(): JobRecord[] {
    return [...this.jobs.values()];
  }

  get jobCount(): number {
    return this.jobs.size;
  }

  jobByArn(arn: string): JobRecord | undefined {
    return this.jobs.get(arn);
  }

  jobByName(name: string): JobRecord | undefined {
    return this.jobsByName.get(name);
  }

  jobByToken(token: string): JobRecord | undefined {
    return this.jobsByToken.get(token);
  }

  addJob(job: JobRecord, tags: Tag[]): void {
    this.record({ op: 'job', job, tags });
  }

  /** Records a change made to a job object in place (stop request, outcomes). */
  updateJob(job: JobRecord): void {
    this.record({ op: 'job', job });
  }

  allModels(): ModelRecord[] {
    return [...this.models.values()];
  }

  modelByArn(arn: string): ModelRecord | undefined {
    return this.models.get(arn);
  }

  modelByName(name: string): ModelRecord | undefined {
    return this.modelsByName.get(name);
  }

  /** A job outcome and the model it created, in one journal line. */
  completeJob(job: JobRecord, model: ModelRecord | undefined, modelTags: Tag[]): void {
    this.record(model ? { op: 'complete', job, model, modelTags } : { op: 'complete', job });
  }

  deleteModel(model: ModelRecord): void {
    this.record({ op: 'delete-model', modelArn: model.modelArn });
  }

  tagsOf(arn: string): Tag[] {
    return this.tags.get(arn) ?? [];
  }

  setTags(arn: string, tags: Tag[]): void {
    this.record({ op: 'tags', arn, tags });
  }

  // ---- deployments, Provisioned Throughputs, evaluation jobs ----

  /** Every record of the kind, gone ones included (their views say so). */
  allResources<K extends ResourceKind>(kind: K): ResourceRecords[K][] {
    return [...(this.resources[kind] as Map<string, ResourceRecords[K]>).values()];
  }

  resourceByArn<K extends ResourceKind>(kind: K, arn: string): ResourceRecords[K] | undefined {
    return (this.resources[kind] as Map<string, ResourceRecords[K]>).get(arn);
  }

  resourceByToken<K extends ResourceKind>(kind: K, token: string): ResourceRecords[K] | undefined {
    return this.resourcesByToken.get(`${kind} ${token}`) as ResourceRecords[K] | undefined;
  }

  /** A new resource and its tags, in one journal line. */
  addResource<K extends ResourceKind>(kind: K, record: ResourceRecords[K], tags: Tag[]): void {
    this.record({ op: 'resource', kind, record, tags });
  }

  /** Records a change made to a resource object in place (updates, stops, deletes, outcomes). */
  updateResource<K extends ResourceKind>(kind: K, record: ResourceRecords[K]): void {
    this.record({ op: 'resource', kind, record });
  }
}
