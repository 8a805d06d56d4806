// The state and steps of one fineTune run, in the manner of samples-typescript's safe-message-handlers:
// this class holds what the run knows and does, and fine-tune.ts wires the handlers and reads as the
// flow. The remote job is a resource the run owns from the moment its creation starts; every way out
// of the run (completion, failure, cancel, stop, deadline, continue-as-new) passes through ownTheJob,
// which leaves no job running unwatched.
//
// Deterministic: no I/O here, only activities, timers and state. Runs that started before the run
// owned its job (patch 'run-owns-its-job'), or before scheduled runs could skip unchanged data (patch
// 'skip-if-unchanged'), replay with their old commands.
import {
  CancellationScope,
  condition,
  continueAsNew,
  ContinueAsNew,
  allHandlersFinished,
  isCancellation,
  log,
  patched,
  workflowInfo,
  type WorkflowInfo,
} from '@temporalio/workflow';
import { CancelledFailure, TemporalFailure } from '@temporalio/common';
import type { CreateJobInput, CreateJobResult, OwnJob } from '../activities/create-job';
import type { PreflightResult } from '../activities/preflight';
import type { PollJobResult } from '../activities/poll-job';
import type { Backoff } from '../core/backoff';
import { isTerminalJobStatus } from '../core/bedrock-patterns';
import { durationMs } from '../core/durations';
import {
  FailureType,
  type FineTuneProgress,
  type FineTuneResult,
  type FineTuneSkippedResult,
  type FineTuneTrainedResult,
  type Phase,
  type StopRequest,
} from '../core/fine-tune-contract';
import {
  RequestTemplateError,
  resolveRequestTemplates,
  templateTimeOf,
  type ResolvedTemplate,
} from '../core/templates';
import { pollingFrom, pollingProblems, pollingView } from '../core/polling';
import type { FineTuneRequest, PollingOptions } from '../core/request';
import { LAST_TRAINED_MEMO_KEY, skipCheck, trainingSettings } from '../core/retraining';
import { TemporalScheduledByIdKey, TemporalScheduledStartTimeKey } from '../core/search-attributes';
import { activitiesFor, type RunActivities } from './activity-options';
import { interruptible, RunInterrupted, type Interruption, type Wake, type WakeSources } from './interruptions';
import { causeMessage, fail, typedFailure } from './run-failures';
import { progressOf, type RunJob, type RunState } from './run-state';
import { RunView } from './run-view';

const STOP_POLLING: Backoff = { initialMs: 5_000, coefficient: 1.5, maximumMs: 30_000, jitter: 0.1 };
const DEFAULT_STOP_TIMEOUT = '30m';
/** Phases in which the run has nothing left to stop. */
const FINAL_PHASES: readonly Phase[] = ['completed', 'skipped', 'failed', 'stopped', 'cancelled'];

export type PreparedDataset = NonNullable<RunState['dataset']>;

export class FineTuneRun implements WakeSources {
  readonly request: FineTuneRequest;
  readonly state: RunState;
  private readonly info: WorkflowInfo = workflowInfo();
  private readonly orchestration: NonNullable<FineTuneRequest['orchestration']>;
  /** Patch 'run-owns-its-job': false only while replaying a run that started before it. */
  private readonly ownsJob: boolean;
  /**
   * Patch 'skip-if-unchanged': false only while replaying a run that started before scheduled runs
   * could skip unchanged data (and before their split seed was the schedule's).
   */
  private readonly skipsUnchanged: boolean;
  private readonly acts: RunActivities;
  private readonly view: RunView;
  private pollingChanged = false;
  /** Templates the request holds that cannot resolve (a request the client would have refused). */
  private templateProblems?: string[];

