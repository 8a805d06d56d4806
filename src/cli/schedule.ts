// `finetune schedule ...`: retrain on a cron or an interval with Temporal Schedules. Each scheduled run
// is an ordinary fineTune run whose workflow ID is the schedule ID plus the scheduled time.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ScheduleAlreadyRunning } from '@temporalio/client';
import { overlapPolicy, SCHEDULE_OVERLAP_POLICIES, type ScheduleOverlap } from '../client';
import { dateTimeText } from '../core/time-text';
import { fields, printJson, scheduleLines, schedulesTable } from './format';
import { UsageError } from './exit-codes';
import { isInvalidArgument, readRequestFile, withSession } from './session';

interface CreateFlags {
  cron?: string;
  every?: string;
  overlap?: ScheduleOverlap;
  catchupWindow?: string;
  pauseOnFailure?: boolean;
  skipIfUnchanged?: boolean;
  paused?: boolean;
  note?: string;
  json?: boolean;
}

// The choices show in --help; the parser refuses TERMINATE_OTHER with why (OverlapPolicyRefusedError, exit 2)
// before anything connects, where commander would only list the choices.
const overlapOption = (description: string) =>
  new Option('--overlap <policy>', description).choices(SCHEDULE_OVERLAP_POLICIES).argParser(overlapPolicy);
const idArgument = ['<schedule-id>', 'the schedule (see `finetune schedule list`)'] as const;

function registerCreate(schedule: Command): void {
  schedule
    .command('create')
    .description('create a schedule that starts a fine-tune of the request on a cron or an interval')
    .argument(
      '<schedule-id>',
      "a business name, e.g. weekly-support-retrain; also the prefix of its runs' workflow IDs",
    )
    .argument('<request.json>', 'the request every run starts with (without jobName or clientRequestToken)')
    .addOption(
      new Option('--cron <expression>', "when, as cron in UTC: '0 3 * * MON', '@daily' (5-7 fields)").conflicts(
        'every',
      ),
    )
    .addOption(new Option('--every <duration>', "when, as an interval: '12h', '7d'").conflicts('cron'))
    .addOption(overlapOption('when a run is due while the previous one still runs').default('SKIP'))
    .option(
      '--catchup-window <duration>',
      "how late a run missed while Temporal was down may still start, e.g. '1h' (default 1 year)",
    )
    .option(
      '--pause-on-failure',
      'pause the schedule when a run fails, instead of retraining on broken data every time',
    )
    .option(
      '--skip-if-unchanged',
      'end a run as Skipped, creating no job, when its prepared dataset and training settings are those of the last run that trained',
    )
    .option('--paused', 'create it paused (unpause later)')
    .option('--note <text>', 'a note shown with the schedule')
    .option('--json', 'print the created schedule as one JSON object')
    .addHelpText(
      'after',
      [
        '',
        'Every run gets its own workflow ID (<schedule-id>-<scheduled time>) and so its own job name. Templates in',
        'S3 URIs, names and tag values resolve from the scheduled time (UTC): {{scheduledTime:yyyy/MM/dd}}. A custom',
        'model name without a template is named <customModelName>-<yyyyMMdd-HHmmss> so that runs never collide.',
        'The request is checked at create with its templates resolved for now: a template that would break',
        "Bedrock's patterns is refused here (exit 2), not when a run starts.",
        '',
        'With --skip-if-unchanged, each run still validates and fingerprints its data (sha256 of what the job',
        'would train on), then compares with the last run of this schedule that trained: the same dataset and',
        'the same base model, type, hyperparameters and customization config end the run as Skipped, with the',
        'run it matched, and no job. The run that trains records itself on the schedule for the next one.',
        '',
        'Examples:',
        "  finetune schedule create weekly-support-retrain request.json --cron '0 3 * * MON' --pause-on-failure",
        "  finetune schedule create nightly-support-retrain request.json --cron '0 2 * * *' --skip-if-unchanged",
        '  finetune schedule create nightly-distill request.json --every 1d --overlap BUFFER_ONE --catchup-window 2h',
        '  (request.json: "s3Uri": "s3://acme-data/support/{{scheduledTime:yyyy/MM/dd}}/train.jsonl")',
      ].join('\n'),
    )
    .action(async (scheduleId: string, file: string, flags: CreateFlags) => {
      if (!flags.cron && !flags.every)
        throw new UsageError('Say when: give --cron <expression> or --every <duration>.');
      const request = await readRequestFile(file);
      await withSession(async ({ ft }) => {
        const created = await ft.schedules
          .create({
            scheduleId,
            request,
            cron: flags.cron,
            every: flags.every,
            overlap: flags.overlap,
            catchupWindow: flags.catchupWindow,
            pauseOnFailure: flags.pauseOnFailure,
            skipIfUnchanged: flags.skipIfUnchanged,
            paused: flags.paused,
            note: flags.note,
          })
          .catch(usageErrors(scheduleId));
        if (flags.json) printJson(created);
        else console.log(['Created schedule:', ...scheduleLines(created)].join('\n'));
      });
    });
}

