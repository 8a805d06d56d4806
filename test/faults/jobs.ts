// Every job the simulator holds, read page by page to the end: a list call answers at most 1,000 jobs
// (and 100 when maxResults is not set), so one page would miss the oldest jobs of a busy simulator.
import {
  GetModelCustomizationJobCommand,
  ListTagsForResourceCommand,
  paginateListModelCustomizationJobs,
  type BedrockClient,
  type GetModelCustomizationJobCommandOutput,
  type ModelCustomizationJobSummary,
} from '@aws-sdk/client-bedrock';
import { LINEAGE_TAG_WORKFLOW_ID } from '../../src/core/lineage';

export type Job = GetModelCustomizationJobCommandOutput;

/** The largest page ListModelCustomizationJobs answers. */
const PAGE_SIZE = 1000;

/** Every job summary, newest first, following nextToken until the last page. */
export async function* jobSummaries(bedrock: BedrockClient): AsyncGenerator<ModelCustomizationJobSummary> {
  for await (const page of paginateListModelCustomizationJobs({ client: bedrock, pageSize: PAGE_SIZE }, {}))
    yield* page.modelCustomizationJobSummaries ?? [];
}

/** The job of the custom model `customModelName`, on whichever page it is. */
export async function jobOfModel(
  bedrock: BedrockClient,
  customModelName: string,
): Promise<ModelCustomizationJobSummary | undefined> {
  for await (const summary of jobSummaries(bedrock)) if (summary.customModelName === customModelName) return summary;
  return undefined;
}

/** Every job the simulator holds, grouped by the workflow ID in its lineage tag (tags never change). */
export class SimulatorJobs {
  private readonly owners = new Map<string, string>();

  constructor(private readonly bedrock: BedrockClient) {}

  private async ownerOf(jobArn: string): Promise<string> {
    let owner = this.owners.get(jobArn);
    if (owner === undefined) {
      const { tags } = await this.bedrock.send(new ListTagsForResourceCommand({ resourceARN: jobArn }));
      owner = tags?.find((t) => t.key === LINEAGE_TAG_WORKFLOW_ID)?.value ?? '';
      this.owners.set(jobArn, owner);
    }
    return owner;
  }

  async all(): Promise<{ owner: string; job: Job }[]> {
    const out: { owner: string; job: Job }[] = [];
    for await (const summary of jobSummaries(this.bedrock)) {
      const job = await this.bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: summary.jobArn }));
      out.push({ owner: await this.ownerOf(summary.jobArn!), job });
    }
    return out;
  }

  async of(workflowId: string): Promise<Job[]> {
    return (await this.all()).filter((j) => j.owner === workflowId).map((j) => j.job);
  }
}
