// `finetune list`: fine-tune runs, newest first, narrowed by shortcuts over the search attributes
// (--status, --phase, --base-model, --type, --since) and/or a raw visibility query.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { CUSTOMIZATION_TYPES, type CustomizationType } from '../core/catalog';
import { durationMs, DURATION_PATTERN } from '../core/durations';
import { FINE_TUNE_WORKFLOW_TYPE, type Phase } from '../core/fine-tune-contract';
import { printJson, runsTable } from './format';
import { UsageError } from './exit-codes';
import { isInvalidArgument, withSession } from './session';

/** Temporal's ExecutionStatus values, as `--status` takes them (any case). */
export const EXECUTION_STATUSES = ['Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'TimedOut'] as const;
// A Record, so that a new phase in the contract fails to compile here until it is listed.
const PHASE_NAMES: Record<Phase, true> = {
  preflight: true,
  'preparing-data': true,
  'creating-job': true,
  'waiting-for-quota': true,
  training: true,
  stopping: true,
  'collecting-metrics': true,
  promoting: true,
  completed: true,
  failed: true,
  stopped: true,
  cancelled: true,
  skipped: true,
};
export const PHASES = Object.keys(PHASE_NAMES) as Phase[];

export interface ListFilters {
  status?: (typeof EXECUTION_STATUSES)[number];
  phase?: Phase;
  baseModel?: string;
  type?: CustomizationType;
  /** Runs started at or after this time. */
  since?: Date;
  /** A raw visibility query, ANDed with the rest. */
  query?: string;
}

/** A visibility-query string literal; values with quotes are refused rather than escaped. */
function literal(value: string, flag: string): string {
  if (/['"\\]/.test(value)) throw new UsageError(`${flag} ${value}: quotes and backslashes are not allowed here`);
  return `'${value}'`;
}

/** Only fineTune runs, narrowed by the shortcuts and the user's query. */
export function listQuery(filters: ListFilters | string = {}): string {
  const f: ListFilters = typeof filters === 'string' ? { query: filters } : filters;
  const parts = [`WorkflowType = '${FINE_TUNE_WORKFLOW_TYPE}'`];
  if (f.status) parts.push(`ExecutionStatus = '${f.status}'`);
  if (f.phase) parts.push(`FineTunePhase = '${f.phase}'`);
  if (f.baseModel) parts.push(`BaseModel = ${literal(f.baseModel, '--base-model')}`);
  if (f.type) parts.push(`CustomizationType = '${f.type}'`);
  if (f.since) parts.push(`StartTime >= '${f.since.toISOString()}'`);
  if (f.query?.trim()) parts.push(`(${f.query.trim()})`);
  return parts.join(' AND ');
}

/** `--since 24h` (that long ago) or `--since 2026-11-01T00:00:00Z`. */
export function sinceTime(raw: string, now = Date.now()): Date {
  if (DURATION_PATTERN.test(raw.trim())) return new Date(now - durationMs(raw));
  const date = new Date(raw);
  if (Number.isNaN(date.getTime()))
    throw new InvalidArgumentError("expected a duration ('24h', '7d') or a time ('2026-11-01T00:00:00Z')");
  return date;
}

const positiveInt = (raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new InvalidArgumentError('expected an integer from 1 to 10000');
  return n;
};

const status = (raw: string): ListFilters['status'] => {
  const found = EXECUTION_STATUSES.find((s) => s.toLowerCase() === raw.toLowerCase());
  if (!found) throw new InvalidArgumentError(`expected one of ${EXECUTION_STATUSES.join(', ')}`);
  return found;
};

export function registerListCommand(program: Command): void {
  program
    .command('list')
    .description('list fine-tune runs (workflow ID, status, phase, Bedrock job status, models, start time)')
    .option('--status <status>', `the run's status: ${EXECUTION_STATUSES.join(', ')}`, status)
    .addOption(new Option('--phase <phase>', 'the FineTunePhase search attribute').choices(PHASES))
    .option('--base-model <id>', 'the BaseModel search attribute, e.g. amazon.nova-micro-v1:0:128k')
    .addOption(new Option('--type <type>', 'the CustomizationType search attribute').choices(CUSTOMIZATION_TYPES))
    .option('--since <duration|time>', "started at most this long ago ('24h', '7d') or since a time", (v) =>
      sinceTime(v),
    )
    .option('--query <visibility-query>', "narrow with a Temporal visibility query over the run's search attributes")
    .option('--limit <n>', 'at most this many runs', positiveInt, 50)
    .option('--json', 'print the runs as one JSON object')
    .addHelpText(
      'after',
      [
        '',
        'The shortcuts and --query are combined with AND.',
        'Search attributes: FineTunePhase, BedrockJobStatus, BedrockJobArn, BaseModel, CustomModelName,',
        'CustomizationType, DatasetFingerprint (Keyword), TrainingLoss, ValidationLoss (Double), plus',
        "Temporal's own (ExecutionStatus, StartTime, WorkflowId, TemporalScheduledById ...).",
        '',
        'Examples:',
        '  finetune list --status running',
        '  finetune list --phase failed --since 7d',
        '  finetune list --base-model amazon.nova-micro-v1:0:128k --type DISTILLATION --json',
        '  finetune list --query "TemporalScheduledById = \'weekly-support-retrain\'"',
        '  finetune list --query "TrainingLoss < 0.5"',
      ].join('\n'),
    )
    .action(async (flags: ListFilters & { limit: number; json?: boolean }) => {
      const query = listQuery(flags);
      await withSession(async ({ ft }) => {
        const runs = await ft.list(query, flags.limit).catch((err: unknown) => {
          throw isInvalidArgument(err) ? new UsageError(`The server refused the query ${query}: ${err.message}`) : err;
        });
        if (flags.json) printJson({ query, runs });
        else console.log(runsTable(runs).join('\n'));
      });
    });
}
