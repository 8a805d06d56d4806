// The one test for "a JSON object" (not null, not an array): the dataset engine, the simulator's wire
// parsing, offloaded log bodies and the schedule's memo record all use it.

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
