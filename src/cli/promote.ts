// `finetune promote <custom-model-arn> --deployment NAME ...`: the promote workflow for a model trained
// elsewhere (a fineTune run whose request has `orchestration.promotion` starts the same workflow as its
// child). The promotion is the same JSON as `orchestration.promotion` (`--promotion file.json`), with
// flags over it, checked whole before anything starts (exit 2 with every problem). With --wait it follows
// the promotion to its end: exit 0 when promoted, 1 otherwise, with the comparison table.
import { GetCustomModelCommand, GetModelCustomizationJobCommand, type BedrockClient } from '@aws-sdk/client-bedrock';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Command } from 'commander';
import { createBedrockClient } from '../aws/clients';
import { awsErrorMessage } from '../aws/errors';
import {
  runFailureOf,
  type FineTuneClient,
  type PromotionResult,
  type PromotionRun,
  type PromotionSpec,
  type RunFailure,
} from '../client';
import { loadAwsConfig } from '../config';
import { ROLE_ARN, S3_URI } from '../core/bedrock-patterns';
import { isObject } from '../core/json';
import { JUDGE_METRICS, promotionSchema } from '../core/promotion';
import { InvalidRequestError, pollingSchema, type PollingOptions } from '../core/request';
import { failureLines, fields, printJson, promotionResultLines, timeOfDay } from './format';
import { outcomeExitCode, UsageError } from './exit-codes';
import { readRequestJson, withSession } from './session';

export interface PromoteFlags {
  deployment?: string;
  evaluation?: string;
  metrics?: string;
  gate?: string[];
  judge?: string;
  kind?: string;
  modelUnits?: string;
  commitment?: string;
  approvalRequired?: boolean;
  approvalTimeout?: string;
  smokePrompts?: string;
  requestsPerMinute?: string;
  roleArn?: string;
  output?: string;
  promotion?: string;
  pollInitial?: string;
  pollMax?: string;
  workflowId?: string;
  wait?: boolean;
  json?: boolean;
}

/** A custom model's ARN (Bedrock's pattern, loosely: the checks of the workflow say the rest). */
const CUSTOM_MODEL_ARN = /^arn:aws(-[a-z-]+)?:bedrock:[a-z0-9-]+:\d{12}:custom-model\/\S+$/;

/** The spec's members as this command's flags, for messages. */
const FLAG_OF: Record<string, string> = {
  deployment: '--deployment',
  kind: '--kind',
  modelUnits: '--model-units',
  commitment: '--commitment',
  'evaluation.dataset': '--evaluation',
  'evaluation.metrics': '--metrics',
  'evaluation.judge': '--judge',
  'evaluation.requestsPerMinute': '--requests-per-minute',
  'approval.timeout': '--approval-timeout',
  'smokeTest.prompts': '--smoke-prompts',
};

/** 'Correctness' or 'Builtin.Correctness' -> 'Builtin.Correctness'; anything else as given (the schema says why). */
function metricName(raw: string): string {
  const name = raw.trim();
  return !name.startsWith('Builtin.') && (JUDGE_METRICS as readonly string[]).includes(`Builtin.${name}`)
    ? `Builtin.${name}`
    : name;
}

/** A whole number flag, or a problem. */
function wholeNumber(flag: string, raw: string | undefined, problems: string[]): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n)) {
    problems.push(`${flag} ${JSON.stringify(raw)}: expected a whole number`);
    return undefined;
  }
  return n;
}

/** `--gate 'Builtin.Correctness=min:0.7,maxDrop:0.02'` -> [metric, { min, maxDrop }], or a problem. */
export function parseGate(raw: string, problems: string[]): [string, { min?: number; maxDrop?: number }] | undefined {
  const usage = `--gate ${JSON.stringify(raw)}: expected METRIC=min:0.7,maxDrop:0.02 (either or both thresholds)`;
  const eq = raw.indexOf('=');
  if (eq <= 0) {
    problems.push(usage);
    return undefined;
  }
  const thresholds: { min?: number; maxDrop?: number } = {};
  for (const part of raw.slice(eq + 1).split(',')) {
    const [key, value, ...rest] = part.split(':').map((s) => s.trim());
    const n = Number(value);
    if (
      (key !== 'min' && key !== 'maxDrop') ||
      value === undefined ||
      value === '' ||
      rest.length > 0 ||
      !Number.isFinite(n)
    ) {
      problems.push(usage);
      return undefined;
    }
    thresholds[key] = n;
  }
  return [metricName(raw.slice(0, eq)), thresholds];
}

