// The fault suite's hit rule: per (fault, point) drawn, at least 80 % of its draws landed where aimed;
// with 4 draws or fewer that means every one.
import { belowRate, hitsLine, pointHits, type PointHits } from './hits';
import type { FaultKind, Point } from './plan';

const run = (kind: FaultKind, point: Point, landed: boolean) => ({ plan: { kind, point }, delivery: { landed } });
const hits = (draws: number, landed: number): PointHits => ({ kind: 'cancel', point: 'waiting', draws, landed });

test('a point is below the rate under 4 in 5 landed: every draw must land up to 4 draws', () => {
  expect([hits(1, 1), hits(1, 0), hits(2, 1), hits(4, 3), hits(4, 4)].map(belowRate)).toEqual([
    false,
    true,
    true,
    true,
    false,
  ]);
  expect([hits(5, 4), hits(5, 3), hits(10, 8), hits(10, 7)].map(belowRate)).toEqual([false, true, false, true]);
});

test('hits are counted per (fault, point) drawn, in the catalogue order, and the line names the points below', () => {
  const table = pointHits([
    run('stop', 'waiting', true),
    run('deadline', 'before-create', true),
    run('stop', 'waiting', true),
    run('deadline', 'before-create', false),
    run('worker-kill', 'stopping', true),
  ]);
  expect(table).toEqual([
    { kind: 'worker-kill', point: 'stopping', draws: 1, landed: 1 },
    { kind: 'stop', point: 'waiting', draws: 2, landed: 2 },
    { kind: 'deadline', point: 'before-create', draws: 2, landed: 1 },
  ]);
  expect(hitsLine(table)).toBe('hits: 4/5 faults landed where aimed; below 80 %: deadline before-create 1/2');
  expect(hitsLine(table.slice(0, 2))).toBe(
    'hits: 3/3 faults landed where aimed; every point hit in at least 80 % of its draws',
  );
});
