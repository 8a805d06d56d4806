// Steps 1, 2 and 2b: everything a run does before any job exists. The request is one Bedrock would
// accept (preflight), every record of its data is valid (and prepared, fingerprinted), and a scheduled
// run whose data and settings did not change ends here, Skipped. A stop or the deadline cuts these
// steps short: with no job yet, there is nothing to release.
import { log } from '@temporalio/workflow';
import type { PreflightResult } from '../activities/preflight';
import { FailureType, type FineTuneSkippedResult } from '../core/fine-tune-contract';
import { LAST_TRAINED_MEMO_KEY, skipCheck, trainingSettings } from '../core/retraining';
import { prepareDatasetInput } from './activity-inputs';
import { interruptible, RunInterrupted } from './interruptions';
import type { PreparedDataset, Run } from './run';

/** 1. The request is one Bedrock would accept: patterns, the model supports the type, ranges, buckets. */
export async function checkRequest(run: Run): Promise<PreflightResult> {
  if (run.templateProblems) {
    run.end(
      'failed',
      FailureType.InvalidRequest,
      `The request's templates cannot be resolved:\n  - ${run.templateProblems.join('\n  - ')}`,
    );
  }
  if (!run.state.preflight) {
    run.state.preflight = await beforeTheJob(run, () => run.acts.preflight(run.request));
    // Only the poll activity's input changes (no command): no patch needed.
    if (run.state.preflight.jobEvents) run.pollAsSafetyNet();
  }
  return run.state.preflight;
}

/** 2. Every record valid for the model; prepared files and the fingerprint the job's identity uses. */
export async function prepareData(run: Run, preflight: PreflightResult): Promise<PreparedDataset> {
  if (run.state.dataset) return run.state.dataset;
  run.setPhase('preparing-data');
  const prepared = await beforeTheJob(run, () =>
    run.acts.prepareDataset(prepareDatasetInput(run.request, preflight, defaultSeed(run))),
  );
  run.view.datasetPrepared(prepared.fingerprint);
  run.state.dataset = {
    fingerprint: prepared.fingerprint,
    reportUri: prepared.reportUri,
    ...prepared.stats,
    trainingDataConfig: prepared.trainingDataConfig,
    validationDataConfig: prepared.validationDataConfig,
  };
  return run.state.dataset;
}

/**
 * The split's seed when the request gives none. The runs of one schedule share theirs, so unchanged
 * data prepares to the same bytes (the same fingerprint, which skipIfUnchanged compares) and
 * successive models are validated on the same held-out records.
 */
function defaultSeed(run: Run): string {
  return run.skipsUnchanged && run.state.scheduled ? run.state.scheduled.scheduleId : run.info.workflowId;
}

/**
 * 2b. With `skipIfUnchanged`, a scheduled run whose prepared dataset and training settings are those of
 * the last trained run its schedule recorded (in this run's memo, from the schedule's action) ends
 * here as Skipped, with no job. Undefined: train.
 */
export function skipIfUnchanged(run: Run, dataset: PreparedDataset): FineTuneSkippedResult | undefined {
  const { state } = run;
  if (!run.skipsUnchanged || !run.orchestration.skipIfUnchanged) return undefined;
  // Decided once, before any job: a continued-as-new run (its job training) never checks again, since
  // a verdict that changed (a new worker's rules) would end the run with its job unwatched.
  if (state.skipCheck || state.createStarted || state.job) return undefined;
  const check = skipCheck({
    scheduleId: state.scheduled?.scheduleId,
    fingerprint: dataset.fingerprint,
    settings: trainingSettings(run.request),
    recorded: run.info.memo?.[LAST_TRAINED_MEMO_KEY],
  });
  state.skipCheck = check;
  log.info(`skip if unchanged: ${check.verdict}`, { reason: check.reason });
  if (check.verdict === 'train') {
    run.view.show();
    return undefined;
  }
  run.setPhase('skipped');
  return {
    status: 'Skipped',
    reason: check.reason,
    matched: check.matched,
    datasetFingerprint: dataset.fingerprint,
    datasetReportUri: dataset.reportUri,
    timings: { startedAt: state.startedAt, finishedAt: new Date().toISOString() },
  };
}

/**
 * A step before any job exists: a stop or the deadline cuts it short (its activity hears the cancel
 * on its next heartbeat). Runs from before the patch only looked for a stop once the step was done.
 */
async function beforeTheJob<T>(run: Run, work: () => Promise<T>): Promise<T> {
  if (!run.ownsJob) {
    const done = await work();
    if (run.state.stopReason !== undefined) throw new RunInterrupted('stop');
    return done;
  }
  run.throwIfInterrupted();
  const outcome = await interruptible(run, work, ['stop'], { settle: true });
  if ('wake' in outcome) throw new RunInterrupted(outcome.wake === 'deadline' ? 'deadline' : 'stop');
  return outcome.done;
}
