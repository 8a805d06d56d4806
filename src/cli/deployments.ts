// `finetune deployments`: what serves where. Bedrock says which deployments and Provisioned Throughputs
// exist and what each serves; their lineage tags say which are this project's production (role
// `production`, this namespace and installation); the promotions on record (completed promote runs)
// say how each model got there: the run that trained it, when it was promoted, its scores, the model
// it replaced. A deployment made by hand that a promotion of this namespace updated is listed too; a
// production deployment whose promotion is not on record (past retention, or changed by hand) is listed
// with '-' for what only the promotion knows.
import type { Command } from 'commander';
import { createBedrockClient } from '../aws/clients';
import { lineageOfResource, listServing, type ServingSummary } from '../aws/serving-inventory';
import type { DeploymentRecord, FineTuneClient, PromotionResult } from '../client';
import { lineageScope, loadConfig } from '../config';
import type { LineageScope } from '../core/lineage';
import { dateTimeText } from '../core/time-text';
import { fields, printJson, servingKindText } from './format';
import { withSession } from './session';

/** How many of a deployment's latest promotions are searched for the one that put its model there. */
const PROMOTIONS_SEARCHED = 10;

export interface DeploymentView extends DeploymentRecord {
  arn: string;
  status: string;
  /** A Provisioned Throughput being moved to this model. */
  updatingTo?: string;
  /** When the served model is not the one the promotions on record explain. */
  note?: string;
}

const inScope = (s: ServingSummary, scope: LineageScope) =>
  s.lineage?.role === 'production' &&
  s.lineage.namespace === scope.namespace &&
  s.lineage.installation === scope.installation;

/** One deployment joined with the promotion that put its model there, when one is on record. */
async function viewOf(
  ft: FineTuneClient,
  scope: LineageScope,
  serving: ServingSummary,
  trainerOf: (modelArn: string) => Promise<string | undefined>,
): Promise<DeploymentView | undefined> {
  const records = await ft.promotions.promotedTo(serving.name, PROMOTIONS_SEARCHED);
  if (!inScope(serving, scope) && records.length === 0) return undefined;
  const base: DeploymentView = {
    deployment: serving.name,
    kind: serving.kind,
    arn: serving.arn,
    status: serving.status,
    modelArn: serving.modelArn,
    ...(serving.updatingTo ? { updatingTo: serving.updatingTo } : {}),
  };
  const match = records.find((r) => r.result.modelArn === serving.modelArn);
  const last = records[0];
  const rolledBack =
    last && last.result.modelArn !== serving.modelArn
      ? `serves another model than its last promotion put there (${last.workflowId}, ${last.result.modelArn}): rolled back, or changed outside a promotion`
      : undefined;
  if (!match)
    return {
      ...base,
      ...(await trainedBy(undefined, serving.modelArn, trainerOf)),
      note:
        rolledBack ??
        'no promotion to it is on record in this namespace (made or changed by hand, or its history has passed retention)',
    };
  const parent = await ft.client.workflow
    .getHandle(match.workflowId)
    .describe()
    .then((d) => d.parentExecution?.workflowId ?? undefined)
    .catch(() => undefined);
  return {
    ...base,
    promotedBy: match.workflowId,
    ...(await trainedBy(parent, serving.modelArn, trainerOf)),
    ...(match.closedAt ? { promotedAt: match.closedAt.toISOString() } : {}),
    scores: match.result.scores,
    ...(match.result.previousModelArn ? { previousModelArn: match.result.previousModelArn } : {}),
    ...(rolledBack ? { note: rolledBack } : {}),
  };
}

/** The fineTune run that started the promotion, else the run the model's own lineage tags name. */
async function trainedBy(
  parent: string | undefined,
  modelArn: string,
  trainerOf: (modelArn: string) => Promise<string | undefined>,
): Promise<{ trainedBy?: string }> {
  const trainer = parent ?? (await trainerOf(modelArn));
  return trainer ? { trainedBy: trainer } : {};
}

const scoresText = (scores: PromotionResult['scores'] | undefined) =>
  scores?.length ? scores.map((r) => `${r.metric} ${r.new === null ? '-' : r.new.toFixed(4)}`).join(', ') : '-';

export function deploymentLines(views: DeploymentView[], scope: LineageScope): string[] {
  if (views.length === 0)
    return [
      `No production deployments of this project (namespace ${scope.namespace}, installation ${scope.installation}).`,
    ];
  return views.flatMap((v) => [
    `${v.deployment}  ${servingKindText(v.kind)}  ${v.status}`,
    ...fields([
      ['arn', v.arn],
      ['model', v.modelArn],
      ['updating to', v.updatingTo],
      ['trained by', v.trainedBy ?? '-'],
      ['promoted', v.promotedBy ? `${dateTimeText(v.promotedAt)} by ${v.promotedBy}` : '-'],
      ['scores', scoresText(v.scores)],
      ['previous model', v.previousModelArn ?? '-'],
      ['note', v.note],
    ]),
  ]);
}

export function registerDeploymentsCommand(program: Command): void {
  program
    .command('deployments')
    .description(
      "what serves where: this project's production deployments, their models, the runs that trained them, when promoted, scores, the previous model",
    )
    .option('--json', 'print { deployments: [...] } as one JSON object')
    .addHelpText(
      'after',
      [
        '',
        'Reads Bedrock (ListCustomModelDeployments, ListProvisionedModelThroughputs, ListTagsForResource) with',
        "the caller's AWS credentials, and the promotions on record from Temporal.",
        '',
        'Examples:',
        '  finetune deployments',
        "  finetune deployments --json | jq '.deployments[] | {deployment, modelArn}'",
      ].join('\n'),
    )
    .action(async (flags: { json?: boolean }) => {
      const config = loadConfig();
      const scope = lineageScope(config);
      const bedrock = createBedrockClient(config.aws);
      try {
        const serving = await listServing(bedrock);
        // A model's trainer, by its lineage tags (role trained-model), read once per model.
        const trainers = new Map<string, Promise<string | undefined>>();
        const trainerOf = (modelArn: string) => {
          if (!trainers.has(modelArn))
            trainers.set(
              modelArn,
              lineageOfResource(bedrock, modelArn).then((l) =>
                l?.role === 'trained-model' ? l.workflowId : undefined,
              ),
            );
          return trainers.get(modelArn)!;
        };
        await withSession(async ({ ft }) => {
          const views: DeploymentView[] = [];
          for (const s of serving) {
            // Staging copies and candidate throughputs of a promotion in flight are not production.
            if (s.lineage?.role && s.lineage.role !== 'production') continue;
            const view = await viewOf(ft, scope, s, trainerOf);
            if (view) views.push(view);
          }
          if (flags.json) return printJson({ deployments: views });
          console.log(deploymentLines(views, scope).join('\n'));
        });
      } finally {
        bedrock.destroy();
      }
    });
}
