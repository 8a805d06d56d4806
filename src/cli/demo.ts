// `finetune demo`: the README's first command. Brings up the local stack with a worker, uploads the
// examples to the local S3, fine-tunes one on the Bedrock simulator at a fast time scale, shows its
// phases live, prints the per-epoch metrics, where the loss chart is on disk and the run's page in the
// Temporal UI; the default example then promotes its model to a deployment (evaluated against what the
// deployment serves, gated, smoke-tested) and prints the comparison table. Everything keeps running
// until Ctrl-C, which stops every process it started.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { FineTuneClient, workflowUiUrl, type RunOutcome } from '../client';
import { createS3Client } from '../aws/clients';
import { parseS3Uri } from '../core/bedrock-patterns';
import type { FineTuneRequest } from '../core/request';
import { LOCAL_S3_CREDENTIALS } from '../aws/local-credentials';
import { startLocalStack, type RunningStack } from '../stack/local-stack';
import { addStackOptions, describeStack, handleInterrupts, stackSettingsFromFlags, type StackFlags } from './dev';
import { loadExamples, pickExamples, uploadExample } from './examples';
import { fields } from './format';
import { followRun, outcomeLines } from './watch';
import { outcomeExitCode } from './exit-codes';

export const DEMO_EXAMPLE = 'fine-tuning-promotion';

/**
 * Where the simulator's judge centres the demo model's scores (its reserved job tag
 * `simulator:eval-score`): above the example's gate, so the demo ends promoted.
 */
export const DEMO_EVAL_SCORE = 0.86;

/** 'yyyyMMdd-HHmmss' UTC: makes the demo's workflow ID and model name new on every run. */
function stamp(date = new Date()): string {
  return date.toISOString().slice(0, 19).replace(/-|:/g, '').replace('T', '-');
}

/**
 * The example's request, renamed for this demo and polled every few seconds (the job takes seconds here).
 * A promotion keeps the example's deployment name (so each demo updates the one deployment, within the
 * simulator's deployment quota), answers as fast as the simulator does (not Bedrock's 4 a minute), and
 * its model is scored around DEMO_EVAL_SCORE by the simulator's judge.
 */
export function demoRequest(request: FineTuneRequest, suffix: string): FineTuneRequest {
  const promotion = request.orchestration?.promotion;
  return {
    ...request,
    customModelName: `${request.customModelName}-demo-${suffix}`.slice(0, 63).replace(/[-_]+$/, ''),
    ...(promotion
      ? { jobTags: [...(request.jobTags ?? []), { key: 'simulator:eval-score', value: String(DEMO_EVAL_SCORE) }] }
      : {}),
    orchestration: {
      ...request.orchestration,
      polling: { initialInterval: '2s', maximumInterval: '3s', backoffCoefficient: 1.5, jitter: 0.1 },
      ...(promotion
        ? { promotion: { ...promotion, evaluation: { ...promotion.evaluation, requestsPerMinute: 6000 } } }
        : {}),
    },
  };
}

/** An S3 URI of the local stack as the file the S3 server keeps (it stores objects as plain files). */
export function localObjectPath(stack: RunningStack, uri: string): string {
  const { bucket, key } = parseS3Uri(uri);
  return join(stack.endpoints.s3ObjectsDir, bucket, ...key.split('/'));
}

function closingLines(
  stack: RunningStack,
  outcome: RunOutcome,
  uiUrl: string | undefined,
  workflowId: string,
): string[] {
  const onDisk = (uri: string | undefined) =>
    uri
      ? `${localObjectPath(stack, uri)}${existsSync(localObjectPath(stack, uri)) ? '' : ' (not written)'}`
      : undefined;
  return [
    '',
    ...outcomeLines(outcome),
    '',
    ...fields([
      ['loss chart', outcome.ok ? onDisk(outcome.result.chartUri) : undefined],
      ['report', outcome.ok ? onDisk(outcome.result.reportUri) : undefined],
      ['Temporal UI', uiUrl],
    ]),
    '',
    'The stack keeps running. In another shell:',
    `  source ${stack.envFile}`,
    `  npx finetune status ${workflowId}`,
    '  npx finetune list',
    ...(outcome.ok && outcome.result.promotion ? ['  npx finetune deployments'] : []),
    '  npx finetune start examples/fine-tuning-conversation/request.json --wait',
    '',
    'Press Ctrl-C to stop everything.',
  ];
}

