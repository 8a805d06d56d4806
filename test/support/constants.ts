/** Simulated seconds per real second in tests: a 1,000-record, 2-epoch job (about an hour) takes ~3.6 s. */
export const TEST_SIMULATOR_TIME_SCALE = 1000;

/**
 * The time scale of a job a test stops while it runs. A 20-record Nova job runs ~24 s at it (time to act
 * while it runs; the prompt-completion example's ~36 s), and its stop settles in 4 s (120 simulated s):
 * before the run's second look after sending the stop (the first, at once, sees Stopping; the next
 * comes 5 s later, less 10 % jitter: STOP_POLLING in src/workflows/job-release.ts). At 20 a stop settles
 * in 6 s and the run sees it only at its third look, 12.5 s after the stop.
 */
export const STOPPABLE_JOB_TIME_SCALE = 30;
