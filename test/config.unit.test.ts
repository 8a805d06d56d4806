import {
  ConfigError,
  DEFAULT_WORKER_DEPLOYMENT_NAME,
  loadConfig,
  loadStackSettings,
  loadWorkerSettings,
  WORKER_DEFAULTS,
} from '../src/config';

const base = { AWS_REGION: 'us-east-1', TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' };

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('uses the ecosystem defaults when only the region is set', () => {
    const config = loadConfig({ ...base });
    expect(config.temporal.address).toBe('localhost:7233');
    expect(config.temporal.namespace).toBe('default');
    expect(config.taskQueue).toBe('bedrock-fine-tuning');
    expect(config.aws).toEqual({ region: 'us-east-1', bedrockEndpoint: undefined, s3Endpoint: undefined });
  });

  it('reads Temporal through envconfig and local endpoints through the AWS names', () => {
    const config = loadConfig({
      ...base,
      TEMPORAL_ADDRESS: '127.0.0.1:17233',
      TEMPORAL_NAMESPACE: 'ml',
      TASK_QUEUE: 'tq',
      AWS_ENDPOINT_URL_BEDROCK: 'http://127.0.0.1:4567/',
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: 'http://127.0.0.1:4567',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
    });
    expect(config.temporal.address).toBe('127.0.0.1:17233');
    expect(config.temporal.connectionOptions.address).toBe('127.0.0.1:17233');
    expect(config.temporal.namespace).toBe('ml');
    expect(config.taskQueue).toBe('tq');
    expect(config.aws.bedrockEndpoint).toBe('http://127.0.0.1:4567');
    expect(config.aws.bedrockRuntimeEndpoint).toBe('http://127.0.0.1:4567');
    expect(config.aws.s3Endpoint).toBe('http://127.0.0.1:9000');
  });

  it('lists every problem at once, each with how to fix it', () => {
    const problems = problemsOf(() =>
      loadConfig({
        TEMPORAL_CONFIG_FILE: '/nonexistent/x.toml',
        TEMPORAL_ADDRESS: 'no port here',
        AWS_ENDPOINT_URL_S3: 'ftp://x',
        TASK_QUEUE: ' ',
      }),
    );
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/AWS_REGION is not set: export AWS_REGION=/);
    expect(problems.join('\n')).toMatch(/TEMPORAL_ADDRESS="no port here" is not host:port/);
    expect(problems.join('\n')).toMatch(/AWS_ENDPOINT_URL_S3="ftp:\/\/x" is not an http\(s\) URL/);
    expect(problems.join('\n')).toMatch(/TASK_QUEUE is empty/);
  });

  it('rejects a malformed region', () => {
    expect(problemsOf(() => loadConfig({ ...base, AWS_REGION: 'virginia' }))).toEqual([
      expect.stringMatching(/AWS_REGION="virginia" is not a region name/),
    ]);
  });

  it('names the installation for lineage: FINETUNE_INSTALLATION, else the Temporal address', () => {
    expect(loadConfig({ ...base }).installation).toBe('localhost:7233');
    expect(loadConfig({ ...base, TEMPORAL_ADDRESS: 'temporal.prod:7233' }).installation).toBe('temporal.prod:7233');
    expect(loadConfig({ ...base, FINETUNE_INSTALLATION: 'ml-prod' }).installation).toBe('ml-prod');
    expect(problemsOf(() => loadConfig({ ...base, FINETUNE_INSTALLATION: 'prod#1' }))).toEqual([
      'FINETUNE_INSTALLATION="prod#1" must be 1-256 letters, digits, spaces or . _ : / = + @ - (it is a tag value): set it like FINETUNE_INSTALLATION=ml-platform-prod',
    ]);
  });

  it('accepts AWS_DEFAULT_REGION as the SDKs do', () => {
    expect(
      loadConfig({ TEMPORAL_CONFIG_FILE: base.TEMPORAL_CONFIG_FILE, AWS_DEFAULT_REGION: 'eu-west-1' }).aws.region,
    ).toBe('eu-west-1');
  });
});

