// Request templates: resolution from a given time, the default scheduled-name suffix, and the problems
// that refuse a template before any run exists.
import { InvalidRequestError, parseRequest, type FineTuneRequest } from '../../src/core/request';
import { formatTime, RequestTemplateError, resolveRequestTemplates, templateProblems } from '../../src/core/templates';

const at = new Date('2026-03-04T05:06:07.890Z');

const request: FineTuneRequest = {
  customModelName: 'support-{{scheduledTime:yyyyMMdd}}',
  roleArn: 'arn:aws:iam::123456789012:role/BedrockFineTuning',
  baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
  trainingDataConfig: { s3Uri: 's3://acme-data/support/{{scheduledTime:yyyy/MM/dd}}/train.jsonl' },
  validationDataConfig: { validators: [{ s3Uri: 's3://acme-data/support/{{scheduledTime:yyyy/MM/dd}}/val.jsonl' }] },
  outputDataConfig: { s3Uri: 's3://acme-out/support/{{scheduledTime}}/' },
  jobTags: [{ key: 'day', value: '{{scheduledTime:yyyy-MM-dd}}' }],
  customModelTags: [{ key: 'trained', value: "{{scheduledTime:yyyy-MM-dd'T'HH:mm:ss}}" }],
};

describe('formatTime', () => {
  it('formats every token in UTC and keeps other characters', () => {
    expect(formatTime(at, 'yyyy/MM/dd HH:mm:ss')).toBe('2026/03/04 05:06:07');
    expect(formatTime(at, 'yyMMdd')).toBe('260304');
    expect(formatTime(at, "yyyy-MM-dd'T'HH")).toBe('2026-03-04T05');
  });

  it('refuses a letter run that is not a token, and an unclosed quote', () => {
    expect(() => formatTime(at, 'YYYY')).toThrow('"YYYY" is not a time format token (use yyyy yy MM dd HH mm ss');
    expect(() => formatTime(at, 'yyyyMMddhh')).toThrow('"hh" is not a time format token');
    expect(() => formatTime(at, "yyyy'T")).toThrow('unclosed quote');
  });
});

describe('resolveRequestTemplates', () => {
  it('resolves S3 URIs, names and tag values from the time and lists what it resolved', () => {
    const { request: resolved, resolved: values } = resolveRequestTemplates(request, at);
    expect(resolved).toMatchObject({
      customModelName: 'support-20260304',
      trainingDataConfig: { s3Uri: 's3://acme-data/support/2026/03/04/train.jsonl' },
      validationDataConfig: { validators: [{ s3Uri: 's3://acme-data/support/2026/03/04/val.jsonl' }] },
      outputDataConfig: { s3Uri: 's3://acme-out/support/20260304-050607/' },
      jobTags: [{ key: 'day', value: '2026-03-04' }],
      customModelTags: [{ key: 'trained', value: '2026-03-04T05:06:07' }],
    });
    expect(values).toContainEqual({
      path: 'trainingDataConfig.s3Uri',
      template: 's3://acme-data/support/{{scheduledTime:yyyy/MM/dd}}/train.jsonl',
      value: 's3://acme-data/support/2026/03/04/train.jsonl',
    });
    expect(values).toHaveLength(6);
    // The input is not changed.
    expect(request.customModelName).toBe('support-{{scheduledTime:yyyyMMdd}}');
  });

  it('gives a scheduled model name without a template the default suffix, exactly as scheduled runs always had', () => {
    const plain = { ...request, customModelName: 'support-bot' };
    expect(resolveRequestTemplates(plain, at, { scheduled: true }).request.customModelName).toBe(
      'support-bot-20260304-050607',
    );
    const long = 'a'.repeat(60);
    expect(
      resolveRequestTemplates({ ...plain, customModelName: long }, at, { scheduled: true }).request.customModelName,
    ).toBe(`${'a'.repeat(47)}-20260304-050607`);
    // Not scheduled: unchanged. A name with its own template: only that.
    expect(resolveRequestTemplates(plain, at).request.customModelName).toBe('support-bot');
    expect(resolveRequestTemplates(request, at, { scheduled: true }).request.customModelName).toBe('support-20260304');
  });

  it('returns a request without templates equal to the input', () => {
    const plain = { ...request, customModelName: 'm', trainingDataConfig: { s3Uri: 's3://b/k' } };
    const { jobTags: _j, customModelTags: _c, validationDataConfig: _v, outputDataConfig: _o, ...rest } = plain;
    const bare = { ...rest, outputDataConfig: { s3Uri: 's3://b/out/' } };
    expect(resolveRequestTemplates(bare, at)).toEqual({ request: bare, resolved: [] });
  });

  it('throws RequestTemplateError listing every template that cannot resolve', () => {
    const broken = {
      ...request,
      customModelName: 'x-{{runId}}',
      roleArn: 'arn:aws:iam::123456789012:role/{{scheduledTime:yyyy}}',
      trainingDataConfig: { s3Uri: 's3://b/{{scheduledTime:YYYY}}/train.jsonl' },
      outputDataConfig: { s3Uri: 's3://b/{{scheduledTime:yyyy/out/' },
    };
    expect(() => resolveRequestTemplates(broken, at)).toThrow(RequestTemplateError);
    try {
      resolveRequestTemplates(broken, at);
    } catch (err) {
      expect((err as RequestTemplateError).name).toBe('RequestTemplateError');
      expect((err as RequestTemplateError).problems).toEqual([
        'customModelName: {{runId}} names "runId": the only variable is scheduledTime',
        'roleArn: templates ({{scheduledTime:format}}) are resolved only in S3 URIs, names and tag values',
        'trainingDataConfig.s3Uri: "YYYY" is not a time format token (use yyyy yy MM dd HH mm ss; quote other letters: \'T\')',
        'outputDataConfig.s3Uri: "s3://b/{{scheduledTime:yyyy/out/" has a "{{" or "}}" that does not belong to a {{scheduledTime:format}} placeholder',
      ]);
    }
    expect(templateProblems(request)).toEqual([]);
  });
});

