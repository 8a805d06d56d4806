// A schedule's spec read back as text from what the server stores (cron expressions come back as
// calendars), so `schedule list` and `describe` are right after an update too. The inputs are what a
// Temporal dev server returned for these cron expressions.
import type { ScheduleSpecDescription } from '@temporalio/client';
import { specText } from '../src/schedules';

const all = (start: unknown, end: unknown) => [{ start, end, step: 1 }];
const one = (v: unknown) => all(v, v);

function calendar(fields: Partial<Record<string, unknown>>): ScheduleSpecDescription {
  return {
    calendars: [
      {
        second: one(0),
        minute: one(0),
        hour: one(0),
        dayOfMonth: all(1, 31),
        month: all('JANUARY', 'DECEMBER'),
        year: [],
        dayOfWeek: all('SUNDAY', 'SATURDAY'),
        comment: '',
        ...fields,
      },
    ],
    intervals: [],
    skip: [],
  } as unknown as ScheduleSpecDescription;
}

it('reads cron expressions back from their calendars', () => {
  expect(specText(calendar({ hour: one(3), dayOfWeek: one('MONDAY') }))).toBe('cron 0 3 * * MON');
  expect(specText(calendar({}))).toBe('cron 0 0 * * *'); // @daily
  expect(
    specText(
      calendar({
        minute: [{ start: 0, end: 59, step: 15 }],
        hour: all(2, 4),
        dayOfMonth: [...one(1), ...one(15)],
      }),
    ),
  ).toBe('cron */15 2-4 1,15 * *');
  expect(specText(calendar({ minute: one(30), hour: one(9), dayOfWeek: all('MONDAY', 'FRIDAY') }))).toBe(
    'cron 30 9 * * MON-FRI',
  );
  expect(specText(calendar({ second: one(30), month: one('MARCH') }))).toBe('cron 30 0 0 * 3 *');
});

it('reads intervals back in the largest whole unit', () => {
  const every = (ms: number) =>
    ({ calendars: [], intervals: [{ every: ms }], skip: [] }) as unknown as ScheduleSpecDescription;
  expect(specText(every(2_592_000_000))).toBe('every 30d');
  expect(specText(every(5_400_000))).toBe('every 90m');
  expect(specText(every(43_200_000))).toBe('every 12h');
  expect(specText(every(1_500))).toBe('every 1500ms');
});
