import {
  formatTick,
  niceScale,
  NO_METRICS_TEXT,
  renderLossChart,
  validationOnStepAxis,
  type LossChartInput,
} from '../../src/core/loss-chart';
import type { MetricPoint } from '../../src/core/metrics';

/** Two epochs of `perEpoch` steps each, loss falling from 3. */
function trainingSteps(epochs: number, perEpoch: number): MetricPoint[] {
  return Array.from({ length: epochs * perEpoch }, (_, i) => ({
    step: i + 1,
    epoch: Math.floor(i / perEpoch) + 1,
    loss: 3 / (1 + i / 10),
  }));
}

const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
const paths = (svg: string) =>
  [...svg.matchAll(/<path d="([^"]+)"[^>]*stroke="(#[0-9a-f]{6})"/g)].map((m) => ({ d: m[1], color: m[2] }));
const circles = (svg: string) => [...svg.matchAll(/<circle [^>]*fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);

describe('nice axis scales', () => {
  it('puts bounds on round tick multiples', () => {
    expect(niceScale(0.87, 2.93)).toEqual({ lo: 0.5, hi: 3, step: 0.5, ticks: [0.5, 1, 1.5, 2, 2.5, 3] });
    expect(niceScale(1, 997, { target: 8, integer: true })).toMatchObject({ lo: 0, hi: 1000, step: 100 });
  });

  it('gives a single value room on both sides', () => {
    expect(niceScale(5, 5, { integer: true }).ticks).toEqual([4, 5, 6]);
    expect(niceScale(0, 0, { integer: true }).ticks).toEqual([-1, 0, 1]);
    const one = niceScale(0.5, 0.5);
    expect(one.lo).toBeLessThan(0.5);
    expect(one.hi).toBeGreaterThan(0.5);
  });

  it('keeps integer axes on whole steps', () => {
    expect(niceScale(1, 3, { target: 8, integer: true }).ticks).toEqual([1, 2, 3]);
  });

  it('formats ticks without float noise', () => {
    expect(formatTick(0.1 + 0.2, 0.1)).toBe('0.3');
    expect(formatTick(0.15000000000000002, 0.05)).toBe('0.15');
    expect(formatTick(1000, 200)).toBe('1000');
    expect(formatTick(-0.00001, 0.5)).toBe('0.0');
  });
});

describe('validation points on the step axis', () => {
  const training = trainingSteps(2, 10);

  it('puts one evaluation per epoch at the epoch end, several spread over the epoch', () => {
    expect(
      validationOnStepAxis(
        [
          { step: 1, epoch: 1, loss: 2 },
          { step: 2, epoch: 2, loss: 1 },
        ],
        training,
      ).map((p) => p.x),
    ).toEqual([10, 20]);
    const twice = validationOnStepAxis(
      [
        { step: 1, epoch: 1, loss: 2.2 },
        { step: 2, epoch: 1, loss: 2.0 },
      ],
      training,
    );
    expect(twice.map((p) => p.x)).toEqual([5.5, 10]);
  });

  it('keeps the row step for an epoch the training file does not have', () => {
    expect(validationOnStepAxis([{ step: 7, epoch: 9, loss: 2 }], training)).toEqual([{ x: 7, y: 2 }]);
  });
});

describe('the loss chart', () => {
  const input: LossChartInput = {
    title: 'Loss: my-job <v2> & co',
    subtitle: 'base model amazon.titan-text-express-v1:0:8k · job Completed',
    training: trainingSteps(3, 20),
    validations: [
      {
        label: 'validation loss',
        points: [
          { step: 1, epoch: 1, loss: 1.4 },
          { step: 2, epoch: 2, loss: 1.0 },
          { step: 3, epoch: 3, loss: 1.2 },
        ],
      },
    ],
  };
  const svg = renderLossChart(input);

  it('is a standalone 800x450 SVG with no scripts, fonts or external references', () => {
    expect(
      svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="450" viewBox="0 0 800 450"'),
    ).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).not.toMatch(/<script|@font-face|@import|href=|url\(/i);
  });

  it('draws the training line and the validation line with a marker per evaluation', () => {
    const lines = paths(svg);
    expect(lines).toHaveLength(2);
    expect(lines[0].d.match(/[ML]/g)).toHaveLength(60);
    expect(lines[1].d.match(/[ML]/g)).toHaveLength(3);
    expect(lines[0].color).not.toBe(lines[1].color);
    // Three evaluation markers plus the legend's.
    expect(circles(svg).filter((c) => c === lines[1].color)).toHaveLength(4);
  });

  it('has a title, axis titles, ticks, epoch labels and a legend, with text escaped', () => {
    const labels = texts(svg);
    expect(svg).toContain('<title>Loss: my-job &lt;v2&gt; &amp; co</title>');
    expect(labels).toEqual(
      expect.arrayContaining(['Loss: my-job &lt;v2&gt; &amp; co', input.subtitle!, 'training step', 'loss']),
    );
    expect(labels).toEqual(expect.arrayContaining(['training loss', 'validation loss']));
    expect(labels).toEqual(expect.arrayContaining(['epoch 1', 'epoch 2', 'epoch 3']));
    // x ticks 0..60 by 10, y ticks on a 0.5 grid covering 0.43..3.
    expect(labels).toEqual(expect.arrayContaining(['0', '10', '20', '30', '40', '50', '60']));
    expect(labels).toEqual(expect.arrayContaining(['0.0', '0.5', '1.0', '1.5', '2.0', '2.5', '3.0']));
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(2);
  });

  it('is deterministic', () => {
    expect(renderLossChart(input)).toBe(svg);
  });

  it('draws one curve alone', () => {
    const only = renderLossChart({ ...input, validations: [] });
    expect(paths(only)).toHaveLength(1);
    expect(texts(only)).toContain('training loss');
    expect(texts(only)).not.toContain('validation loss');
    const validationOnly = renderLossChart({ ...input, training: [] });
    expect(paths(validationOnly)).toHaveLength(1);
    expect(texts(validationOnly)).not.toContain('training loss');
  });

  it('draws a single point as a marker', () => {
    const single = renderLossChart({ title: 't', training: [{ step: 0, epoch: 1, loss: 2.3 }], validations: [] });
    expect(paths(single)).toHaveLength(0);
    expect(circles(single).length).toBeGreaterThanOrEqual(1);
    expect(single).not.toContain('NaN');
    expect(texts(single)).toEqual(expect.arrayContaining(['0', '1']));
    expect(texts(single)).not.toContain('-1');
  });

  it('says so when no metrics were written', () => {
    const empty = renderLossChart({
      title: 'Loss: stopped-job',
      subtitle: 'job Stopped',
      training: [],
      validations: [{ label: 'v', points: [] }],
      note: 'nothing here',
    });
    expect(texts(empty)).toEqual(['Loss: stopped-job', 'job Stopped', NO_METRICS_TEXT, 'nothing here']);
    expect(empty).not.toContain('<path');
  });

  it('stays small for a long job: one mean point per pixel column and a band of the range', () => {
    const long = renderLossChart({ title: 'long', training: trainingSteps(10, 10_000), validations: [] });
    const points = paths(long)[0].d.match(/[ML]/g)!.length;
    expect(points).toBeLessThanOrEqual(705);
    expect(points).toBeGreaterThan(600);
    expect(long).toMatch(/<polygon points="[^"]+" fill="#1f77b4" fill-opacity="0.2"/);
    expect(long.length).toBeLessThan(60_000);
    expect(long).not.toContain('NaN');
  });

  it('wraps a legend that does not fit on one row, and keeps it inside the chart', () => {
    const label = (i: number) => `validation loss (post_fine_tuning_validation/validator-${i}/validation)`;
    const many = renderLossChart({
      ...input,
      validations: [1, 2, 3].map((i) => ({ label: label(i), points: input.validations[0].points })),
    });
    const legendYs = [...many.matchAll(/<text x="[\d.]+" y="([\d.]+)" dy="4"[^>]*>validation loss \(/g)].map((m) =>
      Number(m[1]),
    );
    expect(legendYs).toHaveLength(3);
    expect(new Set(legendYs).size).toBe(3);
    expect(Math.max(...legendYs)).toBeLessThan(450);
  });

  it('gives several validation files their own colour and legend entry', () => {
    const two = renderLossChart({
      ...input,
      validations: [
        { label: 'validation loss (a)', points: input.validations[0].points },
        {
          label: 'validation loss (b)',
          points: input.validations[0].points.map((p) => ({ ...p, loss: p.loss + 0.2 })),
        },
      ],
    });
    expect(new Set(paths(two).map((p) => p.color)).size).toBe(3);
    expect(texts(two)).toEqual(expect.arrayContaining(['validation loss (a)', 'validation loss (b)']));
  });
});
