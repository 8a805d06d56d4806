// Reading untrusted JSON and query strings the way a restJson1 service does: a member of the wrong JSON
// type is a SerializationException naming the member; constraint checks (required, length, pattern,
// range, enum) are collected into one Coral-style ValidationException. Timestamps go out as RFC 3339.
import { isObject } from '../core/json';
import { serialization, Violations } from './errors';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

// The shared object test (core/json.ts); it narrows wire values to JsonObject too.
export { isObject };

/** A modelled pattern: `display` as the service model writes it (shown in messages), `re` to test. */
export interface Pattern {
  display: string;
  re: RegExp;
}

/** Anchors a model pattern for full-match testing; `safe` replaces one that backtracks badly. */
export function modelPattern(display: string, safe?: RegExp): Pattern {
  return { display, re: safe ?? new RegExp(`^(?:${display})$`) };
}

/** The request body as a JSON object; an empty body is `{}`. */
export function parseJsonBody(raw: string): JsonObject {
  if (raw.trim() === '') return {};
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(raw) as JsonValue;
  } catch (err) {
    throw serialization(`Malformed JSON in the request body: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw serialization('The request body must be a JSON object.');
  return parsed;
}

function typeName(value: JsonValue): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function wrongType(path: string, expected: string, value: JsonValue): never {
  throw serialization(`Expected ${expected} at '${path}' but found ${typeName(value)}.`);
}

/** Member readers: absent or null is undefined, a value of another JSON type is a SerializationException. */
export function readString(obj: JsonObject, key: string, path = key): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') wrongType(path, 'a string', value);
  return value;
}

export function readInteger(obj: JsonObject, key: string, path = key): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) wrongType(path, 'an integer', value);
  return value;
}

export function readNumber(obj: JsonObject, key: string, path = key): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') wrongType(path, 'a number', value);
  return value;
}

export function readBoolean(obj: JsonObject, key: string, path = key): boolean | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') wrongType(path, 'a boolean', value);
  return value;
}

export function readObject(obj: JsonObject, key: string, path = key): JsonObject | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) wrongType(path, 'an object', value);
  return value;
}

export function readArray(obj: JsonObject, key: string, path = key): JsonValue[] | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) wrongType(path, 'a list', value);
  return value;
}

/** A list element that must be an object (paths follow Coral: `jobTags.1.member`). */
export function elementObject(value: JsonValue, path: string): JsonObject {
  if (!isObject(value)) wrongType(path, 'an object', value);
  return value;
}

export function elementString(value: JsonValue, path: string): string {
  if (typeof value !== 'string') wrongType(path, 'a string', value);
  return value;
}

export function readStringMap(obj: JsonObject, key: string, path = key): Record<string, string> | undefined {
  const value = readObject(obj, key, path);
  if (value === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') wrongType(`${path}.${k}`, 'a string', v);
    out[k] = v;
  }
  return out;
}

export interface StringRule {
  min?: number;
  max?: number;
  pattern?: Pattern;
  enumValues?: readonly string[];
}

/** Length first, and the pattern only within the length limit: a long value never reaches a regex. */
export function checkString(
  v: Violations,
  path: string,
  value: string | undefined,
  rule: StringRule,
  required = false,
): void {
  if (value === undefined) {
    if (required) v.missing(path);
    return;
  }
  if (rule.min !== undefined && value.length < rule.min) {
    v.add(path, value, `have length greater than or equal to ${rule.min}`);
    return;
  }
  if (rule.max !== undefined && value.length > rule.max) {
    v.add(path, value, `have length less than or equal to ${rule.max}`);
    return;
  }
  if (rule.pattern && !rule.pattern.re.test(value))
    v.add(path, value, `satisfy regular expression pattern: ${rule.pattern.display}`);
  if (rule.enumValues && !rule.enumValues.includes(value))
    v.add(path, value, `satisfy enum value set: [${rule.enumValues.join(', ')}]`);
}

export function checkRange(v: Violations, path: string, value: number | undefined, min?: number, max?: number): void {
  if (value === undefined) return;
  if (min !== undefined && value < min) v.add(path, value, `have value greater than or equal to ${min}`);
  else if (max !== undefined && value > max) v.add(path, value, `have value less than or equal to ${max}`);
}

export function checkCount(
  v: Violations,
  path: string,
  list: readonly unknown[] | undefined,
  min?: number,
  max?: number,
): boolean {
  if (list === undefined) return true;
  if (min !== undefined && list.length < min) {
    v.add(path, list, `have length greater than or equal to ${min}`);
    return false;
  }
  if (max !== undefined && list.length > max) {
    v.add(path, list, `have length less than or equal to ${max}`);
    return false;
  }
  return true;
}

/** RFC 3339 with milliseconds and `Z`, the form every SDK parses. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** Query-string reading: repeated keys take the first value, as restJson1 servers do for scalars. */
export class Query {
  constructor(private readonly params: URLSearchParams) {}

  string(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  integer(name: string): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw.trim()))
      throw serialization(`Expected an integer for the query parameter '${name}' but found '${raw}'.`);
    return Number(raw);
  }

  boolean(name: string): boolean | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (raw !== 'true' && raw !== 'false')
      throw serialization(`Expected true or false for the query parameter '${name}' but found '${raw}'.`);
    return raw === 'true';
  }

  /** RFC 3339 with or without fractional seconds (older SDKs drop the milliseconds), or epoch seconds. */
  timestamp(name: string): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (RFC3339.test(raw)) {
      const ms = Date.parse(raw);
      if (Number.isFinite(ms)) return ms;
    } else if (/^\d+(\.\d+)?$/.test(raw)) {
      return Number(raw) * 1000;
    }
    throw serialization(`Expected an RFC 3339 timestamp for the query parameter '${name}' but found '${raw}'.`);
  }
}
