// The SDK's own counters from a worker's Prometheus endpoint (FINETUNE_PROMETHEUS_BIND_ADDRESS), read
// once at the end of a benchmark: how many workflow tasks the worker ran, how many found their run in
// its cache, and how long they took. They say whether a rise in CPU per job-hour is more tasks, more
// replays (cache misses) or dearer tasks.

/** Each sample of the text format summed over its labels, by metric name. */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[2]);
    if (Number.isFinite(value)) out.set(m[1], (out.get(m[1]) ?? 0) + value);
  }
  return out;
}

export interface WorkerTaskFigures {
  workflowTasks: number;
  /**
   * Sticky tasks (the run's new events only) whose run was in the cache, and those whose run was not (the
   * worker fetched the whole history and replayed it). The other tasks came with the whole history from
   * the task queue itself: a run's first, and any the server did not send to the worker's sticky queue
   * (its sticky timeout passed); for a run not in the cache those replay too.
   */
  cacheHits: number;
  cacheMisses: number;
  /** Runs pushed out of a full cache. */
  forcedEvictions: number;
  /** Time in workflow tasks (replays included), from the poll to the completion, in ms. */
  taskMs: number;
  activityTasks: number;
}

/** Several workers' figures as one (each field is a count or a total). */
export function addTaskFigures(all: WorkerTaskFigures[]): WorkerTaskFigures | undefined {
  if (all.length === 0) return undefined;
  const sum = (k: keyof WorkerTaskFigures) => all.reduce((a, f) => a + f[k], 0);
  return {
    workflowTasks: sum('workflowTasks'),
    cacheHits: sum('cacheHits'),
    cacheMisses: sum('cacheMisses'),
    forcedEvictions: sum('forcedEvictions'),
    taskMs: sum('taskMs'),
    activityTasks: sum('activityTasks'),
  };
}

/** The SDK names a histogram's unit in its metric name (…_latency_seconds or …_latency_milliseconds). */
function histogram(m: Map<string, number>, base: string): { count: number; sumMs: number } {
  for (const [unit, toMs] of [
    ['seconds', 1000],
    ['milliseconds', 1],
    ['', 1],
  ] as const) {
    const name = unit ? `${base}_${unit}` : base;
    const count = m.get(`${name}_count`);
    if (count !== undefined) return { count, sumMs: (m.get(`${name}_sum`) ?? 0) * toMs };
  }
  return { count: 0, sumMs: 0 };
}

export function workerTaskFigures(m: Map<string, number>): WorkerTaskFigures {
  const tasks = histogram(m, 'temporal_workflow_task_execution_latency');
  const activities = histogram(m, 'temporal_activity_execution_latency');
  const counter = (name: string) => m.get(`${name}_total`) ?? m.get(name) ?? 0;
  return {
    workflowTasks: tasks.count,
    cacheHits: counter('temporal_sticky_cache_hit'),
    cacheMisses: counter('temporal_sticky_cache_miss'),
    forcedEvictions: counter('temporal_sticky_cache_total_forced_eviction'),
    taskMs: tasks.sumMs,
    activityTasks: activities.count,
  };
}

/** Reads a worker's endpoint; undefined when it does not answer (the figures are then left out). */
export async function scrapeWorkerTasks(bindAddress: string): Promise<WorkerTaskFigures | undefined> {
  try {
    const res = await fetch(`http://${bindAddress}/metrics`, { signal: AbortSignal.timeout(10_000) });
    return res.ok ? workerTaskFigures(parsePrometheus(await res.text())) : undefined;
  } catch {
    return undefined;
  }
}
