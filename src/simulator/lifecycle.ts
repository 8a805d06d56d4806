// A job's state as a pure function of its record and the clock. Phases run back to back from the
// creation time: validation (fixed length), data processing and training (lengths grow with records and
// epochs), in simulated seconds converted by the job's own time scale. Two facts cannot come from the
// clock: what validation found in S3 and what completion produced. When the clock has passed one of
// those points and the record lacks the fact, the view stops just before it and names it as `pending`;
// the engine supplies the fact (once, persisted) and evaluates again. A stop request freezes the phase
// it lands in: Stopping for a while, then Stopped.
import type { JobStatus, PhaseStatus } from '../core/bedrock-patterns';
import type { CompletionOutcome, CustomizationConfig, DataCheckOutcome, ForcedOutcome } from './types';

export const JOB_PHASES = ['validation', 'dataProcessing', 'training'] as const;
export type JobPhase = (typeof JOB_PHASES)[number];

/**
 * Simulated durations in seconds. At time scale 1 a 1,000-record, 2-epoch job takes about an hour:
 * 300 (validation) + 60 + 0.24 x 1,000 (data processing) + 300 + 1.35 x 1,000 x 2 (training) = 3,600 s.
 */
export const TIMING = {
  validationS: 300,
  dataProcessingBaseS: 60,
  dataProcessingPerRecordS: 0.24,
  trainingBaseS: 300,
  trainingPerRecordEpochS: 1.35,
  /** Evaluating the validation set after each epoch. */
  trainingPerValidationRecordEpochS: 0.3,
  stoppingS: 120,
  /** A forced training failure happens this far into training. */
  trainingFailureAt: 0.5,
  /** A forced grader failure: the first rollouts are graded early in training. */
  graderFailureAt: 0.1,
} as const;

export interface LifecycleRecord {
  creationTimeMs: number;
  timeScale: number;
  epochs: number;
  forcedOutcome?: ForcedOutcome;
  stopRequestedAtMs?: number;
  dataCheck?: DataCheckOutcome;
  completion?: CompletionOutcome;
  /** Names the grader in a forced grader failure. */
  customizationConfig?: CustomizationConfig;
}

export interface PhaseView {
  status: PhaseStatus;
  creationTimeMs: number;
  lastModifiedTimeMs: number;
}

export type PendingEffect = 'data-check' | 'completion';

export interface JobView {
  status: JobStatus;
  phases: Record<JobPhase, PhaseView>;
  lastModifiedTimeMs: number;
  endTimeMs?: number;
  failureMessage?: string;
  /** Set when the clock reached `atMs` but the record lacks the fact that decides what happens there. */
  pending?: { effect: PendingEffect; atMs: number };
}

export const FORCED_FAILURE_MESSAGES: Record<ForcedOutcome, string> = {
  'fail-validation':
    'Validation of the input data failed (forced by the reserved job tag simulator:outcome=fail-validation).',
  'fail-data-processing':
    'Data processing failed due to an internal error (forced by the reserved job tag simulator:outcome=fail-data-processing).',
  'fail-training':
    'Training failed due to an internal error (forced by the reserved job tag simulator:outcome=fail-training).',
  // Bedrock's own wording for a failing reward function is UNCONFIRMED.
  'fail-grader':
    'Training failed: the reward function returned an error or an invalid response for a batch of samples (forced by the reserved job tag simulator:outcome=fail-grader). Check its logs, its timeout (up to 15 minutes) and that it returns one {"id", "aggregate_reward_score"} per sample.',
};

function graderFailureMessage(job: LifecycleRecord): string {
  const lambdaArn = job.customizationConfig?.rftConfig?.graderConfig?.lambdaGrader.lambdaArn;
  const message = FORCED_FAILURE_MESSAGES['fail-grader'];
  return lambdaArn ? message.replace('the reward function', `the reward function ${lambdaArn}`) : message;
}

interface PhasePlan {
  endMs: number;
  failureMessage?: string;
}

/** Whole milliseconds: the wire carries milliseconds, and a filter must compare what it shows. */
function simulatedMs(job: LifecycleRecord, seconds: number): number {
  return Math.round((seconds * 1000) / job.timeScale);
}

/** Only called for data processing and training, which the lifecycle reaches only after a passing check. */
function records(job: LifecycleRecord): { training: number; validation: number } {
  const check = job.dataCheck;
  return check?.ok
    ? { training: check.trainingRecords, validation: check.validationRecords }
    : { training: 0, validation: 0 };
}

function planPhase(job: LifecycleRecord, phase: JobPhase, startMs: number): PhasePlan {
  const forced = job.forcedOutcome;
  switch (phase) {
    case 'validation': {
      const endMs = startMs + simulatedMs(job, TIMING.validationS);
      if (forced === 'fail-validation') return { endMs, failureMessage: FORCED_FAILURE_MESSAGES[forced] };
      return { endMs, failureMessage: job.dataCheck && !job.dataCheck.ok ? job.dataCheck.failureMessage : undefined };
    }
    case 'dataProcessing': {
      const r = records(job);
      const endMs =
        startMs +
        simulatedMs(job, TIMING.dataProcessingBaseS + TIMING.dataProcessingPerRecordS * (r.training + r.validation));
      return { endMs, failureMessage: forced === 'fail-data-processing' ? FORCED_FAILURE_MESSAGES[forced] : undefined };
    }
    case 'training': {
      const r = records(job);
      const seconds =
        TIMING.trainingBaseS +
        (TIMING.trainingPerRecordEpochS * r.training + TIMING.trainingPerValidationRecordEpochS * r.validation) *
          job.epochs;
      if (forced === 'fail-training') {
        return {
          endMs: startMs + simulatedMs(job, seconds * TIMING.trainingFailureAt),
          failureMessage: FORCED_FAILURE_MESSAGES[forced],
        };
      }
      if (forced === 'fail-grader') {
        return {
          endMs: startMs + simulatedMs(job, seconds * TIMING.graderFailureAt),
          failureMessage: graderFailureMessage(job),
        };
      }
      return { endMs: startMs + simulatedMs(job, seconds) };
    }
  }
}

