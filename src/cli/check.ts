// `finetune check <request.json>`: everything a run would refuse, before any run exists. The request
// schema and Bedrock's patterns (templates resolved at a sample time), the base model and type, the
// hyperparameter ranges, what AWS says about the models and the data objects, and the dataset engine
// on the request's own data (its model, type, batch size, teacher and filters). The same checks as the
// preflight activity and the prepareDataset step, from the same code. No Temporal needed.
// Exit codes: 0 the request would run, 1 refused (every problem listed), 2 bad usage or input.
import { InvalidArgumentError, type Command } from 'commander';
import { createAwsClients, destroyAwsClients } from '../aws/clients';
import { awsPreflightProblems } from '../aws/preflight-checks';
import { loadAwsConfig } from '../config';
import { customizationOf, findModel } from '../core/catalog';
import {
  DatasetContextError,
  datasetContextOf,
  datasetFormatOf,
  totalRecordProblems,
  withFileProblems,
  type DatasetContext,
  type DatasetReport,
  type DatasetRole,
  type MetadataFilters,
} from '../core/dataset';
import { catalogProblems, preflightWarnings, promotionProblems } from '../core/preflight';
import { InvalidRequestError, parseRequest, type FineTuneRequest } from '../core/request';
import { resolveRequestTemplates, type ResolvedTemplate } from '../core/templates';
import { count, printJson } from './format';
import { readRequestJson } from './session';
import { validateSource } from './validate';
import { outcomeExitCode } from './exit-codes';

export type CheckStep = 'request' | 'catalog' | 'aws' | 'dataset';

export interface CheckProblem {
  check: CheckStep;
  message: string;
  /** For dataset problems: the object, the line (when the problem is a line's) and the rule. */
  source?: string;
  line?: number;
  rule?: string;
}

export interface CheckedDataset {
  role: 'training' | 'validation';
  source: string;
  verdict: DatasetReport['verdict'];
  records: number;
  estimatedTokens: number;
  errors: number;
  warnings: number;
}

export interface CheckReport {
  file: string;
  verdict: 'ok' | 'refused';
  /** The time templates were resolved at, and what they resolved to. */
  sampleTime: string;
  templates: ResolvedTemplate[];
  problems: CheckProblem[];
  /** What a run would log but not refuse (RFT facts nobody could confirm). */
  warnings: string[];
  datasets: CheckedDataset[];
}

interface CheckFlags {
  at?: Date;
  scheduled?: boolean;
  json?: boolean;
}

/** The dataset engine's context for one data source of the request (only training data can be logs). */
function datasetContext(request: FineTuneRequest, role: DatasetRole): DatasetContext {
  const logs = request.trainingDataConfig.invocationLogsConfig;
  return datasetContextOf(
    {
      baseModelIdentifier: request.baseModelIdentifier,
      customizationType: request.customizationType ?? 'FINE_TUNING',
      hyperParameters: request.hyperParameters,
      teacherModelIdentifier:
        request.customizationConfig?.distillationConfig?.teacherModelConfig.teacherModelIdentifier,
      invocationLogs:
        role === 'training' && logs
          ? {
              usePromptResponse: logs.usePromptResponse,
              requestMetadataFilters: logs.requestMetadataFilters as MetadataFilters | undefined,
            }
          : undefined,
    },
    role,
  );
}

async function checkDatasets(
  request: FineTuneRequest,
  awsProblems: string[],
  problems: CheckProblem[],
): Promise<CheckedDataset[]> {
  const failed = (label: string) => awsProblems.some((p) => p.startsWith(label));
  const training = request.trainingDataConfig;
  const sources: { role: 'training' | 'validation'; uri: string }[] = [];
  const trainingUri = training.s3Uri ?? training.invocationLogsConfig?.invocationLogSource.s3Uri;
  if (trainingUri && !failed('trainingDataConfig.s3Uri') && !failed('invocationLogSource.s3Uri'))
    sources.push({ role: 'training', uri: trainingUri });
  for (const [i, v] of (request.validationDataConfig?.validators ?? []).entries())
    if (!failed(`validationDataConfig.validators[${i}].s3Uri`)) sources.push({ role: 'validation', uri: v.s3Uri });

  const reports: { role: 'training' | 'validation'; uri: string; report: DatasetReport }[] = [];
  for (const { role, uri } of sources) {
    let ctx: DatasetContext;
    try {
      ctx = datasetContext(request, role);
      datasetFormatOf(ctx);
    } catch (err) {
      if (!(err instanceof DatasetContextError)) throw err;
      problems.push({ check: 'dataset', source: uri, message: err.message });
      continue;
    }
    reports.push({ role, uri, report: await validateSource(uri, ctx) });
  }
  // The training + validation totals, as the prepareDataset step counts them (before any dedupe/split).
  const trainingReport = reports.find((r) => r.role === 'training');
  if (trainingReport && !training.invocationLogsConfig) {
    const ctx = datasetContext(request, 'training');
    const validationRecords = reports.filter((r) => r.role === 'validation').reduce((n, r) => n + r.report.records, 0);
    trainingReport.report = withFileProblems(
      trainingReport.report,
      totalRecordProblems(
        customizationOf(ctx.model, ctx.customizationType)!.limits,
        trainingReport.report.records,
        validationRecords,
        `${ctx.model.modelName} ${ctx.customizationType}`,
      ),
    );
  }
  for (const { uri, report } of reports) {
    for (const p of report.problems.filter((p) => p.severity === 'error')) {
      problems.push({
        check: 'dataset',
        source: p.file ?? uri,
        ...(p.line !== undefined ? { line: p.line } : {}),
        rule: p.rule,
        message: p.message,
      });
    }
    const listed = report.problems.filter((p) => p.severity === 'error').length;
    if (report.errorCount > listed)
      problems.push({
        check: 'dataset',
        source: uri,
        message: `and ${report.errorCount - listed} more errors (run \`finetune validate ${uri}\` with the request's model for the full report)`,
      });
  }
  return reports.map(({ role, uri, report }) => ({
    role,
    source: uri,
    verdict: report.verdict,
    records: report.records,
    estimatedTokens: report.estimatedTokens.total,
    errors: report.errorCount,
    warnings: report.warningCount,
  }));
}

