// The loss-curve chart written next to a job's outputs: a self-contained SVG (no fonts, scripts or
// links to fetch) that S3 serves as image/svg+xml and browsers show directly. Pure and deterministic:
// the same metrics give the same bytes, so a retried activity rewrites an identical object.
import type { MetricPoint } from './metrics';

export interface ValidationSeries {
  /** Legend label, e.g. "validation" or "validation (post_fine_tuning_validation/validation)". */
  label: string;
  points: readonly MetricPoint[];
}

export interface LossChartInput {
  title: string;
  subtitle?: string;
  training: readonly MetricPoint[];
  validations: readonly ValidationSeries[];
  /** A second line under "no metrics were written" when there is nothing to plot. */
  note?: string;
}

export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 450;
export const NO_METRICS_TEXT = 'no metrics were written';

/** The plot area; its bottom moves up when the legend needs more than one row. */
interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}
const PLOT: Box = { left: 72, right: CHART_WIDTH - 24, top: 72, bottom: CHART_HEIGHT - 84 };
const LEGEND_ROW_HEIGHT = 20;
const TRAINING_COLOR = '#1f77b4';
const VALIDATION_COLORS = ['#d62728', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b'];
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

interface XY {
  x: number;
  y: number;
}

interface Scale {
  lo: number;
  hi: number;
  step: number;
  ticks: number[];
}

/** The round tick step (1, 2 or 5 times a power of ten) nearest to `target` intervals over `range`. */
function niceStep(range: number, target: number): number {
  const raw = range / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
}

/**
 * Axis bounds on tick multiples around [min, max]. A single value gets room on both sides, so its point
 * sits mid-axis; the chart leaves out tick labels below zero when the data has none.
 */
export function niceScale(min: number, max: number, options: { target?: number; integer?: boolean } = {}): Scale {
  const { target = 5, integer = false } = options;
  if (max - min < 1e-12) {
    const pad = integer ? 1 : Math.abs(min) * 0.1 || 1;
    [min, max] = [min - pad, max + pad];
  }
  let step = niceStep(max - min, target);
  if (integer) step = Math.max(1, step);
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const count = Math.round((hi - lo) / step);
  const ticks = Array.from({ length: count + 1 }, (_, i) => lo + i * step);
  return { lo, hi, step, ticks };
}

/** A tick label with as many decimals as the step needs (0.05 -> 2), never float noise. */
export function formatTick(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const text = value.toFixed(decimals);
  return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
}

/** SVG coordinates with one decimal: enough at 800x450, and stable text. */
const n = (v: number): string => String(Math.round(v * 10) / 10);

const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/** First and last training step of each epoch, epochs ascending. */
function epochSpans(training: readonly MetricPoint[]): Map<number, { first: number; last: number }> {
  const spans = new Map<number, { first: number; last: number }>();
  for (const p of [...training].sort((a, b) => a.epoch - b.epoch || a.step - b.step)) {
    const span = spans.get(p.epoch);
    if (span) span.last = p.step;
    else spans.set(p.epoch, { first: p.step, last: p.step });
  }
  return spans;
}

/**
 * Validation points on the training-step axis. Bedrock does not document whether a validation row's
 * step_number counts training steps or evaluations, so evaluations are placed by epoch: the k
 * evaluations of an epoch spread evenly over its training steps, the last at the epoch's last step.
 * An epoch the training CSV does not have keeps the row's own step number.
 */
export function validationOnStepAxis(points: readonly MetricPoint[], training: readonly MetricPoint[]): XY[] {
  const spans = epochSpans(training);
  const byEpoch = new Map<number, MetricPoint[]>();
  for (const p of [...points].sort((a, b) => a.epoch - b.epoch || a.step - b.step)) {
    const group = byEpoch.get(p.epoch);
    if (group) group.push(p);
    else byEpoch.set(p.epoch, [p]);
  }
  return [...byEpoch].flatMap(([epoch, evaluations]) => {
    const span = spans.get(epoch);
    return evaluations.map((p, i) => ({
      x: span ? span.first + ((span.last - span.first) * (i + 1)) / evaluations.length : p.step,
      y: p.loss,
    }));
  });
}

/** One pixel column of a long curve: its mean point and the range of its losses. */
interface Column {
  x: number;
  y: number;
  min: number;
  max: number;
}

/**
 * A curve with more points than pixels, reduced to one column per pixel: a 100,000-step job draws its
 * mean line and a band of its range in a few kilobytes. Undefined when the curve fits as it is.
 */
function decimate(points: readonly XY[], toPixel: (x: number) => number, width: number): Column[] | undefined {
  if (points.length <= width) return undefined;
  const columns = new Map<number, { xs: number; ys: number; count: number; min: number; max: number }>();
  for (const p of [...points].sort((a, b) => a.x - b.x)) {
    const key = Math.floor(toPixel(p.x));
    const c = columns.get(key);
    if (!c) columns.set(key, { xs: p.x, ys: p.y, count: 1, min: p.y, max: p.y });
    else {
      c.xs += p.x;
      c.ys += p.y;
      c.count += 1;
      c.min = Math.min(c.min, p.y);
      c.max = Math.max(c.max, p.y);
    }
  }
  return [...columns.values()].map((c) => ({ x: c.xs / c.count, y: c.ys / c.count, min: c.min, max: c.max }));
}

function header(title: string, subtitle: string | undefined): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${CHART_WIDTH}" height="${CHART_HEIGHT}" fill="#ffffff"/>`,
    `<text x="${PLOT.left}" y="30" ${FONT} font-size="18" font-weight="bold" fill="#111111">${escapeXml(title)}</text>`,
    ...(subtitle
      ? [`<text x="${PLOT.left}" y="52" ${FONT} font-size="13" fill="#555555">${escapeXml(subtitle)}</text>`]
      : []),
  ];
}

