// Tags the simulator reads as instructions (documented in README.md). They are ordinary tags on the
// wire (listed by ListTagsForResource); they are read once, at the create that carries them, so a
// lifecycle never changes after the fact. A customization job's jobTags also decide how the custom model
// it trains behaves later (its evaluation scores, a failing smoke test or deployment); deployments,
// Provisioned Throughputs and evaluation jobs read their own tags for their time scale and reply faults.
import { validation } from './errors';
import { FORCED_OUTCOMES, type ForcedOutcome, type Tag, type WireCustomizationType } from './types';

export const OUTCOME_TAG = 'simulator:outcome';
export const TIME_SCALE_TAG = 'simulator:time-scale';
export const REPLY_DELAY_TAG = 'simulator:reply-delay-ms';
export const LOST_REPLIES_TAG = 'simulator:lost-replies';
export const REFUSED_STOPS_TAG = 'simulator:refused-stops';
export const EVAL_SCORE_TAG = 'simulator:eval-score';

/**
 * `simulator:outcome` values on a customization job that do not change the job (it completes) but the
 * custom model it trains: `fail-smoke` makes Converse and InvokeModel on it fail, `fail-deploy` makes a
 * deployment of it (create or update) and a Provisioned Throughput created on it fail.
 */
export const MODEL_OUTCOMES = ['fail-smoke', 'fail-deploy'] as const;
export type ModelOutcome = (typeof MODEL_OUTCOMES)[number];
/** `simulator:outcome` on an evaluation job's jobTags: it fails when its run would have completed. */
export const EVALUATION_OUTCOMES = ['fail-evaluation'] as const;

/** A held reply longer than this would outlast any client's patience; it is a typo, not a test. */
export const MAX_REPLY_DELAY_MS = 600_000;
const MAX_LOST_REPLIES = 100;
const MAX_REFUSED_STOPS = 100;

export interface ReservedTagSettings {
  forcedOutcome?: ForcedOutcome;
  timeScale?: number;
  /** Every answer to this job's Create is held this long after the job is committed. */
  replyDelayMs?: number;
  /** The first this many answers to this job's Create (the first call and its idempotent repeats) are lost. */
  lostReplies?: number;
  /** The first this many Stops of this job, while it is InProgress, are refused with a ConflictException. */
  refusedStops?: number;
  /** What the custom model this job trains does later (see MODEL_OUTCOMES). */
  modelOutcome?: ModelOutcome;
  /** The centre of the custom model's evaluation scores, 0 to 1. */
  evalScore?: number;
}

/** What a resource other than a customization job reads from its own tags. */
export interface ResourceTagSettings {
  timeScale?: number;
  replyDelayMs?: number;
  lostReplies?: number;
  /** Evaluation jobs only: `simulator:outcome=fail-evaluation`. */
  failEvaluation?: boolean;
}

function timeScale(value: string): number {
  const scale = Number(value);
  if (value.trim() === '' || !Number.isFinite(scale) || scale <= 0) {
    throw validation(
      `The reserved tag ${TIME_SCALE_TAG} takes a positive number of simulated seconds per real second; got '${value}'.`,
    );
  }
  return scale;
}

function evalScore(value: string): number {
  const score = Number(value);
  if (value.trim() === '' || !Number.isFinite(score) || score < 0 || score > 1) {
    throw validation(`The reserved job tag ${EVAL_SCORE_TAG} takes a number from 0 to 1; got '${value}'.`);
  }
  return score;
}

function wholeNumber(key: string, value: string, max: number, meaning: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > max) {
    throw validation(`The reserved job tag ${key} takes ${meaning} from 0 to ${max}; got '${value}'.`);
  }
  return n;
}

/** Only an RFT job has a grader to fail. */
export function checkOutcomeFitsType(settings: ReservedTagSettings, type: WireCustomizationType): void {
  if (settings.forcedOutcome === 'fail-grader' && type !== 'REINFORCEMENT_FINE_TUNING') {
    throw validation(
      `The reserved job tag ${OUTCOME_TAG}=fail-grader applies to REINFORCEMENT_FINE_TUNING jobs only (they have a grader); this job is ${type}.`,
    );
  }
}

