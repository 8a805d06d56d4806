// The fair queue for Bedrock's customization-job quota: the rules the `jobSlots` keeper workflow follows,
// pure so the workflow replays them and tests run them without servers (docs/decisions.md, "A fair queue
// for the quota"). One keeper per (region, installation, task queue) holds who has a slot, who waits, and
// what it has learned of the quota; a run asks it for a slot before its create and gives the slot back on
// every way out.
//
// Order: a higher priority first; within a priority, the fairness key (a team) holding the fewest slots
// for its weight; within a key, first come first served. The quota is an estimate: a create Bedrock
// refused shrinks it to what was in progress then, a listing that shows more jobs in progress than it
// raises it, and while runs wait and nothing was refused for a while it probes one higher.

/** What a run sends when it asks for a slot. */
export interface SlotRequest {
  /** The run's workflow ID: the holder, across continue-as-new. */
  holder: string;
  /** The fairness key (`orchestration.queue.key`), `default` when the request names none. */
  key: string;
  /** Higher first (`orchestration.queue.priority`, default 0). */
  priority: number;
  /** The worker's settings as it knows them: the newest asker's win. */
  settings?: JobSlotSettings;
}

/** How a keeper behaves: the worker's settings (config.ts, FINETUNE_JOB_QUEUE*). */
export interface JobSlotSettings {
  /** The quota assumed before anything is learned: the operator's (FINETUNE_JOB_QUEUE_QUOTA) or ASSUMED_QUOTA. */
  initialQuota: number;
  /**
   * No quota was configured: initialQuota is ASSUMED_QUOTA, a guess, and the keeper shows its estimate as
   * `assumed` until Bedrock refuses a create or lists more. Absent in settings from before it (configured).
   */
  quotaAssumed?: boolean;
  /** Weights per fairness key; 1 for a key not named. */
  weights: Record<string, number>;
  /** How often, while anyone holds or waits, the keeper counts Bedrock's jobs in progress and checks holders. */
  listEveryMs: number;
  /** With runs waiting and nothing refused for this long, the keeper tries one slot more. */
  probeAfterMs: number;
  /** Continue-as-new at this many history events (besides the server's suggestion). */
  continueAsNewAfterEvents: number;
  /**
   * A run that has waited this long since it asked, without a grant, asks again: a keeper that was lost
   * (terminated, its namespace's state gone) is started anew by the ask, and a grant that never reached
   * the run is answered again. Absent in keepers' settings from before it (the runs use the default).
   */
  askAgainAfterMs?: number;
}

/**
 * The estimate a keeper starts from when no quota is configured: high on purpose. Too high costs one
 * refused create per run granted before Bedrock's first refusal comes back (a fraction of a second),
 * after which the estimate is what was in progress; too low would hold a larger account's quota back
 * for hours, since the keeper raises a low estimate by one slot per quiet probe period (10 minutes).
 */
export const ASSUMED_QUOTA = 100;

/** How long a queued run waits for its grant before it asks again, unless the settings say otherwise. */
export const ASK_AGAIN_AFTER_MS = 30 * 60_000;

export const DEFAULT_JOB_SLOT_SETTINGS: JobSlotSettings = {
  initialQuota: ASSUMED_QUOTA,
  quotaAssumed: true,
  weights: {},
  listEveryMs: 30_000,
  probeAfterMs: 10 * 60_000,
  continueAsNewAfterEvents: 4_000,
  askAgainAfterMs: ASK_AGAIN_AFTER_MS,
};

export interface SlotAnswer {
  granted: boolean;
  /** Runs that will be granted before this one (0 once granted). */
  ahead: number;
}

export interface Waiter {
  holder: string;
  key: string;
  priority: number;
  /** Arrival order; a run whose create was refused after its grant keeps its first one (and goes first). */
  seq: number;
  since: number;
  /** The place this run was last told (signals go out when it changes enough). */
  told?: number;
}