  constructor(
    input: FineTuneRequest,
    private readonly carried?: RunState,
  ) {
    // Templates ({{scheduledTime:yyyyMMdd}}) resolve from the scheduled time, or the start time of a run
    // no Schedule started; a scheduled model name without one gets the time as a suffix, so each run's
    // model has its own name. Continue-as-new carries the resolved request, hence only on a first run.
    // (Requests without templates resolve to exactly what runs before templates used: no patch.)
    const scheduledAt = this.info.typedSearchAttributes.get(TemporalScheduledStartTimeKey);
    const scheduleId = this.info.typedSearchAttributes.get(TemporalScheduledByIdKey);
    let resolvedTemplates: ResolvedTemplate[] = [];
    if (carried) this.request = input;
    else {
      const { time, scheduled } = templateTimeOf({ scheduledAt, startTime: this.info.runStartTime });
      try {
        ({ request: this.request, resolved: resolvedTemplates } = resolveRequestTemplates(input, time, { scheduled }));
      } catch (err) {
        if (!(err instanceof RequestTemplateError)) throw err;
        // The client refuses such requests; one started another way fails its preflight with the problems.
        this.request = input;
        this.templateProblems = err.problems;
      }
    }
    this.orchestration = this.request.orchestration ?? {};
    const polling = pollingFrom(this.orchestration.polling);
    const startedAt = new Date(this.info.runStartTime).toISOString();
    this.state = carried ?? {
      phase: 'preflight',
      timeline: [{ phase: 'preflight', at: startedAt }],
      startedAt,
      scheduled: scheduleId && scheduledAt ? { scheduleId, scheduledAt: scheduledAt.toISOString() } : undefined,
      deadlineAt: this.orchestration.deadline
        ? new Date(this.info.runStartTime.getTime() + durationMs(this.orchestration.deadline)).toISOString()
        : undefined,
      polling,
      delayMs: polling.initialMs,
      pollsRecorded: 0,
      pokeRequested: false,
      ...(resolvedTemplates.length > 0 ? { resolvedTemplates } : {}),
    };
    this.view = new RunView(this.request, this.state);
    this.ownsJob = patched('run-owns-its-job');
    this.skipsUnchanged = patched('skip-if-unchanged');
    this.acts = activitiesFor({
      waitForCancellation: this.ownsJob,
      stopTimeoutMs: durationMs(this.orchestration.stopTimeout ?? DEFAULT_STOP_TIMEOUT),
    });
  }

  // ---- messages ----

  progress(): FineTuneProgress {
    return progressOf(this.state);
  }

  poke(): void {
    this.state.pokeRequested = true;
  }

  validateStop(): void {
    if ([...FINAL_PHASES, 'collecting-metrics'].includes(this.state.phase)) {
      throw new Error(`the run has already finished its job (phase ${this.state.phase})`);
    }
    if (this.state.stopReason !== undefined) throw new Error(`a stop is already under way (${this.state.stopReason})`);
  }

  stop(request: StopRequest): { accepted: true; phase: Phase } {
    this.state.stopReason = request.reason?.trim() || 'stop requested';
    return { accepted: true, phase: this.state.phase };
  }

  validatePolling(options: PollingOptions): void {
    const problems = pollingProblems(pollingFrom(options, this.state.polling));
    if (problems.length > 0) throw new Error(problems.join('; '));
  }

  setPolling(options: PollingOptions): FineTuneProgress['polling'] {
    this.state.polling = pollingFrom(options, this.state.polling);
    this.state.delayMs = this.state.polling.initialMs;
    this.pollingChanged = true;
    return pollingView(this.state.polling);
  }

  /** The search attributes and details a run shows from its first task. */
  announce(): void {
    this.view.announce(this.carried !== undefined, this.ownsJob);
  }

  // ---- wake-ups (WakeSources) ----

  woken(wakeOn: readonly Wake[]): Wake | undefined {
    if (wakeOn.includes('stop') && this.state.stopReason !== undefined) return 'stop';
    if (wakeOn.includes('poke') && this.state.pokeRequested) return 'poke';
    if (wakeOn.includes('polling') && this.pollingChanged) return 'polling';
    return undefined;
  }

