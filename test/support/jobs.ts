// Counting a run's jobs the way a second job could not hide: by the lineage tag every job a run creates
// carries (`finetune:workflow-id`), over every page of the listing. Bedrock holds at most one job per
// name, so counting under a fixed or derived name could never see two.
import {
  ListModelCustomizationJobsCommand,
  ListTagsForResourceCommand,
  type BedrockClient,
  type ModelCustomizationJobSummary,
} from '@aws-sdk/client-bedrock';
import { LINEAGE_TAG_WORKFLOW_ID } from '../../src/core/lineage';

/** Tags never change: each job's owner is asked for once. */
const owners = new Map<string, string>();

async function ownerOf(bedrock: BedrockClient, jobArn: string): Promise<string> {
  let owner = owners.get(jobArn);
  if (owner === undefined) {
    const { tags } = await bedrock.send(new ListTagsForResourceCommand({ resourceARN: jobArn }));
    owner = tags?.find((t) => t.key === LINEAGE_TAG_WORKFLOW_ID)?.value ?? '';
    owners.set(jobArn, owner);
  }
  return owner;
}

/** Every job the endpoint lists, page after page (created after `since`, when given). */
export async function allJobs(bedrock: BedrockClient, since?: Date): Promise<ModelCustomizationJobSummary[]> {
  const jobs: ModelCustomizationJobSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await bedrock.send(
      new ListModelCustomizationJobsCommand({ maxResults: 100, nextToken, creationTimeAfter: since }),
    );
    jobs.push(...(page.modelCustomizationJobSummaries ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return jobs;
}

/** When this test file began: jobs of its runs were created after it. */
const fileStarted = new Date(Date.now() - 60_000);

/** Every job whose lineage tag names `workflowId`, whatever its name. */
export async function jobsOfRun(
  bedrock: BedrockClient,
  workflowId: string,
  since: Date = fileStarted,
): Promise<ModelCustomizationJobSummary[]> {
  const out: ModelCustomizationJobSummary[] = [];
  for (const job of await allJobs(bedrock, since)) {
    if ((await ownerOf(bedrock, job.jobArn!)) === workflowId) out.push(job);
  }
  return out;
}