/** A schedule call's errors the user can fix, as exit 2 with what to do. */
function usageErrors(scheduleId: string) {
  return (err: unknown): never => {
    if (err instanceof ScheduleAlreadyRunning)
      throw new UsageError(`A schedule with ID ${scheduleId} already exists: delete it first, or pick another ID.`);
    if (isInvalidArgument(err)) throw new UsageError(`The server refused the schedule: ${err.message}`);
    throw err;
  };
}

function registerUpdate(schedule: Command): void {
  schedule
    .command('update')
    .description(
      "change a schedule's request, when it runs, or its policies; what is not given stays, runs and counts included",
    )
    .argument(...idArgument)
    .argument('[request.json]', 'a new request for its future runs (checked as at create)')
    .addOption(new Option('--cron <expression>', 'run on this cron expression instead (UTC)').conflicts('every'))
    .addOption(new Option('--every <duration>', "run on this interval instead: '12h', '7d'").conflicts('cron'))
    .addOption(overlapOption('when a run is due while the previous one still runs'))
    .option('--catchup-window <duration>', "how late a missed run may still start, e.g. '1h'")
    .option('--pause-on-failure', 'pause the schedule when a run fails')
    .option('--no-pause-on-failure', 'keep the schedule running when a run fails')
    .option('--note <text>', 'a note shown with the schedule')
    .option('--json', 'print the updated schedule as one JSON object')
    .addHelpText(
      'after',
      [
        '',
        'Runs already started go on with the request they started with.',
        '',
        'Examples:',
        '  finetune schedule update weekly-support-retrain request-v2.json',
        "  finetune schedule update weekly-support-retrain --cron '0 4 * * SUN' --overlap BUFFER_ONE",
      ].join('\n'),
    )
    .action(async (scheduleId: string, file: string | undefined, flags: Omit<CreateFlags, 'paused'>) => {
      const request = file ? await readRequestFile(file) : undefined;
      const changes = {
        request,
        cron: flags.cron,
        every: flags.every,
        overlap: flags.overlap,
        catchupWindow: flags.catchupWindow,
        pauseOnFailure: flags.pauseOnFailure,
        note: flags.note,
      };
      if (Object.values(changes).every((v) => v === undefined))
        throw new UsageError(
          'Say what to change: a request file, --cron, --every, --overlap, --catchup-window, --[no-]pause-on-failure or --note.',
        );
      await withSession(async ({ ft }) => {
        const updated = await ft.schedules.update(scheduleId, changes).catch(usageErrors(scheduleId));
        if (flags.json) printJson(updated);
        else console.log(['Updated schedule:', ...scheduleLines(updated)].join('\n'));
      });
    });
}

const time = (raw: string): Date => {
  const date = new Date(raw);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError('expected a time such as 2026-11-01T00:00:00Z');
  return date;
};

function registerBackfill(schedule: Command): void {
  schedule
    .command('backfill')
    .description(
      'start the runs a schedule would have started between two times (missed while paused or not yet created)',
    )
    .argument(...idArgument)
    .requiredOption('--start <time>', 'from this time (inclusive), e.g. 2026-11-01T00:00:00Z', time)
    .requiredOption('--end <time>', 'to this time (exclusive)', time)
    .addOption(overlapOption('how the backfilled runs overlap (default BUFFER_ALL: one after another)'))
    .option('--json', 'print { scheduleId, start, end, overlap } as one JSON object')
    .addHelpText(
      'after',
      [
        '',
        'Each backfilled run is an ordinary scheduled run: its workflow ID and its templates use its scheduled',
        'time, not the time of the backfill.',
        '',
        'Example:',
        '  finetune schedule backfill nightly-distill --start 2026-11-01T00:00:00Z --end 2026-11-04T00:00:00Z',
      ].join('\n'),
    )
    .action(
      async (scheduleId: string, flags: { start: Date; end: Date; overlap?: ScheduleOverlap; json?: boolean }) => {
        await withSession(async ({ ft }) => {
          const overlap = flags.overlap ?? 'BUFFER_ALL';
          await ft.schedules
            .backfill(scheduleId, { start: flags.start, end: flags.end, overlap })
            .catch(usageErrors(scheduleId));
          if (flags.json) return printJson({ scheduleId, start: flags.start, end: flags.end, overlap });
          console.log(
            [
              `Backfill of ${scheduleId} from ${dateTimeText(flags.start)} to ${dateTimeText(flags.end)} requested (overlap ${overlap}).`,
              `Its runs: finetune list --query "TemporalScheduledById = '${scheduleId}'"`,
            ].join('\n'),
          );
        });
      },
    );
}

