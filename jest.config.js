// Two projects, told apart by one naming rule. `unit`: every `*.unit.test.ts`, tests that need no server
// (`npm run test:unit`, well under a minute). `integration`: every other `*.test.ts`, against one local
// stack for the whole run (globalSetup: Temporal dev server, S3 server, Bedrock simulator, started only
// when an integration test is selected; it refuses a dist/ older than src/).
// Three test files at a time on these 2-core machines: most of an integration test's time is spent
// waiting on simulated jobs and timers (two at a time left the cores 55 % idle: 697 s; three, 519 s with
// the cores 64 % busy); a file by itself runs in band. The least-privilege test runs alone after every
// other file (test/support/runner.ts).
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
const UNIT = '\\.unit\\.test\\.ts$';
// One runner for both projects, so that their files share the workers (with a runner each, Jest
// would run one project's files after the other's).
const RUNNER = '<rootDir>/test/support/runner.ts';

/** @type {import('jest').Config} */
module.exports = {
  maxWorkers: 3,
  // Global, not per project: workflow tests wait for simulated jobs.
  testTimeout: 120_000,
  // The long passes (fault suite, benchmarks) first, the least-privilege test last.
  testSequencer: '<rootDir>/test/support/sequencer.js',
  // Jest's summary, then the slowest files of the run.
  reporters: ['default', '<rootDir>/test/support/slowest-reporter.mjs'],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testRegex: UNIT,
      transform,
      runner: RUNNER,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: [UNIT],
      transform,
      runner: RUNNER,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