  deadlineLeftMs(): number | undefined {
    return this.state.deadlineAt ? Math.max(0, Date.parse(this.state.deadlineAt) - Date.now()) : undefined;
  }

  // ---- 1, 2: steps before any job exists ----

  async preflight(): Promise<PreflightResult> {
    if (this.templateProblems) {
      this.view.setPhase('failed');
      fail(
        this.state,
        FailureType.InvalidRequest,
        `The request's templates cannot be resolved:\n  - ${this.templateProblems.join('\n  - ')}`,
      );
    }
    this.state.preflight ??= await this.beforeTheJob(() => this.acts.preflight(this.request));
    return this.state.preflight;
  }

  async prepareData(preflight: PreflightResult): Promise<PreparedDataset> {
    if (this.state.dataset) return this.state.dataset;
    this.view.setPhase('preparing-data');
    const prep = this.orchestration.dataPreparation;
    const prepared = await this.beforeTheJob(() =>
      this.acts.prepareDataset({
        baseModelIdentifier: preflight.modelId,
        customizationType: preflight.customizationType,
        trainingDataConfig: this.request.trainingDataConfig as never,
        validationDataConfig: this.request.validationDataConfig,
        outputS3Uri: this.request.outputDataConfig.s3Uri,
        hyperParameters: this.request.hyperParameters,
        teacherModelIdentifier:
          this.request.customizationConfig?.distillationConfig?.teacherModelConfig.teacherModelIdentifier,
        preparation: prep?.prepare
          ? { dedupe: prep.dedupe, validationSplit: prep.validationSplit, seed: prep.seed ?? this.defaultSeed() }
          : undefined,
      }),
    );
    this.view.datasetPrepared(prepared.fingerprint);
    this.state.dataset = {
      fingerprint: prepared.fingerprint,
      reportUri: prepared.reportUri,
      ...prepared.stats,
      trainingDataConfig: prepared.trainingDataConfig as FineTuneRequest['trainingDataConfig'],
      validationDataConfig: prepared.validationDataConfig as FineTuneRequest['validationDataConfig'],
    };
    return this.state.dataset;
  }

  /**
   * The split's seed when the request gives none. The runs of one schedule share theirs, so unchanged
   * data prepares to the same bytes (the same fingerprint, which skipIfUnchanged compares) and
   * successive models are validated on the same held-out records.
   */
  private defaultSeed(): string {
    return this.skipsUnchanged && this.state.scheduled ? this.state.scheduled.scheduleId : this.info.workflowId;
  }

  // ---- 2b: skip if unchanged ----

  /**
   * With `skipIfUnchanged`, a scheduled run whose prepared dataset and training settings are those of
   * the last trained run its schedule recorded (in this run's memo, from the schedule's action) ends
   * here as Skipped, with no job. Undefined: train.
   */
  skipIfUnchanged(dataset: PreparedDataset): FineTuneSkippedResult | undefined {
    if (!this.skipsUnchanged || !this.orchestration.skipIfUnchanged) return undefined;
    const check = skipCheck({
      scheduleId: this.state.scheduled?.scheduleId,
      fingerprint: dataset.fingerprint,
      settings: trainingSettings(this.request),
      recorded: this.info.memo?.[LAST_TRAINED_MEMO_KEY],
    });
    this.state.skipCheck = check;
    log.info(`skip if unchanged: ${check.verdict}`, { reason: check.reason });
    if (check.verdict === 'train') {
      this.view.show();
      return undefined;
    }
    this.view.setPhase('skipped');
    return {
      status: 'Skipped',
      reason: check.reason,
      matched: check.matched,
      datasetFingerprint: dataset.fingerprint,
      datasetReportUri: dataset.reportUri,
      timings: { startedAt: this.state.startedAt, finishedAt: new Date().toISOString() },
    };
  }