function emptyChart(input: LossChartInput): string {
  const cx = (PLOT.left + PLOT.right) / 2;
  const cy = (PLOT.top + PLOT.bottom) / 2;
  return [
    ...header(input.title, input.subtitle),
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}" fill="#fafafa" stroke="#cccccc"/>`,
    `<text x="${n(cx)}" y="${n(cy)}" ${FONT} font-size="18" fill="#555555" text-anchor="middle">${NO_METRICS_TEXT}</text>`,
    ...(input.note
      ? [
          `<text x="${n(cx)}" y="${n(cy + 24)}" ${FONT} font-size="12" fill="#777777" text-anchor="middle">${escapeXml(input.note)}</text>`,
        ]
      : []),
    '</svg>',
    '',
  ].join('\n');
}

interface PlottedSeries {
  label: string;
  color: string;
  points: XY[];
  markers: boolean;
}

/** Legend entries in centred rows that fit the chart's width. Text width is estimated (no font metrics). */
function legendRows(series: readonly PlottedSeries[]): { series: PlottedSeries; x: number }[][] {
  const width = (s: PlottedSeries) => 34 + s.label.length * 7.2 + 20;
  const rows: PlottedSeries[][] = [];
  let used = Infinity;
  for (const s of series) {
    if (used + width(s) > PLOT.right - PLOT.left) {
      rows.push([]);
      used = 0;
    }
    rows[rows.length - 1].push(s);
    used += width(s);
  }
  return rows.map((row) => {
    let x = (CHART_WIDTH - row.reduce((w, s) => w + width(s), 0)) / 2;
    return row.map((s) => {
      const entry = { series: s, x };
      x += width(s);
      return entry;
    });
  });
}

