// Where the faults landed, per (fault, point): a run whose fault missed its point proves nothing about
// that point, however it ended, so the suite fails when a point is hit in fewer than 80 % of its draws.
import { FAULT_KINDS, POINTS, type FaultKind, type Point } from './plan';

/** The share of a point's draws that must land there: 4 in 5, so with 4 draws or fewer, every one. */
export const MIN_HIT_RATE = { landed: 4, of: 5 } as const;

export interface PointHits {
  kind: FaultKind;
  point: Point;
  draws: number;
  landed: number;
}

/** The (fault, point) pairs that were drawn, in the catalogue's order, with how many of them landed. */
export function pointHits(
  runs: { plan: { kind: FaultKind; point: Point }; delivery: { landed: boolean } }[],
): PointHits[] {
  const out: PointHits[] = [];
  for (const kind of FAULT_KINDS)
    for (const point of POINTS[kind]) {
      const drawn = runs.filter((r) => r.plan.kind === kind && r.plan.point === point);
      if (drawn.length > 0)
        out.push({ kind, point, draws: drawn.length, landed: drawn.filter((r) => r.delivery.landed).length });
    }
  return out;
}

/** Hit in fewer than 80 % of its draws (in whole numbers: landed/draws < 4/5). */
export function belowRate(h: PointHits): boolean {
  return h.landed * MIN_HIT_RATE.of < h.draws * MIN_HIT_RATE.landed;
}

const pad = (text: string, width: number) => text.padEnd(width);
const percent = (h: PointHits) => `${Math.round((100 * h.landed) / h.draws)} %`;

export function hitTable(hits: PointHits[]): string[] {
  return [
    `${pad('fault', 18)} ${pad('point', 19)} ${pad('draws', 5)} ${pad('landed', 6)} rate`,
    ...hits.map(
      (h) =>
        `${pad(h.kind, 18)} ${pad(h.point, 19)} ${pad(String(h.draws), 5)} ${pad(String(h.landed), 6)} ${pad(percent(h), 5)}${belowRate(h) ? ' BELOW 80 %' : ''}`,
    ),
  ];
}

/** One line: how many faults landed, and the points below the rate (or that there are none). */
export function hitsLine(hits: PointHits[]): string {
  const landed = hits.reduce((n, h) => n + h.landed, 0);
  const draws = hits.reduce((n, h) => n + h.draws, 0);
  const below = hits.filter(belowRate);
  const verdict =
    below.length === 0
      ? `every point hit in at least 80 % of its draws`
      : `below 80 %: ${below.map((h) => `${h.kind} ${h.point} ${h.landed}/${h.draws}`).join(', ')}`;
  return `hits: ${landed}/${draws} faults landed where aimed; ${verdict}`;
}