  /**
   * A step before any job exists: a stop or the deadline cuts it short (its activity hears the cancel
   * on its next heartbeat). Runs from before the patch only looked for a stop once the step was done.
   */
  private async beforeTheJob<T>(work: () => Promise<T>): Promise<T> {
    if (!this.ownsJob) {
      const done = await work();
      if (this.state.stopReason !== undefined) throw new RunInterrupted('stop');
      return done;
    }
    this.throwIfInterrupted();
    const outcome = await interruptible(this, work, ['stop'], { settle: true });
    if ('wake' in outcome) throw new RunInterrupted(outcome.wake === 'deadline' ? 'deadline' : 'stop');
    return outcome.done;
  }

  private throwIfInterrupted(): void {
    if (this.state.stopReason !== undefined) throw new RunInterrupted('stop');
    if (this.deadlineLeftMs() === 0) throw new RunInterrupted('deadline');
  }

  // ---- 3: create the job ----

  async createJob(dataset: PreparedDataset): Promise<void> {
    if (this.state.job) return;
    if (this.deadlineLeftMs() === 0 && patched('no-job-after-deadline')) {
      this.view.setPhase('failed');
      fail(
        this.state,
        FailureType.DeadlineExceeded,
        `the deadline ${this.state.deadlineAt} passed before the job was created; no job was created`,
      );
    }
    if (this.ownsJob) this.throwIfInterrupted();
    this.view.setPhase('creating-job');
    // From here a job may exist in Bedrock before the run hears of it: the clean-up looks for it.
    this.state.createStarted = true;
    const input: Omit<CreateJobInput, 'mode'> = {
      request: this.request,
      workflowId: this.info.workflowId,
      datasetFingerprint: dataset.fingerprint,
      trainingDataConfig: dataset.trainingDataConfig,
      validationDataConfig: dataset.validationDataConfig,
    };
    // Not cut short by a stop or the deadline: the call is short, and the wait that follows sees them.
    // A cancel waits for its answer (WAIT_CANCELLATION_COMPLETED): the clean-up then finds its job.
    let created: CreateJobResult = await this.acts.createJob({ ...input, mode: 'first' });
    if (created.outcome === 'quota-exceeded') created = await this.waitForQuota(input, created.message);
    if (created.outcome === 'quota-exceeded') throw new Error('unreachable: quota wait returned a refusal');
    this.recordJob({ ...created, createdAt: new Date().toISOString() }, created.outcome === 'adopted');
    this.view.setPhase('training');
  }

  private async waitForQuota(input: Omit<CreateJobInput, 'mode'>, message: string): Promise<CreateJobResult> {
    log.info('Bedrock customization-job quota is full: waiting for a free slot', { message });
    this.view.setPhase('waiting-for-quota');
    const quotaBackoff: Backoff = {
      initialMs: durationMs(this.orchestration.quotaWait?.initialInterval ?? '1m'),
      maximumMs: durationMs(this.orchestration.quotaWait?.maximumInterval ?? '10m'),
      coefficient: 2,
      jitter: 0,
    };
    const waited = await interruptible(
      this,
      () => this.acts.createJobWaitingForQuota({ ...input, mode: 'wait-for-quota', quotaBackoff }),
      ['stop'],
      { settle: this.ownsJob },
    );
    if ('done' in waited) return waited.done;
    const by: Interruption = waited.wake === 'deadline' ? 'deadline' : 'stop';
    if (!this.ownsJob) {
      if (by === 'deadline')
        fail(
          this.state,
          FailureType.DeadlineExceeded,
          `the deadline passed while waiting for a customization-job slot`,
        );
      fail(
        this.state,
        FailureType.BedrockJobStopped,
        `stopped while waiting for a customization-job slot (no job was created): ${this.state.stopReason}`,
      );
    }
    // The attempt in flight when the stop came may have created the job: it is ours to stop.
    const settled = waited.settled;
    if (settled && 'value' in settled && settled.value.outcome !== 'quota-exceeded') {
      this.recordJob({ ...settled.value, createdAt: new Date().toISOString() }, settled.value.outcome === 'adopted');
    }
    throw new RunInterrupted(by);
  }

