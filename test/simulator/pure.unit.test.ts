// The simulator's pure parts: the lifecycle as a function of the clock, the metrics curves, pagination.
import { metricsCurves } from '../../src/simulator/artifacts';
import { evaluateJob, nextChangeMs, TIMING, type LifecycleRecord } from '../../src/simulator/lifecycle';
import { paginate } from '../../src/simulator/pagination';

const T0 = Date.UTC(2026, 0, 1);
const base: LifecycleRecord = { creationTimeMs: T0, timeScale: 1, epochs: 2 };
const passed: LifecycleRecord = { ...base, dataCheck: { ok: true, trainingRecords: 1000, validationRecords: 0 } };
const at = (seconds: number) => T0 + seconds * 1000;

describe('evaluateJob', () => {
  test('at time scale 1 a 1,000-record, 2-epoch job takes about an hour', () => {
    const done = evaluateJob(
      { ...passed, completion: { ok: true, modelArn: 'm', trainingLoss: 1, validationLosses: [] } },
      at(10_000),
    );
    expect(done.status).toBe('Completed');
    expect((done.endTimeMs! - T0) / 1000).toBeCloseTo(3600, 0);
  });

  test('phases follow each other and the view depends only on the record and the clock', () => {
    expect(evaluateJob(base, at(10)).phases.validation.status).toBe('InProgress');
    const processing = evaluateJob(passed, at(TIMING.validationS + 1));
    expect([
      processing.phases.validation.status,
      processing.phases.dataProcessing.status,
      processing.phases.training.status,
    ]).toEqual(['Completed', 'InProgress', 'NotStarted']);
    const training = evaluateJob(passed, at(1000));
    expect(training.phases.training.status).toBe('InProgress');
    expect(training.lastModifiedTimeMs).toBe(training.phases.training.creationTimeMs);
    expect(evaluateJob(passed, at(1000))).toEqual(training);
  });

  test('the clock reaching a fact the record lacks yields a pending effect, not a guess', () => {
    const view = evaluateJob(base, at(TIMING.validationS + 5));
    expect(view.status).toBe('InProgress');
    expect(view.pending).toEqual({ effect: 'data-check', atMs: at(TIMING.validationS) });
    const end = evaluateJob(passed, at(5000));
    expect(end.pending?.effect).toBe('completion');
    expect(end.phases.training.status).toBe('InProgress');
  });

  test('longer with more records and more epochs', () => {
    const end = (records: number, epochs: number) =>
      evaluateJob({ ...base, epochs, dataCheck: { ok: true, trainingRecords: records, validationRecords: 0 } }, at(1e9))
        .pending!.atMs;
    expect(end(2000, 2)).toBeGreaterThan(end(1000, 2));
    expect(end(1000, 3)).toBeGreaterThan(end(1000, 2));
  });

  test('a failed data check fails the job at the end of validation', () => {
    const view = evaluateJob({ ...base, dataCheck: { ok: false, failureMessage: 'bad line 3' } }, at(10_000));
    expect(view).toMatchObject({ status: 'Failed', failureMessage: 'bad line 3', endTimeMs: at(TIMING.validationS) });
    expect(view.phases.dataProcessing.status).toBe('NotStarted');
  });

  test('a stop freezes the phase: Stopping, then Stopped', () => {
    const stopAt = at(1000);
    const job = { ...passed, stopRequestedAtMs: stopAt };
    expect(evaluateJob(job, at(999)).status).toBe('InProgress');
    const stopping = evaluateJob(job, at(1001));
    expect(stopping.status).toBe('Stopping');
    expect(stopping.phases.training.status).toBe('Stopping');
    const stopped = evaluateJob(job, at(5000));
    expect(stopped).toMatchObject({ status: 'Stopped', endTimeMs: stopAt + TIMING.stoppingS * 1000 });
    expect(stopped.pending).toBeUndefined();
  });

  test('a time scale compresses every phase', () => {
    const fast = { ...passed, timeScale: 1000 };
    expect(evaluateJob(fast, T0 + 3601).pending?.effect).toBe('completion');
  });
});

