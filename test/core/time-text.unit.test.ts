// The one form times and spans take for people: the CLI, the Temporal UI details and the messages
// activities and the simulator write all print through these.
import { dateTimeText, durationText } from '../../src/core/time-text';

it('prints spans from milliseconds to days, two units at most', () => {
  expect([850, 42_000, 185_000, 7_440_000, 97_200_000].map(durationText)).toEqual([
    '850ms',
    '42s',
    '3m 05s',
    '2h 04m',
    '1d 3h',
  ]);
  expect(durationText(-5)).toBe('0ms');
});

it('prints times in UTC to the second, marked Z', () => {
  expect(dateTimeText('2026-01-05T03:00:01.250Z')).toBe('2026-01-05 03:00:01Z');
  expect(dateTimeText('2026-01-05T04:00:01+01:00')).toBe('2026-01-05 03:00:01Z');
  expect(dateTimeText(new Date(Date.UTC(2026, 10, 28, 14, 3, 7)))).toBe('2026-11-28 14:03:07Z');
  expect(dateTimeText(undefined)).toBe('-');
  expect(dateTimeText('soon')).toBe('soon');
});