export interface Holder {
  key: string;
  since: number;
}

export interface SlotsState {
  settings: JobSlotSettings;
  /** The quota as learned so far. */
  quota: number;
  /** How the estimate was last set. */
  quotaSource: 'configured' | 'assumed' | 'refusal' | 'listing' | 'probe';
  /** Jobs in progress that are not ours (other tools, other installations), from the last listing. */
  external: number;
  holders: Record<string, Holder>;
  waiting: Waiter[];
  nextSeq: number;
  lastRefusalAt?: number;
  lastProbeAt?: number;
  /**
   * When the keeper started trusting its estimate (its first start): the quiet time before a probe counts
   * from here too, so a configured quota is not exceeded at once. Absent in keepers from before patch
   * `keeper-grants-in-its-loop`, whose first look probed straight away.
   */
  quietSince?: number;
  /**
   * Grants so far per key (carried across continue-as-new): between keys holding equally few slots for
   * their weights, the one granted fewer for its weight goes first, so a weight of 2 against 1 and 1 on
   * 10 slots holds 5, not 4 (arrival order alone let the others win every such tie). Absent in keepers
   * from before patch `keeper-grants-in-its-loop`.
   */
  grantsByKey?: Record<string, number>;
  /**
   * When a waiting run hears of its new place (absent: PLACES_TOLD_BEFORE_V9). Each notice is a signal
   * and a workflow task of the run, which replays it when the worker's cache has evicted it: with 1,000
   * runs waiting, the notices were most of the worker's CPU and of the runs' history.
   */
  placesTold?: PlacesTold;
  lastListAt?: number;
  /** Counters for operators and tests. */
  granted: number;
  refusals: number;
}

export function initialSlots(settings: JobSlotSettings): SlotsState {
  return {
    settings,
    quota: Math.max(1, settings.initialQuota),
    quotaSource: settings.quotaAssumed ? 'assumed' : 'configured',
    external: 0,
    holders: {},
    waiting: [],
    nextSeq: 0,
    granted: 0,
    refusals: 0,
  };
}

const weightOf = (state: SlotsState, key: string) => Math.max(state.settings.weights[key] ?? 1, 0.001);

export function heldBy(state: SlotsState): Record<string, number> {
  const held: Record<string, number> = {};
  for (const h of Object.values(state.holders)) held[h.key] = (held[h.key] ?? 0) + 1;
  return held;
}

/** Slots free now, as the keeper sees them. */
export function freeSlots(state: SlotsState): number {
  return state.quota - Object.keys(state.holders).length - state.external;
}

/**
 * Which key goes next: highest priority at its head, then fewest held for its weight, then (when the
 * keeper counts them) fewest granted so far for its weight, then oldest head.
 */
function pickNext(
  heads: Waiter[],
  held: Record<string, number>,
  grants: Record<string, number> | undefined,
  state: SlotsState,
): Waiter | undefined {
  let best: Waiter | undefined;
  let bestRank: number[] = [];
  for (const w of heads) {
    const weight = weightOf(state, w.key);
    const rank = [-w.priority, (held[w.key] ?? 0) / weight, grants ? (grants[w.key] ?? 0) / weight : 0, w.seq];
    if (!best || lexicallyBefore(rank, bestRank)) {
      best = w;
      bestRank = rank;
    }
  }
  return best;
}

