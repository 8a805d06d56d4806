// What every List operation shares: the query members (page size, token, sort order, creation-time
// window), the name filter and the reply, one page of summaries and the token for the next.
import type { Violations } from './errors';
import { PAGINATION_TOKEN_PATTERN } from './model-patterns';
import { paginate, type Sortable, type SortOrder } from './pagination';
import type { Reply } from './router';
import { checkRange, checkString, type Query } from './wire';

export interface ListParams {
  creationTimeAfter?: number;
  creationTimeBefore?: number;
  maxResults?: number;
  nextToken?: string;
  sortOrder: SortOrder;
}

/** The query members every list operation shares, checked against the model's constraints. */
export function readListParams(q: Query, v: Violations): ListParams {
  const maxResults = q.integer('maxResults');
  checkRange(v, 'maxResults', maxResults, 1, 1000);
  const nextToken = q.string('nextToken');
  checkString(v, 'nextToken', nextToken, { min: 1, max: 2048, pattern: PAGINATION_TOKEN_PATTERN });
  checkString(v, 'sortBy', q.string('sortBy'), { enumValues: ['CreationTime'] });
  const sortOrder = q.string('sortOrder');
  checkString(v, 'sortOrder', sortOrder, { enumValues: ['Ascending', 'Descending'] });
  return {
    creationTimeAfter: q.timestamp('creationTimeAfter'),
    creationTimeBefore: q.timestamp('creationTimeBefore'),
    maxResults,
    nextToken,
    // Bedrock lists newest first unless asked otherwise.
    sortOrder: (sortOrder as SortOrder | undefined) ?? 'Descending',
  };
}

export function inTimeWindow(ms: number, p: ListParams): boolean {
  return (
    (p.creationTimeAfter === undefined || ms > p.creationTimeAfter) &&
    (p.creationTimeBefore === undefined || ms < p.creationTimeBefore)
  );
}

/** The `nameContains` filter: any name when there is none, else a case-insensitive substring. */
export function matchesName(name: string, nameContains: string | undefined): boolean {
  return nameContains === undefined || name.toLowerCase().includes(nameContains.toLowerCase());
}

/**
 * The 200 reply of a List operation: the page of `items` that `params` ask for (sorted by creation time
 * and ARN, from `sortKey`), summarized under `member`, and the token for the next page when more follow.
 */
export function listReply<T>(
  items: T[],
  sortKey: (item: T) => Sortable,
  params: ListParams,
  member: string,
  summary: (item: T) => object,
): Reply {
  const { page, nextToken } = paginate(
    items.map((item) => {
      const { creationTimeMs, arn } = sortKey(item);
      return { item, creationTimeMs, arn };
    }),
    params.sortOrder,
    params.maxResults,
    params.nextToken,
  );
  return {
    status: 200,
    body: { ...(nextToken ? { nextToken } : {}), [member]: page.map(({ item }) => summary(item)) },
  };
}
