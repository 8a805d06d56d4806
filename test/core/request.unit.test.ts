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
    ).toEqual(['customizationConfig.distillationConfig: is only for DISTILLATION, not FINE_TUNING']);
    const distill = { ...valid, customizationType: 'DISTILLATION', trainingDataConfig: {} };
    expect(requestProblems(distill).join('\n')).toMatch(/needs customizationConfig/);
    expect(requestProblems(distill).join('\n')).toMatch(/set exactly one of s3Uri/);
  });

  describe('reinforcement fine-tuning', () => {
    const lambdaArn = 'arn:aws:lambda:us-east-1:123456789012:function:math-grader';
    const rft = (rftConfig: unknown, extra: Record<string, unknown> = {}) => ({
      ...valid,
      baseModelIdentifier: 'amazon.nova-2-lite-v1:0:256k',
      customizationType: 'REINFORCEMENT_FINE_TUNING',
      hyperParameters: undefined,
      customizationConfig: { rftConfig },
      ...extra,
    });
    const all = {
      graderConfig: { lambdaGrader: { lambdaArn } },
      hyperParameters: {
        epochCount: 2,
        batchSize: 32,
        learningRate: 0.00005,
        maxPromptLength: 4096,
        trainingSamplePerPrompt: 4,
        inferenceMaxTokens: 8192,
        reasoningEffort: 'high',
        evalInterval: 50,
      },
    };

    it('accepts rftConfig with every typed hyperparameter, and without hyperparameters or grader', () => {
      expect(requestProblems(rft(all))).toEqual([]);
      expect(requestProblems(rft({ graderConfig: all.graderConfig }))).toEqual([]);
      expect(requestProblems(rft({}))).toEqual([]);
      expect(requestProblems(rft(undefined, { customizationConfig: undefined }))).toEqual([]);
      for (const arn of [
        `${lambdaArn}:$LATEST`,
        `${lambdaArn}:prod`,
        'arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:g.v2',
      ])
        expect(requestProblems(rft({ graderConfig: { lambdaGrader: { lambdaArn: arn } } }))).toEqual([]);
    });

    it.each([
      ['no account', 'arn:aws:lambda:us-east-1::function:grader'],
      ['a role, not a function', 'arn:aws:iam::123456789012:role/grader'],
      ['a bad region', 'arn:aws:lambda:useast1:123456789012:function:grader'],
      ['a comma in the name', `${lambdaArn},x`],
      ['a function name only', 'math-grader'],
    ])('refuses a Lambda ARN with %s', (_what, arn) => {
      expect(requestProblems(rft({ graderConfig: { lambdaGrader: { lambdaArn: arn } } }))).toEqual([
        'customizationConfig.rftConfig.graderConfig.lambdaGrader.lambdaArn: must be a Lambda function ARN like arn:aws:lambda:us-east-1:123456789012:function:my-grader (optionally :alias or :$LATEST)',
      ]);
    });

    it.each([
      ['epochCount', 0, 'must be at least 1'],
      ['epochCount', 51, 'must be at most 50'],
      ['epochCount', 1.5, 'must be a whole number'],
      ['batchSize', 15, 'must be at least 16'],
      ['batchSize', 513, 'must be at most 512'],
      ['learningRate', 1e-8, 'must be at least 1e-7'],
      ['learningRate', 0.002, 'must be at most 0.001'],
      ['trainingSamplePerPrompt', 1, 'must be at least 2'],
      ['trainingSamplePerPrompt', 17, 'must be at most 16'],
      ['evalInterval', 0, 'must be at least 1'],
      ['evalInterval', 101, 'must be at most 100'],
      ['maxPromptLength', 0, 'must be at least 1'],
      ['inferenceMaxTokens', -5, 'must be at least 1'],
      ['epochCount', '2', 'must be a JSON integer, not the string "2"'],
      ['learningRate', '0.0001', 'must be a JSON number, not the string "0.0001"'],
      ['reasoningEffort', 'max', 'must be one of low, medium, high'],
    ])('refuses %s = %p: %s', (name, value, message) => {
      expect(requestProblems(rft({ hyperParameters: { [name]: value } }))).toEqual([
        expect.stringMatching(
          new RegExp(
            `^customizationConfig\\.rftConfig\\.hyperParameters\\.${name}: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
          ),
        ),
      ]);
    });

    it('refuses unknown members in rftConfig and its hyperparameters (typos)', () => {
      expect(requestProblems(rft({ hyperParameters: { epochs: 2 } })).join('\n')).toMatch(/epochs/);
      expect(requestProblems(rft({ grader: {} })).join('\n')).toMatch(/grader/);
    });

    it('takes exactly one of distillationConfig and rftConfig, the one that goes with the type', () => {
      const distillationConfig = { teacherModelConfig: { teacherModelIdentifier: 'amazon.nova-pro-v1:0' } };
      expect(requestProblems(rft(all, { customizationConfig: { rftConfig: all, distillationConfig } }))).toEqual([
        'customizationConfig: is a union: set exactly one of distillationConfig (DISTILLATION) or rftConfig (REINFORCEMENT_FINE_TUNING), not both',
      ]);
      expect(requestProblems(rft(all, { customizationConfig: {} }))).toEqual([
        'customizationConfig: is a union: set exactly one of distillationConfig (DISTILLATION) or rftConfig (REINFORCEMENT_FINE_TUNING)',
      ]);
      expect(requestProblems(rft(all, { customizationConfig: { distillationConfig } }))).toEqual([
        'customizationConfig.distillationConfig: is not for REINFORCEMENT_FINE_TUNING: REINFORCEMENT_FINE_TUNING takes customizationConfig.rftConfig',
      ]);
      expect(requestProblems({ ...valid, customizationConfig: { rftConfig: all } })).toEqual([
        'customizationConfig.rftConfig: is only for REINFORCEMENT_FINE_TUNING, not FINE_TUNING',
      ]);
      expect(
        requestProblems({ ...valid, customizationType: 'DISTILLATION', customizationConfig: { rftConfig: all } }),
      ).toEqual([
        'customizationConfig.rftConfig: is not for DISTILLATION: DISTILLATION takes customizationConfig.distillationConfig',
      ]);
    });

    it('points string hyperParameters to rftConfig.hyperParameters', () => {
      expect(requestProblems(rft(all, { hyperParameters: { epochCount: '2' } }))).toEqual([
        'hyperParameters: REINFORCEMENT_FINE_TUNING takes typed hyperparameters in customizationConfig.rftConfig.hyperParameters (e.g. "epochCount": 2), not the string map',
      ]);
    });

    it('takes prompts from S3 or from invocation logs, not both', () => {
      const logs = {
        invocationLogsConfig: { invocationLogSource: { s3Uri: 's3://finetune-invocation-logs/AWSLogs' } },
      };
      expect(requestProblems(rft(all, { trainingDataConfig: logs }))).toEqual([]);
      expect(
        requestProblems(rft(all, { trainingDataConfig: { ...logs, s3Uri: 's3://finetune-datasets/k.jsonl' } })),
      ).toEqual(['trainingDataConfig: set exactly one of s3Uri (prompts) or invocationLogsConfig (invocation logs)']);
    });
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

  it('throws InvalidRequestError listing every problem', () => {
    expect(() => parseRequest({})).toThrow(InvalidRequestError);
    try {
      parseRequest({});
    } catch (err) {
      expect((err as InvalidRequestError).name).toBe('InvalidRequestError');
      expect((err as InvalidRequestError).problems.length).toBeGreaterThan(3);
    }
  });
});
