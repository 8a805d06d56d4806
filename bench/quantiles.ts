// The percentiles every benchmark table prints: p50, p95 and the maximum (nearest rank).
export interface Quantiles {
  p50: number;
  p95: number;
  max: number;
}

export function quantiles(values: number[]): Quantiles {
  if (values.length === 0) return { p50: NaN, p95: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] };
}
