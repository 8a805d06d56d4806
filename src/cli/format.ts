// Text the CLI prints, in one place: a run's phases, its progress, results, failures, tables and times.
// Pure functions from data to lines, so `status`, `watch`, `start --wait`, `demo` and the schedule
// commands show the same thing the same way (and tests can check them without a terminal).
import { queuedText } from '../core/job-slots';
import type {
  ApprovalDecision,
  FineTuneResult,
  FineTuneScheduleDescription,
  FineTuneScheduleSummary,
  LiveProgress,
  PromotionProgress,
  PromotionResult,
  RunFailure,
  RunSummary,
  ScoreRow,
  ServingKind,
} from '../client';
import { isTerminalJobStatus } from '../core/bedrock-patterns';
import { dateTimeText, durationText } from '../core/time-text';
import type { FineTuneProgress, MetricsSummaryView, Phase } from '../core/fine-tune-contract';
import { lossTable, lossText } from '../core/loss-table';
import { promotionWorkflowId } from '../core/promotion-contract';
import { SCORE_HEADER, scoreRows } from '../core/score-table';

// ---- plain values ----

/** '14:03:07' (UTC), for lines that repeat during one session. */
export function timeOfDay(value: string | Date = new Date()): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  return date.toISOString().slice(11, 19);
}

