// The fineTune workflow: one customization request carried to a custom model and its metrics, exactly
// once. Preflight, data, create (with a token that never changes), wait (history grows with state
// changes, not with polls), metrics. Cancel, the `stop` update and the deadline all stop the remote job
// and wait until it has stopped. Deterministic: no I/O here, only activities, timers and state.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  allHandlersFinished,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { CreateJobResult } from '../activities/create-job';
import type { PreflightResult } from '../activities/preflight';
import type { PollJobResult } from '../activities/poll-job';
import { DEFAULT_POLLING, type Backoff } from '../core/backoff';
import { durationMs } from '../core/durations';
import { isTerminalJobStatus } from '../core/bedrock-patterns';
import {
  FailureType,
  pokeSignal,
  progressQuery,
  setPollingUpdate,
  stopUpdate,
  type DatasetStats,
  type FineTuneProgress,
  type FineTuneResult,
  type JobSnapshot,
  type MetricsSummaryView,
  type Phase,
} from '../core/fine-tune-contract';
import type { FineTuneRequest, PollingOptions } from '../core/request';
import {
  BaseModelKey,
  BedrockJobArnKey,
  BedrockJobStatusKey,
  CustomizationTypeKey,
  CustomModelNameKey,
  DatasetFingerprintKey,
  FineTunePhaseKey,
  TemporalScheduledStartTimeKey,
  TrainingLossKey,
  ValidationLossKey,
} from '../core/search-attributes';
import { scheduledModelName } from '../core/naming';
import { currentDetailsMarkdown } from './details';
import { activitiesFor } from './activity-options';

/** Everything a run knows; carried whole into continue-as-new. */
export interface RunState {
  phase: Phase;
  preflight?: PreflightResult;
  startedAt: string;
  deadlineAt?: string;
  polling: Backoff;
  /** Where the poll backoff stands, so a state change does not restart its ramp. */
  delayMs: number;
  pollsRecorded: number;
  /** The current poll sequence began with a wait (its first attempt made no Bedrock call). */
  pollSequenceWaitsFirst?: boolean;
  lastPollTime?: string;
  nextPollTime?: string;
  dataset?: DatasetStats & {
    trainingDataConfig: FineTuneRequest['trainingDataConfig'];
    validationDataConfig?: FineTuneRequest['validationDataConfig'];
  };
  job?: { jobArn: string; jobName: string; clientRequestToken: string; createdAt: string; adopted: boolean };
  snapshot?: JobSnapshot;
  stopReason?: string;
  pokeRequested: boolean;
  metrics?: MetricsSummaryView;
}

const STOP_POLLING: Backoff = { initialMs: 5_000, coefficient: 1.5, maximumMs: 30_000, jitter: 0.1 };
const DEFAULT_STOP_TIMEOUT = '30m';

function pollingFrom(options: PollingOptions | undefined, base: Backoff = DEFAULT_POLLING): Backoff {
  return {
    initialMs: options?.initialInterval ? durationMs(options.initialInterval) : base.initialMs,
    maximumMs: options?.maximumInterval ? durationMs(options.maximumInterval) : base.maximumMs,
    coefficient: options?.backoffCoefficient ?? base.coefficient,
    jitter: options?.jitter ?? base.jitter,
  };
}

const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;

function pollingView(b: Backoff): FineTuneProgress['polling'] {
  return {
    initialInterval: seconds(b.initialMs),
    maximumInterval: seconds(b.maximumMs),
    backoffCoefficient: b.coefficient,
    jitter: b.jitter,
  };
}

function datasetStats(d: RunState['dataset']): DatasetStats | undefined {
  if (!d) return undefined;
  const { trainingDataConfig: _t, validationDataConfig: _v, ...stats } = d;
  return stats;
}

/** Ends the run with a typed failure that carries what is known (job ARN, metrics) as its details. */
function fail(type: FailureType, message: string, state: RunState): never {
  throw ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    details: [
      {
        jobArn: state.job?.jobArn,
        jobName: state.job?.jobName,
        jobStatus: state.snapshot?.status,
        metrics: state.metrics,
      },
    ],
  });
}

/**
 * An activity's typed failure (InvalidRequest, DatasetInvalid, JobNameTaken, ...) becomes the run's own
 * failure, so callers read `failure.type` directly instead of digging through an ActivityFailure.
 */
function typedFailure(err: unknown): unknown {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) {
    const cause = err.cause;
    return ApplicationFailure.create({
      type: cause.type ?? undefined,
      message: cause.message,
      details: cause.details as unknown[] | undefined,
      nonRetryable: true,
    });
  }
  return err;
}

