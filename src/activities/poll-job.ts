// Step 4: look at the job. This activity returns only when something the run tracks has changed; while
// nothing has, it fails with a benign `JobUnchanged` and a `nextRetryDelay` from the backoff, and the
// server re-runs it after that delay. Retries are not written to history, so a 24-hour job costs the
// same history as a 1-hour one (the "infrequent polling" pattern of the Temporal samples).
import {
  GetModelCustomizationJobCommand,
  type BedrockClient,
  type GetModelCustomizationJobCommandOutput,
  type StatusDetails,
} from '@aws-sdk/client-bedrock';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { backoffDelay, withJitter, type Backoff } from '../core/backoff';
import { isTerminalJobStatus, type JobStatus, type PhaseStatus } from '../core/bedrock-patterns';
import { durationText } from '../core/time-text';
import type { JobSnapshot, PhaseDetail } from '../core/fine-tune-contract';
import { RetryLaterType } from '../core/failures';
import { failFastOnRejection } from './bedrock-errors';

export interface PollJobInput {
  jobArn: string;
  /** What the run last recorded; the activity returns when the job differs from it. */
  known?: JobSnapshot;
  backoff: Backoff;
  /** The delay the previous poll sequence had reached, so a state change does not restart the ramp. */
  startDelayMs: number;
  /** Return only once the job has ended (waiting for a stopped job), not on every change. */
  untilTerminal?: boolean;
  /** Wait this long before the first look: attempt 1 only schedules attempt 2 (no Bedrock call). */
  firstLookAfterMs?: number;
}

export interface PollJobResult {
  snapshot: JobSnapshot;
  /** Polls made by this sequence (its attempts), for the run's poll count. */
  polls: number;
  polledAt: string;
  /** Where the backoff stands, for the next sequence. */
  delayMs: number;
}

function phase(
  detail: { status?: string; creationTime?: Date; lastModifiedTime?: Date } | undefined,
): PhaseDetail | undefined {
  if (!detail?.status) return undefined;
  return {
    status: detail.status as PhaseStatus,
    creationTime: detail.creationTime?.toISOString(),
    lastModifiedTime: detail.lastModifiedTime?.toISOString(),
  };
}

function statusDetails(details: StatusDetails | undefined): JobSnapshot['statusDetails'] {
  if (!details) return undefined;
  return {
    validation: phase(details.validationDetails),
    dataProcessing: phase(details.dataProcessingDetails),
    training: phase(details.trainingDetails),
  };
}

export function snapshotOf(job: GetModelCustomizationJobCommandOutput): JobSnapshot {
  return {
    status: (job.status ?? 'InProgress') as JobStatus,
    statusDetails: statusDetails(job.statusDetails),
    failureMessage: job.failureMessage,
    outputModelArn: job.outputModelArn,
    endTime: job.endTime?.toISOString(),
    trainingLoss: job.trainingMetrics?.trainingLoss,
    validationLoss: job.validationMetrics?.[0]?.validationLoss,
  };
}

/** What counts as a change: the job's status and each phase's status, never timestamps. */
export function jobStatusKey(s: JobSnapshot | undefined): string {
  if (!s) return '';
  const d = s.statusDetails;
  return [s.status, d?.validation?.status, d?.dataProcessing?.status, d?.training?.status].join('/');
}

/**
 * Ends this attempt so that the server retries after `delayMs`. When the activity's schedule-to-close
 * (the server caps it at what is left of a run with a run or execution timeout) ends before that retry
 * could come, the server would fail the activity for good with this benign failure, and the run with
 * it, just before its own timeout; so the attempt waits instead: the run's timeout (or the attempt's
 * start-to-close, after which the server retries and the job is looked at again) ends it. A poke early
 * in a short run made this likely: its looks came sooner, and the last retry no longer fitted.
 */
async function lookLater(message: string, delayMs: number): Promise<never> {
  const ctx = Context.current();
  const { scheduleToCloseTimeoutMs, scheduledTimestampMs } = ctx.info;
  const leftMs = scheduleToCloseTimeoutMs > 0 ? scheduledTimestampMs + scheduleToCloseTimeoutMs - Date.now() : Infinity;
  if (leftMs < delayMs) await ctx.sleep(leftMs + 1_000);
  throw ApplicationFailure.create({
    type: RetryLaterType.JobUnchanged,
    message,
    nextRetryDelay: delayMs,
    category: ApplicationFailureCategory.BENIGN,
  });
}

export function pollJobActivities(deps: { bedrock: BedrockClient }) {
  return {
    async pollJob(input: PollJobInput): Promise<PollJobResult> {
      const { attempt } = Context.current().info;
      if (input.firstLookAfterMs !== undefined && attempt === 1) {
        await lookLater(
          `first look in ${durationText(input.firstLookAfterMs)}`,
          withJitter(input.backoff, input.firstLookAfterMs, Math.random()),
        );
      }
      // Polls made by this sequence so far, this one included; a sequence that began with a wait had
      // its first delay already, so its next delay is one step further along.
      const polls = input.firstLookAfterMs !== undefined ? attempt - 1 : attempt;
      let job: GetModelCustomizationJobCommandOutput;
      try {
        job = await deps.bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: input.jobArn }));
      } catch (err) {
        failFastOnRejection(err, 'GetModelCustomizationJob');
      }
      const snapshot = snapshotOf(job);
      const delayMs = backoffDelay(
        input.backoff,
        input.firstLookAfterMs !== undefined ? polls + 1 : polls,
        input.startDelayMs,
      );
      const ended = isTerminalJobStatus(snapshot.status);
      const unchanged = input.untilTerminal ? !ended : jobStatusKey(snapshot) === jobStatusKey(input.known) && !ended;
      if (unchanged) {
        await lookLater(
          `job is ${jobStatusKey(snapshot)}; next look in ${durationText(delayMs)}`,
          withJitter(input.backoff, delayMs, Math.random()),
        );
      }
      return { snapshot, polls, polledAt: new Date().toISOString(), delayMs };
    },
  };
}
