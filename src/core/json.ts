// The one test for "a JSON object" (not null, not an array): the dataset engine, the simulator's wire
// parsing, offloaded log bodies, the schedule's memo record and a failure's details all use it.

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
