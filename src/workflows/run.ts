// What one fineTune run knows and answers, in the manner of samples-typescript's safe-message-handlers:
// this class holds the run's state, its messages (progress, poke, stop, setPolling), what wakes it, and
// the one path by which its phase changes. The steps that act on it live beside it, one file each
// (before-the-job.ts, job-creation.ts, job-wait.ts, job-results.ts), and the way every run ends,
// with its job accounted for, in job-release.ts. fine-tune.ts reads as the flow.
//
// Deterministic: no I/O here, only state. The order of the patch checks below is part of history.
import { workflowInfo, type WorkflowInfo } from '@temporalio/workflow';
import { durationMs } from '../core/durations';
import type { FailureType } from '../core/failures';
import type { FineTuneProgress, Phase, StopRequest } from '../core/fine-tune-contract';
import { EVENTS_POLLING } from '../core/backoff';
import { pollingFrom, pollingProblems, pollingView } from '../core/polling';
import type { FineTuneRequest, PollingOptions } from '../core/request';
import { TemporalScheduledByIdKey, TemporalScheduledStartTimeKey } from '../core/search-attributes';
import {
  RequestTemplateError,
  resolveRequestTemplates,
  templateTimeOf,
  type ResolvedTemplate,
} from '../core/templates';
import type { PollJobResult } from '../activities/poll-job';
import { activitiesFor, type RunActivities } from './activity-options';
import { RunInterrupted, type Wake, type WakeSources } from './interruptions';
import { takes } from './patches';
import { fail } from './run-failures';
import { progressOf, type RunJob, type RunState } from './run-state';
import { RunView } from './run-view';

/** How long stopping the job may take in all when the request says nothing (`stopTimeout`). */
const DEFAULT_STOP_TIMEOUT = '30m';
/** Phases in which the run has nothing left to stop. */
export const FINAL_PHASES: readonly Phase[] = ['completed', 'skipped', 'failed', 'stopped', 'cancelled'];
/** The phases a run ends in by failing: failed, or stopped (by request, or outside the run). */
export type FailedPhase = 'failed' | 'stopped';

export type PreparedDataset = NonNullable<RunState['dataset']>;

export class Run implements WakeSources {
  readonly request: FineTuneRequest;
  readonly state: RunState;
  readonly info: WorkflowInfo = workflowInfo();
  readonly orchestration: NonNullable<FineTuneRequest['orchestration']>;
  /** Patch 'run-owns-its-job': false only while replaying a run that started before it. */
  readonly ownsJob: boolean;
  /**
   * Patch 'skip-if-unchanged': false only while replaying a run that started before scheduled runs
   * could skip unchanged data (and before their split seed was the schedule's).
   */
  readonly skipsUnchanged: boolean;
  readonly acts: RunActivities;
  readonly view: RunView;
  /** The request's stopTimeout, resolved once: what bounds the whole clean-up. */
  readonly stopTimeout: { text: string; ms: number };
  /** Templates the request holds that cannot resolve (a request the client would have refused). */
  readonly templateProblems?: string[];
  private pollingChanged = false;
  /** A setPolling update was accepted: its intervals stand, whatever the defaults become. */
  private pollingSetByUpdate = false;

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
    const stopTimeout = this.orchestration.stopTimeout ?? DEFAULT_STOP_TIMEOUT;
    this.stopTimeout = { text: stopTimeout, ms: durationMs(stopTimeout) };
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
    this.ownsJob = takes('runOwnsItsJob');
    this.skipsUnchanged = takes('skipIfUnchanged');
    this.acts = activitiesFor({ waitForCancellation: this.ownsJob, stopTimeoutMs: this.stopTimeout.ms });
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
    this.pollingSetByUpdate = true;
    return pollingView(this.state.polling);
  }

  /**
   * Bedrock's job events reach this run (its preflight's worker consumes them): what the request leaves
   * unset of its polling takes the safety net's defaults, since an event pokes the run within seconds.
   */
  pollAsSafetyNet(): void {
    if (this.pollingSetByUpdate) return;
    const polling = pollingFrom(this.orchestration.polling, EVENTS_POLLING);
    // A request whose own interval cannot pair with the other default (a maximum below 5 min) keeps its polling.
    if (pollingProblems(polling).length > 0) return;
    this.state.polling = polling;
    this.state.delayMs = polling.initialMs;
  }

  /** The search attributes and details a run shows from its first task. */
  announce(): void {
    this.view.announce(this.carried !== undefined, this.ownsJob);
  }

  /** The keeper granted this run a slot (it may come before the answer to the run's own request). */
  slotGranted(keeperId: string): void {
    const slot = (this.state.slot ??= { keeperId, key: this.queueKey, granted: true });
    slot.granted = true;
  }

  /** The keeper says the run's place in the queue changed. */
  slotPlace(ahead: number): void {
    const slot = this.state.slot;
    if (!slot || slot.granted || slot.released) return;
    slot.ahead = ahead;
    this.view.queuePlace(ahead);
  }

  /** The request's fairness key in the queue for the job quota. */
  get queueKey(): string {
    return this.orchestration.queue?.key ?? 'default';
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

  /** A stop or the deadline has come: the step about to start must not. */
  throwIfInterrupted(): void {
    if (this.state.stopReason !== undefined) throw new RunInterrupted('stop');
    if (this.deadlineLeftMs() === 0) throw new RunInterrupted('deadline');
  }

  /** A new look at the job begins: the wake-ups that asked for it are spent. */
  wakeUpsSpent(): void {
    this.state.pokeRequested = false;
    this.pollingChanged = false;
  }

  // ---- the one path for the phase ----

  /** Enters `phase`: the state, its timeline, the search attribute and the UI's details together. */
  setPhase(phase: Phase): void {
    this.view.setPhase(phase);
  }

  /** Ends the run in `phase` with a typed failure that carries what is known of the job. */
  end(phase: FailedPhase, type: FailureType, message: string): never {
    this.setPhase(phase);
    fail(this.state, type, message);
  }

  // ---- what the run learns of its job ----

  recordJob(job: Omit<RunJob, 'adopted' | 'createdAt'> & { createdAt?: string }, adopted: boolean): void {
    this.state.job = {
      jobArn: job.jobArn,
      jobName: job.jobName,
      clientRequestToken: job.clientRequestToken,
      createdAt: job.createdAt ?? new Date().toISOString(),
      adopted,
    };
    this.view.jobKnown(job.jobArn);
  }

  recordPoll(result: PollJobResult): void {
    this.state.snapshot = result.snapshot;
    this.state.pollsRecorded += result.polls;
    this.state.lastPollTime = result.polledAt;
    this.state.nextPollTime = undefined;
    this.state.delayMs = result.delayMs;
    this.view.jobStatus(result.snapshot.status);
  }
}