  private recordJob(job: Omit<RunJob, 'adopted' | 'createdAt'> & { createdAt?: string }, adopted: boolean): void {
    this.state.job = {
      jobArn: job.jobArn,
      jobName: job.jobName,
      clientRequestToken: job.clientRequestToken,
      createdAt: job.createdAt ?? new Date().toISOString(),
      adopted,
    };
    this.view.jobKnown(job.jobArn);
  }

  // ---- 4: wait for the job ----

  /** Polls until the job ends; a stop or the deadline throws RunInterrupted. */
  async waitForJob(): Promise<void> {
    const jobArn = this.state.job!.jobArn;
    if (this.ownsJob) this.throwIfInterrupted();
    // Every wait, the first look after creation and the pause after a state change included, is the
    // poll activity's own retry delay, so waiting costs no history at all. Runs that started before
    // this used a timer for the first look and polled at once after a change.
    const waitInActivity = patched('first-look-in-poll-activity');
    let firstLookAfterMs: number | undefined;
    if (!this.state.snapshot) {
      if (waitInActivity) {
        firstLookAfterMs = this.state.polling.initialMs;
      } else {
        this.state.nextPollTime = new Date(Date.now() + this.state.polling.initialMs).toISOString();
        this.view.show();
        const first = await interruptible(
          this,
          () => new Promise<never>(() => undefined),
          ['stop', 'poke', 'polling'],
          {
            timerMs: this.state.polling.initialMs,
          },
        );
        if ('wake' in first && (first.wake === 'stop' || first.wake === 'deadline'))
          throw new RunInterrupted(first.wake);
      }
    }
    for (;;) {
      if (this.continueAsNewDue()) {
        await condition(allHandlersFinished);
        await continueAsNew<(request: FineTuneRequest, carried?: RunState) => Promise<FineTuneResult>>(
          this.request,
          this.state,
        );
      }
      this.state.pokeRequested = false;
      this.pollingChanged = false;
      const input = {
        jobArn,
        known: this.state.snapshot,
        backoff: this.state.polling,
        startDelayMs: this.state.delayMs,
      };
      const lookAfter = firstLookAfterMs;
      this.state.pollSequenceWaitsFirst = lookAfter !== undefined;
      if (waitInActivity) {
        // The first look of this sequence; the looks after it, while nothing changes, are the
        // activity's retries (their times are in the server's pending activity, not here).
        this.state.nextPollTime = new Date(Date.now() + (lookAfter ?? 0)).toISOString();
        this.view.show();
      }
      const outcome = await interruptible(
        this,
        () => this.acts.pollJob(lookAfter === undefined ? input : { ...input, firstLookAfterMs: lookAfter }),
        ['stop', 'poke', 'polling'],
      );
      firstLookAfterMs = undefined;
      if ('done' in outcome) {
        this.record(outcome.done);
        if (isTerminalJobStatus(outcome.done.snapshot.status)) return;
        if (waitInActivity) firstLookAfterMs = this.state.delayMs;
        continue;
      }
      if (outcome.wake === 'stop' || outcome.wake === 'deadline') throw new RunInterrupted(outcome.wake);
      // poke: look now (the new sequence's first attempt runs at once); polling: the same, new intervals.
      if (outcome.wake === 'poke') this.state.delayMs = this.state.polling.initialMs;
    }
  }

  /** The server suggests it, or the request's own (smaller) history limit is reached. */
  private continueAsNewDue(): boolean {
    const info = workflowInfo();
    const limit = this.orchestration.continueAsNewAfterEvents;
    return info.continueAsNewSuggested || (limit !== undefined && info.historyLength >= limit);
  }

