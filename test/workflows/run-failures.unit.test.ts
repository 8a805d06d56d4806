// How a run fails (src/workflows/run-failures.ts), from failures and states built by hand: no server,
// no worker. Runs that really fail these ways, read through the client, are in fine-tune.test.ts,
// owned-job.test.ts and clean-up.test.ts.
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { FailureType } from '../../src/core/failures';
import { causeMessage, fail, failureDetails, typedFailure } from '../../src/workflows/run-failures';
import type { RunState } from '../../src/workflows/run-state';

const JOB_ARN = 'arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/abc123';

function state(extra: Partial<RunState> = {}): RunState {
  return {
    phase: 'training',
    startedAt: '2026-11-28T14:00:00.000Z',
    polling: { initialMs: 30_000, coefficient: 2, maximumMs: 300_000, jitter: 0.1 },
    delayMs: 30_000,
    pollsRecorded: 2,
    pokeRequested: false,
    ...extra,
  };
}

const withJob = state({
  job: {
    jobArn: JOB_ARN,
    jobName: 'bot-job',
    clientRequestToken: 't',
    createdAt: '2026-11-28T14:01:00Z',
    adopted: false,
  },
  snapshot: { status: 'Stopped' },
  cleanup: { outcome: 'stopped', jobStatus: 'Stopped', message: 'stopped, and Bedrock confirmed it' },
});

/** An activity's failure as the workflow receives it: ActivityFailure wrapping what the activity threw. */
function activityFailure(cause: Error): ActivityFailure {
  return new ActivityFailure(
    'Activity task failed',
    'createJob',
    '1',
    RetryState.NON_RETRYABLE_FAILURE,
    'worker@host',
    cause,
  );
}

describe('failureDetails', () => {
  it('carries the job, its status and the metrics always (unknown ones as undefined), the clean-up when there is one', () => {
    expect(failureDetails(withJob)).toEqual({
      jobArn: JOB_ARN,
      jobName: 'bot-job',
      jobStatus: 'Stopped',
      metrics: undefined,
      cleanup: { outcome: 'stopped', jobStatus: 'Stopped', message: 'stopped, and Bedrock confirmed it' },
    });
    const none = failureDetails(state());
    expect(Object.keys(none).sort()).toEqual(['jobArn', 'jobName', 'jobStatus', 'metrics']);
    expect(Object.values(none)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('says why metrics are missing when collecting them failed, even as an empty message', () => {
    expect(failureDetails(state({ metricsError: 'no metrics file' })).metricsError).toBe('no metrics file');
    expect('metricsError' in failureDetails(state({ metricsError: '' }))).toBe(true);
  });
});

describe('fail', () => {
  it('ends the run with a non-retryable failure of the given type whose details are what the run knows', () => {
    let thrown: unknown;
    try {
      fail(withJob, FailureType.BedrockJobStopped, 'stopped: not today');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ApplicationFailure);
    const failure = thrown as ApplicationFailure;
    expect([failure.type, failure.message, failure.nonRetryable]).toEqual([
      'BedrockJobStopped',
      'stopped: not today',
      true,
    ]);
    expect(failure.details).toEqual([failureDetails(withJob)]);
  });
});

describe('typedFailure', () => {
  const invalid = () =>
    ApplicationFailure.create({
      type: FailureType.DatasetInvalid,
      message: 'line 3: not JSON',
      nonRetryable: true,
      details: [{ reportUri: 's3://out/report.json', jobArn: 'the activity’s own' }, 'second'],
    });

  it('makes an activity’s typed failure the run’s own, type, message and details as they were', () => {
    const failure = typedFailure(activityFailure(invalid()), withJob, false) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).not.toBeInstanceOf(ActivityFailure);
    expect([failure.type, failure.message, failure.nonRetryable]).toEqual(['DatasetInvalid', 'line 3: not JSON', true]);
    expect(failure.details).toEqual([{ reportUri: 's3://out/report.json', jobArn: 'the activity’s own' }, 'second']);
  });

  it('with the job: the first detail gains the run’s job and clean-up (the run’s win), the others stay', () => {
    const failure = typedFailure(activityFailure(invalid()), withJob, true) as ApplicationFailure;
    expect(failure.details).toEqual([
      { reportUri: 's3://out/report.json', ...failureDetails(withJob), jobArn: JOB_ARN },
      'second',
    ]);
  });

  it('with the job and no object to extend: the details are what the run knows', () => {
    const bare = ApplicationFailure.create({ type: FailureType.JobNameTaken, message: 'taken', nonRetryable: true });
    expect((typedFailure(activityFailure(bare), withJob, true) as ApplicationFailure).details).toEqual([
      failureDetails(withJob),
    ]);
    const text = ApplicationFailure.create({ type: 'X', message: 'm', nonRetryable: true, details: ['just text'] });
    expect((typedFailure(activityFailure(text), withJob, true) as ApplicationFailure).details).toEqual([
      failureDetails(withJob),
    ]);
  });

  it('leaves anything else as it is: a retryable cause, a cause that is no ApplicationFailure, a plain error', () => {
    const retryable = activityFailure(ApplicationFailure.create({ type: 'Throttled', message: 'slow down' }));
    const plainCause = activityFailure(new Error('socket hang up'));
    const plain = new Error('not from an activity');
    for (const err of [retryable, plainCause, plain, 'a string']) {
      expect(typedFailure(err, withJob, true)).toBe(err);
    }
  });
});

describe('causeMessage', () => {
  it('is the innermost cause’s message, not "Activity task failed"', () => {
    expect(causeMessage(activityFailure(new Error('the metrics CSV has no step column')))).toBe(
      'the metrics CSV has no step column',
    );
    // An activity failure whose cause is itself an activity failure's (as a retried chain reads).
    expect(causeMessage(activityFailure(activityFailure(ApplicationFailure.create({ message: 'deep' }))))).toBe('deep');
  });

  it('is the failure’s own message when it has no cause, and the text of anything that is not an Error', () => {
    expect(causeMessage(new ActivityFailure('timed out', 'poll', '2', RetryState.TIMEOUT, undefined))).toBe(
      'timed out',
    );
    expect(causeMessage('refused')).toBe('refused');
    expect(causeMessage(undefined)).toBe('undefined');
  });
});