describe('parseRequest with templates', () => {
  it('accepts a request whose templates resolve to what Bedrock takes, and returns it unresolved', () => {
    expect(parseRequest(request, undefined, { sampleTime: at })).toEqual(request);
  });

  it('refuses a template that resolves to something Bedrock would refuse, naming the sample value', () => {
    const bad = {
      ...request,
      customModelName: 'support-{{scheduledTime:yyyy/MM/dd}}',
      trainingDataConfig: { s3Uri: "s3://acme-data/{{scheduledTime:yyyy-MM-dd'  'HH}}/train.jsonl" },
    };
    expect(() => parseRequest(bad, 'schedule request', { sampleTime: at })).toThrow(InvalidRequestError);
    try {
      parseRequest(bad, 'schedule request', { sampleTime: at });
    } catch (err) {
      const problems = (err as InvalidRequestError).problems;
      expect(problems).toEqual([
        'customModelName: must hold letters and digits with single _ or - between them (the template "support-{{scheduledTime:yyyy/MM/dd}}" resolves to "support-2026/03/04" at 2026-03-04T05:06:07.890Z)',
        expect.stringMatching(
          /^trainingDataConfig\.s3Uri: must be an S3 URI .* resolves to "s3:\/\/acme-data\/2026-03-04 {2}05\/train\.jsonl"/,
        ),
      ]);
      expect((err as Error).message).toContain('The schedule request is not valid');
    }
  });

  it('cuts a long name to fit the default scheduled suffix; a name with its own template must fit as resolved', () => {
    const long = { ...request, customModelName: 'n'.repeat(63) };
    expect(parseRequest(long, undefined, { sampleTime: at, scheduled: true }).customModelName).toBe('n'.repeat(63));
    const templated = { ...request, customModelName: `${'n'.repeat(55)}-{{scheduledTime:yyyyMMdd}}` };
    expect(() => parseRequest(templated, undefined, { sampleTime: at })).toThrow(/customModelName: Too big/);
  });

  it('still lists problems that have nothing to do with templates', () => {
    expect(() => parseRequest({ ...request, roleArn: 'not-an-arn' }, undefined, { sampleTime: at })).toThrow(
      /roleArn: must be an IAM role ARN/,
    );
  });
});