/** Runs every check on the request file's JSON. Throws only for usage problems (no AWS settings). */
export async function checkRequest(
  file: string,
  json: unknown,
  options: { sampleTime: Date; scheduled?: boolean },
): Promise<CheckReport> {
  const report: CheckReport = {
    file,
    verdict: 'ok',
    sampleTime: options.sampleTime.toISOString(),
    templates: [],
    problems: [],
    warnings: [],
    datasets: [],
  };
  let request: FineTuneRequest;
  try {
    const parsed = parseRequest(json, `request in ${file}`, options);
    const resolved = resolveRequestTemplates(parsed, options.sampleTime, { scheduled: options.scheduled });
    request = resolved.request;
    report.templates = resolved.resolved;
  } catch (err) {
    if (!(err instanceof InvalidRequestError)) throw err;
    report.problems = err.problems.map((message) => ({ check: 'request' as const, message }));
    report.verdict = 'refused';
    return report;
  }
  const type = request.customizationType ?? 'FINE_TUNING';
  const awsSettings = loadAwsConfig();
  const catalog = [...catalogProblems(request, type), ...promotionProblems(request, awsSettings.region)];
  report.problems.push(...catalog.map((message) => ({ check: 'catalog' as const, message })));
  const aws = createAwsClients(awsSettings);
  try {
    const awsProblems = await awsPreflightProblems(aws, request, type);
    report.problems.push(...awsProblems.map((message) => ({ check: 'aws' as const, message })));
    // The data can be judged only for a model and type the catalog knows.
    const model = findModel(request.baseModelIdentifier);
    if (model && customizationOf(model, type))
      report.datasets = await checkDatasets(request, awsProblems, report.problems);
  } finally {
    destroyAwsClients(aws);
  }
  report.verdict = report.problems.length > 0 ? 'refused' : 'ok';
  if (report.verdict === 'ok') report.warnings = preflightWarnings(request, type, awsSettings.region);
  return report;
}

function problemLine(p: CheckProblem): string {
  const where = p.source ? `${p.source}${p.line !== undefined ? ` line ${p.line}` : ''}: ` : '';
  return `  ${p.check.padEnd(8)} ${where}${p.message}${p.rule ? ` [${p.rule}]` : ''}`;
}

export function checkLines(report: CheckReport): string[] {
  const n = report.problems.length;
  return [
    report.verdict === 'ok'
      ? `OK: ${report.file} would run: every check passed`
      : `REFUSED: ${report.file} (${n} problem${n === 1 ? '' : 's'})`,
    ...report.problems.map(problemLine),
    ...report.warnings.map((w) => `  warning  ${w}`),
    ...(report.templates.length > 0
      ? [
          `  templates, as a run at ${report.sampleTime} resolves them:`,
          ...report.templates.map((t) => `    ${t.path}  ${t.value}`),
        ]
      : []),
    ...report.datasets.map(
      (d) =>
        `  ${d.role} data ${d.source}: ${d.verdict}, ${d.records} records, ~${count(d.estimatedTokens)} tokens, ${d.errors} errors, ${d.warnings} warnings`,
    ),
  ];
}

const isoTime = (raw: string): Date => {
  const date = new Date(raw);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError('expected a time such as 2026-12-01T03:00:00Z');
  return date;
};

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description(
      'check a request file for everything a run would refuse, before any run exists: schema and Bedrock patterns, model and type, hyperparameters, data objects, and the dataset itself',
    )
    .argument('<request.json>', 'the request file')
    .option('--at <time>', 'resolve templates as a run at this time would (default now)', isoTime)
    .option('--scheduled', "check it as a schedule's request (its runs' model names get the scheduled-time suffix)")
    .option(
      '--json',
      'print one JSON object: verdict, problems [{check, message, source?, line?, rule?}], templates, datasets',
    )
    .addHelpText(
      'after',
      [
        '',
        'Needs AWS settings (AWS_REGION, credentials; AWS_ENDPOINT_URL_* for the local stack), not Temporal.',
        'Exit codes: 0 the request would run, 1 refused (every problem listed), 2 bad usage or input.',
        '',
        'Examples:',
        '  finetune check examples/fine-tuning-conversation/request.json',
        '  finetune check nightly.json --scheduled --at 2026-12-01T03:00:00Z --json',
      ].join('\n'),
    )
    .action(async (file: string, flags: CheckFlags) => {
      const json = await readRequestJson(file);
      const report = await checkRequest(file, json, { sampleTime: flags.at ?? new Date(), scheduled: flags.scheduled });
      if (flags.json) printJson(report);
      else console.log(checkLines(report).join('\n'));
      process.exitCode = outcomeExitCode(report.verdict === 'ok');
    });
}
