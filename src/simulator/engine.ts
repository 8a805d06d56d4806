// The simulated control plane behind the HTTP routes: jobs, custom models and tags, with the rules
// Bedrock applies that depend on state (tokens, names in use, the job quota) and the side effects that
// happen "at a time" (reading the data when validation ends, writing outputs and creating the model
// when training ends). Each effect runs once: its outcome is recorded in the state file before anyone
// sees it, a background tick drives it without readers, and every read settles the job first, so a
// restart picks up exactly where the clock says the job is.
import type { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { awsErrorName, httpStatusOf } from '../aws/errors';
import { TAGS_MAX_PER_RESOURCE } from '../core/bedrock-patterns';
import { durationText } from '../core/time-text';
import {
  CATALOG,
  findModel,
  findTeacher,
  hyperParameterValue,
  type CatalogModel,
  type CustomizationSpec,
  type CustomizationType,
} from '../core/catalog';
import {
  customModelArn,
  derivedResourceId,
  foundationModelArn,
  jobArn,
  kmsKeyArn,
  randomResourceId,
  type Partition,
} from './arns';
import { jobOutputPrefix, metricsCurves, writeArtifacts } from './artifacts';
import { validateTrainingData, type DataCheckInput } from './data-check';
import { ApiError, conflict, notFound, validation } from './errors';
import { completionTimeMs, evaluateJob, isRunning, type JobView, type PendingEffect } from './lifecycle';
import { checkOutcomeFitsType, readReservedTags } from './reserved-tags';
import type { Store } from './state';
import type { CompletionOutcome, CreateJobRequest, JobRecord, ModelRecord, Tag } from './types';
import { checkCustomization } from './validate-create';
import { canonicalJson } from '../core/naming';

export interface EngineOptions extends Partition {
  /** Simulated seconds per real second for jobs without their own (reserved tag). */
  timeScale: number;
  maxConcurrentJobs: number;
  /** How long an effect may keep failing on S3 (unreachable, no credentials) before the job fails; 30 s by default. */
  s3RetryMs?: number;
  /** Jobs created now publish their state changes (`--events-queue-url`): see job-events.ts. */
  publishesEvents?: boolean;
  now?: () => number;
  log?: (line: string) => void;
}

export interface JobWithView {
  job: JobRecord;
  view: JobView;
}

/**
 * RFT's epochs and batch size when the request leaves them out: AWS's Nova Forge SDK defaults (1 and
 * 128); the service's own defaults are UNCONFIRMED.
 */
const RFT_DEFAULTS = { epochCount: 1, batchSize: 128 } as const;

/** Epochs and batch size the job trains with: RFT's typed hyperparameters, else the string map or the model's defaults. */
function trainingShape(input: CreateJobRequest, spec: CustomizationSpec): { epochs: number; batchSize: number } {
  if (input.customizationType === 'REINFORCEMENT_FINE_TUNING') {
    const hp = input.customizationConfig?.rftConfig?.hyperParameters;
    return {
      epochs: hp?.epochCount ?? RFT_DEFAULTS.epochCount,
      batchSize: hp?.batchSize ?? RFT_DEFAULTS.batchSize,
    };
  }
  return {
    epochs: Math.max(1, Math.round(hyperParameterValue(spec, input.hyperParameters, 'epochCount') ?? 2)),
    batchSize: Math.max(1, Math.round(hyperParameterValue(spec, input.hyperParameters, 'batchSize') ?? 1)),
  };
}

export function requestDigest(input: CreateJobRequest): string {
  const { clientRequestToken: _token, ...rest } = input;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** Later values win for repeated keys, as TagResource does. */
function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const byKey = new Map(existing.map((t) => [t.key, t.value]));
  for (const t of added) byKey.set(t.key, t.value);
  return [...byKey].map(([key, value]) => ({ key, value }));
}

interface ResolvedBase {
  model: CatalogModel;
  /** What the job reports as baseModelArn. */
  baseModelArn: string;
  /** The custom model being customized further, if any. */
  customBase?: ModelRecord;
}

const DEFAULT_S3_RETRY_MS = 30_000;

export class Engine {
  private readonly inFlight = new Map<string, Promise<boolean>>();
  /** When each effect first failed on S3 (key: job ARN and effect), for the retry bound. */
  private readonly failingSince = new Map<string, number>();
  /** Creates run one at a time: two racing requests must not both pass the name and quota checks. */
  private createQueue: Promise<unknown> = Promise.resolve();
  /**
   * The resources that come after training (deployments, Provisioned Throughputs, evaluation jobs),
   * registered by the server: their ARNs are taggable, and a custom model one of them serves cannot be
   * deleted.
   */
  private laterResources: { taggable(arn: string): boolean; modelUser(modelArn: string): string | undefined } = {
    taggable: () => false,
    modelUser: () => undefined,
  };
  private readonly now: () => number;
  private readonly log: (line: string) => void;

  constructor(
    private readonly store: Store,
    private readonly s3: S3Client,
    private readonly options: EngineOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
  }

  registerLaterResources(resources: Engine['laterResources']): void {
    this.laterResources = resources;
  }

  /** The engine's clock (epoch ms): what every job's view is evaluated at. */
  clock(): number {
    return this.now();
  }

  get partition(): Partition {
    return { region: this.options.region, accountId: this.options.accountId };
  }

  // ---- the lifecycle's side effects ----

  /** The job's view at this moment, after supplying any outcome the clock has reached. */
  async settle(job: JobRecord): Promise<JobView> {
    for (;;) {
      const view = evaluateJob(job, this.now());
      if (!view.pending) return view;
      // Not done (S3 unreachable): report the job as just before that point; the tick retries.
      if (!(await this.runOnce(job, view.pending.effect))) return view;
    }
  }

  /** Settles every job that is not finished: drives data checks and completions without any reader. */
  async tick(): Promise<void> {
    for (const job of this.store.allJobs()) {
      if (job.completion || (job.dataCheck && !job.dataCheck.ok) || job.stopRequestedAtMs !== undefined) continue;
      await this.settle(job);
    }
  }

  private runOnce(job: JobRecord, effect: PendingEffect): Promise<boolean> {
    const key = `${job.jobArn} ${effect}`;
    let running = this.inFlight.get(key);
    if (!running) {
      running = this.runEffect(job, effect).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, running);
    }
    return running;
  }

  private async runEffect(job: JobRecord, effect: PendingEffect): Promise<boolean> {
    const key = `${job.jobArn} ${effect}`;
    try {
      if (effect === 'data-check') {
        if (job.dataCheck) return true;
        job.dataCheck = await validateTrainingData(this.s3, this.dataCheckInput(job));
        this.store.updateJob(job);
        this.log(
          `job ${job.jobName}: data check ${job.dataCheck.ok ? `passed (${job.dataCheck.trainingRecords} training, ${job.dataCheck.validationRecords} validation records)` : `failed: ${job.dataCheck.failureMessage}`}`,
        );
      } else {
        if (job.completion) return true;
        const { completion, model } = await this.complete(job);
        job.completion = completion;
        this.store.completeJob(job, model, job.customModelTags);
        this.log(
          `job ${job.jobName}: ${completion.ok ? `completed, model ${completion.modelArn}` : `failed: ${completion.failureMessage}`}`,
        );
      }
      this.failingSince.delete(key);
      return true;
    } catch (err) {
      const since = this.failingSince.get(key) ?? this.now();
      this.failingSince.set(key, since);
      const retryMs = this.options.s3RetryMs ?? DEFAULT_S3_RETRY_MS;
      if (this.now() - since < retryMs) {
        this.log(`job ${job.jobName}: ${effect} postponed: ${(err as Error).message}`);
        return false;
      }
      // Bedrock's own S3 always answers; a job whose data or output it cannot reach fails, it never hangs.
      this.failingSince.delete(key);
      this.failUnreachable(job, effect, err as Error, retryMs);
      return true;
    }
  }

  private failUnreachable(job: JobRecord, effect: PendingEffect, err: Error, retryMs: number): void {
    const retried = `The simulator retried S3 for ${durationText(retryMs)}`;
    if (effect === 'data-check') {
      job.dataCheck = {
        ok: false,
        failureMessage: `Unable to read the input data: ${err.message}. ${retried}; check that S3 is reachable and that ${job.roleArn} can read the data.`,
      };
      this.store.updateJob(job);
    } else {
      const where = jobOutputPrefix(job.outputDataConfig.s3Uri, job.jobId);
      job.completion = {
        ok: false,
        failureMessage: `Unable to write the job output to ${where}: ${err.message}. ${retried}; check that S3 is reachable and that ${job.roleArn} can write to it.`,
      };
      this.store.completeJob(job, undefined, []);
    }
    this.log(`job ${job.jobName}: ${effect} failed after retrying S3 for ${durationText(retryMs)}: ${err.message}`);
  }

  private catalogModel(job: JobRecord): CatalogModel {
    const model = findModel(job.foundationModelId);
    if (!model) throw new Error(`the catalog no longer has ${job.foundationModelId}`);
    return model;
  }

  private dataCheckInput(job: JobRecord): DataCheckInput {
    const model = this.catalogModel(job);
    const spec = model.customizations[job.customizationType as keyof CatalogModel['customizations']];
    if (!spec) throw new Error(`the catalog no longer supports ${job.customizationType} for ${model.modelId}`);
    return {
      model,
      customizationType: job.customizationType as CustomizationType,
      spec,
      roleArn: job.roleArn,
      batchSize: job.batchSize,
      trainingS3Uri: job.trainingDataConfig.s3Uri,
      invocationLogsConfig: job.trainingDataConfig.invocationLogsConfig,
      teacherModelIdentifier: job.customizationConfig?.distillationConfig?.teacherModelConfig.teacherModelIdentifier,
      validatorS3Uris: job.validationDataConfig.validators.map((v) => v.s3Uri),
    };
  }

  private async complete(job: JobRecord): Promise<{ completion: CompletionOutcome; model?: ModelRecord }> {
    const records = job.dataCheck?.ok ? job.dataCheck.trainingRecords : 0;
    const curves = metricsCurves({
      jobId: job.jobId,
      trainingRecords: records,
      epochs: job.epochs,
      batchSize: job.batchSize,
      hasValidation: job.validationDataConfig.validators.length > 0,
      rewards: job.customizationType === 'REINFORCEMENT_FINE_TUNING',
    });
    try {
      await writeArtifacts(this.s3, job.outputDataConfig.s3Uri, job.jobId, curves);
    } catch (err) {
      const status = httpStatusOf(err);
      // A refusal S3 will repeat fails the job; anything else (connection, 5xx) is retried.
      if (status !== undefined && status >= 400 && status < 500) {
        const where = jobOutputPrefix(job.outputDataConfig.s3Uri, job.jobId);
        return {
          completion: {
            ok: false,
            failureMessage: `Unable to write the job output to ${where}: ${awsErrorName(err)}. Check outputDataConfig.s3Uri and that ${job.roleArn} can write to it.`,
          },
        };
      }
      throw err;
    }
    const trainingLoss = curves.training[curves.training.length - 1]?.loss ?? 0;
    const finalValidation = curves.validation[curves.validation.length - 1]?.loss;
    // One validation run over all validator files together: every validator reports its final loss.
    const validationLosses =
      finalValidation === undefined ? [] : job.validationDataConfig.validators.map(() => finalValidation);
    const modelArn = customModelArn(
      this.partition,
      job.foundationModelId,
      derivedResourceId(`custom-model:${job.jobArn}`),
    );
    const model: ModelRecord = {
      modelArn,
      modelName: job.outputModelName,
      jobArn: job.jobArn,
      jobName: job.jobName,
      baseModelArn: job.baseModelArn,
      foundationModelId: job.foundationModelId,
      customizationType: job.customizationType,
      ...(job.outputModelKmsKeyArn ? { modelKmsKeyArn: job.outputModelKmsKeyArn } : {}),
      ...(job.hyperParameters ? { hyperParameters: job.hyperParameters } : {}),
      trainingDataConfig: job.trainingDataConfig,
      validationDataConfig: job.validationDataConfig,
      outputDataConfig: job.outputDataConfig,
      trainingLoss,
      validationLosses,
      ...(job.customizationConfig ? { customizationConfig: job.customizationConfig } : {}),
      creationTimeMs: completionTimeMs(job) ?? this.now(),
      jobTags: job.jobTags ?? this.store.tagsOf(job.jobArn),
    };
    return { completion: { ok: true, modelArn, trainingLoss, validationLosses }, model };
  }

  // ---- jobs ----

  private resolveBase(identifier: string): ResolvedBase {
    const custom = identifier.startsWith('arn:')
      ? this.store.modelByArn(identifier)
      : /^[a-z0-9-]+\.[a-z0-9-]/.test(identifier)
        ? undefined
        : this.store.modelByName(identifier);
    if (custom) {
      const model = findModel(custom.foundationModelId);
      if (model) return { model, baseModelArn: custom.modelArn, customBase: custom };
    }
    const model = findModel(identifier);
    if (model) return { model, baseModelArn: foundationModelArn(this.partition, model.modelId) };
    const id = identifier.replace(/^arn:[^/]*\//, '');
    const customizable = CATALOG.filter((m) => m.modelId.startsWith(id)).map((m) => m.modelId);
    if (customizable.length > 0 || findTeacher(id)) {
      throw validation(
        `The model ${id} cannot be customized. ${customizable.length > 0 ? `Use its customizable version: ${customizable.join(', ')}.` : 'See ListFoundationModels with byCustomizationType for the models that can.'}`,
      );
    }
    throw notFound(`Could not find the base model ${identifier}.`);
  }

  createJob(input: CreateJobRequest): Promise<JobRecord> {
    const result = this.createQueue.then(() => this.createJobNow(input));
    this.createQueue = result.catch(() => undefined);
    return result;
  }

  private async createJobNow(input: CreateJobRequest): Promise<JobRecord> {
    const digest = requestDigest(input);
    if (input.clientRequestToken !== undefined) {
      const earlier = this.store.jobByToken(input.clientRequestToken);
      if (earlier) {
        if (earlier.requestDigest === digest) return earlier;
        // Real behaviour is UNCONFIRMED (reference 5.1); EC2 refuses such a reuse, and so does this.
        throw validation(
          `The clientRequestToken ${input.clientRequestToken} was already used by job ${earlier.jobName} with different parameters. Use a new token for a different request.`,
        );
      }
    }

    const base = this.resolveBase(input.baseModelIdentifier);
    const { type, spec } = checkCustomization(input, base.model);
    const jobTags = mergeTags([], input.jobTags ?? []);
    const customModelTags = mergeTags([], input.customModelTags ?? []);
    if (jobTags.length > TAGS_MAX_PER_RESOURCE || customModelTags.length > TAGS_MAX_PER_RESOURCE) {
      throw new ApiError('TooManyTagsException', `A resource can have at most ${TAGS_MAX_PER_RESOURCE} tags.`);
    }
    const reserved = readReservedTags(jobTags);
    checkOutcomeFitsType(reserved, type);

    if (this.store.jobByName(input.jobName)) throw validation('The provided job name is currently in use.');
    if (await this.modelNameInUse(input.customModelName))
      throw validation('The provided custom model name is currently in use.');
    const running = await this.runningJobCount();
    if (running >= this.options.maxConcurrentJobs) {
      throw new ApiError(
        'ServiceQuotaExceededException',
        `The number of running model customization jobs (${running}) has reached the quota (${this.options.maxConcurrentJobs}) for this account in ${this.options.region}. Wait for a job to finish or stop one.`,
      );
    }

    const id = randomResourceId();
    const job: JobRecord = {
      jobArn: jobArn(this.partition, base.model.modelId, id),
      jobId: id,
      jobName: input.jobName,
      outputModelName: input.customModelName,
      roleArn: input.roleArn,
      ...(input.clientRequestToken !== undefined ? { clientRequestToken: input.clientRequestToken } : {}),
      requestDigest: digest,
      baseModelArn: base.baseModelArn,
      foundationModelId: base.model.modelId,
      customizationType: type,
      ...(input.hyperParameters ? { hyperParameters: input.hyperParameters } : {}),
      trainingDataConfig: input.trainingDataConfig,
      validationDataConfig: input.validationDataConfig ?? { validators: [] },
      outputDataConfig: input.outputDataConfig,
      ...(input.customModelKmsKeyId
        ? { outputModelKmsKeyArn: kmsKeyArn(this.partition, input.customModelKmsKeyId) }
        : {}),
      customModelTags,
      jobTags,
      ...(input.vpcConfig ? { vpcConfig: input.vpcConfig } : {}),
      ...(input.customizationConfig ? { customizationConfig: input.customizationConfig } : {}),
      creationTimeMs: this.now(),
      timeScale: reserved.timeScale ?? this.options.timeScale,
      ...trainingShape(input, spec),
      ...(reserved.forcedOutcome ? { forcedOutcome: reserved.forcedOutcome } : {}),
      ...(reserved.replyDelayMs !== undefined ? { replyDelayMs: reserved.replyDelayMs } : {}),
      ...(reserved.lostReplies ? { createRepliesToLose: reserved.lostReplies } : {}),
      ...(reserved.refusedStops ? { stopsToRefuse: reserved.refusedStops } : {}),
      ...(this.options.publishesEvents ? { publishedStatus: 'none' as const } : {}),
    };
    this.store.addJob(job, jobTags);
    this.log(`job ${job.jobName}: created ${job.jobArn} (time scale ${job.timeScale})`);
    return job;
  }

  /** A model of that name exists, or a running job will create one. */
  private async modelNameInUse(name: string): Promise<boolean> {
    if (this.store.modelByName(name)) return true;
    for (const job of this.store.allJobs()) {
      if (job.outputModelName === name && isRunning((await this.settle(job)).status)) return true;
    }
    return false;
  }

  /**
   * Running jobs, counted only as far as the quota (the answer matters only up to it), and not at all
   * while there are fewer jobs than the quota: a create must not cost a pass over thousands of jobs.
   */
  private async runningJobCount(): Promise<number> {
    const quota = this.options.maxConcurrentJobs;
    if (this.store.jobCount < quota) return 0;
    let count = 0;
    for (const job of this.store.allJobs()) {
      if (isRunning((await this.settle(job)).status) && ++count >= quota) break;
    }
    return count;
  }

  findJob(identifier: string): JobRecord {
    const job = identifier.startsWith('arn:') ? this.store.jobByArn(identifier) : this.store.jobByName(identifier);
    if (!job) throw notFound(`Could not find the model customization job ${identifier}.`);
    return job;
  }

  async getJob(identifier: string): Promise<JobWithView> {
    const job = this.findJob(identifier);
    return { job, view: await this.settle(job) };
  }

  async allJobs(): Promise<JobWithView[]> {
    const out: JobWithView[] = [];
    for (const job of this.store.allJobs()) out.push({ job, view: await this.settle(job) });
    return out;
  }

  /** InProgress goes Stopping then Stopped; Stopping again is a no-op; a finished job is a conflict. */
  async stopJob(identifier: string): Promise<void> {
    const job = this.findJob(identifier);
    const view = await this.settle(job);
    if (view.status === 'Stopping') return;
    if (view.status !== 'InProgress') {
      throw conflict(
        `The model customization job ${job.jobName} cannot be stopped because its status is ${view.status}.`,
      );
    }
    if ((job.stopsToRefuse ?? 0) > 0) {
      // Counted down in the state file, as lost replies are, so a restart does not refuse more than asked.
      job.stopsToRefuse = (job.stopsToRefuse ?? 1) - 1;
      this.store.updateJob(job);
      this.log(`job ${job.jobName}: stop refused (simulator:refused-stops)`);
      throw conflict(
        `The model customization job ${job.jobName} cannot be stopped right now. Try again later. (simulator:refused-stops)`,
      );
    }
    // A job held just before a pending outcome (S3 unreachable) is stopped in the phase it reports.
    job.stopRequestedAtMs = view.pending ? Math.min(this.now(), view.pending.atMs - 1) : this.now();
    this.store.updateJob(job);
    this.log(`job ${job.jobName}: stop requested`);
  }

  // ---- custom models ----

  findModel(identifier: string): ModelRecord {
    const model = identifier.startsWith('arn:')
      ? this.store.modelByArn(identifier)
      : this.store.modelByName(identifier);
    if (!model) throw notFound(`Could not find the custom model ${identifier}.`);
    return model;
  }

  allModels(): ModelRecord[] {
    return this.store.allModels();
  }

  async deleteModel(identifier: string): Promise<void> {
    const model = this.findModel(identifier);
    const user = this.laterResources.modelUser(model.modelArn);
    if (user !== undefined) {
      throw conflict(
        `The custom model ${model.modelName} is served by ${user}; delete it or switch it to another model first.`,
      );
    }
    for (const job of this.store.allJobs()) {
      if (job.baseModelArn === model.modelArn && isRunning((await this.settle(job)).status)) {
        throw conflict(
          `The custom model ${model.modelName} is the base model of the running job ${job.jobName}; stop it or wait for it to finish.`,
        );
      }
    }
    this.store.deleteModel(model);
  }

  // ---- tags ----

  private taggable(arn: string): string {
    if (this.store.jobByArn(arn) || this.store.modelByArn(arn) || this.laterResources.taggable(arn)) return arn;
    throw notFound(`The resource ${arn} was not found.`);
  }

  listTags(arn: string): Tag[] {
    return this.store.tagsOf(this.taggable(arn));
  }

  tagResource(arn: string, tags: Tag[]): void {
    const merged = mergeTags(this.store.tagsOf(this.taggable(arn)), tags);
    if (merged.length > TAGS_MAX_PER_RESOURCE) {
      throw new ApiError(
        'TooManyTagsException',
        `A resource can have at most ${TAGS_MAX_PER_RESOURCE} tags; this request would give ${arn} ${merged.length}.`,
        {
          resourceName: arn,
        },
      );
    }
    this.store.setTags(arn, merged);
  }

  untagResource(arn: string, keys: string[]): void {
    const remove = new Set(keys);
    this.store.setTags(
      arn,
      this.store.tagsOf(this.taggable(arn)).filter((t) => !remove.has(t.key)),
    );
  }
}
