// Every Error subclass in src/ names itself (as the Temporal SDK's errors do), so logs, `err.name` and
// failure messages say which error it was instead of a bare "Error".
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SRC = join(__dirname, '..', 'src');
/** ApiError takes the AWS error shape's name (ThrottlingException, ...), as the SDK's clients read it. */
const NAMED_OTHERWISE: Record<string, string> = { ApiError: 'this.name = shape;' };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Each `class X extends ...Error {` with its body (`{}`, or up to the next closing brace at the line start). */
function errorClasses(): { file: string; name: string; body: string }[] {
  return sourceFiles(SRC).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(/^(?:export )?class (\w+) extends \w*Error \{(\}|\n[\s\S]*?^\})/gm)].map(
      ([, name, body]) => ({ file: file.slice(SRC.length + 1), name, body }),
    );
  });
}

it('finds the error classes', () => {
  expect(errorClasses().map((c) => c.name)).toEqual(expect.arrayContaining(['UsageError', 'InvalidRequestError']));
});

it('has every Error subclass set its own name', () => {
  const unnamed = errorClasses()
    .filter(({ name, body }) => !body.includes(NAMED_OTHERWISE[name] ?? `this.name = '${name}';`))
    .map(({ file, name }) => `${file}: ${name}`);
  expect(unnamed).toEqual([]);
});
