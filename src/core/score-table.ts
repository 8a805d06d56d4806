// The comparison table of a promotion (metric, new, current, threshold, verdict): one Markdown table for
// the UI's details, `finetune status` and report.json's readers alike.
import type { ScoreRow } from './promotion';

const score = (value: number | null) => (value === null ? '-' : value.toFixed(4));

function threshold(row: ScoreRow): string {
  const parts = [
    ...(row.min !== undefined ? [`min ${row.min}`] : []),
    ...(row.maxDrop !== undefined ? [`maxDrop ${row.maxDrop}`] : []),
  ];
  return parts.length > 0 ? parts.join(', ') : '-';
}

/** Rows of text: metric, new, current, threshold, verdict. */
export function scoreRows(rows: ScoreRow[]): string[][] {
  return rows.map((r) => [
    r.metric,
    score(r.new),
    score(r.current),
    threshold(r),
    r.verdict === 'no-gate' ? '-' : r.verdict,
  ]);
}

export const SCORE_HEADER = ['metric', 'new', 'current', 'threshold', 'verdict'];

export function scoreTable(rows: ScoreRow[]): string[] {
  return [
    `| ${SCORE_HEADER.join(' | ')} |`,
    `|${SCORE_HEADER.map(() => '---').join('|')}|`,
    ...scoreRows(rows).map((cells) => `| ${cells.join(' | ')} |`),
  ];
}
