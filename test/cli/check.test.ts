// `finetune check <request.json>` against the stack's S3 and Bedrock simulator: a good request, a
// request broken in every way a run would refuse, templates resolved at a given time, and usage errors.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { CheckReport } from '../../src/cli/check';
import { loadExamples, uploadExample } from '../../src/cli/examples';
import { datasets, DATA_BUCKET } from '../support/datasets';
import { uniqueName, type TestContext } from '../support/temporal';
import { contextWithExample, json, requestFile, runCli, testRequest } from './helpers';

const taskQueue = uniqueName('cli-check');
const EXAMPLE = 'fine-tuning-prompt-completion';
let ctx: TestContext;

beforeAll(async () => {
  ctx = await contextWithExample(taskQueue, EXAMPLE);
});
afterAll(async () => {
  await ctx?.close();
});

it('passes a good request (exit 0): every check and the dataset engine on its data, with no SDK notice on stderr', async () => {
  const file = requestFile('good', testRequest(EXAMPLE, uniqueName('check-good')));
  const text = await runCli(['check', file], { taskQueue });
  expect(text.code).toBe(0);
  expect(text.stdout).toContain(`OK: ${file} would run: every check passed`);
  expect(text.stdout).toMatch(/training data s3:\/\/\S+\/train\.jsonl: valid, 95 records, ~[\d.k]+ tokens, 0 errors/);
  expect(text.stdout).toMatch(/validation data s3:\/\/\S+\/validation\.jsonl: valid, 20 records/);
  // The AWS SDK's Node-version notice (on Node 20) is kept out of user-facing output.
  expect(text.stderr).toBe('');

  const report = json<CheckReport>(await runCli(['check', file, '--json'], { taskQueue }));
  expect(report).toMatchObject({ file, verdict: 'ok', problems: [], warnings: [], templates: [] });
  expect(report.datasets).toEqual([
    expect.objectContaining({ role: 'training', verdict: 'valid', records: 95, errors: 0 }),
    expect.objectContaining({ role: 'validation', verdict: 'valid', records: 20, errors: 0 }),
  ]);
});

it('refuses a broken request (exit 1) listing every problem: catalog, AWS and the data, with line numbers', async () => {
  const key = `${uniqueName('check-bad')}/train.jsonl`;
  const good = datasets.promptCompletion(40).split('\n');
  good.splice(2, 0, '{"prompt": "where is the completion?"}', 'not json at all');
  await ctx.aws.s3.send(new PutObjectCommand({ Bucket: DATA_BUCKET, Key: key, Body: good.join('\n') }));
  const request = testRequest(EXAMPLE, uniqueName('check-bad'));
  const file = requestFile('broken', {
    ...request,
    trainingDataConfig: { s3Uri: `s3://${DATA_BUCKET}/${key}` },
    validationDataConfig: { validators: [{ s3Uri: `s3://${DATA_BUCKET}/no/such/validation.jsonl` }] },
    outputDataConfig: { s3Uri: 's3://no-such-output-bucket/out/' },
    hyperParameters: { ...request.hyperParameters, epochCount: '99' },
  });
  const result = await runCli(['check', file, '--json'], { taskQueue });
  expect(result.code).toBe(1);
  const report = json<CheckReport>(result);
  expect(report.verdict).toBe('refused');
  const by = (check: string) => report.problems.filter((p) => p.check === check);
  expect(by('catalog').map((p) => p.message)).toEqual([
    'hyperParameters.epochCount=99 is out of range: allowed 1 to 10',
  ]);
  expect(by('aws').map((p) => p.message)).toEqual(
    expect.arrayContaining([
      expect.stringContaining(
        'validationDataConfig.validators[0].s3Uri s3://finetune-datasets/no/such/validation.jsonl does not exist',
      ),
      expect.stringContaining('outputDataConfig.s3Uri bucket no-such-output-bucket does not exist'),
    ]),
  );
  expect(by('dataset')).toEqual([
    expect.objectContaining({ source: `s3://${DATA_BUCKET}/${key}`, line: 3, rule: expect.any(String) }),
    expect.objectContaining({ line: 4, rule: 'invalid-json' }),
  ]);

  const text = await runCli(['check', file], { taskQueue });
  expect(text.code).toBe(1);
  expect(text.stdout).toContain(`REFUSED: ${file} (${report.problems.length} problems)`);
  expect(text.stdout).toMatch(new RegExp(`  dataset +s3://${DATA_BUCKET}/${key} line 4: .*\\[invalid-json\\]`));
});