  private record(result: PollJobResult): void {
    this.state.snapshot = result.snapshot;
    this.state.pollsRecorded += result.polls;
    this.state.lastPollTime = result.polledAt;
    this.state.nextPollTime = undefined;
    this.state.delayMs = result.delayMs;
    this.view.jobStatus(result.snapshot.status);
  }

  // ---- 5: metrics and the result ----

  async finish(): Promise<FineTuneTrainedResult> {
    const snapshot = this.state.snapshot!;
    const job = this.state.job!;
    const report = await this.collect();
    if (snapshot.status === 'Failed') {
      this.view.setPhase('failed');
      fail(
        this.state,
        FailureType.BedrockJobFailed,
        snapshot.failureMessage ?? 'the Bedrock job failed without a failure message',
      );
    }
    if (snapshot.status === 'Stopped') {
      this.view.setPhase('stopped');
      fail(
        this.state,
        FailureType.BedrockJobStopped,
        'the job was stopped outside this run (in the Bedrock console, CLI or API)',
      );
    }
    this.view.setPhase('completed');
    const finishedAt = new Date().toISOString();
    await this.recordOnSchedule(finishedAt);
    return {
      jobArn: job.jobArn,
      jobName: job.jobName,
      customModelArn: snapshot.outputModelArn,
      status: snapshot.status,
      metrics: this.state.metrics,
      ...(this.state.metricsError !== undefined ? { metricsError: this.state.metricsError } : {}),
      reportUri: report.reportUri,
      chartUri: report.chartUri,
      datasetReportUri: this.state.dataset?.reportUri,
      datasetFingerprint: this.state.dataset?.fingerprint,
      timings: {
        startedAt: this.state.startedAt,
        jobCreatedAt: job.createdAt,
        jobEndedAt: snapshot.endTime,
        finishedAt,
        jobSeconds: snapshot.endTime
          ? Math.round((Date.parse(snapshot.endTime) - Date.parse(job.createdAt)) / 1000)
          : undefined,
      },
    };
  }

  /**
   * With `skipIfUnchanged`, a scheduled run whose job completed becomes its schedule's last trained
   * run: the runs the schedule starts from now on compare with it. Bookkeeping, not the model: when it
   * cannot be written, the run still completes and says so.
   */
  private async recordOnSchedule(completedAt: string): Promise<void> {
    const scheduled = this.state.scheduled;
    const dataset = this.state.dataset;
    if (!this.skipsUnchanged || !this.orchestration.skipIfUnchanged || !scheduled || !dataset) return;
    const { scheduleId } = scheduled;
    const record = {
      workflowId: this.info.workflowId,
      runId: this.info.runId,
      scheduledAt: scheduled.scheduledAt,
      completedAt,
      datasetFingerprint: dataset.fingerprint,
      jobArn: this.state.job!.jobArn,
      customModelArn: this.state.snapshot?.outputModelArn,
      settings: trainingSettings(this.request),
    };
    try {
      this.state.scheduleRecord = await this.acts.recordTrainedRun({ scheduleId, record });
    } catch (err) {
      if (isCancellation(err)) throw err;
      this.state.scheduleRecord = {
        outcome: 'failed',
        message: `not recorded on schedule ${scheduleId} (${causeMessage(err)}): its next run compares with the run recorded before, or trains`,
      };
      log.warn('the trained run could not be recorded on its schedule', { scheduleId, error: causeMessage(err) });
    }
    this.view.show();
  }