describe('worker and stack settings', () => {
  it('has safe worker defaults and validates overrides', () => {
    expect(loadWorkerSettings({})).toEqual({
      prometheusBindAddress: undefined,
      shutdownGraceTimeMs: 30_000,
      maxCachedWorkflows: WORKER_DEFAULTS.maxCachedWorkflows,
      maxConcurrentActivities: WORKER_DEFAULTS.maxConcurrentActivities,
      maxConcurrentWorkflowTasks: WORKER_DEFAULTS.maxConcurrentWorkflowTasks,
      activityTaskPollers: WORKER_DEFAULTS.activityTaskPollers,
      workflowTaskPollers: WORKER_DEFAULTS.workflowTaskPollers,
      stickyQueueTimeoutMs: WORKER_DEFAULTS.stickyQueueTimeoutSeconds * 1000,
      reconcileEveryMs: 15 * 60_000,
      // The fair queue is on, the quota not configured (the keeper assumes one until Bedrock refuses).
      jobQueue: { weights: {}, listEveryMs: 30_000, probeAfterMs: 600_000 },
    });
    expect(loadWorkerSettings({ FINETUNE_JOB_QUEUE: 'off' }).jobQueue).toBeUndefined();
    expect(loadWorkerSettings({ FINETUNE_JOB_QUEUE_QUOTA: '8' }).jobQueue?.initialQuota).toBe(8);
    expect(problemsOf(() => loadWorkerSettings({ FINETUNE_JOB_QUEUE: 'yes' }))).toEqual([
      'FINETUNE_JOB_QUEUE="yes" is not on or off: set it like FINETUNE_JOB_QUEUE=on',
    ]);
    // The reconciler's schedule: an interval of a minute or more, or off.
    expect(loadWorkerSettings({ FINETUNE_RECONCILE_EVERY: '90s' }).reconcileEveryMs).toBe(90_000);
    expect(loadWorkerSettings({ FINETUNE_RECONCILE_EVERY: 'off' }).reconcileEveryMs).toBeUndefined();
    expect(problemsOf(() => loadWorkerSettings({ FINETUNE_RECONCILE_EVERY: '10s' }))).toEqual([
      'FINETUNE_RECONCILE_EVERY="10s" is not an interval of at least a minute: set it like FINETUNE_RECONCILE_EVERY=15m, or off',
    ]);
    expect(
      loadWorkerSettings({
        FINETUNE_MAX_CACHED_WORKFLOWS: '2000',
        FINETUNE_MAX_CONCURRENT_ACTIVITIES: '50',
        FINETUNE_MAX_CONCURRENT_WORKFLOW_TASKS: '20',
        FINETUNE_ACTIVITY_TASK_POLLERS: '4',
        FINETUNE_WORKFLOW_TASK_POLLERS: '4',
        FINETUNE_STICKY_QUEUE_TIMEOUT_SECONDS: '30',
      }),
    ).toMatchObject({
      maxCachedWorkflows: 2000,
      maxConcurrentActivities: 50,
      maxConcurrentWorkflowTasks: 20,
      activityTaskPollers: 4,
      workflowTaskPollers: 4,
      stickyQueueTimeoutMs: 30_000,
    });
    // A small cache also bounds the workflow tasks at once and their pollers (the SDK requires it).
    expect(loadWorkerSettings({ FINETUNE_MAX_CACHED_WORKFLOWS: '5' })).toMatchObject({
      maxConcurrentWorkflowTasks: 5,
      workflowTaskPollers: 5,
    });
    expect(
      problemsOf(() =>
        loadWorkerSettings({
          FINETUNE_MAX_CACHED_WORKFLOWS: '10',
          FINETUNE_MAX_CONCURRENT_WORKFLOW_TASKS: '40',
          FINETUNE_ACTIVITY_TASK_POLLERS: '200',
        }),
      ),
    ).toEqual([
      'FINETUNE_MAX_CONCURRENT_WORKFLOW_TASKS=40 must be from 2 to FINETUNE_MAX_CACHED_WORKFLOWS (10)',
      'FINETUNE_ACTIVITY_TASK_POLLERS=200 must not exceed FINETUNE_MAX_CONCURRENT_ACTIVITIES (100)',
    ]);
    expect(loadWorkerSettings({ FINETUNE_PROMETHEUS_BIND_ADDRESS: '0.0.0.0:9464' }).prometheusBindAddress).toBe(
      '0.0.0.0:9464',
    );
    const problems = problemsOf(() =>
      loadWorkerSettings({ FINETUNE_PROMETHEUS_BIND_ADDRESS: 'nope', FINETUNE_SHUTDOWN_GRACE_SECONDS: '-1' }),
    );
    expect(problems).toHaveLength(2);
  });

  it('makes a versioned worker only when a build ID is given, in the default deployment unless named', () => {
    expect(loadWorkerSettings({}).deployment).toBeUndefined();
    expect(loadWorkerSettings({ FINETUNE_WORKER_BUILD_ID: ' 2026-11-28.3 ' }).deployment).toEqual({
      deploymentName: DEFAULT_WORKER_DEPLOYMENT_NAME,
      buildId: '2026-11-28.3',
    });
    expect(
      loadWorkerSettings({ FINETUNE_WORKER_BUILD_ID: 'abc123', FINETUNE_WORKER_DEPLOYMENT_NAME: 'finetune-eu' })
        .deployment,
    ).toEqual({ deploymentName: 'finetune-eu', buildId: 'abc123' });
    expect(problemsOf(() => loadWorkerSettings({ FINETUNE_WORKER_DEPLOYMENT_NAME: 'finetune-eu' }))).toEqual([
      expect.stringMatching(/FINETUNE_WORKER_DEPLOYMENT_NAME="finetune-eu" is set without FINETUNE_WORKER_BUILD_ID/),
    ]);
    expect(
      problemsOf(() =>
        loadWorkerSettings({
          FINETUNE_WORKER_BUILD_ID: '__v1 beta',
          FINETUNE_WORKER_DEPLOYMENT_NAME: 'finetune.eu',
        }),
      ),
    ).toEqual([
      expect.stringMatching(/FINETUNE_WORKER_BUILD_ID="__v1 beta" starts with "__" \(reserved\)/),
      expect.stringMatching(/FINETUNE_WORKER_BUILD_ID="__v1 beta" contains whitespace/),
      expect.stringMatching(/FINETUNE_WORKER_DEPLOYMENT_NAME="finetune.eu" contains "." or ":"/),
    ]);
    expect(problemsOf(() => loadWorkerSettings({ FINETUNE_WORKER_BUILD_ID: 'x'.repeat(256) }))).toEqual([
      expect.stringMatching(/FINETUNE_WORKER_BUILD_ID is 256 characters long: at most 255/),
    ]);
  });

  it('takes stack ports from flags, then FINETUNE_* variables, then defaults', () => {
    const s = loadStackSettings({ s3Port: 19000 }, { FINETUNE_TEMPORAL_PORT: '17233' });
    expect(s).toMatchObject({
      host: '127.0.0.1',
      temporalPort: 17233,
      temporalUiPort: 8233,
      s3Port: 19000,
      simulatorPort: 4567,
      dataDir: '.local',
    });
    expect(problemsOf(() => loadStackSettings({ simulatorPort: 70000 }, {}))).toEqual([
      expect.stringMatching(/--simulator-port 70000 is not a port/),
    ]);
  });
});
