// Every `--json` shape is documented in docs/cli.md: each JSON a test reads from the CLI is checked
// against the examples under the command's heading there (### `finetune <command> [--wait] --json`).
// Every key the CLI printed must appear in an example, at the same place; `"*": "any"` in an example
// stands for an object whose keys are free (a request, a failure's details), `"*": {...}` for a map.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const CLI_DOC = resolve(__dirname, '..', '..', 'docs', 'cli.md');

let sections: Map<string, unknown[]> | undefined;

/** The JSON examples per command key ('status', 'start --wait', 'schedule create'). */
export function documentedShapes(): Map<string, unknown[]> {
  if (sections) return sections;
  sections = new Map();
  const text = readFileSync(CLI_DOC, 'utf8');
  for (const part of text.split(/^### /m).slice(1)) {
    const heading = /^`finetune ([^`]+?) --json`/.exec(part);
    if (!heading) continue;
    const examples = [...part.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]) as unknown);
    sections.set(heading[1], examples);
  }
  return sections;
}

/** The doc key of a CLI call: its command words, and --wait when it changes the shape. */
export function jsonKey(args: string[]): string {
  const command = args[0] === 'schedule' || args[0] === 'examples' ? `${args[0]} ${args[1]}` : args[0];
  return args.includes('--wait') ? `${command} --wait` : command;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Paths of `actual` that no example documents. */
function undocumented(actual: unknown, examples: unknown[], path: string): string[] {
  const objects = examples.filter(isObject);
  if (isObject(actual)) {
    if (objects.some((o) => o['*'] === 'any')) return [];
    const missing: string[] = [];
    for (const [key, value] of Object.entries(actual)) {
      const here = objects.filter((o) => key in o || '*' in o).map((o) => (key in o ? o[key] : o['*']));
      if (here.length === 0) missing.push(`${path}${path ? '.' : ''}${key}`);
      else missing.push(...undocumented(value, here, `${path}${path ? '.' : ''}${key}`));
    }
    return missing;
  }
  if (Array.isArray(actual)) {
    const elements = examples.filter(Array.isArray).flat();
    return actual.flatMap((item) => (elements.length > 0 ? undocumented(item, elements, `${path}[]`) : []));
  }
  return [];
}

/** Throws naming what docs/cli.md does not document of this `--json` output. */
export function expectDocumented(key: string, value: unknown): void {
  const examples = documentedShapes().get(key);
  if (!examples || examples.length === 0)
    throw new Error(
      `docs/cli.md has no example for \`finetune ${key} --json\` (a heading ### \`finetune ${key} --json\`)`,
    );
  const missing = undocumented(value, examples, '');
  if (missing.length > 0)
    throw new Error(`docs/cli.md does not document these members of \`finetune ${key} --json\`: ${missing.join(', ')}`);
}
