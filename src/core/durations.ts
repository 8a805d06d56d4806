// Durations as requests write them ('90s', '30m', '12h', '2d', '500ms'), to milliseconds. How they print
// for people is time-text.ts.
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

export function durationMs(text: string): number {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${JSON.stringify(text)} (use forms like '30s', '15m', '12h', '2d')`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
}
