// The run's "current details" in the Temporal UI: Markdown that says where the run is without opening
// its history.
import type { FineTuneRequest } from '../core/request';
import type { RunState } from './run-state';

const row = (label: string, value: string | number | undefined) =>
  value === undefined || value === '' ? [] : [`| ${label} | ${value} |`];

export function currentDetailsMarkdown(request: FineTuneRequest, state: RunState): string {
  const s = state.snapshot;
  const d = s?.statusDetails;
  const phases = d
    ? `validation ${d.validation?.status ?? '-'}, data processing ${d.dataProcessing?.status ?? '-'}, training ${d.training?.status ?? '-'}`
    : undefined;
  const m = state.metrics;
  return [
    `### ${request.customModelName}: ${state.phase}`,
    '',
    '| | |',
    '|---|---|',
    ...row('Base model', request.baseModelIdentifier),
    ...row('Type', request.customizationType ?? 'FINE_TUNING'),
    ...row('Warnings', state.preflight?.warnings?.join('; ')),
    ...row('Bedrock job', state.job ? `\`${state.job.jobArn}\`${state.job.adopted ? ' (adopted)' : ''}` : undefined),
    ...row('Job status', s?.status),
    ...row('Phases', phases),
    ...row('Failure', s?.failureMessage),
    ...row(
      'Dataset',
      state.dataset
        ? `${state.dataset.trainingRecords} training / ${state.dataset.validationRecords} validation records, fingerprint \`${state.dataset.fingerprint.slice(0, 12)}\``
        : undefined,
    ),
    ...row('Polls recorded', state.job ? state.pollsRecorded : undefined),
    ...row('Last poll', state.lastPollTime),
    ...row('Stop', state.stopReason),
    ...row('Deadline', state.deadlineAt),
    ...row('Clean-up', state.cleanup ? `${state.cleanup.outcome}: ${state.cleanup.message}` : undefined),
    ...row('Training loss', m?.finalTrainingLoss?.toFixed(4)),
    ...row('Validation loss', m?.finalValidationLoss?.toFixed(4)),
    ...row('Mean reward', m?.rewards?.finalMean?.toFixed(4)),
    ...row('Best epoch', m?.bestEpoch),
    ...row('Metrics', state.metricsError ? `not collected: ${state.metricsError}` : undefined),
  ].join('\n');
}
