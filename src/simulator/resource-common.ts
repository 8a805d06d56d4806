// What creating a deployment, a Provisioned Throughput or an evaluation job share: the context they run
// in, clientRequestToken idempotency (decided as for customization jobs), the tag limit and the
// reserved tags of the new resource, and reading a name-or-ARN identifier.
import { createHash } from 'node:crypto';
import { TAGS_MAX_PER_RESOURCE } from '../core/bedrock-patterns';
import { canonicalJson } from '../core/naming';
import type { Partition } from './arns';
import type { Engine } from './engine';
import { ApiError, validation } from './errors';
import { readResourceTags, type ResourceTagSettings } from './reserved-tags';
import type { ResourceBase, ResourceKind, ResourceRecords } from './resource-records';
import type { Store } from './state';
import type { Tag } from './types';

export interface ResourceContext extends Partition {
  store: Store;
  /** Custom models and their training jobs. */
  engine: Engine;
  /** Simulated seconds per real second for resources without their own (the tag simulator:time-scale). */
  timeScale: number;
  now: () => number;
  log: (line: string) => void;
}

export const KIND_NAME: Record<ResourceKind, string> = {
  deployment: 'custom model deployment',
  throughput: 'provisioned model throughput',
  evaluation: 'evaluation job',
};

/** sha256 of the request without its token: a repeat with the same token must carry the same body. */
export function resourceDigest(request: { clientRequestToken?: string }): string {
  const { clientRequestToken: _token, ...rest } = request;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/**
 * The resource an earlier request with this token created, when the body is the same (an idempotent
 * repeat: the caller gets it back, whatever its status since, even deleted); a different body is a
 * ValidationException, as for customization jobs (Bedrock's own answer is UNCONFIRMED).
 */
export function earlierByToken<K extends ResourceKind>(
  store: Store,
  kind: K,
  request: { clientRequestToken?: string },
  digest: string,
  nameOf: (r: ResourceRecords[K]) => string,
): ResourceRecords[K] | undefined {
  if (request.clientRequestToken === undefined) return undefined;
  const earlier = store.resourceByToken(kind, request.clientRequestToken);
  if (!earlier) return undefined;
  if (earlier.requestDigest === digest) return earlier;
  throw validation(
    `The clientRequestToken ${request.clientRequestToken} was already used by ${KIND_NAME[kind]} ${nameOf(earlier)} with different parameters. Use a new token for a different request.`,
  );
}

/** Tags of a new resource: repeated keys merged (the last wins), at most 50, reserved ones read. */
export function newResourceTags(
  tags: readonly Tag[] | undefined,
  kind: ResourceKind,
): { tags: Tag[]; reserved: ResourceTagSettings } {
  const byKey = new Map((tags ?? []).map((t) => [t.key, t.value]));
  const merged = [...byKey].map(([key, value]) => ({ key, value }));
  if (merged.length > TAGS_MAX_PER_RESOURCE) {
    throw new ApiError(
      'TooManyTagsException',
      `A resource can have at most ${TAGS_MAX_PER_RESOURCE} tags; the request has ${merged.length}.`,
    );
  }
  return { tags: merged, reserved: readResourceTags(merged, kind) };
}

/** The base fields of a new resource from its request and reserved tags. */
export function baseFields(
  ctx: ResourceContext,
  arn: string,
  id: string,
  request: { clientRequestToken?: string },
  digest: string,
  reserved: ResourceTagSettings,
): ResourceBase {
  return {
    arn,
    id,
    ...(request.clientRequestToken !== undefined ? { clientRequestToken: request.clientRequestToken } : {}),
    requestDigest: digest,
    creationTimeMs: ctx.now(),
    timeScale: reserved.timeScale ?? ctx.timeScale,
    ...(reserved.replyDelayMs !== undefined ? { replyDelayMs: reserved.replyDelayMs } : {}),
    ...(reserved.lostReplies ? { createRepliesToLose: reserved.lostReplies } : {}),
  };
}
