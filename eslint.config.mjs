// Lint rules that keep the design honest: promises are awaited, workflow code stays deterministic,
// and imports only run the way the design's arrows allow. Layout is Prettier's (`npm run format`):
// eslint-config-prettier, last, turns off every rule that would argue with it.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

const CLIENT_MAY_NOT_IMPORT = ['workflows', 'activities', 'aws', 'simulator', 'stack', 'worker', 'cli', 'host'];

/**
 * `no-restricted-imports` for one folder: no Node builtins (when asked) and none of the listed folders.
 * `atRoot`: the files sit in src/ itself (client.ts, schedules.ts), so a layer is './<name>'; from a
 * folder it is '../<name>' ('./worker' in src/cli/ is the CLI's own command, not src/worker.ts).
 */
function restrictImports({ builtins, folders, allowTypeImportsOf = [], atRoot = false }) {
  // Relative imports only, so that '@temporalio/client' is not taken for src/client.
  const patterns = folders.map((folder) => ({
    regex: atRoot ? `^\\./${folder}(/|$)` : `^(\\.\\./)+${folder}(/|$)`,
    message: `this folder may not import from ${folder} (see the import arrows in the design)`,
    allowTypeImports: allowTypeImportsOf.includes(folder),
  }));
  return {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: builtins
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
    rules: restrictImports({
      builtins: true,
      folders: ['activities', 'aws', 'simulator', 'stack', 'config', 'worker', 'client', 'schedules', 'cli', 'host'],
      allowTypeImportsOf: ['activities'],
    }),
  },
  {
    files: ['src/core/**/*.ts'],
    rules: restrictImports({
      builtins: true,
      folders: [
        'workflows',
        'activities',
        'aws',
        'simulator',
        'stack',
        'config',
        'worker',
        'client',
        'schedules',
        'cli',
        'host',
      ],
    }),
  },
  {
    files: ['src/activities/**/*.ts'],
    rules: restrictImports({
      builtins: false,
      folders: ['workflows', 'simulator', 'stack', 'worker', 'client', 'schedules', 'cli'],
    }),
  },
  {
    files: ['src/aws/**/*.ts'],
    rules: restrictImports({
      builtins: false,
      folders: ['workflows', 'activities', 'simulator', 'stack', 'worker', 'client', 'schedules', 'cli', 'host'],
    }),
  },
  {
    // The simulator stands in for AWS: it knows nothing of Temporal or of the worker.
    files: ['src/simulator/**/*.ts'],
    rules: {
      ...restrictImports({
        builtins: false,
        folders: ['workflows', 'activities', 'stack', 'worker', 'client', 'schedules', 'cli', 'host'],
      }),
    },
  },
  {
    files: ['src/stack/**/*.ts'],
    rules: restrictImports({
      builtins: false,
      folders: ['workflows', 'activities', 'worker', 'client', 'schedules', 'cli'],
    }),
  },
  {
    // The CLI drives runs through the client and never reaches into a run's code. `finetune worker`
    // loads the worker with import() when it runs (a rule cannot see that), so no other command does.
    files: ['src/cli/**/*.ts'],
    rules: restrictImports({ builtins: false, folders: ['workflows', 'activities', 'worker', 'host'] }),
  },
  {
    // The typed client (and the schedules it re-exports) is the package's public API: Temporal and the
    // request, no AWS, no servers; the workflow as a type only. The schedules sit below the client.
    files: ['src/client.ts'],
    rules: restrictImports({
      builtins: false,
      folders: CLIENT_MAY_NOT_IMPORT,
      allowTypeImportsOf: ['workflows'],
      atRoot: true,
    }),
  },
  {
    files: ['src/schedules.ts'],
    rules: restrictImports({
      builtins: false,
      folders: [...CLIENT_MAY_NOT_IMPORT, 'client'],
      allowTypeImportsOf: ['workflows'],
      atRoot: true,
    }),
  },
  {
    // What this host's operating system says (its processes), for the stack and the activities: it
    // imports nothing of the project.
    files: ['src/host/**/*.ts'],
    rules: restrictImports({
      builtins: false,
      folders: [
        'workflows',
        'activities',
        'aws',
        'simulator',
        'stack',
        'config',
        'worker',
        'client',
        'schedules',
        'cli',
        'core',
      ],
    }),
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