it('refuses a request the schema refuses (exit 1), and reports usage errors with exit 2', async () => {
  const bad = requestFile('schema', { ...testRequest(EXAMPLE, 'x'), roleArn: 'admin' });
  const schema = await runCli(['check', bad], { taskQueue });
  expect(schema.code).toBe(1);
  expect(schema.stdout).toMatch(/request +roleArn: must be an IAM role ARN/);

  const missing = await runCli(['check', '/no/such/request.json'], { taskQueue });
  expect(missing).toMatchObject({ code: 2 });
  expect(missing.stderr).toContain('Cannot read the request file /no/such/request.json: no such file');
  const notJson = await runCli(['check', requestFile('not-json', '{ "customModelName": ')], { taskQueue });
  expect(notJson.code).toBe(2);
  expect(notJson.stderr).toContain('is not valid JSON');
  const noRegion = await runCli(['check', bad], { taskQueue, env: { AWS_REGION: '', AWS_DEFAULT_REGION: '' } });
  // The schema is judged before AWS is needed; a good request needs the region.
  expect(noRegion.code).toBe(1);
  const good = requestFile('no-region', testRequest(EXAMPLE, 'y'));
  const region = await runCli(['check', good], { taskQueue, env: { AWS_REGION: '', AWS_DEFAULT_REGION: '' } });
  expect(region.code).toBe(2);
  expect(region.stderr).toContain('AWS_REGION is not set');
});

it('resolves templates at the given time and checks the data there; a template Bedrock would refuse is refused', async () => {
  const prefix = uniqueName('check-tpl');
  await ctx.aws.s3.send(
    new PutObjectCommand({
      Bucket: DATA_BUCKET,
      Key: `${prefix}/2026/03/04/train.jsonl`,
      Body: datasets.promptCompletion(30),
    }),
  );
  const { validationDataConfig: _v, ...request } = testRequest(EXAMPLE, prefix);
  const file = requestFile('templated', {
    ...request,
    customModelName: 'support-{{scheduledTime:yyyyMMdd}}',
    trainingDataConfig: { s3Uri: `s3://${DATA_BUCKET}/${prefix}/{{scheduledTime:yyyy/MM/dd}}/train.jsonl` },
  });
  const there = await runCli(['check', file, '--at', '2026-03-04T03:00:00Z', '--json'], { taskQueue });
  expect(there.code).toBe(0);
  expect(json<CheckReport>(there)).toMatchObject({
    verdict: 'ok',
    sampleTime: '2026-03-04T03:00:00.000Z',
    templates: [
      { path: 'customModelName', value: 'support-20260304' },
      { path: 'trainingDataConfig.s3Uri', value: `s3://${DATA_BUCKET}/${prefix}/2026/03/04/train.jsonl` },
    ],
    datasets: [expect.objectContaining({ role: 'training', records: 30 })],
  });
  const dayAfter = await runCli(['check', file, '--at', '2026-03-05T03:00:00Z'], { taskQueue });
  expect(dayAfter.code).toBe(1);
  expect(dayAfter.stdout).toContain(`s3://${DATA_BUCKET}/${prefix}/2026/03/05/train.jsonl does not exist`);

  const refusedFile = requestFile('templated-bad', {
    ...request,
    customModelName: 'support-{{scheduledTime:yyyy/MM/dd}}',
    trainingDataConfig: { s3Uri: `s3://${DATA_BUCKET}/${prefix}/{{scheduledTime:YYYY}}/train.jsonl` },
  });
  const refused = await runCli(['check', refusedFile, '--at', '2026-03-04T03:00:00Z'], { taskQueue });
  expect(refused.code).toBe(1);
  expect(refused.stdout).toContain('trainingDataConfig.s3Uri: "YYYY" is not a time format token');
});

it('passes an RFT request with a warning a run would only log: the grader in another region (exit 0)', async () => {
  const [example] = (await loadExamples()).filter((e) => e.name === 'reinforcement-fine-tuning');
  await uploadExample(ctx.aws.s3, example);
  const request = example.request;
  const rft = request.customizationConfig!.rftConfig!;
  const file = requestFile('rft', {
    ...request,
    customizationConfig: {
      rftConfig: {
        ...rft,
        graderConfig: { lambdaGrader: { lambdaArn: 'arn:aws:lambda:us-west-2:123456789012:function:grader' } },
      },
    },
  });
  const result = await runCli(['check', file, '--json'], { taskQueue });
  expect(result.code).toBe(0);
  const report = json<CheckReport>(result);
  expect(report).toMatchObject({ verdict: 'ok', problems: [] });
  expect(report.warnings).toEqual([expect.stringContaining('is in us-west-2 and the job runs in us-east-1')]);
  expect(report.datasets).toEqual([expect.objectContaining({ role: 'training', verdict: 'valid' })]);
});
