import { parseRequest, requestProblems, InvalidRequestError } from '../../src/core/request';

const valid = {
  customModelName: 'support-bot-v1',
  roleArn: 'arn:aws:iam::123456789012:role/BedrockFineTuning',
  baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
  customizationType: 'FINE_TUNING',
  trainingDataConfig: { s3Uri: 's3://finetune-datasets/support/train.jsonl' },
  outputDataConfig: { s3Uri: 's3://finetune-outputs/support/' },
  hyperParameters: { epochCount: '2' },
};

describe('request schema', () => {
  it('accepts the AWS CLI input JSON as it is, with an optional orchestration member', () => {
    expect(requestProblems(valid)).toEqual([]);
    const parsed = parseRequest({
      ...valid,
      orchestration: { polling: { initialInterval: '10s', maximumInterval: '2m' }, deadline: '12h' },
    });
    expect(parsed.orchestration?.deadline).toBe('12h');
  });

  it('lists every problem with its path', () => {
    const problems = requestProblems({
      ...valid,
      jobName: '-bad',
      customModelName: 'has space',
      roleArn: 'arn:aws:iam::1:user/x',
      trainingDataConfig: { s3Uri: 's3://Bad_Bucket/x' },
      jobTags: [{ key: '', value: 'v' }],
      unknownMember: 1,
    });
    const text = problems.join('\n');
    expect(text).toMatch(/^jobName: /m);
    expect(text).toMatch(/^customModelName: /m);
    expect(text).toMatch(/^roleArn: /m);
    expect(text).toMatch(/^trainingDataConfig\.s3Uri: must be an S3 URI/m);
    expect(text).toMatch(/^jobTags\.0\.key: /m);
    expect(text).toMatch(/unknownMember/);
  });

  it('ties customizationConfig and invocation logs to DISTILLATION', () => {
    expect(
      requestProblems({
        ...valid,
        customizationConfig: {
          distillationConfig: { teacherModelConfig: { teacherModelIdentifier: 'amazon.nova-pro-v1:0' } },
        },
      }),
    ).toEqual(['customizationConfig: customizationConfig is only for DISTILLATION, not FINE_TUNING']);
    const distill = { ...valid, customizationType: 'DISTILLATION', trainingDataConfig: {} };
    expect(requestProblems(distill).join('\n')).toMatch(/needs customizationConfig/);
    expect(requestProblems(distill).join('\n')).toMatch(/set exactly one of s3Uri/);
  });

  it('checks metadata filter unions', () => {
    const withFilter = (requestMetadataFilters: unknown) => ({
      ...valid,
      customizationType: 'DISTILLATION',
      customizationConfig: {
        distillationConfig: { teacherModelConfig: { teacherModelIdentifier: 'amazon.nova-pro-v1:0' } },
      },
      trainingDataConfig: {
        invocationLogsConfig: {
          invocationLogSource: { s3Uri: 's3://finetune-invocation-logs/AWSLogs' },
          requestMetadataFilters,
        },
      },
    });
    expect(
      requestProblems(withFilter({ andAll: [{ equals: { project: 'bot' } }, { notEquals: { env: 'dev' } }] })),
    ).toEqual([]);
    expect(requestProblems(withFilter({ equals: { a: '1', b: '2' } })).length).toBeGreaterThan(0);
    expect(
      requestProblems(withFilter({ andAll: [{ equals: { a: '1' }, notEquals: { b: '2' } }] })).length,
    ).toBeGreaterThan(0);
    expect(requestProblems(withFilter({ equals: { a: '1' }, orAll: [{ equals: { b: '1' } }] })).length).toBeGreaterThan(
      0,
    );
  });

  it('throws InvalidRequestError with exit code 2', () => {
    expect(() => parseRequest({})).toThrow(InvalidRequestError);
    try {
      parseRequest({});
    } catch (err) {
      expect((err as InvalidRequestError).exitCode).toBe(2);
      expect((err as InvalidRequestError).problems.length).toBeGreaterThan(3);
    }
  });
});
