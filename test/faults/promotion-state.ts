// What Bedrock holds of one run's promotion, read from the simulator after the run: the production
// deployment under the promotion's name, the staging copy (by its derived name), the judge evaluation
// jobs (by theirs). The names are derived from the promote child's workflow ID exactly as the workflow
// derives them (src/core/promotion.ts), so nothing of the run's is missed.
import {
  GetCustomModelDeploymentCommand,
  paginateListEvaluationJobs,
  type BedrockClient,
  type GetCustomModelDeploymentCommandOutput,
} from '@aws-sdk/client-bedrock';
import { evaluationJobName, stagingName } from '../../src/core/promotion';

/** The deployment a run promotes to, and what it served before the run (when it existed). */
export interface PromotionTarget {
  /** The production deployment's name (the promotion's `deployment`). */
  deployment: string;
  /** The promote child, `<run's workflow id>-promote`: its ID names the staging copy and the judge jobs. */
  childId: string;
  /** The model production served before the run; absent when the promotion is to create it. */
  previousModelArn?: string;
  /** Its ARN then (an update keeps it). */
  previousArn?: string;
}

export interface PromotionSeen {
  target: PromotionTarget;
  production?: { arn: string; status: string; modelArn: string; updateStatus?: string };
  staging: { name: string; status?: string };
  /** This run's judge jobs that exist, with their status. */
  evaluations: { name: string; status: string }[];
  /** How many times each of the run's deployments and judge jobs was created (the simulator's log). */
  created: { name: string; times: number }[];
}

/** GetCustomModelDeployment by name; undefined when there is none. */
export async function deploymentNamed(
  bedrock: BedrockClient,
  name: string,
): Promise<GetCustomModelDeploymentCommandOutput | undefined> {
  try {
    return await bedrock.send(new GetCustomModelDeploymentCommand({ customModelDeploymentIdentifier: name }));
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/**
 * The run's promotion as Bedrock holds it. `created` is the simulator's count of creations by
 * `deployment <name>` / `evaluation <name>` over the run (simulator-log.ts).
 */
export async function promotionSeen(
  bedrock: BedrockClient,
  target: PromotionTarget,
  created: ReadonlyMap<string, number>,
): Promise<PromotionSeen> {
  const staging = stagingName(target.deployment, target.childId);
  const judgeJobs = (['new', 'current'] as const).map((w) => evaluationJobName(target.deployment, target.childId, w));
  const production = await deploymentNamed(bedrock, target.deployment);
  const stagingNow = await deploymentNamed(bedrock, staging);
  const evaluations: PromotionSeen['evaluations'] = [];
  for await (const page of paginateListEvaluationJobs({ client: bedrock, pageSize: 1000 }, {}))
    for (const j of page.jobSummaries ?? [])
      if (judgeJobs.includes(j.jobName!)) evaluations.push({ name: j.jobName!, status: j.status! });
  return {
    target,
    ...(production
      ? {
          production: {
            arn: production.customModelDeploymentArn!,
            status: production.status!,
            modelArn: production.modelArn!,
            ...(production.updateDetails?.updateStatus ? { updateStatus: production.updateDetails.updateStatus } : {}),
          },
        }
      : {}),
    staging: { name: staging, ...(stagingNow ? { status: stagingNow.status! } : {}) },
    evaluations,
    created: [
      ...[target.deployment, staging].map((n) => ({ name: n, times: created.get(`deployment ${n}`) ?? 0 })),
      ...judgeJobs.map((n) => ({ name: n, times: created.get(`evaluation ${n}`) ?? 0 })),
    ],
  };
}