  /** Metrics are a report on the job, not the job: their failure never hides how the job ended. */
  private async collect(): Promise<{ reportUri?: string; chartUri?: string }> {
    const job = this.state.job!;
    const snapshot = this.state.snapshot;
    const previous = this.state.phase;
    this.view.setPhase('collecting-metrics');
    try {
      const collected = await this.acts.collectMetrics({
        jobArn: job.jobArn,
        jobName: job.jobName,
        outputS3Uri: this.request.outputDataConfig.s3Uri,
        customModelArn: snapshot?.outputModelArn,
        baseModelIdentifier: this.request.baseModelIdentifier,
        jobStatus: snapshot?.status ?? 'InProgress',
      });
      this.state.metrics = collected.summary;
      this.view.losses(collected.summary.finalTrainingLoss, collected.summary.finalValidationLoss);
      return { reportUri: collected.reportUri, chartUri: collected.chartUri };
    } catch (err) {
      if (isCancellation(err)) throw err;
      this.state.metricsError = causeMessage(err);
      log.warn('metrics could not be collected', { error: this.state.metricsError });
      return {};
    } finally {
      this.state.phase = previous;
    }
  }

  // ---- the one way out ----

  /**
   * Runs the steps and ends the run, whichever way it ends, with the remote job accounted for: a
   * cancel, a stop or the deadline stops it; a failure stops it (bounded, best effort) unless it has
   * ended; continue-as-new hands it to the next run. Workflow-code bugs (plain errors) are left to
   * Temporal: the workflow task is retried, the run stays open, and a fixed worker carries it on.
   */
  async ownTheJob(steps: () => Promise<FineTuneResult>): Promise<FineTuneResult> {
    try {
      return await steps();
    } catch (err) {
      if (err instanceof ContinueAsNew && this.ownsJob) throw err;
      // Cancelled: by the error itself, or by a cancel that came while an activity was failing for
      // another reason (a create whose reply was lost): the cancel is how the run ends.
      const cancelled = isCancellation(err) || (this.ownsJob && CancellationScope.current().consideredCancelled);
      if (cancelled) {
        await CancellationScope.nonCancellable(async () => {
          this.state.stopReason ??= 'the run was cancelled';
          await this.releaseJob();
          this.view.setPhase('cancelled');
        });
        throw isCancellation(err)
          ? err
          : new CancelledFailure('the run was cancelled', [], err instanceof Error ? err : undefined);
      }
      if (err instanceof RunInterrupted) return await this.endInterrupted(err.by);
      if (this.ownsJob && err instanceof TemporalFailure) {
        await CancellationScope.nonCancellable(() => this.releaseJob());
      }
      if (!FINAL_PHASES.includes(this.state.phase)) this.view.setPhase('failed');
      throw typedFailure(err, this.state, this.ownsJob && this.state.createStarted === true);
    }
  }

  private async endInterrupted(by: Interruption): Promise<never> {
    if (by === 'deadline') this.state.stopReason = `deadline ${this.state.deadlineAt} passed`;
    const release = () => this.releaseJob();
    // A cancel during this clean-up must not cut it short (runs from before: as they were).
    await (this.ownsJob ? CancellationScope.nonCancellable(release) : release());
    const job = this.state.job;
    const status = this.state.snapshot?.status;
    if (by === 'deadline') {
      this.view.setPhase('failed');
      fail(
        this.state,
        FailureType.DeadlineExceeded,
        job
          ? `the job did not finish by the deadline ${this.state.deadlineAt}; it was stopped (status ${status})`
          : `the deadline ${this.state.deadlineAt} passed before a job was created; no job was created`,
      );
    }
    if (!job) {
      this.view.setPhase(this.ownsJob ? 'stopped' : 'failed');
      fail(this.state, FailureType.BedrockJobStopped, `stopped before a job was created: ${this.state.stopReason}`);
    }
    this.view.setPhase('stopped');
    fail(
      this.state,
      FailureType.BedrockJobStopped,
      `the job was stopped on request: ${this.state.stopReason} (status ${status})`,
    );
  }

