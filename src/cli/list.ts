// `finetune list`: fine-tune runs, newest first, optionally narrowed by a visibility query.
import { InvalidArgumentError, type Command } from 'commander';
import { FINE_TUNE_WORKFLOW_TYPE } from '../core/fine-tune-contract';
import { printJson, runsTable } from './format';
import { isInvalidArgument, UsageError, withSession } from './session';

/** Only fineTune runs, narrowed by the user's query when given. */
export function listQuery(userQuery?: string): string {
  const base = `WorkflowType = '${FINE_TUNE_WORKFLOW_TYPE}'`;
  return userQuery?.trim() ? `${base} AND (${userQuery.trim()})` : base;
}

const positiveInt = (raw: string): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new InvalidArgumentError('expected an integer from 1 to 10000');
  return n;
};

export function registerListCommand(program: Command): void {
  program
    .command('list')
    .description('list fine-tune runs (workflow ID, status, phase, Bedrock job status, models, start time)')
    .option('--query <visibility-query>', "narrow with a Temporal visibility query over the run's search attributes")
    .option('--limit <n>', 'at most this many runs', positiveInt, 50)
    .option('--json', 'print the runs as one JSON object')
    .addHelpText(
      'after',
      [
        '',
        'Search attributes: FineTunePhase, BedrockJobStatus, BedrockJobArn, BaseModel, CustomModelName,',
        'CustomizationType, DatasetFingerprint (Keyword), TrainingLoss, ValidationLoss (Double), plus',
        "Temporal's own (ExecutionStatus, StartTime, WorkflowId, TemporalScheduledById ...).",
        '',
        'Examples:',
        '  finetune list --query "ExecutionStatus = \'Running\'"',
        "  finetune list --query \"FineTunePhase = 'training' AND BaseModel = 'amazon.nova-micro-v1:0:128k'\"",
        '  finetune list --query "TemporalScheduledById = \'weekly-support-retrain\'" --json',
      ].join('\n'),
    )
    .action(async (flags: { query?: string; limit: number; json?: boolean }) => {
      await withSession(async ({ ft }) => {
        const query = listQuery(flags.query);
        const runs = await ft.list(query, flags.limit).catch((err: unknown) => {
          throw isInvalidArgument(err) ? new UsageError(`The server refused the query ${query}: ${err.message}`) : err;
        });
        if (flags.json) printJson({ runs });
        else console.log(runsTable(runs).join('\n'));
      });
    });
}
