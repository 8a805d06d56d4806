// Scheduled retraining that does not waste money (`orchestration.skipIfUnchanged`): a scheduled run
// whose prepared dataset and training settings are those of its schedule's last trained run ends as
// Skipped, creating no job.
//
// The schedule carries its last trained run: the run whose job completed writes a record into the
// memo of the schedule's start action (activities/record-trained-run.ts), and every run the schedule
// starts afterwards finds it in its own memo. So the comparison reads the run's start event (exact
// and replay-safe, no visibility query, no search attribute), and it outlives the namespace's
// retention, which a weekly schedule's previous run may not. docs/decisions.md says why.
// Pure: the workflow decides with it; the activity writes what it defines.
import type { SkipCheck, TrainedRun } from './fine-tune-contract';
import { isObject } from './json';
import { canonicalJson } from './naming';
import type { FineTuneRequest } from './request';

/** The key of the record in the schedule action's memo (and so in each scheduled run's memo). */
export const LAST_TRAINED_MEMO_KEY = 'finetuneLastTrainedRun';

/**
 * What shapes the model besides the training data: a change retrains even on an unchanged dataset.
 * Left out: names, tags, the role, KMS key, VPC and output location (the same weights either way), and
 * the validation set (it is measured, not trained on; the fingerprint is the training content's).
 */
export interface TrainingSettings {
  baseModelIdentifier: string;
  customizationType: string;
  hyperParameters: Record<string, string>;
  customizationConfig: NonNullable<FineTuneRequest['customizationConfig']>;
}

export function trainingSettings(request: FineTuneRequest): TrainingSettings {
  return {
    baseModelIdentifier: request.baseModelIdentifier,
    customizationType: request.customizationType ?? 'FINE_TUNING',
    hyperParameters: request.hyperParameters ?? {},
    customizationConfig: request.customizationConfig ?? {},
  };
}

/** A schedule's last trained run, as its start action's memo carries it. */
export interface TrainedRunRecord extends TrainedRun {
  settings: TrainingSettings;
}

const short = (fingerprint: string) => `\`${fingerprint.slice(0, 12)}\``;

/** The memo value as a record, or undefined when it is not one (edited by hand, another version). */
export function trainedRunRecordOf(value: unknown): TrainedRunRecord | undefined {
  if (!isObject(value) || !isObject(value.settings)) return undefined;
  const text = ['workflowId', 'runId', 'scheduledAt', 'completedAt', 'datasetFingerprint', 'jobArn'] as const;
  if (!text.every((key) => typeof value[key] === 'string')) return undefined;
  return value as unknown as TrainedRunRecord;
}

/** How recording a trained run on its schedule went, for the run's details. */
export interface ScheduleRecord {
  outcome:
    | 'recorded'
    | 'newer-kept' // the schedule records a run scheduled later (overlapping runs ended out of order)
    | 'no-schedule' // deleted since it started the run: nothing will compare with it
    | 'failed';
  message: string;
}

/** The record without its settings: the run, as a skipped result or a schedule's description names it. */
export function trainedRunOf(record: TrainedRunRecord): TrainedRun {
  const { settings: _settings, ...run } = record;
  return run;
}

/** The settings that differ, by member name. */
function changedSettings(a: TrainingSettings, b: TrainingSettings): string[] {
  return (Object.keys(a) as (keyof TrainingSettings)[]).filter(
    (key) => canonicalJson(a[key]) !== canonicalJson(b[key]),
  );
}

export interface SkipCheckInput {
  /** The schedule that started the run; undefined when none did. */
  scheduleId?: string;
  fingerprint: string;
  settings: TrainingSettings;
  /** The memo value the run started with (LAST_TRAINED_MEMO_KEY). */
  recorded: unknown;
}

/** Skip, or train and why: the line an operator reads in the run's details. */
export function skipCheck(input: SkipCheckInput): SkipCheck {
  if (input.scheduleId === undefined)
    return {
      verdict: 'train',
      reason: 'skip if unchanged applies to runs a schedule starts; no schedule started this one',
    };
  if (input.recorded === undefined)
    return {
      verdict: 'train',
      reason: `schedule ${input.scheduleId} has no trained run on record yet (one is recorded when this run's job completes)`,
    };
  const last = trainedRunRecordOf(input.recorded);
  if (!last)
    return {
      verdict: 'train',
      reason: `the record of schedule ${input.scheduleId}'s last trained run is unreadable (memo ${LAST_TRAINED_MEMO_KEY})`,
    };
  const comparedWith = trainedRunOf(last);
  if (last.datasetFingerprint !== input.fingerprint)
    return {
      verdict: 'train',
      reason: `the dataset changed since ${last.workflowId} (${short(last.datasetFingerprint)} then, ${short(input.fingerprint)} now)`,
      comparedWith,
    };
  const changed = changedSettings(input.settings, last.settings);
  if (changed.length > 0)
    return {
      verdict: 'train',
      reason: `the dataset is unchanged but the training settings changed since ${last.workflowId} (${changed.join(', ')})`,
      comparedWith,
    };
  return {
    verdict: 'skip',
    reason: `the prepared dataset (${short(input.fingerprint)}) and the training settings are those of ${last.workflowId}, completed ${last.completedAt}${last.customModelArn ? `, which trained ${last.customModelArn}` : ''}: no job was created`,
    matched: comparedWith,
  };
}
