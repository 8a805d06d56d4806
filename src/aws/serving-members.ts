// A Provisioned Throughput's Get answer and its List summary carry the same members; promotion reads
// the one and `finetune deployments` the other, into one shape.
import type { ProvisionedModelSummary } from '@aws-sdk/client-bedrock';
import type { ServingBasics } from '../core/promotion-contract';

type ThroughputMembers = Pick<
  ProvisionedModelSummary,
  'provisionedModelName' | 'provisionedModelArn' | 'status' | 'modelArn' | 'desiredModelArn'
>;

/** Its name, ARN, status and model; `updatingTo` while it is being moved to another model. */
export function throughputBasics(t: ThroughputMembers): ServingBasics {
  return {
    kind: 'throughput',
    name: t.provisionedModelName!,
    arn: t.provisionedModelArn!,
    status: t.status!,
    modelArn: t.modelArn!,
    ...(t.desiredModelArn && t.desiredModelArn !== t.modelArn ? { updatingTo: t.desiredModelArn } : {}),
  };
}