export function registerScheduleCommand(program: Command): void {
  const schedule = program
    .command('schedule')
    .description(
      'retrain on a schedule: create, update, list, describe, pause, unpause, trigger, backfill or delete fine-tune schedules',
    );

  registerCreate(schedule);
  registerUpdate(schedule);
  registerBackfill(schedule);

  schedule
    .command('list')
    .description('list the fine-tune schedules')
    .option('--json', 'print them as one JSON object')
    .action(async (flags: { json?: boolean }) => {
      await withSession(async ({ ft }) => {
        const schedules = await ft.schedules.list();
        if (flags.json) printJson({ schedules });
        else console.log(schedulesTable(schedules).join('\n'));
      });
    });

  schedule
    .command('describe')
    .description('show a schedule: spec, policies, state, next and recent runs, and the request it starts')
    .argument(...idArgument)
    .option('--json', 'print it as one JSON object (with the full request)')
    .action(async (scheduleId: string, flags: { json?: boolean }) => {
      await withSession(async ({ ft }) => {
        const d = await ft.schedules.describe(scheduleId);
        if (flags.json) printJson(d);
        else console.log(scheduleLines(d).join('\n'));
      });
    });

  for (const [name, verb] of [
    ['pause', 'pause a schedule: no runs start until it is unpaused (running ones go on)'],
    ['unpause', 'unpause a schedule'],
  ] as const) {
    schedule
      .command(name)
      .description(verb)
      .argument(...idArgument)
      .option('--note <text>', 'why, shown with the schedule')
      .option('--json', 'print the schedule as one JSON object (as `schedule describe --json`)')
      .action(async (scheduleId: string, flags: { note?: string; json?: boolean }) => {
        await withSession(async ({ ft }) => {
          await (name === 'pause'
            ? ft.schedules.pause(scheduleId, flags.note)
            : ft.schedules.unpause(scheduleId, flags.note));
          if (flags.json) printJson(await ft.schedules.describe(scheduleId));
          else console.log(`Schedule ${scheduleId} ${name}d.`);
        });
      });
  }

  schedule
    .command('trigger')
    .description('start a run of the schedule now and print its workflow ID')
    .argument(...idArgument)
    .addOption(overlapOption('overlap policy for this run only (default ALLOW_ALL: it starts even while another runs)'))
    .option('--json', 'print { scheduleId, workflowId } as one JSON object')
    .action(async (scheduleId: string, flags: { overlap?: ScheduleOverlap; json?: boolean }) => {
      await withSession(async ({ ft, uiUrl }) => {
        const workflowId = await ft.schedules.trigger(scheduleId, { overlap: flags.overlap });
        if (flags.json) return printJson({ scheduleId, workflowId: workflowId ?? null });
        if (!workflowId) {
          console.log(
            `Triggered ${scheduleId}; no new run showed up yet (the overlap policy may have skipped or buffered it).`,
          );
          return;
        }
        console.log(
          [
            `Triggered ${scheduleId}: started ${workflowId}`,
            ...fields([['ui', uiUrl(workflowId)]]),
            `Follow it: finetune watch ${workflowId}`,
          ].join('\n'),
        );
      });
    });

  schedule
    .command('delete')
    .description('delete a schedule (runs it already started go on)')
    .argument(...idArgument)
    .option('--json', 'print { scheduleId, deleted: true } as one JSON object')
    .action(async (scheduleId: string, flags: { json?: boolean }) => {
      await withSession(async ({ ft }) => {
        await ft.schedules.delete(scheduleId);
        if (flags.json) printJson({ scheduleId, deleted: true });
        else console.log(`Schedule ${scheduleId} deleted.`);
      });
    });
}
