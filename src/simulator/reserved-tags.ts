// Job tags the simulator reads as instructions (documented in README.md). They are ordinary tags on the
// wire (listed by ListTagsForResource); they are read once, at CreateModelCustomizationJob, so a
// lifecycle never changes after the fact.
import { validation } from './errors';
import { FORCED_OUTCOMES, type ForcedOutcome, type Tag, type WireCustomizationType } from './types';

export const OUTCOME_TAG = 'simulator:outcome';
export const TIME_SCALE_TAG = 'simulator:time-scale';
export const REPLY_DELAY_TAG = 'simulator:reply-delay-ms';
export const LOST_REPLIES_TAG = 'simulator:lost-replies';
export const REFUSED_STOPS_TAG = 'simulator:refused-stops';

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
      if (!(FORCED_OUTCOMES as readonly string[]).includes(tag.value)) {
        throw validation(
          `The reserved job tag ${OUTCOME_TAG} takes one of ${FORCED_OUTCOMES.join(', ')}; got '${tag.value}'.`,
        );
      }
      settings.forcedOutcome = tag.value as ForcedOutcome;
    } else if (tag.key === TIME_SCALE_TAG) {
      const scale = Number(tag.value);
      if (tag.value.trim() === '' || !Number.isFinite(scale) || scale <= 0) {
        throw validation(
          `The reserved job tag ${TIME_SCALE_TAG} takes a positive number of simulated seconds per real second; got '${tag.value}'.`,
        );
      }
      settings.timeScale = scale;
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