describe('nextChangeMs', () => {
  test('is where evaluateJob next changes its answer: each phase end, then nothing once ended', () => {
    const done = { ...passed, completion: { ok: true as const, modelArn: 'm', trainingLoss: 1, validationLosses: [] } };
    const ends: number[] = [];
    for (let t: number | undefined = T0; t !== undefined; t = nextChangeMs(done, t)) ends.push(t);
    expect(ends.slice(1)).toEqual([
      at(TIMING.validationS),
      evaluateJob(done, at(1e9)).phases.training.creationTimeMs,
      evaluateJob(done, at(1e9)).endTimeMs,
    ]);
    for (const t of ends.slice(1)) expect(evaluateJob(done, t - 1)).not.toEqual(evaluateJob(done, t));
  });

  test('stops at a fact the engine must supply, and after a failure', () => {
    expect(nextChangeMs(base, at(TIMING.validationS))).toBeUndefined();
    expect(nextChangeMs({ ...base, dataCheck: { ok: false, failureMessage: 'bad' } }, at(10))).toBe(
      at(TIMING.validationS),
    );
    expect(
      nextChangeMs({ ...base, dataCheck: { ok: false, failureMessage: 'bad' } }, at(TIMING.validationS)),
    ).toBeUndefined();
    expect(nextChangeMs(passed, at(1e6))).toBeUndefined();
  });

  test('a stop: Stopping when the request lands, Stopped after the stopping time', () => {
    const job = { ...passed, stopRequestedAtMs: at(1000) };
    expect(nextChangeMs(job, at(999))).toBe(at(1000));
    expect(nextChangeMs(job, at(1000))).toBe(at(1000 + TIMING.stoppingS));
    expect(nextChangeMs(job, at(1000 + TIMING.stoppingS))).toBeUndefined();
  });
});

describe('metricsCurves', () => {
  const input = { jobId: 'abc123def456', trainingRecords: 500, epochs: 3, batchSize: 2, hasValidation: true };

  test('deterministic per job, different between jobs', () => {
    expect(metricsCurves(input)).toEqual(metricsCurves(input));
    expect(metricsCurves({ ...input, jobId: 'zzz999yyy888' }).training[0].loss).not.toBe(
      metricsCurves(input).training[0].loss,
    );
  });

  test('falling, noisy, validation above training late', () => {
    const { training, validation } = metricsCurves(input);
    expect(training).toHaveLength(750);
    const mean = (rows: typeof training) => rows.reduce((s, r) => s + r.loss, 0) / rows.length;
    expect(mean(training.slice(-50))).toBeLessThan(mean(training.slice(0, 50)));
    const ups = training.slice(1).filter((r, i) => r.loss > training[i].loss).length;
    expect(ups).toBeGreaterThan(50);
    expect(validation.map((r) => r.epoch)).toEqual([0, 1, 2]);
    expect(validation[2].loss).toBeGreaterThan(training[training.length - 1].loss);
  });

  test('long jobs log every k-th step, keeping each epoch end', () => {
    const { training } = metricsCurves({ ...input, trainingRecords: 10_000, epochs: 5, batchSize: 1 });
    expect(training.length).toBeLessThanOrEqual(1005);
    expect(training.filter((r) => (r.step + 1) % 10_000 === 0)).toHaveLength(5);
  });
});

describe('paginate', () => {
  const items = Array.from({ length: 7 }, (_, i) => ({ creationTimeMs: 1000 + i, arn: `arn-${i}` }));

  test('walks every item exactly once, in order, even when items are added between pages', () => {
    const first = paginate(items, 'Descending', 3, undefined);
    expect(first.page.map((i) => i.arn)).toEqual(['arn-6', 'arn-5', 'arn-4']);
    const grown = [...items, { creationTimeMs: 2000, arn: 'arn-new' }];
    const second = paginate(grown, 'Descending', 3, first.nextToken);
    expect(second.page.map((i) => i.arn)).toEqual(['arn-3', 'arn-2', 'arn-1']);
    const third = paginate(grown, 'Descending', 3, second.nextToken);
    expect(third.page.map((i) => i.arn)).toEqual(['arn-0']);
    expect(third.nextToken).toBeUndefined();
  });

  test('a garbled token is a ValidationException', () => {
    expect(() => paginate(items, 'Ascending', 3, 'not-a-token')).toThrow(
      expect.objectContaining({ shape: 'ValidationException' }),
    );
  });
});
