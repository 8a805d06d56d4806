// requestMetadataFilters of InvocationLogsConfig: its shape (service model) and how a log record's
// requestMetadata is matched against it. Matching is not documented by AWS; the choices here are:
// exact, case-sensitive comparison with the record's top-level requestMetadata; a record without the
// key fails `equals` and passes `notEquals` (it is not equal); a base filter inside andAll/orAll must set
// exactly one of equals/notEquals.
import { METADATA_FILTER_TEXT } from '../bedrock-patterns';
import type { MetadataBaseFilter, MetadataFilters } from './types';

const MAX_FILTERS = 16;
const MAX_KEY = 256;
const MAX_VALUE = 256;

function entryProblems(map: unknown, path: string): string[] {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return [`${path} must be a map with one entry`];
  const entries = Object.entries(map);
  if (entries.length !== 1) return [`${path} must hold exactly one key, it holds ${entries.length}`];
  const [key, value] = entries[0];
  const problems: string[] = [];
  if (key.length < 1 || key.length > MAX_KEY || !METADATA_FILTER_TEXT.test(key))
    problems.push(
      `${path} key ${JSON.stringify(key)} must be 1-${MAX_KEY} of letters, digits, spaces and . _ : / = + $ @ -`,
    );
  if (typeof value !== 'string' || value.length > MAX_VALUE || !METADATA_FILTER_TEXT.test(value)) {
    problems.push(
      `${path}.${key} must be a string of up to ${MAX_VALUE} letters, digits, spaces and . _ : / = + $ @ -`,
    );
  }
  return problems;
}

function baseFilterProblems(filter: MetadataBaseFilter, path: string): string[] {
  const set = (['equals', 'notEquals'] as const).filter((m) => filter[m] !== undefined);
  if (set.length !== 1) return [`${path} must set exactly one of equals, notEquals`];
  return entryProblems(filter[set[0]], `${path}.${set[0]}`);
}

/** Every way `filters` breaks the service model's shape; empty when usable. */
export function metadataFilterProblems(filters: MetadataFilters): string[] {
  const members = (['equals', 'notEquals', 'andAll', 'orAll'] as const).filter((m) => filters[m] !== undefined);
  if (members.length !== 1)
    return [
      `requestMetadataFilters must set exactly one of equals, notEquals, andAll, orAll (it sets ${members.length})`,
    ];
  const member = members[0];
  if (member === 'equals' || member === 'notEquals')
    return entryProblems(filters[member], `requestMetadataFilters.${member}`);
  const list = filters[member];
  if (!Array.isArray(list) || list.length < 1 || list.length > MAX_FILTERS)
    return [`requestMetadataFilters.${member} must hold 1-${MAX_FILTERS} filters`];
  return list.flatMap((f, i) => baseFilterProblems(f, `requestMetadataFilters.${member}[${i}]`));
}

type Metadata = Record<string, unknown> | undefined;

function oneEntry(map: Record<string, string>): [string, string] {
  return Object.entries(map)[0];
}

function matchesBase(metadata: Metadata, filter: MetadataBaseFilter): boolean {
  if (filter.equals) {
    const [key, value] = oneEntry(filter.equals);
    if (metadata?.[key] !== value) return false;
  }
  if (filter.notEquals) {
    const [key, value] = oneEntry(filter.notEquals);
    if (metadata?.[key] === value) return false;
  }
  return true;
}

/** Whether a record with this requestMetadata is selected. Assumes `filters` passed metadataFilterProblems. */
export function matchesMetadataFilters(metadata: Metadata, filters: MetadataFilters): boolean {
  if (filters.andAll) return filters.andAll.every((f) => matchesBase(metadata, f));
  if (filters.orAll) return filters.orAll.some((f) => matchesBase(metadata, f));
  return matchesBase(metadata, filters);
}

/** Keys used by the filters, whose record values a filter could never express if they hold `#` or `,`. */
export function filteredKeys(filters: MetadataFilters): string[] {
  const bases: MetadataBaseFilter[] = filters.andAll ?? filters.orAll ?? [filters];
  return bases.flatMap((f) => [...Object.keys(f.equals ?? {}), ...Object.keys(f.notEquals ?? {})]);
}
