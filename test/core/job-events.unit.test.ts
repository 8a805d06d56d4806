// The EventBridge envelope of Bedrock's job state changes: the consumer reads AWS's own sample (the shape
// the Bedrock user guide publishes, "How EventBridge for Amazon Bedrock works"), and the simulator writes
// every member that sample has, so a name the two got wrong together would fail here.
import { JOB_EVENT_DETAIL_TYPE, parseJobStateChange } from '../../src/core/job-events';
import { jobStateChangeEvent, statusesSince } from '../../src/simulator/job-events';
import { evaluateJob } from '../../src/simulator/lifecycle';
import type { JobRecord } from '../../src/simulator/types';

const JOB_ARN = 'arn:aws:bedrock:us-east-1:123456789012:model-customization-job/abcdefghwxyz';

/** AWS's sample event for a model customization job, member for member. */
const AWS_SAMPLE = {
  version: '0',
  id: 'UUID',
  'detail-type': 'Model Customization Job State Change',
  source: 'aws.bedrock',
  account: '123456789012',
  time: '2023-08-11T12:34:56Z',
  region: 'us-east-1',
  resources: [JOB_ARN],
  detail: {
    version: '0.0',
    jobName: 'abcd-wxyz',
    jobArn: JOB_ARN,
    outputModelName: 'dummy-output-model-name',
    outputModelArn: 'arn:aws:bedrock:us-east-1:123456789012:dummy-output-model-name',
    roleArn: 'arn:aws:iam::123456789012:role/JobExecutionRole',
    jobStatus: 'Failed',
    failureMessage: 'Failure Message here.',
    creationTime: '2023-08-11T10:11:12Z',
    lastModifiedTime: '2023-08-11T12:34:56Z',
    endTime: '2023-08-11T12:34:56Z',
    baseModelArn: 'arn:aws:bedrock:us-east-1:123456789012:base-model-name',
    hyperParameters: { batchSize: '1', epochCount: '5', learningRate: '0.05', learningRateWarmupSteps: '10' },
    trainingDataConfig: { s3Uri: 's3://bucket/key' },
    validationDataConfig: { s3Uri: 's3://bucket/key' },
    outputDataConfig: { s3Uri: 's3://bucket/key' },
  },
};

describe('parseJobStateChange', () => {
  it("reads AWS's sample event: the job, its status, the event's time and ID", () => {
    expect(parseJobStateChange(JSON.stringify(AWS_SAMPLE))).toEqual({
      event: {
        jobArn: JOB_ARN,
        jobName: 'abcd-wxyz',
        jobStatus: 'Failed',
        time: '2023-08-11T12:34:56Z',
        eventId: 'UUID',
      },
    });
  });

  it('takes the job from resources when detail has no jobArn, and needs no status', () => {
    const { jobArn: _arn, jobStatus: _status, ...detail } = AWS_SAMPLE.detail;
    expect(parseJobStateChange(JSON.stringify({ ...AWS_SAMPLE, detail }))).toMatchObject({
      event: { jobArn: JOB_ARN, jobStatus: undefined },
    });
  });

  it('says why a body is not a job state change it can act on', () => {
    const problem = (body: unknown) => {
      const parsed = parseJobStateChange(typeof body === 'string' ? body : JSON.stringify(body));
      return 'problem' in parsed ? parsed.problem : 'parsed';
    };
    expect(problem('{"source":')).toMatch(/not JSON/);
    expect(problem([AWS_SAMPLE])).toMatch(/not a JSON object/);
    // An SNS envelope (a topic in between, without raw delivery) carries the event as a string.
    expect(problem({ Type: 'Notification', Message: JSON.stringify(AWS_SAMPLE) })).toMatch(/source is undefined/);
    expect(problem({ ...AWS_SAMPLE, source: 'aws.s3' })).toMatch(/source is "aws.s3", not aws.bedrock/);
    expect(problem({ ...AWS_SAMPLE, 'detail-type': 'Batch Inference Job State Change' })).toMatch(
      /detail-type is "Batch Inference Job State Change"/,
    );
    // The field is jobArn: an ARN of another resource, or none, is refused.
    expect(
      problem({ ...AWS_SAMPLE, resources: [], detail: { ...AWS_SAMPLE.detail, jobArn: 'arn:aws:s3:::bucket' } }),
    ).toMatch(/names no model customization job ARN/);
    expect(problem({ ...AWS_SAMPLE, resources: [], detail: {} })).toMatch(/names no model customization job ARN/);
  });
});

describe("the simulator's events", () => {
  const job = {
    jobArn: JOB_ARN,
    jobId: 'abcdefghwxyz',
    jobName: 'abcd-wxyz',
    outputModelName: 'my-model',
    roleArn: 'arn:aws:iam::123456789012:role/JobExecutionRole',
    requestDigest: 'x',
    baseModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k',
    foundationModelId: 'amazon.nova-micro-v1:0:128k',
    customizationType: 'FINE_TUNING',
    hyperParameters: { epochCount: '2' },
    trainingDataConfig: { s3Uri: 's3://data/train.jsonl' },
    validationDataConfig: { validators: [] },
    outputDataConfig: { s3Uri: 's3://out/' },
    customModelTags: [],
    creationTimeMs: Date.parse('2026-01-01T00:00:00.250Z'),
    timeScale: 1,
    epochs: 2,
    batchSize: 1,
    forcedOutcome: 'fail-validation',
  } as JobRecord;

  it("carry every member of AWS's sample, in the same places", () => {
    const view = evaluateJob(job, job.creationTimeMs + 3_600_000);
    const event = jobStateChangeEvent(job, view, 'Failed', { region: 'us-east-1', accountId: '123456789012' });
    expect(Object.keys(event).sort()).toEqual(Object.keys(AWS_SAMPLE).sort());
    const sampleDetail = Object.keys(AWS_SAMPLE.detail).filter((k) => k !== 'outputModelArn'); // only once completed
    expect(Object.keys(event.detail).sort()).toEqual(sampleDetail.sort());
    expect(event).toMatchObject({
      'detail-type': JOB_EVENT_DETAIL_TYPE,
      resources: [JOB_ARN],
      time: '2026-01-01T00:05:00Z', // validation ends after 300 s; whole seconds, as EventBridge writes it
      detail: { jobStatus: 'Failed', failureMessage: expect.stringMatching(/Validation of the input data failed/) },
    });
    expect(parseJobStateChange(JSON.stringify(event))).toMatchObject({
      event: { jobArn: JOB_ARN, jobStatus: 'Failed' },
    });
  });

  it('publish every status a job passed through since the last one published, in order', () => {
    expect(statusesSince('none', 'InProgress')).toEqual(['InProgress']);
    expect(statusesSince('none', 'Completed')).toEqual(['InProgress', 'Completed']);
    expect(statusesSince('InProgress', 'InProgress')).toEqual([]);
    expect(statusesSince('InProgress', 'Failed')).toEqual(['Failed']);
    expect(statusesSince('InProgress', 'Stopped')).toEqual(['Stopping', 'Stopped']);
    expect(statusesSince('Stopping', 'Stopped')).toEqual(['Stopped']);
    expect(statusesSince('none', 'Stopping')).toEqual(['InProgress', 'Stopping']);
  });
});
