// docs/cli.md documents the JSON of every command that has --json (and of its --wait form), with
// examples that parse. Integration tests then check each JSON the CLI prints against these examples
// (see json-docs.ts and `json()` in helpers.ts).
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main';
import { documentedShapes, expectDocumented } from './json-docs';

function commandsWithJson(command: Command, prefix = ''): string[] {
  return command.commands.flatMap((c) => {
    const name = `${prefix}${c.name()}`;
    const flags = c.options.map((o) => o.long);
    const own = flags.includes('--json') ? [name, ...(flags.includes('--wait') ? [`${name} --wait`] : [])] : [];
    return [...own, ...commandsWithJson(c, `${name} `)];
  });
}

it('documents every --json shape, each with an example', () => {
  const documented = documentedShapes();
  const commands = commandsWithJson(buildProgram());
  expect(commands.length).toBeGreaterThan(15);
  for (const command of commands)
    expect({ command, examples: documented.get(command)?.length ?? 0 }).toEqual({
      command,
      examples: expect.any(Number),
    });
  expect(commands.filter((c) => !documented.get(c)?.length)).toEqual([]);
  // And nothing documented that the CLI does not have.
  expect([...documented.keys()].filter((k) => !commands.includes(k))).toEqual([]);
});

it('finds members the documentation leaves out, at any depth', () => {
  expect(() => expectDocumented('poke', { workflowId: 'x', poked: true })).not.toThrow();
  expect(() => expectDocumented('poke', { workflowId: 'x', poked: true, extra: 1 })).toThrow(
    'docs/cli.md does not document these members of `finetune poke --json`: extra',
  );
  expect(() =>
    expectDocumented('list', { query: 'q', runs: [{ workflowId: 'x', status: 'RUNNING', surprise: true }] }),
  ).toThrow('runs[].surprise');
  // Free-form members: a failure's details, a schedule's request.
  expect(() =>
    expectDocumented('start --wait', {
      workflowId: 'x',
      outcome: 'failed',
      failure: { type: 't', message: 'm', details: { anything: [1] } },
    }),
  ).not.toThrow();
  expect(() => expectDocumented('no-such-command', {})).toThrow('docs/cli.md has no example');
});
