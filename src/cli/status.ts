// `finetune status <id>`: where a run is (phase, Bedrock job and its phases, polls, dataset, metrics, and
// its promotion). The ID of a promote run (`<id>-promote`, or one `finetune promote` started) shows
// where that promotion is: its phase, the comparison table, the approval it waits for, how it ended.
import type { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/common';
import {
  PromotionRun,
  runFailureOf,
  type FineTuneClient,
  type FineTuneRun,
  type LiveProgress,
  type PromotionProgress,
  type PromotionResult,
  type RunFailure,
  type RunSummary,
} from '../client';
import { PROMOTE_WORKFLOW_TYPE, promotionWorkflowId } from '../core/promotion-contract';
import { dateTimeText } from '../core/time-text';
import { failureLines, fields, printJson, progressBlock, promotionProgressLines, promotionResultLines } from './format';
import { withSession } from './session';

/** How long a worker gets to answer the progress query before the server's own view is shown instead. */
export const QUERY_TIMEOUT_MS = 10_000;

/**
 * What `status` and `watch` see of a run: its live progress (and, while it promotes, its promote
 * child's), or the server's summary when no worker answers.
 */
export type RunLook =
  | { progress: LiveProgress; promotion?: PromotionProgress; summary?: undefined; unavailable?: undefined }
  | { progress?: undefined; promotion?: undefined; summary: RunSummary; unavailable: string };

/**
 * The run's live progress, or, when no worker answers the query (none running, or all restarting),
 * what the server alone knows: status and the phase/job search attributes.
 */
export async function lookAtRun(ft: FineTuneClient, run: FineTuneRun, timeoutMs = QUERY_TIMEOUT_MS): Promise<RunLook> {
  let progress: LiveProgress;
  try {
    progress = await ft.client.connection.withDeadline(Date.now() + timeoutMs, () => run.liveProgress());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw err;
    const summary = await run.summary();
    return {
      summary,
      unavailable: `no worker answered the progress query (${(err as Error).message.split('\n')[0]}): is a worker running on the run's task queue?`,
    };
  }
  if (progress.phase !== 'promoting' || progress.promotion) return { progress };
  // The child may not have started yet, or no worker answers it: the run's own progress still shows.
  const child = new PromotionRun(ft.client.workflow.getHandle(promotionWorkflowId(run.workflowId)));
  const promotion = await ft.client.connection
    .withDeadline(Date.now() + timeoutMs, () => child.progress())
    .catch(() => undefined);
  return { progress, ...(promotion ? { promotion } : {}) };
}

export function summaryLines(s: RunSummary): string[] {
  return [
    `${s.workflowId}  ${s.status}  (run ${s.runId})`,
    ...fields([
      ['phase', s.phase],
      ['job status', s.jobStatus],
      ['custom model', s.customModelName],
      ['base model', s.baseModel],
      ['started', dateTimeText(s.startTime)],
      ['closed', s.closeTime ? dateTimeText(s.closeTime) : undefined],
    ]),
  ];
}

/** `status --json` of a promote run. */
export interface PromotionStatus {
  workflowId: string;
  runId: string;
  workflowType: typeof PROMOTE_WORKFLOW_TYPE;
  workflowStatus: string;
  startTime: string;
  closeTime?: string;
  /** The `promotionProgress` query's answer; null when no worker answered it. */
  progress: PromotionProgress | null;
  unavailable?: string;
  /** Once it completed. */
  result?: PromotionResult;
  /** Once it failed (PromotionRolledBack, DeploymentFailed, ...), was cancelled or terminated. */
  failure?: RunFailure;
}

export async function lookAtPromotion(
  ft: FineTuneClient,
  workflowId: string,
  timeoutMs = QUERY_TIMEOUT_MS,
): Promise<PromotionStatus> {
  const handle = ft.client.workflow.getHandle(workflowId);
  const described = await handle.describe();
  const run = new PromotionRun(handle);
  let progress: PromotionProgress | null = null;
  let unavailable: string | undefined;
  try {
    progress = await ft.client.connection.withDeadline(Date.now() + timeoutMs, () => run.progress());
  } catch (err) {
    unavailable = `no worker answered the promotionProgress query (${(err as Error).message.split('\n')[0]}): is a worker running on the run's task queue?`;
  }
  const status = described.status.name;
  let ending: { result: PromotionResult } | { failure: RunFailure } | undefined;
  if (status !== 'RUNNING') {
    ending = await run.result().then(
      (result) => ({ result }),
      (err: unknown) => {
        const failure = runFailureOf(err);
        if (!failure) throw err;
        return { failure };
      },
    );
  }
  return {
    workflowId,
    runId: described.runId,
    workflowType: PROMOTE_WORKFLOW_TYPE,
    workflowStatus: status,
    startTime: described.startTime.toISOString(),
    ...(described.closeTime ? { closeTime: described.closeTime.toISOString() } : {}),
    progress,
    ...(unavailable ? { unavailable } : {}),
    ...ending,
  };
}

export function promotionStatusLines(s: PromotionStatus): string[] {
  return [
    `${s.workflowId}  ${s.workflowStatus}  (run ${s.runId}, a promotion)`,
    ...(s.progress ? promotionProgressLines(s.progress, '  ', s.workflowId) : [`  (${s.unavailable})`]),
    ...fields([
      ['started', dateTimeText(s.startTime)],
      ['closed', s.closeTime ? dateTimeText(s.closeTime) : undefined],
    ]),
    // The progress already shows the table; the ending adds the outcome and why.
    ...(s.result ? promotionResultLines({ ...s.result, scores: s.progress ? [] : s.result.scores }) : []),
    // A failure's details repeat the progress (PromotionRolledBack carries the result): shown once.
    ...(s.failure ? failureLines(s.progress ? { type: s.failure.type, message: s.failure.message } : s.failure) : []),
  ];
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description(
      "show a run's phase, Bedrock job (status and per-phase details), polls, dataset stats, metrics and promotion",
    )
    .argument('<workflow-id>', 'the run, by workflow ID (see `finetune list`); or a promotion (<id>-promote)')
    .option('--json', 'print the progress as one JSON object')
    .addHelpText(
      'after',
      '\nExamples:\n  finetune status finetune-kestrel-support-v1\n  finetune status finetune-kestrel-support-v1 --json | jq .jobStatus\n  finetune status finetune-kestrel-support-v1-promote',
    )
    .action(async (workflowId: string, flags: { json?: boolean }) => {
      await withSession(async ({ ft, uiUrl }) => {
        const described = await ft.client.workflow.getHandle(workflowId).describe();
        if (described.type === PROMOTE_WORKFLOW_TYPE) {
          const promotion = await lookAtPromotion(ft, workflowId);
          if (flags.json) return printJson(promotion);
          const ui = uiUrl(workflowId, promotion.runId);
          console.log([...promotionStatusLines(promotion), ...(ui ? [`  ui  ${ui}`] : [])].join('\n'));
          return;
        }
        const run = ft.run(workflowId);
        const view = await lookAtRun(ft, run);
        if (flags.json) {
          printJson(
            view.progress
              ? { ...view.progress, ...(view.promotion ? { promotionProgress: view.promotion } : {}) }
              : { ...view.summary, progress: null, unavailable: view.unavailable },
          );
          return;
        }
        const lines = view.progress
          ? progressBlock(view.progress, Date.now(), view.promotion)
          : [...summaryLines(view.summary), `  (${view.unavailable})`];
        const ui = uiUrl(workflowId, view.progress?.runId ?? view.summary?.runId);
        console.log([...lines, ...(ui ? [`  ui  ${ui}`] : [])].join('\n'));
      });
    });
}
