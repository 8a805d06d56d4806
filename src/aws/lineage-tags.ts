// The lineage tags (core/lineage.ts) on the wire: written on every resource a run creates, read back
// by the reconciler and by `finetune deployments` (so this lives in aws/, which both the activities and
// the CLI may import). The readable workflow ID is cleaned to a tag's character set; when that changed
// it, the exact ID rides along as base64url, so the reconciler never looks up the wrong run.
import { TAG_VALUE_MAX } from '../core/bedrock-patterns';
import {
  LINEAGE_TAG_FINGERPRINT,
  LINEAGE_TAG_INSTALLATION,
  LINEAGE_TAG_NAMESPACE,
  LINEAGE_TAG_ROLE,
  LINEAGE_TAG_WORKFLOW_ID,
  LINEAGE_TAG_WORKFLOW_ID_EXACT,
  RESOURCE_ROLES,
  tagValue,
  type Lineage,
  type LineageScope,
  type ResourceRole,
} from '../core/lineage';

export interface Tag {
  key: string;
  value: string;
}

const LINEAGE_KEYS = new Set([
  LINEAGE_TAG_WORKFLOW_ID,
  LINEAGE_TAG_WORKFLOW_ID_EXACT,
  LINEAGE_TAG_FINGERPRINT,
  LINEAGE_TAG_NAMESPACE,
  LINEAGE_TAG_INSTALLATION,
  LINEAGE_TAG_ROLE,
]);

/** The request's own tags (any lineage keys in them replaced), then the run's lineage. */
export function withLineage(
  existing: readonly Tag[] | undefined,
  lineage: LineageScope & { workflowId: string; role: ResourceRole; datasetFingerprint?: string },
): Tag[] {
  const readable = tagValue(lineage.workflowId);
  const exact = readable === lineage.workflowId ? undefined : Buffer.from(lineage.workflowId).toString('base64url');
  return [
    ...(existing ?? []).filter((t) => !LINEAGE_KEYS.has(t.key)),
    { key: LINEAGE_TAG_WORKFLOW_ID, value: readable },
    ...(exact && exact.length <= TAG_VALUE_MAX ? [{ key: LINEAGE_TAG_WORKFLOW_ID_EXACT, value: exact }] : []),
    { key: LINEAGE_TAG_NAMESPACE, value: tagValue(lineage.namespace) },
    { key: LINEAGE_TAG_INSTALLATION, value: tagValue(lineage.installation) },
    { key: LINEAGE_TAG_ROLE, value: lineage.role },
    ...(lineage.datasetFingerprint ? [{ key: LINEAGE_TAG_FINGERPRINT, value: lineage.datasetFingerprint }] : []),
  ];
}

/** The lineage a resource's tags carry; undefined when it has none (not this project's). */
export function lineageOf(tags: readonly { key?: string; value?: string }[] | undefined): Lineage | undefined {
  const get = (key: string) => tags?.find((t) => t.key === key)?.value;
  const readable = get(LINEAGE_TAG_WORKFLOW_ID);
  if (!readable) return undefined;
  const encoded = get(LINEAGE_TAG_WORKFLOW_ID_EXACT);
  const decoded = encoded ? Buffer.from(encoded, 'base64url').toString('utf8') : undefined;
  // Without the exact tag, the readable one is the ID itself, unless it was cut at the tag's length.
  const exact = decoded !== undefined || readable.length < TAG_VALUE_MAX;
  const role = get(LINEAGE_TAG_ROLE);
  return {
    workflowId: decoded ?? readable,
    exact,
    namespace: get(LINEAGE_TAG_NAMESPACE),
    installation: get(LINEAGE_TAG_INSTALLATION),
    ...((RESOURCE_ROLES as readonly string[]).includes(role ?? '') ? { role: role as ResourceRole } : {}),
  };
}
