// Jobs, custom models and tags, kept in memory and written whole to the state file after every change:
// to a temporary file first, then renamed over the old one, so a SIGKILL at any moment leaves either
// the previous state or the new one, never half a file. Writes are synchronous: a response goes out
// only after what it reports is on disk.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JobRecord, ModelRecord, Tag } from './types';

export const STATE_VERSION = 1;

interface StateFile {
  version: number;
  jobs: JobRecord[];
  models: ModelRecord[];
  /** Tags per resource ARN (jobs and custom models). */
  tags: Record<string, Tag[]>;
}

export class StateFileError extends Error {
  readonly exitCode = 2;
}

export class Store {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly jobsByName = new Map<string, JobRecord>();
  private readonly jobsByToken = new Map<string, JobRecord>();
  private readonly models = new Map<string, ModelRecord>();
  private readonly modelsByName = new Map<string, ModelRecord>();
  private readonly tags = new Map<string, Tag[]>();

  private constructor(private readonly file: string | undefined) {}

  /** Loads the state file when it exists; a file that cannot be read is an error, never silently reset. */
  static open(file: string | undefined): Store {
    const store = new Store(file);
    if (file === undefined || !existsSync(file)) return store;
    let state: StateFile;
    try {
      state = JSON.parse(readFileSync(file, 'utf8')) as StateFile;
    } catch (err) {
      throw new StateFileError(
        `The simulator state file ${file} cannot be read (${(err as Error).message}): move it away to start empty.`,
      );
    }
    if (state.version !== STATE_VERSION || !Array.isArray(state.jobs) || !Array.isArray(state.models)) {
      throw new StateFileError(
        `The simulator state file ${file} has an unknown format (version ${String(state.version)}): move it away to start empty.`,
      );
    }
    for (const job of state.jobs) store.indexJob(job);
    for (const model of state.models) store.indexModel(model);
    for (const [arn, tags] of Object.entries(state.tags ?? {})) store.tags.set(arn, tags);
    return store;
  }

  private indexJob(job: JobRecord): void {
    this.jobs.set(job.jobArn, job);
    this.jobsByName.set(job.jobName, job);
    if (job.clientRequestToken !== undefined) this.jobsByToken.set(job.clientRequestToken, job);
  }

  private indexModel(model: ModelRecord): void {
    this.models.set(model.modelArn, model);
    this.modelsByName.set(model.modelName, model);
  }

  save(): void {
    if (this.file === undefined) return;
    const state: StateFile = {
      version: STATE_VERSION,
      jobs: [...this.jobs.values()],
      models: [...this.models.values()],
      tags: Object.fromEntries(this.tags),
    };
    mkdirSync(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(state));
    renameSync(temp, this.file);
  }

  allJobs(): JobRecord[] {
    return [...this.jobs.values()];
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
    this.indexJob(job);
    this.tags.set(job.jobArn, tags);
    this.save();
  }

  /** Records a change made to a job object in place (stop request, outcomes). */
  updateJob(job: JobRecord): void {
    this.indexJob(job);
    this.save();
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

  /** A job outcome and the model it created, in one write. */
  completeJob(job: JobRecord, model: ModelRecord | undefined, modelTags: Tag[]): void {
    this.indexJob(job);
    if (model) {
      this.indexModel(model);
      this.tags.set(model.modelArn, modelTags);
    }
    this.save();
  }

  deleteModel(model: ModelRecord): void {
    this.models.delete(model.modelArn);
    if (this.modelsByName.get(model.modelName) === model) this.modelsByName.delete(model.modelName);
    this.tags.delete(model.modelArn);
    this.save();
  }

  tagsOf(arn: string): Tag[] {
    return this.tags.get(arn) ?? [];
  }

  setTags(arn: string, tags: Tag[]): void {
    this.tags.set(arn, tags);
    this.save();
  }
}
