// Every patch the workflows (fineTune, and the jobSlots keeper) check with `patched()`: what it guards, which committed histories
// replay each of its branches (test/workflows/histories/), and when it may be deprecated. A workflow
// change that would give a run in flight other commands than it recorded takes a patch here (and a
// history of each branch); test/workflows/patches.unit.test.ts holds the register to what the code and
// the histories say. The plan for retiring them is in docs/decisions.md ("Retiring patches").
import { patched } from '@temporalio/workflow';

export interface Patch {
  /** The id in history markers: never changed once released. */
  id: string;
  /** The workflow version that introduced it (the prefix of its histories). */
  since: string;
  /** What the new branch does that the old one did not. */
  guards: string;
  /** Histories whose runs took the old branch (recorded before the patch): the marker is absent. */
  oldBranch: string[];
  /** Histories whose runs took the new branch: the marker is present. */
  newBranch: string[];
  /** When `deprecatePatch` may replace `patched`, then when the old branch may be deleted. */
  retire: string;
}

const BEFORE_RUN_OWNS_ITS_JOB =
  'deprecatePatch once no run started before v4 can be open (the oldest open run started after the v4 release, ' +
  'or the namespace retention plus the longest run, deadline or stopTimeout, has passed since); delete the old branch ' +
  'one release after that';

