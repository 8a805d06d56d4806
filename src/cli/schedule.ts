// `finetune schedule ...`: retrain on a cron or an interval with Temporal Schedules. Each scheduled run
// is an ordinary fineTune run whose workflow ID is the schedule ID plus the scheduled time.
import { Option, type Command } from 'commander';
import { ScheduleAlreadyRunning } from '@temporalio/client';
import { SCHEDULE_OVERLAP_POLICIES, type ScheduleOverlap } from '../client';
import { fields, printJson, scheduleLines, schedulesTable } from './format';
import { isInvalidArgument, readRequestFile, UsageError, withSession } from './session';

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

const overlapOption = (description: string) =>
  new Option('--overlap <policy>', description).choices(SCHEDULE_OVERLAP_POLICIES);
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
        'Every run gets its own workflow ID (<schedule-id>-<scheduled time>) and so its own job name; its custom',
        'model is named <customModelName>-<scheduled time, UTC yyyyMMdd-HHmmss> so that runs never collide.',
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
          .catch((err: unknown) => {
            if (err instanceof ScheduleAlreadyRunning)
              throw new UsageError(
                `A schedule with ID ${scheduleId} already exists: delete it first, or pick another ID.`,
              );
            if (isInvalidArgument(err)) throw new UsageError(`The server refused the schedule: ${err.message}`);
            throw err;
          });
        if (flags.json) printJson(created);
        else console.log(['Created schedule:', ...scheduleLines(created)].join('\n'));
      });
    });
}

export function registerScheduleCommand(program: Command): void {
  const schedule = program
    .command('schedule')
    .description(
      'retrain on a schedule: create, list, describe, pause, unpause, trigger or delete fine-tune schedules',
    );

  registerCreate(schedule);

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
      .action(async (scheduleId: string, flags: { note?: string }) => {
        await withSession(async ({ ft }) => {
          await (name === 'pause'
            ? ft.schedules.pause(scheduleId, flags.note)
            : ft.schedules.unpause(scheduleId, flags.note));
          console.log(`Schedule ${scheduleId} ${name}d.`);
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
    .action(async (scheduleId: string) => {
      await withSession(async ({ ft }) => {
        await ft.schedules.delete(scheduleId);
        console.log(`Schedule ${scheduleId} deleted.`);
      });
    });
}
