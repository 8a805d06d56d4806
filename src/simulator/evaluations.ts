// Model evaluation jobs: the rules that depend on state (tokens, names in use, the model under test and
// the judge must exist, Stop and BatchDelete by status) and the two S3 effects (datasets read when setup
// ends, results written when the run ends), each produced once and recorded before anyone sees it; a
// background tick drives them without readers and every read settles first, as for customization jobs.
import type { S3Client } from '@aws-sdk/client-s3';
import { durationText } from '../core/time-text';
import { evaluationJobArn, lastSegment, randomResourceId } from './arns';
import { conflict, notFound, validation } from './errors';
import { modelBehaviour } from './reserved-tags';
import { checkDatasets, writeResults } from './evaluation-data';
import { deletable, evaluateEvaluation, type EvaluationEffect, type EvaluationView } from './evaluation-lifecycle';
import type { EvaluationRequest } from './evaluation-request';
import { baseFields, earlierByToken, newResourceTags, resourceDigest, type ResourceContext } from './resource-common';
import type { EvaluationRecord } from './resource-records';
import type { Runtime } from './runtime-routes';

export interface EvaluationWithView {
  record: EvaluationRecord;
  view: EvaluationView;
}

export interface BatchDeleteResult {
  errors: { jobIdentifier: string; code: string; message: string }[];
  evaluationJobs: { jobIdentifier: string; jobStatus: string }[];
}

const DEFAULT_S3_RETRY_MS = 30_000;

export class Evaluations {
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private readonly failingSince = new Map<string, number>();

  constructor(
    private readonly ctx: ResourceContext,
    private readonly s3: S3Client,
    private readonly runtime: Runtime,
    private readonly s3RetryMs = DEFAULT_S3_RETRY_MS,
  ) {}

  // ---- effects ----

  async settle(record: EvaluationRecord): Promise<EvaluationView> {
    for (;;) {
      const view = evaluateEvaluation(record, this.ctx.now());
      if (!view.pending) return view;
      if (!(await this.runOnce(record, view.pending.effect))) return view;
    }
  }

  async tick(): Promise<void> {
    for (const record of this.ctx.store.allResources('evaluation')) {
      if (record.results || (record.datasets && !record.datasets.ok) || record.stopRequestedAtMs !== undefined)
        continue;
      if (record.deleteRequestedAtMs !== undefined) continue;
      await this.settle(record);
    }
  }