export const PATCHES = {
  firstLookInPollActivity: {
    id: 'first-look-in-poll-activity',
    since: 'v2',
    guards:
      'the first look after creation, and the pause after a state change, wait inside the poll activity (no timer)',
    oldBranch: ['v1-first-look-timer-completed', 'v1-first-look-timer-cancelled'],
    newBranch: ['v2-first-look-in-activity-completed', 'v2-first-look-in-activity-cancelled'],
    retire: BEFORE_RUN_OWNS_ITS_JOB,
  },
  stopWaitIgnoresDeadline: {
    id: 'stop-wait-ignores-deadline',
    since: 'v3',
    guards:
      'waiting for Stopped after a deadline stop is not cut short by that deadline (a zero-length busy wait before)',
    oldBranch: [],
    newBranch: ['v3-stop-wait-ignores-deadline-deadline', 'v4-run-owns-its-job-deadline'],
    retire: BEFORE_RUN_OWNS_ITS_JOB,
  },
  noJobAfterDeadline: {
    id: 'no-job-after-deadline',
    since: 'v3',
    guards: 'a run that reaches the create after its deadline creates no job (it ends DeadlineExceeded)',
    oldBranch: [],
    newBranch: ['v3-no-job-after-deadline-deadline-before-create'],
    retire: BEFORE_RUN_OWNS_ITS_JOB,
  },
  runOwnsItsJob: {
    id: 'run-owns-its-job',
    since: 'v4',
    guards:
      'the run owns its job from the create on (every ending releases it), a stop or the deadline interrupts ' +
      'preflight and data preparation, cancelled steps wait for their activity (WAIT_CANCELLATION_COMPLETED)',
    oldBranch: [
      'v1-first-look-timer-completed',
      'v2-first-look-in-activity-completed',
      'v3-stop-wait-ignores-deadline-deadline',
    ],
    newBranch: ['v4-run-owns-its-job-completed', 'v4-run-owns-its-job-cancel-while-creating'],
    retire: BEFORE_RUN_OWNS_ITS_JOB,
  },
  skipIfUnchanged: {
    id: 'skip-if-unchanged',
    since: 'v5',
    guards: "a scheduled run may skip unchanged data, and its split's default seed is the schedule's",
    oldBranch: ['v4-run-owns-its-job-completed'],
    newBranch: ['v5-skip-if-unchanged-skipped', 'v5-skip-if-unchanged-completed'],
    retire: 'deprecatePatch once no run started before v5 can be open (as above); then delete the old branch',
  },
  createHearsStopAndDeadline: {
    id: 'create-hears-stop-and-deadline',
    since: 'v6',
    guards:
      'the first create call, while retried, is cut short by a stop or the deadline: no attempt starts after ' +
      'either, and the attempt in flight is waited for (its job is stopped)',
    oldBranch: ['v5-skip-if-unchanged-completed', 'v5-skip-if-unchanged-deadline'],
    newBranch: ['v6-clean-up-completed', 'v6-clean-up-deadline-during-create', 'v6-clean-up-stop-during-create'],
    retire: 'deprecatePatch once no run started before v6 can be open (as above); then delete the old branch',
  },
  stopRefusalResent: {
    id: 'stop-refusal-resent',
    since: 'v6',
    guards: 'a stop Bedrock refuses while the job runs is sent again until stopTimeout, then reported stop-refused',
    oldBranch: ['v5-skip-if-unchanged-stop-update', 'v5-skip-if-unchanged-cancelled'],
    newBranch: ['v6-clean-up-stop-refused-then-taken', 'v6-clean-up-stop-refused', 'v6-clean-up-cancelled'],
    retire: 'deprecatePatch once no run started before v6 can be open (as above); then delete the old branch',
  },
  jobSlotQueue: {
    id: 'job-slot-queue',
    since: 'v8',
    guards:
      'with the queue on (its preflight says jobQueue), the run asks the jobSlots keeper for a slot before its ' +
      'create and waits in a fair queue, not on timers, reports a refused create to it, and gives the slot back ' +
      'when its job ends or the run does; with the queue off it asks nothing and waits on timers',
    oldBranch: ['v6-clean-up-completed', 'v6-clean-up-stop-during-create'],
    newBranch: ['v8-fair-queue-completed', 'v8-fair-queue-cancel-while-queued', 'v8-queue-off-completed'],
    retire: 'deprecatePatch once no run started before v8 can be open (as above); then delete the old branch',
  },
  keeperGrantsInItsLoop: {
    id: 'keeper-grants-in-its-loop',
    since: 'v9',
    guards:
      "the jobSlots keeper grants other runs only in its loop, which signals them (an ask's Update granted " +
      'every free slot and told only the asker: the others held slots they never heard of), counts the ' +
      'quiet time before its first probe from its start (it granted one slot beyond the quota at its first look), ' +
      'and breaks ties between keys by their grants so far for their weights, a key that starts waiting taking the least-served ' +
      "waiting key's count (arrival alone kept a weight-2 key at 4 of 10 slots); it tells a waiting run its place " +
      'exactly within 5 of the head and otherwise at a change of half (10 and a fifth before)',
    // Recorded afterwards from the v8 code (the job-queue test at the commit before the patch).
    oldBranch: ['v8-fair-queue-keeper'],
    newBranch: ['v9-fair-queue-keeper'],
    retire:
      'deprecatePatch once no keeper started before v9 is open (keepers run as long as runs use the queue: ' +
      'after a v9 worker has run, terminate or let continue-as-new carry the state, which keeps quietSince); then delete the old branch',
  },
  queuedRunsAskAgain: {
    id: 'queued-runs-ask-again',
    since: 'v10',
    guards:
      'a run waiting in the fair queue asks its keeper again every askAgainAfterMs (30 minutes by default) ' +
      'without a grant (a timer and a requestJobSlot activity), so a keeper that was terminated or lost is ' +
      'started anew and a grant that never arrived is answered again; before, a lost keeper left its runs waiting',
    oldBranch: ['v8-fair-queue-completed', 'v8-fair-queue-cancel-while-queued'],
    newBranch: ['v10-fair-queue-ask-again'],
    retire: 'deprecatePatch once no run started before v10 can be open (as above); then delete the old branch',
  },
} as const satisfies Record<string, Patch>;

export type PatchName = keyof typeof PATCHES;

/** Whether this run takes the patch's new branch (false only while replaying a run from before it). */
export function takes(patch: PatchName): boolean {
  return patched(PATCHES[patch].id);
}
