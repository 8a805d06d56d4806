// The run's "current details" in the Temporal UI: Markdown that says where the run is, how it got
// there and what it found, without opening its history. The UI shows it as the workflow last set it:
// a live value (the next poll after an unchanged look, say) is only as fresh as the last state change.
import { dateTimeText, durationText } from '../core/time-text';
import type { JobCleanup, MetricsSummaryView, PhaseTime, SkipCheck } from '../core/fine-tune-contract';
import type { FineTuneRequest } from '../core/request';
import type { ScheduleRecord } from '../core/retraining';
import type { ResolvedTemplate } from '../core/templates';
import { queuedText } from '../core/job-slots';
import { lossTable } from '../core/loss-table';
import type { RunState } from './run-state';

/** Rows of the loss table; a longer run's are in its report.json. */
const EPOCH_ROWS_SHOWN = 30;

/** A table cell: no pipe or line break may end it early. */
const cell = (value: string | number) =>
  String(value)
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ');

const row = (label: string, value: string | number | undefined) =>
  value === undefined || value === '' ? [] : [`| ${label} | ${cell(value)} |`];

const CLEANUP_VERDICT: Record<JobCleanup['outcome'], string> = {
  'no-job': 'nothing to stop',
  'already-ended': 'nothing to stop',
  stopped: 'done',
  'stop-unconfirmed': '**needs attention**',
  'stop-refused': '**needs attention**',
  'stop-failed': '**needs attention**',
};

const RECORD_VERDICT: Record<ScheduleRecord['outcome'], string> = {
  recorded: 'done',
  'newer-kept': 'not needed',
  'no-schedule': 'not needed',
  failed: '**needs attention**',
};

function skipRow(check: SkipCheck | undefined): string[] {
  if (!check) return [];
  return check.verdict === 'skip'
    ? row('Skipped', check.reason)
    : row('Skip if unchanged', `not skipped: ${check.reason}`);
}

function nextPoll(state: RunState): string | undefined {
  if (!state.nextPollTime || !state.job || state.phase !== 'training') return undefined;
  return `${dateTimeText(state.nextPollTime)} (while nothing changes, later looks back off to every ${durationText(state.polling.maximumMs)}; \`finetune status\` shows the live time)`;
}

/** The run's place in the fair queue for the job quota, while it has one. */
function queueRow(state: RunState): string | undefined {
  const slot = state.slot;
  if (!slot || slot.released || state.job) return undefined;
  if (slot.granted) return `granted (fairness key \`${slot.key}\`)`;
  return `${queuedText(slot.ahead ?? 0)} (fairness key \`${slot.key}\`)`;
}

/** When each phase began and how long it took (the last one, if the run goes on, is still going). */
function timelineSection(timeline: PhaseTime[] | undefined, finished: boolean): string[] {
  if (!timeline || timeline.length === 0) return [];
  return [
    '',
    '#### Timeline',
    '',
    '| Phase | Began | Took |',
    '|---|---|---:|',
    ...timeline.map((entry, i) => {
      const next = timeline[i + 1];
      const took = next ? durationText(Date.parse(next.at) - Date.parse(entry.at)) : finished ? '' : 'under way';
      return `| ${entry.phase} | ${dateTimeText(entry.at)} | ${took} |`;
    }),
  ];
}

/** The per-epoch losses (and rewards for reinforcement fine-tuning) once the metrics are in. */
function lossSection(metrics: MetricsSummaryView | undefined): string[] {
  const epochs = metrics?.epochs ?? [];
  if (epochs.length === 0) return [];
  const { headers, rows: all } = lossTable(epochs);
  const rows = all.slice(0, EPOCH_ROWS_SHOWN);
  const titled = headers.map((h) => h.charAt(0).toUpperCase() + h.slice(1));
  return [
    '',
    '#### Loss per epoch',
    '',
    `| ${titled.join(' | ')} |`,
    `|${titled.map(() => '---:').join('|')}|`,
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
    ...(epochs.length > rows.length
      ? ['', `${epochs.length - rows.length} more epochs in the run's report.json.`]
      : []),
  ];
}

/** The request's templates as this run resolved them (filled by the templates work). */
function templatesSection(templates: ResolvedTemplate[] | undefined): string[] {
  if (!templates || templates.length === 0) return [];
  return [
    '',
    '#### Resolved templates',
    '',
    '| Member | Template | Value |',
    '|---|---|---|',
    ...templates.map((t) => `| ${cell(t.path)} | \`${cell(t.template)}\` | \`${cell(t.value)}\` |`),
  ];
}

export function currentDetailsMarkdown(request: FineTuneRequest, state: RunState): string {
  const s = state.snapshot;
  const d = s?.statusDetails;
  const phases = d
    ? `validation ${d.validation?.status ?? '-'}, data processing ${d.dataProcessing?.status ?? '-'}, training ${d.training?.status ?? '-'}`
    : undefined;
  const m = state.metrics;
  const finished = ['completed', 'skipped', 'failed', 'stopped', 'cancelled'].includes(state.phase);
  return [
    `### ${request.customModelName}: ${state.phase}`,
    '',
    '| | |',
    '|---|---|',
    ...row('Base model', request.baseModelIdentifier),
    ...row('Type', request.customizationType ?? 'FINE_TUNING'),
    ...row(
      'Schedule',
      state.scheduled
        ? `${state.scheduled.scheduleId}, scheduled ${dateTimeText(state.scheduled.scheduledAt)}`
        : undefined,
    ),
    ...row('Warnings', state.preflight?.warnings?.join('; ')),
    ...row(
      'Dataset',
      state.dataset
        ? `${state.dataset.trainingRecords} training / ${state.dataset.validationRecords} validation records, fingerprint \`${state.dataset.fingerprint.slice(0, 12)}\``
        : undefined,
    ),
    ...skipRow(state.skipCheck),
    ...row('Job slot', queueRow(state)),
    ...row('Bedrock job', state.job ? `\`${state.job.jobArn}\`${state.job.adopted ? ' (adopted)' : ''}` : undefined),
    ...row('Job status', s?.status),
    ...row('Phases', phases),
    ...row('Failure', s?.failureMessage),
    ...row('Polls recorded', state.job ? state.pollsRecorded : undefined),
    ...row('Last poll', state.lastPollTime ? dateTimeText(state.lastPollTime) : undefined),
    ...row('Next poll', nextPoll(state)),
    ...row('Deadline', state.deadlineAt ? dateTimeText(state.deadlineAt) : undefined),
    ...row('Stop reason', state.stopReason),
    ...row(
      'Clean-up',
      state.cleanup ? `${CLEANUP_VERDICT[state.cleanup.outcome]}: ${state.cleanup.message}` : undefined,
    ),
    ...row('Training loss', m?.finalTrainingLoss?.toFixed(4)),
    ...row('Validation loss', m?.finalValidationLoss?.toFixed(4)),
    ...row('Mean reward', m?.rewards?.finalMean?.toFixed(4)),
    ...row('Best epoch', m?.bestEpoch),
    ...row('Metrics', state.metricsError ? `not collected: ${state.metricsError}` : undefined),
    ...row(
      'Schedule record',
      state.scheduleRecord
        ? `${RECORD_VERDICT[state.scheduleRecord.outcome]}: ${state.scheduleRecord.message}`
        : undefined,
    ),
    ...lossSection(m),
    ...timelineSection(state.timeline, finished),
    ...templatesSection(state.resolvedTemplates),
  ].join('\n');
}