/** The loss chart: training loss per step, each validation file's loss per evaluation, epoch bands. */
export function renderLossChart(input: LossChartInput): string {
  const series: PlottedSeries[] = [
    ...(input.training.length > 0
      ? [
          {
            label: 'training loss',
            color: TRAINING_COLOR,
            points: input.training.map((p) => ({ x: p.step, y: p.loss })),
            markers: false,
          },
        ]
      : []),
    ...input.validations
      .filter((v) => v.points.length > 0)
      .map((v, i) => ({
        label: v.label,
        color: VALIDATION_COLORS[i % VALIDATION_COLORS.length],
        points: validationOnStepAxis(v.points, input.training),
        markers: true,
      })),
  ];
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return emptyChart(input);

  const legend = legendRows(series);
  const box: Box = { ...PLOT, bottom: PLOT.bottom - LEGEND_ROW_HEIGHT * (legend.length - 1) };
  const minX = Math.min(...all.map((p) => p.x));
  const minY = Math.min(...all.map((p) => p.y));
  const maxY = Math.max(...all.map((p) => p.y));
  // A little headroom so the curve's lowest and highest points do not sit on the frame.
  const yPad = (maxY - minY) * 0.03;
  const xs = niceScale(minX, Math.max(...all.map((p) => p.x)), { target: 8, integer: true });
  const ys = niceScale(minY >= 0 ? Math.max(0, minY - yPad) : minY - yPad, maxY + yPad, { target: 5 });
  const px = (x: number) => box.left + ((x - xs.lo) / (xs.hi - xs.lo)) * (box.right - box.left);
  const py = (y: number) => box.bottom - ((y - ys.lo) / (ys.hi - ys.lo)) * (box.bottom - box.top);
  // Steps and losses are not negative: padding around a lone zero must not label a negative tick.
  const labelled = (ticks: number[], min: number) => ticks.filter((t) => min < 0 || t >= 0);

  const out = header(input.title, input.subtitle);

  // Grid and y axis.
  out.push('<g class="y-axis">');
  for (const t of labelled(ys.ticks, minY)) {
    const y = n(py(t));
    out.push(`<line x1="${box.left}" y1="${y}" x2="${box.right}" y2="${y}" stroke="#e6e6e6"/>`);
    out.push(
      `<text x="${box.left - 8}" y="${y}" dy="4" ${FONT} font-size="12" fill="#333333" text-anchor="end">${formatTick(t, ys.step)}</text>`,
    );
  }
  const yMid = n((box.top + box.bottom) / 2);
  out.push(
    `<text transform="translate(20 ${yMid}) rotate(-90)" ${FONT} font-size="13" fill="#333333" text-anchor="middle">loss</text>`,
  );
  out.push('</g>');

  // Epoch boundaries (dashed) with the epoch number centred over its steps where there is room.
  const spans = [...epochSpans(input.training)];
  out.push('<g class="epochs">');
  const labelEvery = Math.max(1, Math.ceil(56 / ((box.right - box.left) / Math.max(1, spans.length))));
  spans.forEach(([epoch, span], i) => {
    const next = spans[i + 1];
    if (next) {
      const x = n(px((span.last + next[1].first) / 2));
      out.push(
        `<line x1="${x}" y1="${box.top}" x2="${x}" y2="${box.bottom}" stroke="#bbbbbb" stroke-dasharray="4 4"/>`,
      );
    }
    if (spans.length > 1 && i % labelEvery === 0) {
      const x = n(px((span.first + span.last) / 2));
      out.push(
        `<text x="${x}" y="${box.top + 14}" ${FONT} font-size="11" fill="#888888" text-anchor="middle">epoch ${epoch}</text>`,
      );
    }
  });
  out.push('</g>');

  // X axis.
  out.push('<g class="x-axis">');
  out.push(`<line x1="${box.left}" y1="${box.bottom}" x2="${box.right}" y2="${box.bottom}" stroke="#333333"/>`);
  out.push(`<line x1="${box.left}" y1="${box.top}" x2="${box.left}" y2="${box.bottom}" stroke="#333333"/>`);
  for (const t of labelled(xs.ticks, minX)) {
    const x = n(px(t));
    out.push(`<line x1="${x}" y1="${box.bottom}" x2="${x}" y2="${box.bottom + 5}" stroke="#333333"/>`);
    out.push(
      `<text x="${x}" y="${box.bottom + 20}" ${FONT} font-size="12" fill="#333333" text-anchor="middle">${formatTick(t, xs.step)}</text>`,
    );
  }
  out.push(
    `<text x="${n((box.left + box.right) / 2)}" y="${box.bottom + 42}" ${FONT} font-size="13" fill="#333333" text-anchor="middle">training step</text>`,
  );
  out.push('</g>');

  // Curves: a line through two or more points, markers where each evaluation is (and for a lone point).
  const line = (points: readonly XY[], color: string) =>
    `<path d="${points.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(px(p.x))} ${n(py(p.y))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>`;
  for (const s of series) {
    out.push(`<g class="series" data-label="${escapeXml(s.label)}">`);
    const columns = s.markers ? undefined : decimate(s.points, px, box.right - box.left);
    if (columns) {
      // The band keeps the noise visible without drawing every step over each other.
      const band = [
        ...columns.map((c) => `${n(px(c.x))},${n(py(c.max))}`),
        ...[...columns].reverse().map((c) => `${n(px(c.x))},${n(py(c.min))}`),
      ];
      out.push(`<polygon points="${band.join(' ')}" fill="${s.color}" fill-opacity="0.2" stroke="none"/>`);
      out.push(line(columns, s.color));
    } else if (s.points.length > 1) {
      out.push(line(s.points, s.color));
    }
    if (s.markers || s.points.length === 1) {
      for (const p of s.points)
        out.push(
          `<circle cx="${n(px(p.x))}" cy="${n(py(p.y))}" r="4" fill="${s.color}" stroke="#ffffff" stroke-width="1"/>`,
        );
    }
    out.push('</g>');
  }

  // Legend under the axis title.
  out.push('<g class="legend">');
  legend.forEach((row, i) => {
    const y = box.bottom + 66 + i * LEGEND_ROW_HEIGHT;
    for (const { series: s, x } of row) {
      out.push(`<line x1="${n(x)}" y1="${y}" x2="${n(x + 26)}" y2="${y}" stroke="${s.color}" stroke-width="2"/>`);
      if (s.markers)
        out.push(`<circle cx="${n(x + 13)}" cy="${y}" r="4" fill="${s.color}" stroke="#ffffff" stroke-width="1"/>`);
      out.push(
        `<text x="${n(x + 34)}" y="${y}" dy="4" ${FONT} font-size="12" fill="#333333">${escapeXml(s.label)}</text>`,
      );
    }
  });
  out.push('</g>');
  out.push('</svg>', '');
  return out.join('\n');
}