export function readReservedTags(tags: readonly Tag[]): ReservedTagSettings {
  const settings: ReservedTagSettings = {};
  for (const tag of tags) {
    if (tag.key === OUTCOME_TAG) {
      if ((MODEL_OUTCOMES as readonly string[]).includes(tag.value)) {
        settings.modelOutcome = tag.value as ModelOutcome;
        continue;
      }
      if (!(FORCED_OUTCOMES as readonly string[]).includes(tag.value)) {
        throw validation(
          `The reserved job tag ${OUTCOME_TAG} takes one of ${[...FORCED_OUTCOMES, ...MODEL_OUTCOMES].join(', ')}; got '${tag.value}'.`,
        );
      }
      settings.forcedOutcome = tag.value as ForcedOutcome;
    } else if (tag.key === TIME_SCALE_TAG) {
      settings.timeScale = timeScale(tag.value);
    } else if (tag.key === EVAL_SCORE_TAG) {
      settings.evalScore = evalScore(tag.value);
    } else if (tag.key === REPLY_DELAY_TAG) {
      settings.replyDelayMs = wholeNumber(tag.key, tag.value, MAX_REPLY_DELAY_MS, 'a whole number of milliseconds');
    } else if (tag.key === LOST_REPLIES_TAG) {
      settings.lostReplies = wholeNumber(tag.key, tag.value, MAX_LOST_REPLIES, 'a whole number of replies');
    } else if (tag.key === REFUSED_STOPS_TAG) {
      settings.refusedStops = wholeNumber(tag.key, tag.value, MAX_REFUSED_STOPS, 'a whole number of stops');
    }
  }
  return settings;
}

/**
 * The reserved tags of a deployment, a Provisioned Throughput or an evaluation job (`kind` names it in
 * messages). The tags that describe a custom model belong on the customization job that trains it.
 */
export function readResourceTags(
  tags: readonly Tag[],
  kind: 'deployment' | 'throughput' | 'evaluation',
): ResourceTagSettings {
  const settings: ResourceTagSettings = {};
  for (const tag of tags) {
    if (tag.key === TIME_SCALE_TAG) settings.timeScale = timeScale(tag.value);
    else if (tag.key === REPLY_DELAY_TAG)
      settings.replyDelayMs = wholeNumber(tag.key, tag.value, MAX_REPLY_DELAY_MS, 'a whole number of milliseconds');
    else if (tag.key === LOST_REPLIES_TAG)
      settings.lostReplies = wholeNumber(tag.key, tag.value, MAX_LOST_REPLIES, 'a whole number of replies');
    else if (tag.key === OUTCOME_TAG && kind === 'evaluation') {
      if (!(EVALUATION_OUTCOMES as readonly string[]).includes(tag.value)) {
        throw validation(
          `The reserved tag ${OUTCOME_TAG} on an evaluation job takes ${EVALUATION_OUTCOMES.join(', ')}; got '${tag.value}'.`,
        );
      }
      settings.failEvaluation = true;
    } else if (tag.key === OUTCOME_TAG || tag.key === EVAL_SCORE_TAG) {
      throw validation(
        `The reserved tag ${tag.key} describes a custom model: put it in the jobTags of the customization job that trains the model, not on a ${kind === 'deployment' ? 'custom model deployment' : kind === 'throughput' ? 'Provisioned Throughput' : 'evaluation job'}.`,
      );
    }
  }
  return settings;
}

/** What a custom model's training job tags say about it, read leniently (state written by older simulators). */
export function modelBehaviour(jobTags: readonly Tag[] | undefined): { outcome?: ModelOutcome; evalScore?: number } {
  const out: { outcome?: ModelOutcome; evalScore?: number } = {};
  for (const tag of jobTags ?? []) {
    if (tag.key === OUTCOME_TAG && (MODEL_OUTCOMES as readonly string[]).includes(tag.value))
      out.outcome = tag.value as ModelOutcome;
    if (tag.key === EVAL_SCORE_TAG) {
      const n = Number(tag.value);
      if (tag.value.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 1) out.evalScore = n;
    }
  }
  return out;
}