export function registerDemoCommand(program: Command): void {
  addStackOptions(program.command('demo'))
    .description(
      'the tour: local stack + worker, an example fine-tune on the Bedrock simulator watched live to its metrics and promoted to a deployment; Ctrl-C stops it all',
    )
    .option('--example <name>', 'which example to fine-tune (see `finetune examples list`)', DEMO_EXAMPLE)
    .addHelpText(
      'after',
      '\nThe first run installs the Temporal CLI and the S3 server into a per-user cache (minutes); later runs end, the model promoted, in about a minute.',
    )
    .action(async (flags: StackFlags & { example: string }) => {
      const examples = await loadExamples();
      const [example] = pickExamples(examples, [flags.example]);
      const settings = stackSettingsFromFlags(flags);
      // A second Ctrl-C kills the stack's servers at once (see handleInterrupts), never leaves them.
      const interrupts = handleInterrupts(settings.dataDir);
      const interrupted = interrupts.first;
      const stopFollowing = new AbortController();
      let stopRequested = false;
      void interrupted.then(() => {
        stopRequested = true;
        stopFollowing.abort();
      });

      console.log('Starting the local stack (Temporal dev server with its UI, S3, Bedrock simulator, worker)...');
      const stack = await startLocalStack({
        ...settings,
        worker: true,
        simulatorTimeScale: flags.timeScale,
        owner: 'finetune demo',
      }).catch((err: unknown) => {
        interrupts.dispose();
        throw err;
      });
      const e = stack.endpoints;
      let ft: FineTuneClient | undefined;
      try {
        const temporal = {
          connectionOptions: { address: e.temporalAddress },
          namespace: e.namespace,
          address: e.temporalAddress,
        };
        ft = await FineTuneClient.connect({ temporal, taskQueue: e.taskQueue });
        console.log(describeStack(stack, true));
        if (stopRequested) return;

        const s3 = createS3Client({ region: e.region, s3Endpoint: e.s3Endpoint }, LOCAL_S3_CREDENTIALS);
        try {
          for (const ex of examples) await uploadExample(s3, ex);
        } finally {
          s3.destroy();
        }
        console.log(`\nUploaded the ${examples.length} examples' data to the local S3 (${e.s3ObjectsDir}).`);

        const suffix = stamp();
        const request = demoRequest(example.request, suffix);
        const run = await ft.start(request, { workflowId: `demo-${suffix}` });
        const uiUrl = e.temporalUiUrl
          ? workflowUiUrl(e.temporalUiUrl, e.namespace, run.workflowId, run.runId)
          : undefined;
        console.log(
          [
            '',
            `Fine-tuning ${request.baseModelIdentifier} on ${example.name} as ${request.customModelName}`,
            `(the simulator runs ${flags.timeScale ?? 60}x faster than real Bedrock)`,
            ...(request.orchestration?.promotion
              ? [
                  `then promoting it to the deployment ${request.orchestration.promotion.deployment}: evaluated against what it serves, gated, smoke-tested`,
                  `(the simulator's judge scores this model around ${DEMO_EVAL_SCORE}: the job tag simulator:eval-score)`,
                ]
              : []),
            ...fields([
              ['workflow', run.workflowId],
              ['Temporal UI', uiUrl],
            ]),
            '',
          ].join('\n'),
        );
        const outcome = await followRun(ft, run, { signal: stopFollowing.signal });
        if (!outcome) return;
        process.exitCode = outcomeExitCode(outcome.ok);
        console.log(closingLines(stack, outcome, uiUrl, run.workflowId).join('\n'));
        await interrupted;
      } finally {
        console.log('\nStopping the local stack...');
        await ft?.close();
        await stack.stop();
        console.log('Stopped.');
        interrupts.dispose();
      }
    });
}
