// bench:orchestrate's reading of the worker: the SDK's Prometheus counters (tasks, cache hits and
// misses), the V8 CPU profiles' self time by what the code belongs to within the measured span, and the
// process's CPU by thread.
import { categoryOf, summariseProfile } from '../../bench/cpu-profile';
import { ticksByGroup } from '../../bench/thread-cpu';
import { addTaskFigures, parsePrometheus, workerTaskFigures } from '../../bench/worker-metrics';

const SCRAPE = `# HELP temporal_sticky_cache_hit_total Count of times the workflow cache was used for a new workflow task
# TYPE temporal_sticky_cache_hit_total counter
temporal_sticky_cache_hit_total{namespace="default",task_queue="q",worker_type="WorkflowWorker"} 90
temporal_sticky_cache_miss_total{namespace="default",task_queue="q",worker_type="WorkflowWorker"} 10
temporal_sticky_cache_total_forced_eviction_total{namespace="default"} 4
temporal_workflow_task_execution_latency_seconds_bucket{workflow_type="fineTune",le="0.001"} 3
temporal_workflow_task_execution_latency_seconds_sum{workflow_type="fineTune"} 1.5
temporal_workflow_task_execution_latency_seconds_count{workflow_type="fineTune"} 60
temporal_workflow_task_execution_latency_seconds_sum{workflow_type="jobSlots"} 0.5
temporal_workflow_task_execution_latency_seconds_count{workflow_type="jobSlots"} 40
temporal_workflow_task_replay_latency_seconds_sum{workflow_type="fineTune"} 0.25
temporal_workflow_task_replay_latency_seconds_count{workflow_type="fineTune"} 10
temporal_activity_execution_latency_seconds_count{activity_type="pollJob"} 7
`;

test('the counters are summed over their labels and histograms read in ms', () => {
  const f = workerTaskFigures(parsePrometheus(SCRAPE));
  expect(f).toEqual({
    workflowTasks: 100,
    cacheHits: 90,
    cacheMisses: 10,
    forcedEvictions: 4,
    taskMs: 2000,
    activityTasks: 7,
  });
  expect(addTaskFigures([f, f])).toEqual(expect.objectContaining({ workflowTasks: 200, taskMs: 4000 }));
  expect(addTaskFigures([])).toBeUndefined();
});

test('a profile is split by what the code belongs to, and only within the span measured', () => {
  const profile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(garbage collector)', url: '' } },
      { id: 2, callFrame: { functionName: 'activate', url: 'file:///x/workflow-bundle-ab12.js' } },
      { id: 3, callFrame: { functionName: '(idle)', url: '' } },
      { id: 4, callFrame: { functionName: 'send', url: 'file:///x/node_modules/@smithy/core/index.js' } },
    ],
    startTime: 1_000_000,
    samples: [2, 1, 3, 4, 2],
    // Sample times: 1.01 s, 1.03 s, 1.06 s, 1.1 s, 1.2 s; the span measured is 1.02..1.15 s.
    timeDeltas: [10_000, 20_000, 30_000, 40_000, 100_000],
  };
  const t = summariseProfile(profile, 'CPU.1.cpuprofile', 1_020_000, 1_150_000);
  expect(t.byCategory).toEqual({ 'garbage collection': 0.02, idle: 0.03, 'AWS SDK': 0.04 });
  expect(t.busyS).toBeCloseTo(0.06);
});

test('code is told apart by its file', () => {
  expect(categoryOf('f', 'file:///work/node_modules/@temporalio/worker/lib/worker.js')).toBe(
    'Temporal SDK (TypeScript)',
  );
  expect(categoryOf('f', 'file:///work/node_modules/@temporalio/proto/protos/root.js')).toBe('protobuf');
  expect(categoryOf('f', 'file:///work/dist/src/events/job-events-consumer.js')).toBe('ours (activities, consumer)');
  expect(categoryOf('f', 'node:internal/streams/readable')).toBe('Node internals');
  expect(categoryOf('(program)', '')).toBe('native and other');
});

test("a worker's threads are grouped: main, workflow thread after the SDK core, V8's helpers before it", () => {
  const pid = 100;
  const at = (ticks: number[]) =>
    [
      { tid: 100, name: 'node' },
      { tid: 102, name: 'node' },
      { tid: 108, name: 'tokio-runtime-w' },
      { tid: 109, name: 'workflow-proces' },
      { tid: 120, name: 'node' },
      { tid: 121, name: 'v8:ProfEvntProc' },
    ].map((t, i) => ({ ...t, ticks: ticks[i] }));
  expect(ticksByGroup(pid, at([10, 10, 10, 10, 10, 10]), at([50, 30, 20, 15, 90, 11]))).toEqual({
    'main thread (activities, SDK TypeScript)': 40,
    'V8 helpers (GC, compiler)': 20,
    'SDK core (Rust)': 15,
    'workflow thread(s)': 80,
    'CPU profiler': 1,
  });
});
