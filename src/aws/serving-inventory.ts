// What serves models in the account: every custom model deployment and Provisioned Throughput, with the
// lineage its tags carry (aws/lineage-tags.ts), for `finetune deployments`. Read-only: List and
// ListTagsForResource.
import {
  ListTagsForResourceCommand,
  paginateListCustomModelDeployments,
  paginateListProvisionedModelThroughputs,
  type BedrockClient,
} from '@aws-sdk/client-bedrock';
import type { Lineage } from '../core/lineage';
import type { ServingBasics } from '../core/promotion-contract';
import { awsErrorName } from './errors';
import { lineageOf } from './lineage-tags';
import { throughputBasics } from './serving-members';

/** A List summary says no more of an update in progress than a Provisioned Throughput's updatingTo. */
export interface ServingSummary extends ServingBasics {
  /** Whose it is, when its tags say (undefined: not made by this project). */
  lineage?: Lineage;
}

/** The lineage of any taggable resource (a deployment, a custom model); undefined when it has none or is gone. */
export async function lineageOfResource(bedrock: BedrockClient, arn: string): Promise<Lineage | undefined> {
  try {
    const { tags } = await bedrock.send(new ListTagsForResourceCommand({ resourceARN: arn }));
    return lineageOf(tags);
  } catch (err) {
    // Deleted between the list and here, or a resource type that takes no tags: no lineage to read.
    if (awsErrorName(err) === 'ResourceNotFoundException' || awsErrorName(err) === 'ValidationException')
      return undefined;
    throw err;
  }
}

/** Every deployment and Provisioned Throughput of the account in the client's Region, with its lineage. */
export async function listServing(bedrock: BedrockClient): Promise<ServingSummary[]> {
  const found: Omit<ServingSummary, 'lineage'>[] = [];
  for await (const page of paginateListCustomModelDeployments({ client: bedrock }, { maxResults: 100 })) {
    for (const d of page.modelDeploymentSummaries ?? [])
      found.push({
        kind: 'deployment',
        name: d.customModelDeploymentName!,
        arn: d.customModelDeploymentArn!,
        status: d.status!,
        modelArn: d.modelArn!,
      });
  }
  for await (const page of paginateListProvisionedModelThroughputs({ client: bedrock }, { maxResults: 100 })) {
    for (const t of page.provisionedModelSummaries ?? []) found.push(throughputBasics(t));
  }
  const summaries: ServingSummary[] = [];
  for (const s of found) {
    const lineage = await lineageOfResource(bedrock, s.arn);
    summaries.push({ ...s, ...(lineage ? { lineage } : {}) });
  }
  return summaries.sort((a, b) => a.name.localeCompare(b.name));
}
