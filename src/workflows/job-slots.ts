// The keeper of Bedrock's customization-job slots: one workflow per (region, installation, task queue),
// acting as a semaphore with a fair queue (samples-typescript's safe-message-handlers shape: handlers only
// change state, the main loop does the I/O). Runs ask with the `requestSlot` Update and are answered at
// once (granted, or their place); grants and changed places go to the runs as signals, so no Update waits
// for long. The rules are pure (core/job-slots.ts); this file adds time, signals and the listing.
//
// The keeper lists Bedrock's jobs in progress while anyone holds or waits (other tools share the quota),
// gives back the slot of a holder that closed without releasing (terminated, or its history lost), and
// continues-as-new with its whole state once its history grows, after its handlers have finished.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_TYPES } from '../core/failures';
import {
  grantFree,
  grantOrder,
  initialSlots,
  join,
  listed,
  placeNotices,
  PLACES_TOLD,
  probe,
  refused,
  release,
  type JobSlotSettings,
  type SlotsState,
} from '../core/job-slots';
import {
  jobSlotsQuery,
  releaseSlotSignal,
  requestSlotUpdate,
  slotGrantedSignal,
  slotPlaceSignal,
  slotRefusedSignal,
  type JobSlotsView,
} from '../core/job-slots-contract';
import { takes } from './patches';

export interface JobSlotsInput {
  settings: JobSlotSettings;
  /** The state a previous run of this keeper handed over at continue-as-new. */
  carried?: SlotsState;
}

const { countJobsInProgress, closedHolders } = proxyActivities<Activities>({
  summary: 'count the jobs in progress and check the holders',
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 3,
    nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES],
  },
});

function viewOf(state: SlotsState): JobSlotsView {
  const at = (ms: number) => new Date(ms).toISOString();
  return {
    quota: state.quota,
    quotaSource: state.quotaSource,
    external: state.external,
    holders: Object.entries(state.holders).map(([holder, h]) => ({ holder, key: h.key, since: at(h.since) })),
    waiting: grantOrder(state).map((w, ahead) => ({
      holder: w.holder,
      key: w.key,
      priority: w.priority,
      ahead,
      since: at(w.since),
    })),
    granted: state.granted,
    refusals: state.refusals,
    settings: state.settings,
  };
}

export async function jobSlots(input: JobSlotsInput): Promise<void> {
  const state = input.carried ?? initialSlots(input.settings);
  // Keepers from before the patch granted other runs inside an ask's Update without telling them (their
  // slots stayed taken), probed one slot beyond the quota at their first look, broke ties between keys
  // by arrival alone, and told places more often.
  const grantsInLoop = takes('keeperGrantsInItsLoop');
  if (grantsInLoop) {
    state.quietSince ??= Date.now();
    state.grantsByKey ??= {};
    state.placesTold ??= PLACES_TOLD;
  }
  const keeperId = workflowInfo().workflowId;
  let changed = true;
  let listSoon = false;

  setHandler(requestSlotUpdate, (request) => {
    changed = true;
    return join(state, request, Date.now(), grantsInLoop ? 'asker-only' : 'all-free');
  });
  setHandler(releaseSlotSignal, ({ holder }) => {
    if (release(state, holder)) changed = true;
  });
  setHandler(slotRefusedSignal, ({ holder }) => {
    refused(state, holder, Date.now());
    changed = true;
    listSoon = true;
  });
  setHandler(jobSlotsQuery, () => viewOf(state));

  for (;;) {
    changed = false;
    const granted = grantFree(state, Date.now());
    const notices = placeNotices(state);
    // A run that has closed cannot take the signal: its slot (or place) is given back.
    await Promise.all([
      ...granted.map((holder) =>
        getExternalWorkflowHandle(holder)
          .signal(slotGrantedSignal, { keeperId })
          .catch(() => {
            log.warn('a granted run has closed: its slot is given back', { holder });
            release(state, holder);
            changed = true;
          }),
      ),
      ...notices.map(({ holder, ahead }) =>
        getExternalWorkflowHandle(holder)
          .signal(slotPlaceSignal, { ahead })
          .catch(() => {
            release(state, holder);
            changed = true;
          }),
      ),
    ]);
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength >= state.settings.continueAsNewAfterEvents) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof jobSlots>({ settings: state.settings, carried: state });
    }
    if (changed) continue;
    const busy = Object.keys(state.holders).length > 0 || state.waiting.length > 0;
    // Idle: nothing to list, no timer (an idle keeper adds no history).
    if (!busy) {
      await condition(() => changed);
      continue;
    }
    const sinceList = state.lastListAt === undefined ? Infinity : Date.now() - state.lastListAt;
    const listIn = listSoon ? 0 : Math.max(0, state.settings.listEveryMs - sinceList);
    if (listIn > 0 && (await condition(() => changed || listSoon, listIn))) continue;
    listSoon = false;
    await look(state);
  }
}

/** Counts Bedrock's jobs in progress and gives back the slots of holders that have closed. */
async function look(state: SlotsState): Promise<void> {
  const now = () => Date.now();
  try {
    const holders = Object.keys(state.holders);
    if (holders.length > 0) {
      for (const holder of await closedHolders(holders)) {
        log.warn('a run holding a slot has closed without giving it back: the slot is freed', { holder });
        release(state, holder);
      }
    }
    listed(state, await countJobsInProgress(), now());
  } catch (err) {
    // Bedrock or the namespace unreachable: the estimate stays as it was; the next look tries again.
    log.warn('the keeper could not look at the jobs in progress', { error: (err as Error).message });
    state.lastListAt = now();
  }
  probe(state, now());
}