/** The promotion spec of `--promotion file.json` (a spec, or a request whose `orchestration.promotion` it takes). */
async function promotionFile(path: string): Promise<Record<string, unknown>> {
  const json = await readRequestJson(path);
  if (!isObject(json)) throw new UsageError(`The promotion file ${path} is not a JSON object.`);
  const orchestration = json.orchestration;
  if (isObject(orchestration) && 'customModelName' in json) {
    if (!isObject(orchestration.promotion))
      throw new UsageError(`The request file ${path} has no orchestration.promotion.`);
    return orchestration.promotion;
  }
  return json;
}

/** The promotion the flags (over the file's) describe, checked whole: every problem at once (exit 2). */
export function promotionFromFlags(
  flags: PromoteFlags,
  base: Record<string, unknown> = {},
): { promotion: PromotionSpec; polling?: PollingOptions } {
  const problems: string[] = [];
  const evaluation = isObject(base.evaluation) ? base.evaluation : {};
  const gate = isObject(base.gate) ? { ...base.gate } : undefined;
  const gates = (flags.gate ?? []).map((g) => parseGate(g, problems)).filter((g) => g !== undefined);
  const approval = isObject(base.approval) ? base.approval : undefined;
  const smokeTest = isObject(base.smokeTest) ? base.smokeTest : undefined;
  const smokePrompts = wholeNumber('--smoke-prompts', flags.smokePrompts, problems);
  const spec: Record<string, unknown> = {
    ...base,
    ...(flags.deployment !== undefined ? { deployment: flags.deployment } : {}),
    ...(flags.kind !== undefined ? { kind: flags.kind } : {}),
    ...(flags.modelUnits !== undefined ? { modelUnits: wholeNumber('--model-units', flags.modelUnits, problems) } : {}),
    ...(flags.commitment !== undefined ? { commitment: flags.commitment } : {}),
    evaluation: {
      ...evaluation,
      ...(flags.evaluation !== undefined ? { dataset: flags.evaluation } : {}),
      ...(flags.metrics !== undefined
        ? {
            metrics: flags.metrics
              .split(',')
              .filter((m) => m.trim())
              .map(metricName),
          }
        : {}),
      ...(flags.judge !== undefined ? { judge: flags.judge } : {}),
      ...(flags.requestsPerMinute !== undefined
        ? { requestsPerMinute: wholeNumber('--requests-per-minute', flags.requestsPerMinute, problems) }
        : {}),
    },
    ...(gate || gates.length > 0 ? { gate: { ...gate, ...Object.fromEntries(gates) } } : {}),
    ...(approval || flags.approvalRequired || flags.approvalTimeout !== undefined
      ? {
          approval: {
            ...approval,
            ...(flags.approvalRequired ? { required: true } : {}),
            ...(flags.approvalTimeout !== undefined ? { timeout: flags.approvalTimeout } : {}),
          },
        }
      : {}),
    ...(smokeTest || smokePrompts !== undefined
      ? { smokeTest: { ...smokeTest, ...(smokePrompts !== undefined ? { prompts: smokePrompts } : {}) } }
      : {}),
  };
  const parsed = promotionSchema.safeParse(spec);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.');
      // 'evaluation.metrics.1' is --metrics' second metric.
      const member = Object.keys(FLAG_OF).find((key) => path === key || path.startsWith(`${key}.`));
      const flag = member
        ? FLAG_OF[member]
        : issue.path[0] === 'gate' && issue.path[1]
          ? `--gate ${String(issue.path[1])}`
          : '';
      const missing = /received undefined/.test(issue.message);
      problems.push(
        `promotion.${path}${flag ? ` (${flag})` : ''}: ${missing ? `required${flag ? `: give ${flag}` : ''}, or set it in --promotion's file` : issue.message}`,
      );
    }
  }
  let polling: PollingOptions | undefined;
  if (flags.pollInitial !== undefined || flags.pollMax !== undefined) {
    const options = {
      ...(flags.pollInitial !== undefined ? { initialInterval: flags.pollInitial } : {}),
      ...(flags.pollMax !== undefined ? { maximumInterval: flags.pollMax } : {}),
    };
    const checked = pollingSchema.safeParse(options);
    if (checked.success) polling = checked.data;
    else
      problems.push(
        ...checked.error.issues.map(
          (i) =>
            `${i.path.map(String).join('.').replace('initialInterval', '--poll-initial').replace('maximumInterval', '--poll-max') || '--poll-initial/--poll-max'}: ${i.message}`,
        ),
      );
  }
  if (problems.length > 0 || !parsed.success) throw new InvalidRequestError(problems, 'promotion');
  return { promotion: parsed.data, ...(polling ? { polling } : {}) };
}

/**
 * The role and output location of the job that trained the model, for what the flags leave out: a
 * model trained elsewhere still has its job's role (which can read the evaluation data) and output.
 */