function lexicallyBefore(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

/** Each key's waiters in its own order: priority first, then arrival. */
function queuesByKey(waiting: Waiter[]): Map<string, Waiter[]> {
  const byKey = new Map<string, Waiter[]>();
  for (const w of waiting) {
    const q = byKey.get(w.key) ?? [];
    q.push(w);
    byKey.set(w.key, q);
  }
  for (const q of byKey.values()) q.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
  return byKey;
}

/** The order in which the waiting runs would be granted if slots freed one at a time (none released). */
export function grantOrder(state: SlotsState): Waiter[] {
  const byKey = queuesByKey(state.waiting);
  const held = heldBy(state);
  const grants = state.grantsByKey ? { ...state.grantsByKey } : undefined;
  const order: Waiter[] = [];
  for (;;) {
    const heads = [...byKey.values()].filter((q) => q.length > 0).map((q) => q[0]);
    const next = pickNext(heads, held, grants, state);
    if (!next) return order;
    order.push(next);
    byKey.get(next.key)!.shift();
    held[next.key] = (held[next.key] ?? 0) + 1;
    if (grants) grants[next.key] = (grants[next.key] ?? 0) + 1;
  }
}

/** Each waiting run's place: how many will be granted before it. */
export function places(state: SlotsState): Map<string, number> {
  return new Map(grantOrder(state).map((w, i) => [w.holder, i]));
}

/**
 * A run asks for a slot. Asking again (a retried activity) answers from what is already known. The
 * answer may grant the asker itself when it is next in order and a slot is free; the keeper's loop
 * grants everyone else, because only it tells them ('all-free', which granted the others here without
 * telling them, is kept for keepers from before patch `keeper-grants-in-its-loop`).
 */
export function join(
  state: SlotsState,
  request: SlotRequest,
  now: number,
  grants: 'asker-only' | 'all-free' = 'asker-only',
): SlotAnswer {
  if (request.settings) state.settings = request.settings;
  if (state.holders[request.holder]) return { granted: true, ahead: 0 };
  if (!state.waiting.some((w) => w.holder === request.holder)) {
    catchUp(state, request.key);
    state.waiting.push({
      holder: request.holder,
      key: request.key,
      priority: request.priority,
      seq: state.nextSeq++,
      since: now,
    });
  }
  const granted = grants === 'all-free' ? grantFree(state, now) : grantFree(state, now, 1, request.holder);
  if (granted.includes(request.holder)) return { granted: true, ahead: 0 };
  const ahead = places(state).get(request.holder) ?? 0;
  const me = state.waiting.find((w) => w.holder === request.holder);
  if (me) me.told = ahead;
  return { granted: false, ahead };
}

/**
 * A key that starts waiting again (none of its runs waited) takes the grant count of the least-served
 * key still waiting, scaled to its weight: the slots it left to others while it had nothing to run are
 * not owed to it, and a key that ran alone early is not made to lose every tie later (start-time fair
 * queueing's virtual time).
 */
function catchUp(state: SlotsState, key: string): void {
  const grants = state.grantsByKey;
  if (!grants || state.waiting.some((w) => w.key === key)) return;
  const active = new Set(state.waiting.map((w) => w.key));
  if (active.size === 0) return;
  const floor = Math.min(...[...active].map((k) => (grants[k] ?? 0) / weightOf(state, k)));
  grants[key] = Math.max(grants[key] ?? 0, floor * weightOf(state, key));
}

/**
 * Hands the free slots to the waiting runs in order, at most `limit` of them, and only while the next in
 * order is `only` when that is given; returns who got one (the keeper tells them).
 */
export function grantFree(state: SlotsState, now: number, limit = Infinity, only?: string): string[] {
  const out: string[] = [];
  let free = Math.min(limit, freeSlots(state));
  if (free <= 0 || state.waiting.length === 0) return out;
  for (const w of grantOrder(state)) {
    if (free <= 0 || (only !== undefined && w.holder !== only)) break;
    state.waiting = state.waiting.filter((x) => x !== w);
    state.holders[w.holder] = { key: w.key, since: now };
    state.granted += 1;
    if (state.grantsByKey) state.grantsByKey[w.key] = (state.grantsByKey[w.key] ?? 0) + 1;
    out.push(w.holder);
    free -= 1;
  }
  return out;
}

/** A run leaves: its job ended, it was stopped or cancelled while queued, or it is gone. Idempotent. */
export function release(state: SlotsState, holder: string): boolean {
  const held = holder in state.holders;
  delete state.holders[holder];
  const before = state.waiting.length;
  state.waiting = state.waiting.filter((w) => w.holder !== holder);
  return held || state.waiting.length !== before;
}

/**
 * A granted run's create was refused for the quota: Bedrock had at least the quota in progress, so the
 * quota is at most what was in progress besides this run (our other holders and the external jobs). The
 * run goes back to the head of its key's queue.
 */
export function refused(state: SlotsState, holder: string, now: number): void {
  const h = state.holders[holder];
  state.refusals += 1;
  state.lastRefusalAt = now;
  const inProgress = Object.keys(state.holders).length - (h ? 1 : 0) + state.external;
  state.quota = Math.max(1, Math.min(state.quota, inProgress));
  state.quotaSource = 'refusal';
  if (!h) return;
  delete state.holders[holder];
  state.waiting.push({
    holder,
    key: h.key,
    priority: Number.MAX_SAFE_INTEGER,
    seq: state.refusals - 1_000_000_000,
    since: now,
  });
}

/**
 * Bedrock listed `inProgress` jobs (InProgress and Stopping) in the account and region. Those beyond our
 * holders are someone else's; more in progress than the estimate means the quota is at least that.
 */
export function listed(state: SlotsState, inProgress: number, now: number): void {
  state.lastListAt = now;
  state.external = Math.max(0, inProgress - Object.keys(state.holders).length);
  if (inProgress > state.quota) {
    state.quota = inProgress;
    state.quotaSource = 'listing';
  }
}

/** Runs wait, every slot is taken, and nothing was refused for a while: try one more (a raised quota). */
export function probe(state: SlotsState, now: number): boolean {
  if (state.waiting.length === 0 || freeSlots(state) > 0) return false;
  const quiet = Math.max(
    state.lastRefusalAt ?? -Infinity,
    state.lastProbeAt ?? -Infinity,
    state.quietSince ?? -Infinity,
  );
  const since = Number.isFinite(quiet) ? now - quiet : Infinity;
  if (since < state.settings.probeAfterMs) return false;
  state.quota += 1;
  state.quotaSource = 'probe';
  state.lastProbeAt = now;
  return true;
}

/** A waiting run is told its place exactly within `exactWithin` of the head, else when it changed by `change` of it. */
export interface PlacesTold {
  exactWithin: number;
  change: number;
}

/** Keepers from before patch `keeper-grants-in-its-loop`: 31 notices for a run 1,000 back. */
export const PLACES_TOLD_BEFORE_V9: PlacesTold = { exactWithin: 10, change: 0.2 };
/** Since: 14 for a run 1,000 back; the keeper's `jobSlots` query still has every place exactly. */
export const PLACES_TOLD: PlacesTold = { exactWithin: 5, change: 0.5 };

/** Whether a run told `told` should now be told `now`. */
export function worthTelling(told: number | undefined, now: number, rule = PLACES_TOLD_BEFORE_V9): boolean {
  if (told === undefined) return true;
  if (told === now) return false;
  if (now <= rule.exactWithin || told <= rule.exactWithin) return true;
  return Math.abs(now - told) >= told * rule.change;
}

/** The waiting runs whose place changed enough to tell them, with their new place (marked as told). */
export function placeNotices(state: SlotsState): { holder: string; ahead: number }[] {
  const notices: { holder: string; ahead: number }[] = [];
  const at = places(state);
  for (const w of state.waiting) {
    const ahead = at.get(w.holder) ?? 0;
    if (!worthTelling(w.told, ahead, state.placesTold)) continue;
    w.told = ahead;
    notices.push({ holder: w.holder, ahead });
  }
  return notices;
}

/** A runs' place in words: `queued, 37 ahead`. */
export function queuedText(ahead: number): string {
  return `queued, ${ahead} ahead`;
}
