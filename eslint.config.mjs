// Lint rules that keep the design honest: promises are awaited, workflow code stays deterministic,
// and imports only run the way the design's arrows allow. Layout is Prettier's (`npm run format`):
// eslint-config-prettier, last, turns off every rule that would argue with it.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** The layers: the folders of src/, and the files in src/ itself that stand alone. */
const LAYERS = [
  'workflows',
  'activities',
  'aws',
  'simulator',
  'stack',
  'host',
  'events',
  'core',
  'cli',
  'config',
  'worker',
  'client',
  'schedules',
  'reconciliation',
  'promotions',
];

/**
 * `no-restricted-imports` for one layer: of the others, only those in `mayImport` (the arrows of
 * docs/architecture.md), and those in `typeOnly` through `import type`; no Node builtins when `pure`.
 * `atRoot`: the layer is a file in src/ itself, so another layer is './<name>'; from a folder it is
 * '../<name>' ('./worker' in src/cli/ is the CLI's own command, not src/worker.ts).
 */
function layer({ self, mayImport, typeOnly = [], pure = false, atRoot = false }) {
  const refused = LAYERS.filter((name) => name !== self && !mayImport.includes(name));
  // Relative imports only, so that '@temporalio/client' is not taken for src/client.
  const patterns = refused.map((name) => ({
    regex: atRoot ? `^\\./${name}(/|$)` : `^(\\.\\./)+${name}(/|$)`,
    message: `${self} may not import from ${name} (see the import arrows in docs/architecture.md)`,
    allowTypeImports: typeOnly.includes(name),
  }));
  return {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: pure
          ? nodeBuiltins.map((name) => ({
              name,
              message: 'no Node builtins here: this code must stay pure and deterministic',
            }))
          : [],
        patterns,
      },
    ],
  };
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.local/**',
      'bin/**',
      'eslint.config.mjs',
      'jest.config.js',
      'test/support/sequencer.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: layer({ self: 'workflows', mayImport: ['core'], typeOnly: ['activities'], pure: true }),
  },
  {
    files: ['src/core/**/*.ts'],
    rules: layer({ self: 'core', mayImport: [], pure: true }),
  },
  {
    files: ['src/activities/**/*.ts'],
    rules: layer({ self: 'activities', mayImport: ['core', 'aws', 'host'] }),
  },
  {
    files: ['src/aws/**/*.ts'],
    rules: layer({ self: 'aws', mayImport: ['config', 'core'] }),
  },
  {
    // The simulator stands in for AWS: it knows nothing of Temporal or of the worker.
    files: ['src/simulator/**/*.ts'],
    rules: layer({ self: 'simulator', mayImport: ['core', 'aws'] }),
  },
  {
    files: ['src/stack/**/*.ts'],
    rules: layer({ self: 'stack', mayImport: ['core', 'aws', 'config', 'host'] }),
  },
  {
    // The job-events consumer the worker runs: SQS in, pokes out; the lineage tags read as the reconciler reads them.
    files: ['src/events/**/*.ts'],
    rules: layer({ self: 'events', mayImport: ['core', 'aws', 'config'] }),
  },
  {
    // What this host's operating system says (its processes), for the stack and the activities.
    files: ['src/host/**/*.ts'],
    rules: layer({ self: 'host', mayImport: [] }),
  },
  {
    // The CLI drives runs through the client and never reaches into a run's code. `finetune worker`
    // loads the worker with import() when it runs (a rule cannot see that), so no other command does.
    files: ['src/cli/**/*.ts'],
    rules: layer({
      self: 'cli',
      mayImport: ['client', 'config', 'core', 'aws', 'stack', 'simulator', 'reconciliation'],
    }),
  },
  {
    // The package's public API: Temporal and the request, no AWS, no servers; the workflow as a type.
    files: ['src/client.ts'],
    rules: layer({
      self: 'client',
      mayImport: ['config', 'core', 'schedules', 'reconciliation', 'promotions'],
      typeOnly: ['workflows'],
      atRoot: true,
    }),
  },
  {
    // Below the client, which re-exports it.
    files: ['src/schedules.ts'],
    rules: layer({ self: 'schedules', mayImport: ['config', 'core'], typeOnly: ['workflows'], atRoot: true }),
  },
  {
    // Promotions from the client's side, beside the client, which re-exports them.
    files: ['src/promotions.ts'],
    rules: layer({ self: 'promotions', mayImport: ['config', 'core'], atRoot: true }),
  },
  {
    // The reconciler's schedule and passes now, beside the client, which re-exports it.
    files: ['src/reconciliation.ts'],
    rules: layer({ self: 'reconciliation', mayImport: ['config', 'core'], atRoot: true }),
  },
  {
    // The workflows are bundled by path, not imported. It keeps the reconciler's schedule as it starts.
    files: ['src/worker.ts'],
    rules: layer({
      self: 'worker',
      mayImport: ['activities', 'aws', 'config', 'events', 'reconciliation'],
      atRoot: true,
    }),
  },
  {
    files: ['src/config.ts'],
    rules: layer({ self: 'config', mayImport: [], atRoot: true }),
  },
  {
    // The service example is plain CommonJS, runnable with `node` as a consumer of the package would.
    files: ['examples/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    // Undefined names are TypeScript's to find (the file is `// @ts-check`).
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-undef': 'off' },
  },
  prettier,
);