/** The job as the API reports it at `nowMs`. */
export function evaluateJob(job: LifecycleRecord, nowMs: number): JobView {
  const created = job.creationTimeMs;
  const phases: Record<JobPhase, PhaseView> = {
    validation: { status: 'NotStarted', creationTimeMs: created, lastModifiedTimeMs: created },
    dataProcessing: { status: 'NotStarted', creationTimeMs: created, lastModifiedTimeMs: created },
    training: { status: 'NotStarted', creationTimeMs: created, lastModifiedTimeMs: created },
  };
  // A stop the clock has not reached yet (only when evaluating the past) does not count.
  const stopAt =
    job.stopRequestedAtMs !== undefined && job.stopRequestedAtMs <= nowMs ? job.stopRequestedAtMs : undefined;
  const inProgress = (phase: JobPhase, startMs: number, pending?: JobView['pending']): JobView => {
    phases[phase] = { status: 'InProgress', creationTimeMs: startMs, lastModifiedTimeMs: startMs };
    return { status: 'InProgress', phases, lastModifiedTimeMs: startMs, ...(pending ? { pending } : {}) };
  };

  let startMs = created;
  for (const phase of JOB_PHASES) {
    const plan = planPhase(job, phase, startMs);
    if (stopAt !== undefined && stopAt < plan.endMs) {
      const stoppedAt = stopAt + simulatedMs(job, TIMING.stoppingS);
      if (nowMs < stoppedAt) {
        phases[phase] = { status: 'Stopping', creationTimeMs: startMs, lastModifiedTimeMs: stopAt };
        return { status: 'Stopping', phases, lastModifiedTimeMs: stopAt };
      }
      phases[phase] = { status: 'Stopped', creationTimeMs: startMs, lastModifiedTimeMs: stoppedAt };
      return { status: 'Stopped', phases, lastModifiedTimeMs: stoppedAt, endTimeMs: stoppedAt };
    }
    if (nowMs < plan.endMs) return inProgress(phase, startMs);
    if (phase === 'validation' && job.forcedOutcome !== 'fail-validation' && !job.dataCheck) {
      return inProgress(phase, startMs, { effect: 'data-check', atMs: plan.endMs });
    }
    if (plan.failureMessage !== undefined) {
      phases[phase] = { status: 'Failed', creationTimeMs: startMs, lastModifiedTimeMs: plan.endMs };
      return {
        status: 'Failed',
        phases,
        lastModifiedTimeMs: plan.endMs,
        endTimeMs: plan.endMs,
        failureMessage: plan.failureMessage,
      };
    }
    phases[phase] = { status: 'Completed', creationTimeMs: startMs, lastModifiedTimeMs: plan.endMs };
    startMs = plan.endMs;
  }

  const trainingStart = phases.training.creationTimeMs;
  if (!job.completion) return inProgress('training', trainingStart, { effect: 'completion', atMs: startMs });
  if (!job.completion.ok) {
    phases.training = { status: 'Failed', creationTimeMs: trainingStart, lastModifiedTimeMs: startMs };
    return {
      status: 'Failed',
      phases,
      lastModifiedTimeMs: startMs,
      endTimeMs: startMs,
      failureMessage: job.completion.failureMessage,
    };
  }
  return { status: 'Completed', phases, lastModifiedTimeMs: startMs, endTimeMs: startMs };
}

/** When training ends for a job whose data check passed (the completion time), or undefined before. */
export function completionTimeMs(job: LifecycleRecord): number | undefined {
  if (!job.dataCheck?.ok) return undefined;
  let startMs = job.creationTimeMs;
  for (const phase of JOB_PHASES) startMs = planPhase(job, phase, startMs).endMs;
  return startMs;
}

/**
 * The next time after `nowMs` at which the job's view changes (a phase ends, a stop lands), or undefined
 * once it has ended or waits on a fact its engine must supply now: when an event-publishing simulator
 * looks at the job next, rather than at its next tick.
 */
export function nextChangeMs(job: LifecycleRecord, nowMs: number): number | undefined {
  const stopAt = job.stopRequestedAtMs;
  let startMs = job.creationTimeMs;
  for (const phase of JOB_PHASES) {
    const plan = planPhase(job, phase, startMs);
    if (stopAt !== undefined && stopAt < plan.endMs) {
      // Stopping from the request (when the clock has not reached it yet), Stopped after the stopping time.
      return [stopAt, stopAt + simulatedMs(job, TIMING.stoppingS)].find((at) => at > nowMs);
    }
    if (nowMs < plan.endMs) return plan.endMs;
    // Ended here, or the engine must read the data first (its tick does that at once).
    if (plan.failureMessage !== undefined) return undefined;
    if (phase === 'validation' && job.forcedOutcome !== 'fail-validation' && !job.dataCheck) return undefined;
    startMs = plan.endMs;
  }
  return undefined;
}

export function isRunning(status: JobStatus): boolean {
  return status === 'InProgress' || status === 'Stopping';
}
