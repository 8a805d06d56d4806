// Step 5: the job has ended. Its metrics, report and chart are collected (a report on the job, not the
// job: their failure never hides how the job ended), the run ends as the job did, and a scheduled run
// with skipIfUnchanged becomes its schedule's last trained run.
import { isCancellation, log } from '@temporalio/workflow';
import { FailureType, type FineTuneTrainedResult } from '../core/fine-tune-contract';
import type { PromotionResult } from '../core/promotion-contract';
import { trainingSettings } from '../core/retraining';
import { collectMetricsInput } from './activity-inputs';
import { promoteTrained } from './promotion-child';
import { causeMessage } from './run-failures';
import type { Run } from './run';

export async function finish(run: Run): Promise<FineTuneTrainedResult> {
  const { state } = run;
  const snapshot = state.snapshot!;
  const job = state.job!;
  const report = await collectMetrics(run);
  if (snapshot.status === 'Failed') {
    run.end(
      'failed',
      FailureType.BedrockJobFailed,
      snapshot.failureMessage ?? 'the Bedrock job failed without a failure message',
    );
  }
  if (snapshot.status === 'Stopped') {
    run.end(
      'stopped',
      FailureType.BedrockJobStopped,
      'the job was stopped outside this run (in the Bedrock console, CLI or API)',
    );
  }
  // A promotion runs once the model exists; a gated, rejected or stopped one still completes the run.
  const promotion =
    run.orchestration.promotion && snapshot.outputModelArn
      ? await promoteTrained(run, snapshot.outputModelArn)
      : undefined;
  if (promotion && report.reportUri) await recordPromotionInReport(run, report.reportUri, promotion);
  run.setPhase('completed');
  const finishedAt = new Date().toISOString();
  await recordOnSchedule(run, finishedAt);
  return {
    jobArn: job.jobArn,
    jobName: job.jobName,
    customModelArn: snapshot.outputModelArn,
    status: snapshot.status,
    metrics: state.metrics,
    ...(state.metricsError !== undefined ? { metricsError: state.metricsError } : {}),
    reportUri: report.reportUri,
    chartUri: report.chartUri,
    datasetReportUri: state.dataset?.reportUri,
    datasetFingerprint: state.dataset?.fingerprint,
    ...(promotion ? { promotion } : {}),
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

/**
 * The job's metrics so far (all of them once it has ended), its report and loss chart. Leaves the run
 * in phase collecting-metrics: whoever called it enters the run's next phase.
 */
export async function collectMetrics(run: Run): Promise<{ reportUri?: string; chartUri?: string }> {
  const { state } = run;
  run.setPhase('collecting-metrics');
  try {
    const collected = await run.acts.collectMetrics(collectMetricsInput(run.request, state));
    state.metrics = collected.summary;
    run.view.losses(collected.summary.finalTrainingLoss, collected.summary.finalValidationLoss);
    return { reportUri: collected.reportUri, chartUri: collected.chartUri };
  } catch (err) {
    if (isCancellation(err)) throw err;
    state.metricsError = causeMessage(err);
    log.warn('metrics could not be collected', { error: state.metricsError });
    return {};
  }
}

/** The promotion's table in report.json too; a report, so its failure is logged, not the run's. */
async function recordPromotionInReport(run: Run, reportUri: string, promotion: PromotionResult): Promise<void> {
  try {
    await run.acts.recordPromotionInReport({ reportUri, promotion });
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('the promotion could not be added to report.json', { reportUri, error: causeMessage(err) });
  }
}

/**
 * With `skipIfUnchanged`, a scheduled run whose job completed becomes its schedule's last trained
 * run: the runs the schedule starts from now on compare with it. Bookkeeping, not the model: when it
 * cannot be written, the run still completes and says so.
 */
async function recordOnSchedule(run: Run, completedAt: string): Promise<void> {
  const { state } = run;
  const scheduled = state.scheduled;
  const dataset = state.dataset;
  if (!run.skipsUnchanged || !run.orchestration.skipIfUnchanged || !scheduled || !dataset) return;
  const { scheduleId } = scheduled;
  const record = {
    workflowId: run.info.workflowId,
    runId: run.info.runId,
    scheduledAt: scheduled.scheduledAt,
    completedAt,
    datasetFingerprint: dataset.fingerprint,
    jobArn: state.job!.jobArn,
    customModelArn: state.snapshot?.outputModelArn,
    settings: trainingSettings(run.request),
  };
  try {
    state.scheduleRecord = await run.acts.recordTrainedRun({ scheduleId, record });
  } catch (err) {
    if (isCancellation(err)) throw err;
    state.scheduleRecord = {
      outcome: 'failed',
      message: `not recorded on schedule ${scheduleId} (${causeMessage(err)}): its next run compares with the run recorded before, or trains`,
    };
    log.warn('the trained run could not be recorded on its schedule', { scheduleId, error: causeMessage(err) });
  }
  run.view.show();
}
