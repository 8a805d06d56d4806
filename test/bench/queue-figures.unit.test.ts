// bench:orchestrate's fair-queue arithmetic: utilisation over Q x makespan, and each tenant's share of
// the slots only while every tenant still had runs waiting; the handoff between two jobs in a slot.
import { handoffFigures, queueFigures, tenantOf } from '../../bench/queue-figures';

/** A run of `tenant` that started at `startedAt` s and held a slot from `from` s to `to` s. */
const run = (tenant: string, from: number, to: number, startedAt = 0) => ({
  tenant,
  startedAt: startedAt * 1000,
  job: { from: from * 1000, to: to * 1000 },
});

test('tenants take contiguous blocks of the runs, in start order', () => {
  expect(Array.from({ length: 6 }, (_, i) => tenantOf(i, 6, 3))).toEqual([
    'tenant-0',
    'tenant-0',
    'tenant-1',
    'tenant-1',
    'tenant-2',
    'tenant-2',
  ]);
  expect(tenantOf(4, 5, 1)).toBe('tenant-0');
});

test('utilisation is busy slot-time over Q x (first start to last job end)', () => {
  const f = queueFigures([run('a', 0, 10), run('a', 10, 20), run('a', 0, 10)], 2, {});
  expect(f.utilisation).toBeCloseTo(30 / 40);
  expect(f.makespanS).toBe(20);
  expect(f.tenants).toEqual([
    expect.objectContaining({ tenant: 'a', runs: 3, share: 1, weightShare: 1, waitS: { p50: 0, p95: 10, max: 10 } }),
  ]);
});

test("a tenant's share counts only until the first tenant's last job began, against its weight", () => {
  // b's last job begins at 10 s: from then on a may take every slot, which must not count against b.
  const f = queueFigures(
    [run('a', 0, 10), run('a', 0, 10), run('b', 0, 10), run('b', 10, 20), run('a', 10, 30), run('a', 20, 30)],
    3,
    { a: 2 },
  );
  expect(f.contendedS).toBe(10);
  const [a, b] = f.tenants;
  expect(a).toMatchObject({ tenant: 'a', weight: 2, runs: 4 });
  expect(a.share).toBeCloseTo(2 / 3);
  expect(a.weightShare).toBeCloseTo(2 / 3);
  expect(b.share).toBeCloseTo(1 / 3);
  expect(b.weightShare).toBeCloseTo(1 / 3);
});

test("the shares start counting when the last tenant's first run arrived", () => {
  // Until b arrives at 10 s, a alone holds the slots: that time is no one's unfair share.
  const f = queueFigures(
    [run('a', 0, 10), run('a', 10, 40), run('b', 10, 40, 10), run('b', 40, 50, 10), run('a', 40, 50)],
    2,
    {},
  );
  expect(f.contendedS).toBe(30);
  expect(f.tenants.map((t) => t.share)).toEqual([0.5, 0.5]);
});

test("the handoff: each create after the first Q from the latest job end before it, and the run's own steps", () => {
  const at = (s: number) => s * 1000;
  const f = handoffFigures(
    [
      // Holds the one slot 0-10 s; poked 0.1 s after its end, saw it 0.2 s later, released 0.1 s after.
      {
        steps: { pokedAt: at(10.1), noticedAt: at(10.3), releasedAt: at(10.4), createdAt: at(0) },
        job: { from: at(0), to: at(10) },
      },
      // Waited; granted 0.2 s after that release, created 0.2 s later: 0.8 s from the end to its create.
      { steps: { grantedAt: at(10.6), createdAt: at(10.8) }, job: { from: at(10.8), to: at(20) } },
    ],
    1,
  );
  const p50 = (x: { p50: number }) => Number(x.p50.toFixed(3));
  expect(p50(f.gapS)).toBe(0.8);
  expect(p50(f.endToPokeS)).toBe(0.1);
  expect(p50(f.pokeToNoticedS)).toBe(0.2);
  expect(p50(f.noticedToReleasedS)).toBe(0.1);
  expect(p50(f.releasedToGrantedS)).toBe(0.2);
  expect(p50(f.grantedToCreatedS)).toBe(0.2);
});
