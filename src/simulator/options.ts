// Settings of one simulator process, as the CLI parses them (flags, each with an environment variable).

export interface SimulatorOptions {
  host: string;
  port: number;
  region: string;
  accountId: string;
  /** Where training data is read and outputs are written; undefined means the SDK's default (real S3). */
  s3Endpoint?: string;
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
  /** Share of Create and Stop answers lost after the operation committed (the connection is closed). */
  lostReplyRate: number;
  /** Create and Stop answers are held this long after the operation committed, in milliseconds. */
  replyDelayMs: number;
  /** More InProgress/Stopping jobs than this at create gives ServiceQuotaExceededException. */
  maxConcurrentJobs: number;
}

export const DEFAULT_SIMULATOR_OPTIONS: SimulatorOptions = {
  host: '127.0.0.1',
  port: 4567,
  region: 'us-east-1',
  accountId: '123456789012',
  timeScale: 1,
  throttleRate: 0,
  errorRate: 0,
  latencyMs: 0,
  lostReplyRate: 0,
  replyDelayMs: 0,
  maxConcurrentJobs: 10,
};