export async function fineTune(input: FineTuneRequest, carried?: RunState): Promise<FineTuneResult> {
  const info = workflowInfo();
  // A Schedule starts the same request every time: each run names its model after its scheduled time
  // (continue-as-new carries the renamed request, hence only on a first run). Runs not started by a
  // Schedule are unchanged, so this needs no patch for runs in flight.
  const scheduledAt = info.typedSearchAttributes.get(TemporalScheduledStartTimeKey);
  const request =
    scheduledAt && !carried
      ? { ...input, customModelName: scheduledModelName(input.customModelName, scheduledAt) }
      : input;
  const orchestration = request.orchestration ?? {};
  const state: RunState = carried ?? {
    phase: 'preflight',
    startedAt: new Date(info.runStartTime).toISOString(),
    deadlineAt: orchestration.deadline
      ? new Date(info.runStartTime.getTime() + durationMs(orchestration.deadline)).toISOString()
      : undefined,
    polling: pollingFrom(orchestration.polling),
    delayMs: pollingFrom(orchestration.polling).initialMs,
    pollsRecorded: 0,
    pokeRequested: false,
  };
  let pollingChanged = false;
  const acts = activitiesFor();

  // ---- messages ----
  setHandler(progressQuery, (): FineTuneProgress => ({
    phase: state.phase,
    jobArn: state.job?.jobArn,
    jobName: state.job?.jobName,
    clientRequestToken: state.job?.clientRequestToken,
    jobStatus: state.snapshot?.status,
    statusDetails: state.snapshot?.statusDetails,
    failureMessage: state.snapshot?.failureMessage,
    pollsRecorded: state.pollsRecorded,
    pollSequenceWaitsFirst: state.pollSequenceWaitsFirst,
    lastPollTime: state.lastPollTime,
    nextPollTime: state.nextPollTime,
    polling: pollingView(state.polling),
    dataset: datasetStats(state.dataset),
    metrics: state.metrics,
    stopReason: state.stopReason,
    deadline: state.deadlineAt,
    startedAt: state.startedAt,
  }));
  setHandler(pokeSignal, () => {
    state.pokeRequested = true;
  });
  setHandler(
    stopUpdate,
    (req) => {
      state.stopReason = req.reason?.trim() || 'stop requested';
      return { accepted: true as const, phase: state.phase };
    },
    {
      validator: (_req) => {
        if (['completed', 'failed', 'stopped', 'cancelled', 'collecting-metrics'].includes(state.phase)) {
          throw new Error(`the run has already finished its job (phase ${state.phase})`);
        }
        if (state.stopReason !== undefined) throw new Error(`a stop is already under way (${state.stopReason})`);
      },
    },
  );
  setHandler(
    setPollingUpdate,
    (options) => {
      state.polling = pollingFrom(options, state.polling);
      state.delayMs = state.polling.initialMs;
      pollingChanged = true;
      return pollingView(state.polling);
    },
    {
      validator: (options) => {
        const next = pollingFrom(options, state.polling);
        if (!(next.initialMs >= 100) || !(next.maximumMs >= next.initialMs)) {
          throw new Error('polling needs initialInterval >= 100ms and maximumInterval >= initialInterval');
        }
        if (!(next.coefficient >= 1) || !(next.jitter >= 0 && next.jitter <= 0.5))
          throw new Error('backoffCoefficient must be >= 1 and jitter within 0..0.5');
      },
    },
  );

  // ---- what operators see ----
  const show = () => setCurrentDetails(currentDetailsMarkdown(request, state));
  const setPhase = (phase: Phase) => {
    state.phase = phase;
    upsertSearchAttributes([{ key: FineTunePhaseKey, value: phase }]);
    show();
  };
  if (!carried) {
    upsertSearchAttributes([
      { key: BaseModelKey, value: request.baseModelIdentifier },
      { key: CustomModelNameKey, value: request.customModelName },
      { key: CustomizationTypeKey, value: request.customizationType ?? 'FINE_TUNING' },
      { key: FineTunePhaseKey, value: state.phase },
    ]);
  }
  show();

  const deadlineLeft = (): number | undefined =>
    state.deadlineAt ? Math.max(0, Date.parse(state.deadlineAt) - Date.now()) : undefined;
  type Wake = 'stop' | 'deadline' | 'poke' | 'polling';
  /** Runs `work` until it finishes or something wakes the run: a stop, the deadline, a poke, new polling. */
  async function interruptible<T>(
    work: () => Promise<T>,
    wakeOn: Wake[],
    timerMs?: number,
    ignoreDeadline = false,
  ): Promise<{ done: T } | { wake: Wake | 'timer' }> {
    const scope = new CancellationScope();
    const woke = (): Wake | undefined =>
      wakeOn.includes('stop') && state.stopReason !== undefined
        ? 'stop'
        : wakeOn.includes('poke') && state.pokeRequested
          ? 'poke'
          : wakeOn.includes('polling') && pollingChanged
            ? 'polling'
            : undefined;
    try {
      return await scope.run(async () => {
        const left = ignoreDeadline ? undefined : deadlineLeft();
        const waits = [left, timerMs].filter((t): t is number => t !== undefined);
        const limit = waits.length > 0 ? Math.min(...waits) : undefined;
        const wakeUp = (
          limit === undefined
            ? condition(() => woke() !== undefined).then(() => true)
            : condition(() => woke() !== undefined, limit)
        ).then((byCondition) => ({
          wake: byCondition
            ? woke()!
            : left !== undefined && left <= (timerMs ?? Infinity)
              ? ('deadline' as const)
              : ('timer' as const),
        }));
        return Promise.race([work().then((done) => ({ done })), wakeUp]);
      });
    } finally {
      scope.cancel();
    }
  }

  try {
    // 1. preflight
    const preflight = (state.preflight ??= await acts.preflight(request));
    if (state.stopReason !== undefined)
      fail(FailureType.BedrockJobStopped, `stopped before a job was created: ${state.stopReason}`, state);

    // 2. data
    const dataset = (state.dataset ??= await prepareData(preflight));
    if (state.stopReason !== undefined)
      fail(FailureType.BedrockJobStopped, `stopped before a job was created: ${state.stopReason}`, state);

    // 3. create
    if (!state.job && deadlineLeft() === 0 && patched('no-job-after-deadline')) {
      setPhase('failed');
      fail(
        FailureType.DeadlineExceeded,
        `the deadline ${state.deadlineAt} passed before the job was created; no job was created`,
        state,
      );
    }
    if (!state.job) {
      setPhase('creating-job');
      const input = {
        request,
        workflowId: info.workflowId,
        datasetFingerprint: dataset.fingerprint,
        trainingDataConfig: dataset.trainingDataConfig,
        validationDataConfig: dataset.validationDataConfig,
      };
      let created: CreateJobResult = await acts.createJob({ ...input, mode: 'first' });
      if (created.outcome === 'quota-exceeded') {
        log.info('Bedrock customization-job quota is full: waiting for a free slot', { message: created.message });
        setPhase('waiting-for-quota');
        const quotaBackoff: Backoff = {
          initialMs: durationMs(orchestration.quotaWait?.initialInterval ?? '1m'),
          maximumMs: durationMs(orchestration.quotaWait?.maximumInterval ?? '10m'),
          coefficient: 2,
          jitter: 0,
        };
        const waited = await interruptible(
          () => acts.createJobWaitingForQuota({ ...input, mode: 'wait-for-quota', quotaBackoff }),
          ['stop'],
        );
        if ('wake' in waited) {
          if (waited.wake === 'deadline')
            fail(FailureType.DeadlineExceeded, `the deadline passed while waiting for a customization-job slot`, state);
          fail(
            FailureType.BedrockJobStopped,
            `stopped while waiting for a customization-job slot (no job was created): ${state.stopReason}`,
            state,
          );
        }
        created = waited.done;
      }
      if (created.outcome === 'quota-exceeded') throw new Error('unreachable: quota wait returned a refusal');
      state.job = {
        jobArn: created.jobArn,
        jobName: created.jobName,
        clientRequestToken: created.clientRequestToken,
        createdAt: new Date().toISOString(),
        adopted: created.outcome === 'adopted',
      };
      upsertSearchAttributes([{ key: BedrockJobArnKey, value: created.jobArn }]);
      setPhase('training');
    }

    // 4. wait
    const ending = await waitForJob();
    if (ending !== 'ended') {
      if (ending === 'deadline') state.stopReason = `deadline ${state.deadlineAt} passed`;
      await stopRemoteJob();
      await collect();
      if (ending === 'deadline') {
        setPhase('failed');
        fail(
          FailureType.DeadlineExceeded,
          `the job did not finish by the deadline ${state.deadlineAt}; it was stopped (status ${state.snapshot?.status})`,
          state,
        );
      }
      setPhase('stopped');
      fail(
        FailureType.BedrockJobStopped,
        `the job was stopped on request: ${state.stopReason} (status ${state.snapshot?.status})`,
        state,
      );
    }
    return await finish();
  } catch (err) {
    if (!isCancellation(err)) {
      if (!['stopped', 'failed', 'completed'].includes(state.phase)) setPhase('failed');
      throw typedFailure(err);
    }
    // Cancelled (UI, CLI, API): the remote job must not run on unwatched. Clean up where cancellation
    // cannot reach, then end as cancelled.
    await CancellationScope.nonCancellable(async () => {
      state.stopReason ??= 'the run was cancelled';
      if (state.job && !isTerminalJobStatus(state.snapshot?.status)) {
        await stopRemoteJob();
        await collect();
      }
      setPhase('cancelled');
    });
    throw err;
  }

  // ---- steps ----
  async function prepareData(preflight: PreflightResult): Promise<NonNullable<RunState['dataset']>> {
    setPhase('preparing-data');
    const prep = orchestration.dataPreparation;
    const prepared = await acts.prepareDataset({
      baseModelIdentifier: preflight.modelId,
      customizationType: preflight.customizationType,
      trainingDataConfig: request.trainingDataConfig as never,
      validationDataConfig: request.validationDataConfig,
      outputS3Uri: request.outputDataConfig.s3Uri,
      hyperParameters: request.hyperParameters,
      teacherModelIdentifier:
        request.customizationConfig?.distillationConfig?.teacherModelConfig.teacherModelIdentifier,
      preparation: prep?.prepare
        ? { dedupe: prep.dedupe, validationSplit: prep.validationSplit, seed: prep.seed ?? info.workflowId }
        : undefined,
    });
    upsertSearchAttributes([{ key: DatasetFingerprintKey, value: prepared.fingerprint }]);
    return {
      fingerprint: prepared.fingerprint,
      reportUri: prepared.reportUri,
      ...prepared.stats,
      trainingDataConfig: prepared.trainingDataConfig as FineTuneRequest['trainingDataConfig'],
      validationDataConfig: prepared.validationDataConfig as FineTuneRequest['validationDataConfig'],
    };
  }
  function record(result: PollJobResult) {
    state.snapshot = result.snapshot;
    state.pollsRecorded += result.polls;
    state.lastPollTime = result.polledAt;
    state.nextPollTime = undefined;
    state.delayMs = result.delayMs;
    upsertSearchAttributes([{ key: BedrockJobStatusKey, value: result.snapshot.status }]);
    show();
  }

  /** Polls until the job ends ('ended'), or until a stop or the deadline interrupts. */
  async function waitForJob(): Promise<'ended' | 'stop' | 'deadline'> {
    const jobArn = state.job!.jobArn;
    // Every wait, the first look after creation and the pause after a state change included, is the
    // poll activity's own retry delay, so waiting costs no history at all. Runs that started before
    // this used a timer for the first look and polled at once after a change.
    const waitInActivity = patched('first-look-in-poll-activity');
    let firstLookAfterMs: number | undefined;
    if (!state.snapshot) {
      if (waitInActivity) {
        firstLookAfterMs = state.polling.initialMs;
      } else {
        state.nextPollTime = new Date(Date.now() + state.polling.initialMs).toISOString();
        show();
        const first = await interruptible(
          () => new Promise<never>(() => undefined),
          ['stop', 'poke', 'polling'],
          state.polling.initialMs,
        );
        if ('wake' in first && (first.wake === 'stop' || first.wake === 'deadline')) return first.wake;
      }
    }
    for (;;) {
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof fineTune>(request, state);
      }
      state.pokeRequested = false;
      pollingChanged = false;
      const input = { jobArn, known: state.snapshot, backoff: state.polling, startDelayMs: state.delayMs };
      const lookAfter = firstLookAfterMs;
      state.pollSequenceWaitsFirst = lookAfter !== undefined;
      const outcome = await interruptible(
        () => acts.pollJob(lookAfter === undefined ? input : { ...input, firstLookAfterMs: lookAfter }),
        ['stop', 'poke', 'polling'],
      );
      firstLookAfterMs = undefined;
      if ('done' in outcome) {
        record(outcome.done);
        if (isTerminalJobStatus(outcome.done.snapshot.status)) return 'ended';
        if (waitInActivity) firstLookAfterMs = state.delayMs;
        continue;
      }
      if (outcome.wake === 'stop' || outcome.wake === 'deadline') return outcome.wake;
      // poke: look now (the new sequence's first attempt runs at once); polling: the same, new intervals.
      if (outcome.wake === 'poke') state.delayMs = state.polling.initialMs;
    }
  }

  /** Stop the job and wait (bounded) until Bedrock says it has ended. */
  async function stopRemoteJob(): Promise<void> {
    setPhase('stopping');
    const jobArn = state.job!.jobArn;
    await acts.stopJob(jobArn);
    const bound = durationMs(orchestration.stopTimeout ?? DEFAULT_STOP_TIMEOUT);
    const stoppedBy = Date.now() + bound;
    let delayMs = STOP_POLLING.initialMs;
    while (!isTerminalJobStatus(state.snapshot?.status)) {
      const left = stoppedBy - Date.now();
      if (left <= 0) {
        log.warn('the job has not reached a final status within the stop timeout', {
          jobArn,
          status: state.snapshot?.status,
        });
        return;
      }
      // Waiting for Stopped must not be cut short by the deadline that caused the stop (that made
      // a zero-length wait, and a busy loop); runs from before the fix keep their old commands.
      const ignoreDeadline = state.deadlineAt !== undefined && patched('stop-wait-ignores-deadline');
      const outcome = await interruptible(
        () =>
          acts.pollJob({
            jobArn,
            known: state.snapshot,
            backoff: STOP_POLLING,
            startDelayMs: delayMs,
            untilTerminal: true,
          }),
        [],
        left,
        ignoreDeadline,
      );
      if ('done' in outcome) {
        record(outcome.done);
        delayMs = outcome.done.delayMs;
      }
    }
  }

  async function collect(): Promise<{ reportUri?: string; chartUri?: string }> {
    const job = state.job!;
    const snapshot = state.snapshot;
    const previous = state.phase;
    setPhase('collecting-metrics');
    try {
      const collected = await acts.collectMetrics({
        jobArn: job.jobArn,
        jobName: job.jobName,
        outputS3Uri: request.outputDataConfig.s3Uri,
        customModelArn: snapshot?.outputModelArn,
        baseModelIdentifier: request.baseModelIdentifier,
        jobStatus: snapshot?.status ?? 'InProgress',
      });
      state.metrics = collected.summary;
      const pairs = [];
      if (collected.summary.finalTrainingLoss !== undefined)
        pairs.push({ key: TrainingLossKey, value: collected.summary.finalTrainingLoss });
      if (collected.summary.finalValidationLoss !== undefined)
        pairs.push({ key: ValidationLossKey, value: collected.summary.finalValidationLoss });
      if (pairs.length > 0) upsertSearchAttributes(pairs);
      return { reportUri: collected.reportUri, chartUri: collected.chartUri };
    } catch (err) {
      if (isCancellation(err)) throw err;
      // Metrics are a report on the job, not the job: their failure never hides how the job ended.
      log.warn('metrics could not be collected', { error: (err as Error).message });
      return {};
    } finally {
      state.phase = previous;
    }
  }

  async function finish(): Promise<FineTuneResult> {
    const snapshot = state.snapshot!;
    const job = state.job!;
    const report = await collect();
    if (snapshot.status === 'Failed') {
      setPhase('failed');
      fail(
        FailureType.BedrockJobFailed,
        snapshot.failureMessage ?? 'the Bedrock job failed without a failure message',
        state,
      );
    }
    if (snapshot.status === 'Stopped') {
      setPhase('stopped');
      fail(
        FailureType.BedrockJobStopped,
        'the job was stopped outside this run (in the Bedrock console, CLI or API)',
        state,
      );
    }
    setPhase('completed');
    const finishedAt = new Date().toISOString();
    return {
      jobArn: job.jobArn,
      jobName: job.jobName,
      customModelArn: snapshot.outputModelArn,
      status: snapshot.status,
      metrics: state.metrics,
      reportUri: report.reportUri,
      chartUri: report.chartUri,
      datasetReportUri: state.dataset?.reportUri,
      datasetFingerprint: state.dataset?.fingerprint,
      timings: {
        startedAt: state.startedAt,
        jobCreatedAt: job.createdAt,
        jobEndedAt: snapshot.endTime,
        finishedAt,
        jobSeconds: snapshot.endTime
          ? Math.round((Date.parse(snapshot.endTime) - Date.parse(job.createdAt)) / 1000)
          : undefined,
      },
    };
  }
}