async function trainingJobDefaults(
  bedrock: BedrockClient,
  customModelArn: string,
): Promise<{ roleArn?: string; outputS3Uri?: string }> {
  const model = await bedrock.send(new GetCustomModelCommand({ modelIdentifier: customModelArn }));
  const job = model.jobArn
    ? await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: model.jobArn }))
    : undefined;
  return { roleArn: job?.roleArn, outputS3Uri: model.outputDataConfig?.s3Uri };
}

async function roleAndOutput(
  customModelArn: string,
  promotion: PromotionSpec,
  flags: PromoteFlags,
): Promise<{ roleArn: string; outputS3Uri: string }> {
  const problems: string[] = [];
  if (flags.roleArn !== undefined && !ROLE_ARN.test(flags.roleArn))
    problems.push(
      `--role-arn ${JSON.stringify(flags.roleArn)}: must be an IAM role ARN like arn:aws:iam::123456789012:role/BedrockEvaluation`,
    );
  if (flags.output !== undefined && !S3_URI.test(flags.output))
    problems.push(`--output ${JSON.stringify(flags.output)}: must be an S3 URI like s3://bucket/prefix/`);
  if (problems.length > 0) throw new InvalidRequestError(problems, 'promotion');
  let roleArn = flags.roleArn ?? promotion.evaluation.roleArn;
  let outputS3Uri = flags.output;
  if (roleArn === undefined || outputS3Uri === undefined) {
    const bedrock = createBedrockClient(loadAwsConfig());
    try {
      const found = await trainingJobDefaults(bedrock, customModelArn);
      roleArn ??= found.roleArn;
      outputS3Uri ??= found.outputS3Uri;
    } catch (err) {
      throw new UsageError(
        `Cannot read the training job of ${customModelArn} for the evaluation's role and output location (${awsErrorMessage(err)}): give --role-arn and --output.`,
      );
    } finally {
      bedrock.destroy();
    }
  }
  if (roleArn === undefined || outputS3Uri === undefined)
    throw new UsageError(
      `${customModelArn} has no training job to take ${roleArn === undefined ? 'a role' : 'an output location'} from: give ${roleArn === undefined ? '--role-arn' : '--output'}.`,
    );
  return { roleArn, outputS3Uri };
}

export type PromotionOutcome = { ok: true; result: PromotionResult } | { ok: false; failure: RunFailure };

/** How a promote run ended: its result (promoted, gated, rejected, ...), or its typed failure. */
export async function promotionOutcome(run: PromotionRun): Promise<PromotionOutcome> {
  try {
    return { ok: true, result: await run.result() };
  } catch (err) {
    const failure = runFailureOf(err);
    if (!failure) throw err;
    return { ok: false, failure };
  }
}

