// Lineage: the tags every Bedrock resource a run creates carries, so the resource can be traced to the
// run that owns it, and the reconciler can tell its own resources from anyone else's. The owner is the
// run's workflow ID within one namespace of one installation: staging and production often share an AWS
// account, and a resource of another namespace or installation (or with no lineage) is never touched.
// Writing and reading the tags is aws/lineage-tags.ts (the exact ID is base64url, from Buffer).
import { TAG_TEXT, TAG_VALUE_MAX } from './bedrock-patterns';

export const LINEAGE_TAG_WORKFLOW_ID = 'finetune:workflow-id';
/** The workflow ID exactly (base64url), when the readable tag had to change characters of it. */
export const LINEAGE_TAG_WORKFLOW_ID_EXACT = 'finetune:workflow-id-b64';
export const LINEAGE_TAG_FINGERPRINT = 'finetune:dataset-fingerprint';
export const LINEAGE_TAG_NAMESPACE = 'finetune:namespace';
export const LINEAGE_TAG_INSTALLATION = 'finetune:installation';
export const LINEAGE_TAG_ROLE = 'finetune:role';

/**
 * What a resource is to the run that made it, which decides whether the reconciler may end it. A run's
 * to end: its training job, the staging deployment (or candidate Provisioned Throughput) that serves the
 * new model while it is evaluated, its evaluation jobs. Never ended by the reconciler: the trained model
 * (the product) and production (a deployment or Provisioned Throughput callers use, whoever made it).
 */
export const RESOURCE_ROLES = [
  'training-job',
  'trained-model',
  'staging-deployment',
  'candidate-throughput',
  'evaluation-job',
  'production',
] as const;
export type ResourceRole = (typeof RESOURCE_ROLES)[number];

/** Where runs live: a namespace of one installation of this project (FINETUNE_INSTALLATION). */
export interface LineageScope {
  namespace: string;
  installation: string;
}

export interface Lineage extends Partial<LineageScope> {
  workflowId: string;
  role?: ResourceRole;
  /**
   * The tags name the workflow ID exactly. A workflow ID longer than a tag holds cannot be: its run can
   * still be found by an operator, but "no such run" proves nothing, so the reconciler never acts on it.
   */
  exact?: boolean;
}

/** A tag value within Bedrock's character set and length (workflow IDs may hold other characters). */
export function tagValue(text: string): string {
  const cleaned = text.replace(/[^a-zA-Z0-9\s._:/=+@-]/g, '_').slice(0, TAG_VALUE_MAX);
  return TAG_TEXT.test(cleaned) ? cleaned : '';
}
