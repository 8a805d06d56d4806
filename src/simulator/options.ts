// Settings of one simulator process, as the CLI parses them (flags, each with an environment variable).

/** Static credentials for the simulator's S3 (flags); see s3-access.ts for the order they are looked for in. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SimulatorOptions {
  host: string;
  port: number;
  region: string;
  accountId: string;
  /** Where training data is read and outputs are written; undefined means the SDK's default (real S3). */
  s3Endpoint?: string;
  /** Credentials for that S3; absent: the SDK's default chain, then the local stack's for a loopback S3. */
  s3Credentials?: S3Credentials;
  /** How long an S3 that does not answer is retried before the job fails (in validation or at its output). */
  s3RetrySeconds: number;
  /** Simulated seconds per real second. */
  timeScale: number;
  /** Where jobs and models persist; undefined keeps state in memory only. */
  stateFile?: string;
  /** Share of requests (0-1) answered 429 ThrottlingException. */
  throttleRate: number;
  /** Share of requests (0-1) answered 500 InternalServerException. */
  errorRate: number;
  /** Added to every response, in milliseconds. */
  latencyMs: number;
  /** Share of create, update, delete and stop answers lost after the operation committed (the connection is closed). */
  lostReplyRate: number;
  /** Create, update, delete and stop answers are held this long after the operation committed, in milliseconds. */
  replyDelayMs: number;
  /** More InProgress/Stopping jobs than this at create gives ServiceQuotaExceededException. */
  maxConcurrentJobs: number;
  /** Custom model deployments that may exist ("Total custom model deployments", 10 at AWS). */
  maxDeployments: number;
  /** Deployments that may be Creating at once ("In-progress custom model deployments", 2 at AWS). */
  maxDeploymentsInProgress: number;
  /** Model units shared by no-commitment Provisioned Throughputs (2 at AWS). */
  maxNoCommitmentModelUnits: number;
  /** Model units across committed Provisioned Throughputs (0 at AWS until Support raises it). */
  maxCommitmentModelUnits: number;
  /** An SQS queue URL: each job state change goes there as EventBridge delivers it (job-events.ts). */
  eventsQueueUrl?: string;
  /** Share of those events (0-1) never sent. */
  eventsDropRate: number;
  /** Share of those events (0-1) sent twice. */
  eventsDuplicateRate: number;
  /** Each event is held a random 0..this many seconds in the queue: late, out of order. */
  eventsMaxDelaySeconds: number;
}

/** SQS's own limit on a message's DelaySeconds: the most `--events-max-delay-seconds` may hold an event. */
export const MAX_EVENT_DELAY_SECONDS = 900;

export const DEFAULT_SIMULATOR_OPTIONS: SimulatorOptions = {
  host: '127.0.0.1',
  port: 4567,
  region: 'us-east-1',
  accountId: '123456789012',
  s3RetrySeconds: 30,
  timeScale: 1,
  throttleRate: 0,
  errorRate: 0,
  latencyMs: 0,
  lostReplyRate: 0,
  replyDelayMs: 0,
  maxConcurrentJobs: 10,
  maxDeployments: 10,
  maxDeploymentsInProgress: 2,
  maxNoCommitmentModelUnits: 2,
  maxCommitmentModelUnits: 0,
  eventsDropRate: 0,
  eventsDuplicateRate: 0,
  eventsMaxDelaySeconds: 0,
};
