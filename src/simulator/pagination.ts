// List pagination with an opaque nextToken that remembers the last item returned (its creation time
// and ARN), not an offset: items created between two pages never shift or repeat what a caller sees.
import { validation } from './errors';

export type SortOrder = 'Ascending' | 'Descending';

interface Cursor {
  /** creation time of the last item returned */
  t: number;
  /** its ARN, the tie-breaker */
  a: string;
  /** the sort order the token was made for */
  o: SortOrder;
}

export interface Sortable {
  creationTimeMs: number;
  arn: string;
}

export const DEFAULT_MAX_RESULTS = 100;

function compare(a: Sortable, b: Sortable): number {
  return a.creationTimeMs - b.creationTimeMs || (a.arn < b.arn ? -1 : a.arn > b.arn ? 1 : 0);
}

function decode(token: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Cursor;
    if (
      typeof cursor.t === 'number' &&
      typeof cursor.a === 'string' &&
      (cursor.o === 'Ascending' || cursor.o === 'Descending')
    )
      return cursor;
  } catch {
    // falls through to the error below
  }
  throw validation('The provided pagination token is invalid.');
}

/** Sorts, skips past the token's item, and cuts one page. */
export function paginate<T extends Sortable>(
  items: T[],
  order: SortOrder,
  maxResults: number | undefined,
  nextToken: string | undefined,
): { page: T[]; nextToken?: string } {
  const sign = order === 'Ascending' ? 1 : -1;
  const sorted = [...items].sort((a, b) => sign * compare(a, b));
  let start = 0;
  if (nextToken !== undefined) {
    const cursor = decode(nextToken);
    if (cursor.o !== order) throw validation('The provided pagination token was issued for a different sortOrder.');
    const after: Sortable = { creationTimeMs: cursor.t, arn: cursor.a };
    start = sorted.findIndex((item) => sign * compare(item, after) > 0);
    if (start < 0) start = sorted.length;
  }
  const limit = maxResults ?? DEFAULT_MAX_RESULTS;
  const page = sorted.slice(start, start + limit);
  const last = page[page.length - 1];
  if (start + limit >= sorted.length || !last) return { page };
  const cursor: Cursor = { t: last.creationTimeMs, a: last.arn, o: order };
  return { page, nextToken: Buffer.from(JSON.stringify(cursor)).toString('base64url') };
}