  private runOnce(record: EvaluationRecord, effect: EvaluationEffect): Promise<boolean> {
    const key = `${record.arn} ${effect}`;
    let running = this.inFlight.get(key);
    if (!running) {
      running = this.runEffect(record, effect).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, running);
    }
    return running;
  }

  /** The centre of a custom model's scores: its training job's simulator:eval-score. */
  private centreOf = (customModelId: string): number | undefined => {
    const model = this.ctx.engine.allModels().find((m) => lastSegment(m.modelArn) === customModelId);
    return model ? modelBehaviour(model.jobTags).evalScore : undefined;
  };

  private async runEffect(record: EvaluationRecord, effect: EvaluationEffect): Promise<boolean> {
    const key = `${record.arn} ${effect}`;
    try {
      if (effect === 'datasets') {
        if (record.datasets) return true;
        record.datasets = await checkDatasets(this.s3, record);
        this.ctx.log(
          `evaluation ${record.jobName}: datasets ${record.datasets.ok ? `read (${record.datasets.prompts} prompts)` : `failed: ${record.datasets.failureMessages[0]}`}`,
        );
      } else {
        if (record.results) return true;
        const model =
          'bedrockModelIdentifier' in record.plan.model ? record.plan.model.bedrockModelIdentifier : undefined;
        record.results = await writeResults(
          this.s3,
          record,
          (prompt) => this.runtime.answer(model ?? '', prompt).text,
          this.centreOf,
        );
        this.ctx.log(
          `evaluation ${record.jobName}: ${record.results.ok ? `results written (${record.results.keys.length} files)` : `failed: ${record.results.failureMessages[0]}`}`,
        );
      }
      this.ctx.store.updateResource('evaluation', record);
      this.failingSince.delete(key);
      return true;
    } catch (err) {
      const since = this.failingSince.get(key) ?? this.ctx.now();
      this.failingSince.set(key, since);
      if (this.ctx.now() - since < this.s3RetryMs) {
        this.ctx.log(`evaluation ${record.jobName}: ${effect} postponed: ${(err as Error).message}`);
        return false;
      }
      this.failingSince.delete(key);
      const message = `S3 did not answer while the evaluation ${effect === 'datasets' ? 'read its datasets' : 'wrote its results'}: ${(err as Error).message}. The simulator retried for ${durationText(this.s3RetryMs)}; check that S3 is reachable and that ${record.roleArn} can use it.`;
      if (effect === 'datasets') record.datasets = { ok: false, failureMessages: [message] };
      else record.results = { ok: false, failureMessages: [message] };
      this.ctx.store.updateResource('evaluation', record);
      return true;
    }
  }

  // ---- operations ----

  /** The model under test and the judges must exist before a job is accepted. */
  private checkModels(input: EvaluationRequest): void {
    const judges = [input.plan.judge, input.plan.customMetricsJudge].filter((j): j is string => j !== undefined);
    for (const judge of judges) {
      try {
        this.runtime.resolve(judge);
      } catch {
        throw validation(
          `The evaluator model ${judge} is not a foundation model this simulator serves: use one such as amazon.nova-pro-v1:0.`,
        );
      }
    }
    if (!('bedrockModelIdentifier' in input.plan.model)) return;
    const id = input.plan.model.bedrockModelIdentifier;
    if (/:(imported-model|application-inference-profile|prompt-router|default-prompt-router)\/|:sagemaker:/.test(id)) {
      throw notFound(`Could not find the model ${id}.`);
    }
    try {
      this.runtime.resolve(id);
    } catch (err) {
      if (id.includes(':provisioned-model/') && (err as Error).name === 'ResourceNotFoundException') throw err;
      if ((err as Error).name === 'ValidationException') throw notFound(`Could not find the model ${id}.`);
      // Not ready yet (a Provisioned Throughput still Creating): it is answered when the run ends.
    }
  }

  create(input: EvaluationRequest): { record: EvaluationRecord; created: boolean } {
    const digest = resourceDigest(input);
    const earlier = earlierByToken(this.ctx.store, 'evaluation', input, digest, (e) => e.jobName);
    if (earlier) return { record: earlier, created: false };
    const { tags, reserved } = newResourceTags(input.jobTags, 'evaluation');
    this.checkModels(input);
    if (this.live().some((e) => e.record.jobName === input.jobName)) {
      throw conflict(
        `An evaluation job named ${input.jobName} already exists. Evaluation job names are unique per account and Region.`,
      );
    }
    const id = randomResourceId();
    const arn = evaluationJobArn(this.ctx, id);
    const record: EvaluationRecord = {
      ...baseFields(this.ctx, arn, id, input, digest, reserved),
      jobName: input.jobName,
      ...(input.jobDescription !== undefined ? { jobDescription: input.jobDescription } : {}),
      roleArn: input.roleArn,
      ...(input.customerEncryptionKeyId !== undefined
        ? { customerEncryptionKeyId: input.customerEncryptionKeyId }
        : {}),
      applicationType: input.applicationType ?? 'ModelEvaluation',
      evaluationConfig: input.evaluationConfig,
      inferenceConfig: input.inferenceConfig,
      outputDataConfig: input.outputDataConfig,
      plan: input.plan,
      ...(reserved.failEvaluation ? { forcedFailure: true } : {}),
    };
    this.ctx.store.addResource('evaluation', record, tags);
    this.ctx.log(`evaluation ${record.jobName}: created ${arn} (time scale ${record.timeScale})`);
    return { record, created: true };
  }

  private live(): EvaluationWithView[] {
    const now = this.ctx.now();
    return this.ctx.store
      .allResources('evaluation')
      .map((record) => ({ record, view: evaluateEvaluation(record, now) }))
      .filter((e) => !e.view.gone);
  }

  private find(arn: string): EvaluationRecord {
    const record = this.ctx.store.resourceByArn('evaluation', arn);
    if (!record || evaluateEvaluation(record, this.ctx.now()).gone)
      throw notFound(`Could not find the evaluation job ${arn}.`);
    return record;
  }

  async get(arn: string): Promise<EvaluationWithView> {
    const record = this.find(arn);
    return { record, view: await this.settle(record) };
  }

  async list(): Promise<EvaluationWithView[]> {
    const out: EvaluationWithView[] = [];
    for (const { record } of this.live()) out.push({ record, view: await this.settle(record) });
    return out;
  }

  /** InProgress goes Stopping then Stopped; Stopping again is a no-op; anything else is a ConflictException. */
  async stop(arn: string): Promise<void> {
    const record = this.find(arn);
    const view = await this.settle(record);
    if (view.status === 'Stopping') return;
    if (view.status !== 'InProgress') {
      throw conflict(`The evaluation job ${record.jobName} cannot be stopped because its status is ${view.status}.`);
    }
    record.stopRequestedAtMs = view.pending ? Math.min(this.ctx.now(), view.pending.atMs - 1) : this.ctx.now();
    this.ctx.store.updateResource('evaluation', record);
    this.ctx.log(`evaluation ${record.jobName}: stop requested`);
  }

  /**
   * Each finished job (Completed, Failed, Stopped) goes Deleting, then away; a job already Deleting is
   * reported again. Unknown jobs and running ones are per-job errors, not a failed request.
   */
  async batchDelete(arns: string[]): Promise<BatchDeleteResult> {
    const result: BatchDeleteResult = { errors: [], evaluationJobs: [] };
    for (const arn of arns) {
      const record = this.ctx.store.resourceByArn('evaluation', arn);
      const view = record && (await this.settle(record));
      if (!record || !view || view.gone) {
        result.errors.push({
          jobIdentifier: arn,
          code: 'ResourceNotFoundException',
          message: `Could not find the evaluation job ${arn}.`,
        });
        continue;
      }
      if (view.status !== 'Deleting') {
        if (!deletable(view.status)) {
          result.errors.push({
            jobIdentifier: arn,
            code: 'ConflictException',
            message: `The evaluation job ${record.jobName} is ${view.status}; only Completed, Failed or Stopped jobs can be deleted.`,
          });
          continue;
        }
        record.deleteRequestedAtMs = this.ctx.now();
        this.ctx.store.updateResource('evaluation', record);
        this.ctx.log(`evaluation ${record.jobName}: deleting`);
      }
      result.evaluationJobs.push({ jobIdentifier: arn, jobStatus: 'Deleting' });
    }
    return result;
  }

  taggable(arn: string): boolean {
    const record = this.ctx.store.resourceByArn('evaluation', arn);
    return record !== undefined && !evaluateEvaluation(record, this.ctx.now()).gone;
  }
}