/** 'in 12s' or '3m 05s ago' relative to now. */
export function relative(value: string | undefined, nowMs = Date.now()): string {
  if (value === undefined) return '-';
  const deltaMs = Date.parse(value) - nowMs;
  if (Number.isNaN(deltaMs)) return value;
  if (Math.abs(deltaMs) < 1000) return 'now';
  return deltaMs > 0 ? `in ${durationText(deltaMs)}` : `${durationText(-deltaMs)} ago`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** 9800 -> '9.8k'. */
export function count(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** '█▆▄▃▂▁': one bar per value, scaled between the smallest and the largest. */
export function sparkline(values: number[]): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return '';
  const min = Math.min(...finite);
  const span = Math.max(...finite) - min;
  return values
    .map((v) =>
      Number.isFinite(v) ? SPARKS[span === 0 ? 3 : Math.round(((v - min) / span) * (SPARKS.length - 1))] : ' ',
    )
    .join('');
}

/** 'loss ▇▄▂ 1.2034 -> 0.4120' once per-epoch losses are known. */
export function lossTrend(m: MetricsSummaryView | undefined): string | undefined {
  const losses = m?.epochs.map((e) => e.trainingLoss) ?? [];
  if (losses.length === 0) return undefined;
  return `${sparkline(losses)} ${lossText(losses[0])}${losses.length > 1 ? ` -> ${lossText(losses[losses.length - 1])}` : ''}`;
}

/** How long the run has been going, in whole seconds at least: a run's age never reads '739ms'. */
export function elapsed(p: Pick<LiveProgress, 'startedAt'>, nowMs = Date.now()): string {
  const ms = nowMs - Date.parse(p.startedAt);
  return ms < 1_000 ? '0s' : durationText(ms);
}

/** Columns padded to their widest cell; numbers right-aligned when `right` names their columns. */
export function table(headers: string[], rows: string[][], right: number[] = []): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (right.includes(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** Label/value rows ('  job        arn:...'), skipping values that are unknown. */
export function fields(rows: [string, string | undefined][], indent = '  '): string[] {
  const shown = rows.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '');
  const width = Math.max(0, ...shown.map(([label]) => label.length));
  return shown.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`);
}

/** One JSON object on stdout: what `--json` prints (dates as ISO strings). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

// ---- a run's phases ----

const STEPS: { phase: Phase; label: string; done: (p: FineTuneProgress) => boolean }[] = [
  { phase: 'preflight', label: 'preflight', done: (p) => p.dataset !== undefined || p.jobArn !== undefined },
  { phase: 'preparing-data', label: 'dataset', done: (p) => p.dataset !== undefined },
  { phase: 'creating-job', label: 'create job', done: (p) => p.jobArn !== undefined },
  { phase: 'training', label: 'training', done: (p) => isTerminalJobStatus(p.jobStatus) },
  { phase: 'collecting-metrics', label: 'metrics', done: (p) => p.metrics !== undefined },
];

/** After the metrics, for a request with `orchestration.promotion`: the promote child. */
const PROMOTE_STEP: (typeof STEPS)[number] = {
  phase: 'promoting',
  label: 'promote',
  done: (p) => p.promotion !== undefined,
};

/** Side phases shown on the step they belong to. */
const STEP_OF: Partial<Record<Phase, Phase>> = { 'waiting-for-quota': 'creating-job', stopping: 'training' };
const ENDINGS: Partial<Record<Phase, string>> = {
  completed: '✓ completed',
  failed: '✗ failed',
  stopped: '■ stopped',
  cancelled: '■ cancelled',
};

/** '✓ preflight  ✓ dataset  ▶ training (stopping)  · metrics': where the run is on its way. */
export function phaseTrack(p: FineTuneProgress): string {
  const ending = ENDINGS[p.phase];
  const current = STEP_OF[p.phase] ?? p.phase;
  // The promote step only for a run that promotes (its progress cannot say so before it gets there).
  const promotes = p.phase === 'promoting' || p.promotion !== undefined;
  const steps = promotes ? [...STEPS, PROMOTE_STEP] : STEPS;
  const at = steps.findIndex((s) => s.phase === current);
  let blocked = false;
  // A promotion that ended other than promoted says how ('promote (gated)').
  const label = (step: (typeof STEPS)[number]) =>
    step === PROMOTE_STEP && p.promotion && p.promotion.outcome !== 'promoted'
      ? `${step.label} (${p.promotion.outcome})`
      : step.label;
  const marks = steps.map((step, i) => {
    if (p.phase === 'completed') return `✓ ${label(step)}`;
    if (ending) {
      // Ended early: what got done is ticked, the step it ended in is marked, the rest never ran.
      if (step.done(p)) return `✓ ${label(step)}`;
      if (blocked) return `· ${step.label}`;
      blocked = true;
      return `${p.phase === 'failed' ? '✗' : '■'} ${step.label}`;
    }
    if (i < at) return `✓ ${step.label}`;
    if (i === at) return `▶ ${step.label}${current !== p.phase ? ` (${p.phase.replace(/-/g, ' ')})` : ''}`;
    return `· ${step.label}`;
  });
  return [...marks, ...(ending ? [ending] : [])].join('  ');
}

const PHASE_LABELS = [
  ['validation', 'validation'],
  ['dataProcessing', 'data processing'],
  ['training', 'training'],
] as const;

/** 'validation Completed · data processing InProgress · training NotStarted'. */
export function bedrockPhases(p: FineTuneProgress): string | undefined {
  const d = p.statusDetails;
  if (!d) return undefined;
  return PHASE_LABELS.map(([key, label]) => `${label} ${d[key]?.status ?? '-'}`).join(' · ');
}

function datasetText(p: FineTuneProgress): string | undefined {
  const d = p.dataset;
  if (!d) return undefined;
  return [
    `${d.trainingRecords} training + ${d.validationRecords} validation records`,
    `~${count(d.estimatedTokens)} tokens`,
    bytes(d.bytes),
    d.warnings > 0 ? `${d.warnings} warnings` : '',
    d.duplicatesRemoved > 0 ? `${d.duplicatesRemoved} duplicates removed` : '',
    `fingerprint ${d.fingerprint.slice(0, 12)}`,
  ]
    .filter(Boolean)
    .join(', ');
}

/** The run's place in the fair queue for the job quota while it waits there: `queued, 37 ahead (team-a)`. */
export function queueText(p: Pick<FineTuneProgress, 'queue' | 'jobArn' | 'phase'>): string | undefined {
  const q = p.queue;
  if (!q || q.granted || p.jobArn || p.phase !== 'waiting-for-quota') return undefined;
  return `${queuedText(q.ahead ?? 0)} (${q.key})`;
}

/**
 * The full picture for `status` and a redrawing `watch`; `promotion` is the live progress of the run's
 * promote child while the run is in phase `promoting`.
 */
export function progressBlock(p: LiveProgress, nowMs = Date.now(), promotion?: PromotionProgress): string[] {
  const polling = p.polling;
  return [
    `${p.workflowId}  ${p.workflowStatus}  (run ${p.runId})`,
    `  ${phaseTrack(p)}`,
    ...fields([
      ['phase', p.phase],
      ['job slot', queueText(p)],
      ['job', p.jobArn ? `${p.jobArn}  ${p.jobStatus ?? ''}`.trimEnd() : undefined],
      ['job name', p.jobName],
      ['bedrock', bedrockPhases(p)],
      ['failure', p.failureMessage],
      [
        'polls',
        p.jobArn
          ? `${p.polls} (${p.pollsRecorded} recorded)  last ${p.lastPollTime ? relative(p.lastPollTime, nowMs) : '-'}` +
            (p.nextPollTime && p.workflowStatus === 'RUNNING' ? `  next ${relative(p.nextPollTime, nowMs)}` : '')
          : undefined,
      ],
      [
        'polling',
        `first after ${polling.initialInterval}, x${polling.backoffCoefficient} up to ${polling.maximumInterval}, jitter ${polling.jitter}`,
      ],
      ['dataset', datasetText(p)],
      ['data report', p.dataset?.reportUri],
      ['stop', p.stopReason],
      ['job cleanup', p.cleanup ? `${p.cleanup.outcome}: ${p.cleanup.message}` : undefined],
      ['metrics error', p.metricsError],
      ['deadline', p.deadline ? dateTimeText(p.deadline) : undefined],
      ['loss', lossTrend(p.metrics)],
      [
        'started',
        `${dateTimeText(p.startedAt)}${p.workflowStatus === 'RUNNING' ? `  (elapsed ${elapsed(p, nowMs)})` : ` (${relative(p.startedAt, nowMs)})`}`,
      ],
      ['history', `${p.historyLength} events`],
    ]),
    ...(p.metrics ? ['  metrics', ...metricsLines(p.metrics).map((l) => `    ${l}`)] : []),
    ...(promotion && !p.promotion
      ? [
          `  promotion (${promotionWorkflowId(p.workflowId)})`,
          ...promotionProgressLines(promotion, '    ', p.workflowId),
        ]
      : []),
    ...(p.promotion ? promotionResultLines(p.promotion).map((l) => `  ${l}`) : []),
  ];
}

/** What makes `watch` print a new line: where the run and the job are, not the clock or poll counts. */
export function watchLineKey(p: LiveProgress, promotion?: PromotionProgress): string {
  return [
    p.workflowStatus,
    p.phase,
    promotion?.phase,
    p.jobStatus,
    bedrockPhases(p),
    p.dataset?.fingerprint,
    p.metrics?.finalTrainingLoss,
    p.stopReason,
    queueText(p),
  ].join('|');
}

/** One line per change for a `watch` that cannot redraw (a pipe, a CI log). */
export function progressLine(p: LiveProgress, now = new Date(), promotion?: PromotionProgress): string {
  const running = p.workflowStatus === 'RUNNING';
  const parts = [
    `${timeOfDay(now)} ${p.phase}${promotion && p.phase === 'promoting' ? ` (${promotion.phase})` : ''}`,
    queueText(p) ?? '',
    p.jobStatus ? `job ${p.jobStatus}` : p.jobArn ? 'job created' : '',
    bedrockPhases(p) ?? '',
    p.dataset && !p.jobArn ? `dataset ${p.dataset.trainingRecords}+${p.dataset.validationRecords} records` : '',
    p.polls > 0 ? `polls ${p.polls}` : '',
    running && p.jobArn && p.nextPollTime ? `next poll ${relative(p.nextPollTime, now.getTime())}` : '',
    p.metrics ? `loss ${lossTrend(p.metrics)}` : '',
    running ? `elapsed ${elapsed(p, now.getTime())}` : '',
    p.stopReason ? `stop: ${p.stopReason}` : '',
  ];
  return parts.filter(Boolean).join(' | ');
}

// ---- results, metrics, failures ----

/** The per-epoch loss (and, for RFT, mean reward) table, then the summary lines. */
export function metricsLines(m: MetricsSummaryView): string[] {
  const losses = lossTable(m.epochs);
  const rows = losses.rows.map((cells, i) => [...cells, m.epochs[i].epoch === m.bestEpoch ? '<- best' : '']);
  const headers = [...losses.headers, ''];
  const numeric = losses.headers.map((_, i) => i);
  const r = m.rewards;
  return [
    ...table(headers, rows, numeric),
    `${m.steps} steps; final training loss ${lossText(m.finalTrainingLoss)}` +
      (m.finalValidationLoss !== undefined ? `, validation loss ${lossText(m.finalValidationLoss)}` : '') +
      `; cross-check with Bedrock: ${m.crossCheck}`,
    ...(r
      ? [
          `mean reward ${lossText(r.firstMean)} at the first step, ${lossText(r.finalMean)} at the last (best ${lossText(r.bestMean)})`,
        ]
      : []),
  ];
}

export function resultLines(result: FineTuneResult): string[] {
  if (result.status === 'Skipped')
    return [
      `Skipped: ${result.reason}`,
      ...fields([
        ['matched', `${result.matched.workflowId} (model ${result.matched.customModelArn ?? '-'})`],
        ['data report', `${result.datasetReportUri} (fingerprint ${result.datasetFingerprint.slice(0, 12)})`],
      ]),
    ];
  const t = result.timings;
  const runMs = Date.parse(t.finishedAt) - Date.parse(t.startedAt);
  return [
    `${result.status}: ${result.customModelArn ?? '(no custom model ARN reported)'}`,
    ...fields([
      ['job', `${result.jobArn} (${result.jobName})`],
      ['report', result.reportUri],
      ['loss chart', result.chartUri],
      [
        'data report',
        result.datasetReportUri
          ? `${result.datasetReportUri}${result.datasetFingerprint ? ` (fingerprint ${result.datasetFingerprint.slice(0, 12)})` : ''}`
          : undefined,
      ],
      [
        'took',
        `${durationText(runMs)} in all${t.jobSeconds !== undefined ? `, the Bedrock job ${durationText(t.jobSeconds * 1000)}` : ''}`,
      ],
    ]),
    ...(result.metrics ? ['  metrics', ...metricsLines(result.metrics).map((l) => `    ${l}`)] : []),
    ...(result.promotion ? promotionResultLines(result.promotion) : []),
  ];
}

/** A dataset problem as the failure details carry it: a string or { line?, file?, rule?, message }. */
function problemText(problem: unknown): string {
  if (typeof problem === 'string') return problem;
  if (problem && typeof problem === 'object') {
    const p = problem as { line?: number; file?: string; rule?: string; message?: string };
    const where = [p.file, p.line !== undefined ? `line ${p.line}` : ''].filter(Boolean).join(' ');
    return `${where ? `${where}: ` : ''}${p.message ?? JSON.stringify(problem)}${p.rule ? ` [${p.rule}]` : ''}`;
  }
  return String(problem);
}

/** How many of a DatasetInvalid failure's problems are printed. */
export const PROBLEMS_SHOWN = 5;

export function failureLines(failure: RunFailure): string[] {
  const d = failure.details ?? {};
  const text = (key: string) => (typeof d[key] === 'string' ? (d[key] as string) : undefined);
  const problems = Array.isArray(d.problems) ? d.problems : [];
  const metrics = d.metrics as MetricsSummaryView | undefined;
  return [
    `Failed: ${failure.type}`,
    ...failure.message.split('\n').map((l) => `  ${l}`),
    ...fields([
      ['job', text('jobArn') ? `${text('jobArn')}${text('jobStatus') ? ` (${text('jobStatus')})` : ''}` : undefined],
      ['data report', text('reportUri')],
    ]),
    ...(problems.length > 0
      ? [
          `  first problems${problems.length > PROBLEMS_SHOWN ? ` (${PROBLEMS_SHOWN} of ${problems.length})` : ''}:`,
          ...problems.slice(0, PROBLEMS_SHOWN).map((p) => `    - ${problemText(p)}`),
        ]
      : []),
    ...(metrics?.epochs?.length ? ['  metrics', ...metricsLines(metrics).map((l) => `    ${l}`)] : []),
    ...(isPromotionResult(d.promotion) ? promotionResultLines(d.promotion) : []),
    // A promote run's own failure (PromotionRolledBack) carries its result as the details.
    ...(isPromotionResult(d) ? promotionResultLines(d) : []),
  ];
}

export function runsTable(runs: RunSummary[]): string[] {
  if (runs.length === 0) return ['No fine-tune runs found.'];
  return table(
    ['WORKFLOW ID', 'STATUS', 'PHASE', 'JOB', 'CUSTOM MODEL', 'BASE MODEL', 'STARTED'],
    runs.map((r) => [
      r.workflowId,
      r.status,
      r.phase ?? '-',
      r.jobStatus ?? '-',
      r.customModelName ?? '-',
      r.baseModel ?? '-',
      dateTimeText(r.startTime),
    ]),
  );
}

// ---- schedules ----

export function schedulesTable(schedules: FineTuneScheduleSummary[]): string[] {
  if (schedules.length === 0) return ['No fine-tune schedules found.'];
  return table(
    ['SCHEDULE ID', 'STATE', 'SPEC', 'CUSTOM MODEL', 'NEXT RUN', 'LAST RUN'],
    schedules.map((s) => [
      s.scheduleId,
      s.paused ? 'paused' : 'active',
      s.spec,
      s.customModelName ?? '-',
      dateTimeText(s.nextActionTimes[0]),
      s.recentRuns.length > 0 ? s.recentRuns[s.recentRuns.length - 1].workflowId : '-',
    ]),
  );
}

export function scheduleLines(d: FineTuneScheduleDescription): string[] {
  return [
    `${d.scheduleId}  ${d.paused ? 'paused' : 'active'}${d.note ? `  (${d.note})` : ''}`,
    ...fields([
      ['spec', d.spec],
      ['starts', `${d.workflowType} on task queue ${d.taskQueue}`],
      [
        'custom model',
        d.customModelName ? `${d.customModelName} (base ${d.baseModel ?? '-'}), resolved per run` : undefined,
      ],
      ['overlap', d.overlap],
      ['catch-up window', durationText(d.catchupWindowMs)],
      ['pause on failure', d.pauseOnFailure ? 'yes' : 'no'],
      ['next runs', d.nextActionTimes.slice(0, 3).map(dateTimeText).join(', ') || '-'],
      [
        'runs taken',
        `${d.actionsTaken}${d.actionsSkippedOverlap > 0 ? ` (${d.actionsSkippedOverlap} skipped for overlap)` : ''}`,
      ],
      ['running', d.runningWorkflowIds.join(', ') || undefined],
      ['created', dateTimeText(d.createdAt)],
      ['updated', d.updatedAt ? dateTimeText(d.updatedAt) : undefined],
    ]),
    ...(d.warnings ?? []).map((w) => `  warning  ${w}`),
    ...(d.recentRuns.length > 0
      ? [
          '  recent runs',
          ...table(
            ['WORKFLOW ID', 'SCHEDULED', 'STARTED'],
            d.recentRuns.map((r) => [r.workflowId, dateTimeText(r.scheduledAt), dateTimeText(r.takenAt)]),
          ).map((l) => `    ${l}`),
        ]
      : []),
  ];
}

// ---- promotions ----

const OUTCOMES: Record<PromotionResult['outcome'], string> = {
  promoted: '✓ promoted',
  gated: '✗ gated: not promoted',
  rejected: '✗ rejected: not promoted',
  'not-approved': '✗ not approved in time: not promoted',
  cancelled: '■ cancelled: not promoted',
  'rolled-back': '✗ rolled back: production serves the model it served before',
};

function isPromotionResult(value: unknown): value is PromotionResult {
  const v = value as Partial<PromotionResult> | undefined;
  return typeof v?.outcome === 'string' && v.outcome in OUTCOMES && Array.isArray(v.scores);
}

export const servingKindText = (kind: ServingKind) => (kind === 'deployment' ? 'deployment' : 'Provisioned Throughput');

export function approvalText(a: ApprovalDecision): string {
  return `${a.approved ? 'approved' : 'rejected'} by ${a.by} at ${dateTimeText(a.at)}: ${a.reason}`;
}

/** The comparison table (metric, new, current, threshold, verdict), scores right-aligned. */
export function scoreLines(rows: ScoreRow[]): string[] {
  return table(SCORE_HEADER, scoreRows(rows), [1, 2]);
}

/** How a promotion ended: the outcome, where, why, and the comparison table. */
export function promotionResultLines(p: PromotionResult): string[] {
  return [
    `Promotion ${OUTCOMES[p.outcome]} (${servingKindText(p.deployment.kind)} ${p.deployment.name})`,
    ...fields([
      ['model', p.modelArn],
      [p.outcome === 'promoted' ? 'serves it' : 'deployment', p.deployment.arn],
      [
        'previous model',
        p.previousModelArn ?? (p.outcome === 'promoted' ? 'none (the promotion created the deployment)' : undefined),
      ],
      ['approval', p.approval ? approvalText(p.approval) : undefined],
      [
        'smoke test',
        p.smokeTest
          ? `${p.smokeTest.prompts} prompts through production: ${p.smokeTest.passed ? 'passed' : 'failed'}`
          : undefined,
      ],
      ...(p.reasons ?? []).map((r): [string, string] => ['why', r]),
      ...(p.cleanup ?? []).map((c): [string, string] => ['cleanup', c]),
    ]),
    ...(p.scores.length > 0 ? ['  scores', ...scoreLines(p.scores).map((l) => `    ${l}`)] : []),
  ];
}

/** Where a promotion is (the `promotionProgress` query), for `status` and `promote --wait`. */
export function promotionProgressLines(p: PromotionProgress, indent = '  ', workflowId?: string): string[] {
  const waiting =
    p.phase === 'awaiting-approval' && !p.approval
      ? `waiting${p.approvalDeadline ? ` until ${dateTimeText(p.approvalDeadline)}` : ''}: finetune approve|reject ${workflowId ?? '<workflow-id>'} --reason TEXT`
      : undefined;
  return [
    ...fields(
      [
        ['phase', p.phase],
        ['deployment', p.deployment],
        ['model', p.modelArn],
        ['previous model', p.previousModelArn],
        ['staging', p.staging],
        ['evaluation jobs', p.evaluationJobs?.join(', ') || undefined],
        ['approval', p.approval ? approvalText(p.approval) : waiting],
        ...(p.cleanup ?? []).map((c): [string, string] => ['cleanup', c]),
      ],
      indent,
    ),
    ...(p.scores && p.scores.length > 0
      ? [`${indent}scores`, ...scoreLines(p.scores).map((l) => `${indent}  ${l}`)]
      : []),
  ];
}
