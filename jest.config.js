// Two projects, told apart by one naming rule. `unit`: every `*.unit.test.ts`, tests that need no server
// (`npm run test:unit`). `integration`: every other `*.test.ts`, against one local stack for the whole
// run (globalSetup: Temporal dev server, S3 server, Bedrock simulator), started only when an integration
// test is selected. In band: these machines have 2 cores and the servers need them.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
const UNIT = '\\.unit\\.test\\.ts$';

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
      roots: ['<rootDir>/test'],
      testRegex: UNIT,
      transform,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: [UNIT],
      transform,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
