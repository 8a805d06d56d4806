// The one test for "a JSON object" (not null, not an array), shared by the dataset engine and the
// simulator's wire parsing.

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
