// Two projects. `unit`: tests without servers (src/core, configuration, `*.unit.test.ts`). `integration`: everything else, against
// one local stack for the whole run (globalSetup: Temporal dev server, S3 server, Bedrock simulator),
// started only when an integration test is selected. In band: these machines have 2 cores and the
// servers need them.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };

/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: 1,
  // Global, not per project: workflow tests wait for simulated jobs.
  testTimeout: 120_000,
  // The least-privilege test last: it reads the AWS operations every other test recorded.
  testSequencer: '<rootDir>/test/support/sequencer.js',
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      testMatch: [
        '<rootDir>/test/core/**/*.test.ts',
        '<rootDir>/test/**/*.unit.test.ts',
        '<rootDir>/test/config.test.ts',
        '<rootDir>/test/cli/format.test.ts',
      ],
      transform,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: [
        '<rootDir>/test/core/',
        '\\.unit\\.test\\.ts$',
        '<rootDir>/test/config.test.ts',
        '<rootDir>/test/cli/format.test.ts',
      ],
      transform,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
