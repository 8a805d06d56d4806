// Lint rules that keep the design honest: promises are awaited, workflow code stays deterministic,
// and imports only run the way the design's arrows allow. Layout is Prettier's (`npm run format`):
// eslint-config-prettier, last, turns off every rule that would argue with it.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** `no-restricted-imports` for one folder: no Node builtins (when asked) and none of the listed folders. */
function restrictImports({ builtins, folders, allowTypeImportsOf = [] }) {
  // Relative imports only, so that '@temporalio/client' is not taken for src/client.
  const patterns = folders.map((folder) => ({
    regex: `^\\.\\.?/(\\.\\./)*${folder}(/|$)`,
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
      folders: ['activities', 'aws', 'simulator', 'stack', 'config', 'worker', 'client', 'schedules', 'cli'],
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
      folders: ['workflows', 'activities', 'simulator', 'stack', 'worker', 'client', 'schedules', 'cli'],
    }),
  },
  {
    // The simulator stands in for AWS: it knows nothing of Temporal or of the worker.
    files: ['src/simulator/**/*.ts'],
    rules: {
      ...restrictImports({
        builtins: false,
        folders: ['workflows', 'activities', 'stack', 'worker', 'client', 'schedules', 'cli'],
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
    // The service example is plain CommonJS, runnable with `node` as a consumer of the package would.
    files: ['examples/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    // Undefined names are TypeScript's to find (the file is `// @ts-check`).
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-undef': 'off' },
  },
  prettier,
);