/** Prints a line each time the promotion's phase changes, until it ends. */
export async function followPromotion(run: PromotionRun, intervalMs = 1000): Promise<PromotionOutcome> {
  let last: string | undefined;
  for (;;) {
    const described = await run.handle.describe();
    const progress = await run.progress().catch(() => undefined);
    const line = progress
      ? [
          progress.phase,
          progress.staging && progress.phase === 'evaluating' && !progress.evaluationJobs?.length
            ? `staging ${progress.staging}`
            : '',
          progress.evaluationJobs?.length ? `${progress.evaluationJobs.length} evaluation job(s)` : '',
          progress.phase === 'awaiting-approval' ? `finetune approve|reject ${run.workflowId} --reason TEXT` : '',
        ]
          .filter(Boolean)
          .join(' | ')
      : `${described.status.name.toLowerCase()} (no worker answered the progress query)`;
    if (line !== last) console.log(`${timeOfDay()} ${line}`);
    last = line;
    if (described.status.name !== 'RUNNING') break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return promotionOutcome(run);
}

export function registerPromoteCommand(program: Command): void {
  program
    .command('promote')
    .description(
      'promote a custom model trained elsewhere to a deployment: evaluate it against production, gate, (approve), deploy, smoke-test',
    )
    .argument('<custom-model-arn>', 'the model to promote (arn:aws:bedrock:REGION:ACCOUNT:custom-model/...)')
    .option(
      '--deployment <name>',
      'the stable name callers use: a custom model deployment, or a Provisioned Throughput',
    )
    .option(
      '--evaluation <s3-uri>',
      'the evaluation prompts (JSON Lines: prompt, optional referenceResponse, category)',
    )
    .option('--metrics <list>', 'judge metrics, comma-separated, e.g. Builtin.Correctness,Builtin.Helpfulness')
    .option(
      '--gate <metric=thresholds>',
      "a metric's gate, e.g. 'Builtin.Correctness=min:0.7,maxDrop:0.02' (repeatable)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--judge <model-id>', 'the judge model (default amazon.nova-pro-v1:0)')
    .option(
      '--kind <kind>',
      'on-demand (a custom model deployment, the default) or provisioned (a Provisioned Throughput)',
    )
    .option('--model-units <n>', 'provisioned only: model units of the Provisioned Throughput')
    .option('--commitment <term>', 'provisioned only: OneMonth or SixMonths (default none: deletable at any time)')
    .option('--approval-required', 'wait for `finetune approve` (or reject) before production changes')
    .option('--approval-timeout <duration>', 'how long to wait for it (default 3d); no answer means not promoted')
    .option('--smoke-prompts <n>', 'prompts sent through production after the switch (default 5)')
    .option('--requests-per-minute <n>', 'Converse calls a minute while answers are generated (default 4)')
    .option('--role-arn <arn>', "the evaluation job's role (default: the role of the job that trained the model)")
    .option('--output <s3-uri>', "where answers and scores go (default: the training job's output location)")
    .option(
      '--promotion <file.json>',
      'the promotion as JSON (orchestration.promotion, or a request that has one); flags override it',
    )
    .option(
      '--poll-initial <duration>',
      'first wait before looking at a deployment or evaluation job again (default 30s)',
    )
    .option('--poll-max <duration>', 'longest wait between looks (default 2m)')
    .option('--workflow-id <id>', "the promotion's workflow ID (default promote-<deployment>-<model id>)")
    .option(
      '--wait',
      'follow it to its end: exit 0 when promoted, 1 when gated, rejected, not approved, rolled back or failed',
    )
    .option('--json', 'print one JSON object (with --wait: the result or the failure)')
    .addHelpText(
      'after',
      [
        '',
        'A promotion that is not valid is refused before anything starts (exit 2), with every problem.',
        '',
        'Examples:',
        '  finetune promote arn:aws:bedrock:us-east-1:123456789012:custom-model/amazon.nova-micro-v1:0:128k/abcdefghijkl \\',
        '    --deployment support-bot --evaluation s3://my-data/support/eval/prompts.jsonl \\',
        "    --metrics Builtin.Correctness,Builtin.Helpfulness --gate 'Builtin.Correctness=min:0.7,maxDrop:0.02' --wait",
        '  finetune promote <arn> --promotion promotion.json --approval-required',
      ].join('\n'),
    )
    .action(async (customModelArn: string, flags: PromoteFlags) => {
      if (!CUSTOM_MODEL_ARN.test(customModelArn))
        throw new UsageError(
          `${JSON.stringify(customModelArn)} is not a custom model ARN: expected arn:aws:bedrock:REGION:ACCOUNT:custom-model/<base model>/<id> (see \`finetune status <run>\` or \`aws bedrock list-custom-models\`).`,
        );
      const base = flags.promotion ? await promotionFile(flags.promotion) : {};
      const { promotion, polling } = promotionFromFlags(flags, base);
      const { roleArn, outputS3Uri } = await roleAndOutput(customModelArn, promotion, flags);
      await withSession(async ({ ft, uiUrl }) => {
        const run = await startPromotion(ft, {
          customModelArn,
          promotion,
          roleArn,
          outputS3Uri,
          ...(polling ? { polling } : {}),
          ...(flags.workflowId ? { workflowId: flags.workflowId } : {}),
        });
        const runId = (run.handle as { firstExecutionRunId?: string }).firstExecutionRunId;
        const started = { workflowId: run.workflowId, runId, uiUrl: uiUrl(run.workflowId, runId) };
        if (!flags.json)
          console.log(
            [
              `Started promotion ${run.workflowId}`,
              ...fields([
                ['model', customModelArn],
                ['to', `${promotion.deployment} (${promotion.kind ?? 'on-demand'})`],
                ['ui', started.uiUrl],
              ]),
              ...(flags.wait ? [] : [`Follow it: finetune status ${run.workflowId}`]),
            ].join('\n'),
          );
        if (!flags.wait) {
          if (flags.json) printJson(started);
          return;
        }
        const outcome = flags.json ? await promotionOutcome(run) : await followPromotion(run);
        if (flags.json)
          printJson(
            outcome.ok
              ? { ...started, outcome: outcome.result.outcome, result: outcome.result }
              : { ...started, outcome: 'failed', failure: outcome.failure },
          );
        else
          console.log((outcome.ok ? promotionResultLines(outcome.result) : failureLines(outcome.failure)).join('\n'));
        process.exitCode = outcomeExitCode(outcome.ok && outcome.result.outcome === 'promoted');
      });
    });
}

/** Starts it; a promotion already running under the ID is a usage error that says how to follow it. */
async function startPromotion(ft: FineTuneClient, options: Parameters<FineTuneClient['promotions']['start']>[0]) {
  try {
    return await ft.promotions.start(options);
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new UsageError(
        `A promotion with workflow ID ${err.workflowId} is already running: follow it with \`finetune status ${err.workflowId}\`, or give another --workflow-id.`,
      );
    throw err;
  }
}
