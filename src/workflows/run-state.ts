// What a fineTune run knows, carried whole into continue-as-new, and the views of it that the
// `progress` query and the result give. Plain data: no workflow APIs here.
import type { Backoff } from '../core/backoff';
import type { PreflightResult } from '../activities/preflight';
import type {
  DatasetStats,
  FineTuneProgress,
  JobCleanup,
  JobSnapshot,
  MetricsSummaryView,
  Phase,
  PhaseTime,
  SkipCheck,
} from '../core/fine-tune-contract';
import type { RunSlot } from '../core/job-slots-contract';
import { pollingView } from '../core/polling';
import type { PromotionResult } from '../core/promotion-contract';
import type { FineTuneRequest } from '../core/request';
import type { ScheduleRecord } from '../core/retraining';
import type { ResolvedTemplate } from '../core/templates';

/** The job the run created or adopted. */
export interface RunJob {
  jobArn: string;
  jobName: string;
  clientRequestToken: string;
  createdAt: string;
  adopted: boolean;
}

export interface RunState {
  phase: Phase;
  /** Each phase as the run entered it (absent in state carried from runs before it was kept). */
  timeline?: PhaseTime[];
  preflight?: PreflightResult;
  startedAt: string;
  /** The schedule that started the run, read from its first run's search attributes. */
  scheduled?: { scheduleId: string; scheduledAt: string };
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
  /** Creation has begun: from here on a job may exist in Bedrock, known to the run or not. */
  createStarted?: boolean;
  /** The run's slot in the fair queue for the job quota (patch 'job-slot-queue', with the queue on). */
  slot?: RunSlot;
  job?: RunJob;
  snapshot?: JobSnapshot;
  stopReason?: string;
  pokeRequested: boolean;
  metrics?: MetricsSummaryView;
  /** Why metrics are missing, when collecting them failed. */
  metricsError?: string;
  cleanup?: JobCleanup;
  /** With `orchestration.promotion`: the promote child's result, or its failure's details. */
  promotion?: PromotionResult;
  skipCheck?: SkipCheck;
  scheduleRecord?: ScheduleRecord;
  /**
   * The request's templates ({{scheduledTime:...}}) as this run resolved them, for the UI's details:
   * the place the templates work (issue 11, item 2) fills when it resolves them.
   */
  resolvedTemplates?: ResolvedTemplate[];
}

export function datasetStats(d: RunState['dataset']): DatasetStats | undefined {
  if (!d) return undefined;
  const { trainingDataConfig: _t, validationDataConfig: _v, ...stats } = d;
  return stats;
}

export function progressOf(state: RunState): FineTuneProgress {
  return {
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
    metricsError: state.metricsError,
    stopReason: state.stopReason,
    cleanup: state.cleanup,
    deadline: state.deadlineAt,
    startedAt: state.startedAt,
    timeline: state.timeline,
    skipCheck: state.skipCheck,
    ...(state.slot
      ? {
          queue: {
            key: state.slot.key,
            granted: state.slot.granted,
            ahead: state.slot.ahead,
            keeperId: state.slot.keeperId,
          },
        }
      : {}),
    ...(state.promotion ? { promotion: state.promotion } : {}),
  };
}