  /**
   * Leaves no job running unwatched. Creation began but its answer never came (a lost reply, a cancel
   * while the call was in flight): the job is looked up by its derived name and token. A job that has
   * not ended is stopped, and its metrics so far collected.
   */
  private async releaseJob(): Promise<void> {
    const s = this.state;
    if (!s.job && s.createStarted && this.ownsJob) {
      const found: OwnJob | undefined = await this.acts.findOwnJob({
        request: this.request,
        workflowId: this.info.workflowId,
        datasetFingerprint: s.dataset!.fingerprint,
      });
      if (found) {
        this.recordJob(found, true);
        s.snapshot = found.snapshot;
        this.view.jobStatus(found.snapshot.status);
      }
    }
    if (!s.job) {
      s.cleanup = {
        outcome: 'no-job',
        message: s.createStarted ? 'no job exists under this run’s name and token' : 'no job was created',
      };
      this.view.show();
      return;
    }
    if (isTerminalJobStatus(s.snapshot?.status)) {
      s.cleanup = {
        outcome: 'already-ended',
        jobStatus: s.snapshot?.status,
        message: `the job had already ended (${s.snapshot?.status})`,
      };
      this.view.show();
      return;
    }
    await this.stopRemoteJob();
    await this.collect();
  }

  /** Stop the job and wait (bounded by stopTimeout) until Bedrock says it has ended. */
  private async stopRemoteJob(): Promise<void> {
    this.view.setPhase('stopping');
    const jobArn = this.state.job!.jobArn;
    try {
      await this.acts.stopJob(jobArn);
    } catch (err) {
      if (isCancellation(err)) throw err;
      this.state.cleanup = {
        outcome: 'stop-failed',
        jobStatus: this.state.snapshot?.status,
        message: `the stop request failed: ${causeMessage(err)}. The job may still be running: stop it with \`aws bedrock stop-model-customization-job --job-identifier ${jobArn}\``,
      };
      log.error('the Bedrock job could not be stopped', { jobArn, error: causeMessage(err) });
      this.view.show();
      return;
    }
    const stoppedBy = Date.now() + durationMs(this.orchestration.stopTimeout ?? DEFAULT_STOP_TIMEOUT);
    let delayMs = STOP_POLLING.initialMs;
    while (!isTerminalJobStatus(this.state.snapshot?.status)) {
      const left = stoppedBy - Date.now();
      if (left <= 0) {
        this.state.cleanup = {
          outcome: 'stop-unconfirmed',
          jobStatus: this.state.snapshot?.status,
          message: `stop requested; the job was still ${this.state.snapshot?.status ?? 'InProgress'} after the stop timeout (${this.orchestration.stopTimeout ?? DEFAULT_STOP_TIMEOUT}): check it with \`aws bedrock get-model-customization-job --job-identifier ${jobArn}\``,
        };
        log.warn('the job has not reached a final status within the stop timeout', {
          jobArn,
          status: this.state.snapshot?.status,
        });
        this.view.show();
        return;
      }
      // Waiting for Stopped must not be cut short by the deadline that caused the stop (that made
      // a zero-length wait, and a busy loop); runs from before the fix keep their old commands.
      const ignoreDeadline = this.state.deadlineAt !== undefined && patched('stop-wait-ignores-deadline');
      const outcome = await interruptible(
        this,
        () =>
          this.acts.pollJob({
            jobArn,
            known: this.state.snapshot,
            backoff: STOP_POLLING,
            startDelayMs: delayMs,
            untilTerminal: true,
          }),
        [],
        { timerMs: left, ignoreDeadline },
      );
      if ('done' in outcome) {
        this.record(outcome.done);
        delayMs = outcome.done.delayMs;
      }
    }
    const status = this.state.snapshot?.status;
    this.state.cleanup =
      status === 'Stopped'
        ? { outcome: 'stopped', jobStatus: status, message: 'the job was stopped' }
        : { outcome: 'already-ended', jobStatus: status, message: `the job ended (${status}) before the stop took` };
    this.view.show();
  }
}
