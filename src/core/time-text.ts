// Times and spans as people read them: one form for the CLI, the Temporal UI details and the messages
// activities and the simulator write, so '45s' never reads '45 s' elsewhere. UTC, always marked `Z`.

/** A span for people: '850ms', '42s', '3m 05s', '2h 10m', '1d 3h'. */
export function durationText(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.round(ms / 1_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3_600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3_600)}h ${pad(Math.floor((s % 3_600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3_600)}h`;
}

/** '2026-11-28 14:03:07Z' (UTC, seconds), or '-' when unknown; text that is no time is shown as it is. */
export function dateTimeText(value: string | Date | undefined): string {
  if (value === undefined) return '-';
  const date = typeof value === 'string' ? new Date(value) : value;
  return Number.isNaN(date.getTime()) ? String(value) : `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}
