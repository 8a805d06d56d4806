// The messages between fineTune runs and their `jobSlots` keeper (src/workflows/job-slots.ts), and what
// the keeper answers operators. A run asks with the `requestSlot` Update (sent with update-with-start by
// an activity, so the first run starts the keeper); the keeper grants by signalling the run, tells a
// waiting run its place as it changes, and hears releases and refusals as signals.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { JobSlotSettings, SlotAnswer, SlotRequest } from './job-slots';

export const JOB_SLOTS_WORKFLOW_TYPE = 'jobSlots';

/** A run asks for a slot: granted at once, or its place in the queue. */
export const requestSlotUpdate = defineUpdate<SlotAnswer, [SlotRequest]>('requestSlot');
/** A run gives its slot back, or leaves the queue (its job ended; stopped, cancelled, failed). */
export const releaseSlotSignal = defineSignal<[{ holder: string }]>('releaseSlot');
/** A granted run's create was refused for the quota: the keeper learns, and queues it again first. */
export const slotRefusedSignal = defineSignal<[{ holder: string }]>('slotRefused');

/** Keeper to run: the slot is yours. */
export const slotGrantedSignal = defineSignal<[{ keeperId: string }]>('slotGranted');
/** Keeper to run: your place changed. */
export const slotPlaceSignal = defineSignal<[{ ahead: number }]>('slotPlace');

export interface JobSlotsView {
  quota: number;
  quotaSource: string;
  external: number;
  holders: { holder: string; key: string; since: string }[];
  /** In the order they would be granted. */
  waiting: { holder: string; key: string; priority: number; ahead: number; since: string }[];
  granted: number;
  refusals: number;
  settings: JobSlotSettings;
}
export const jobSlotsQuery = defineQuery<JobSlotsView>('jobSlots');

/** What a run records of its place in the queue (RunState.slot, the `progress` query's `queue`). */
export interface RunSlot {
  keeperId: string;
  key: string;
  granted: boolean;
  /** Runs ahead while queued. */
  ahead?: number;
  /** Given back (or the queue left): sent once. */
  released?: boolean;
  /** Waiting this long without a grant, the run asks again (the worker's setting; patch 'queued-runs-ask-again'). */
  askAgainAfterMs?: number;
}
