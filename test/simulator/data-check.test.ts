// The validation phase reads the data from S3 and fails the job, with a failureMessage naming the file,
// the line and the rule, when the data is missing or breaks the rules.
import { BedrockClient, CreateModelCustomizationJobCommand } from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import { gzipSync } from 'node:zlib';
import {
  bedrockClient,
  DATASETS,
  jobRequest,
  LOGS,
  promptCompletionLines,
  putText,
  s3Client,
  unique,
  waitForJob,
} from './helpers';

// Jest applies testTimeout only globally, not per project: these tests wait on simulated jobs.
jest.setTimeout(60_000);

let bedrock: BedrockClient;
let s3: S3Client;

beforeAll(() => {
  bedrock = bedrockClient();
  s3 = s3Client();
});
afterAll(() => {
  bedrock.destroy();
  s3.destroy();
});

async function failureOf(overrides: Parameters<typeof jobRequest>[1], trainingUri: string): Promise<string> {
  const { jobArn } = await bedrock.send(new CreateModelCustomizationJobCommand(jobRequest(trainingUri, overrides)));
  const job = await waitForJob(bedrock, jobArn!);
  expect(job.status).toBe('Failed');
  expect(job.statusDetails?.validationDetails?.status).toBe('Failed');
  expect(job.statusDetails?.dataProcessingDetails?.status).toBe('NotStarted');
  return job.failureMessage!;
}

test('a missing training file fails the job in validation', async () => {
  const uri = `s3://${DATASETS}/simulator-tests/${unique('absent')}.jsonl`;
  const message = await failureOf({}, uri);
  expect(message).toContain(uri);
  expect(message).toContain('does not exist');
});

test('a missing bucket fails the job in validation', async () => {
  const message = await failureOf({}, `s3://${unique('no-bucket')}/train.jsonl`);
  expect(message).toContain('bucket does not exist');
});

test('a line that is not JSON fails the job, naming the line and the rule', async () => {
  const lines = promptCompletionLines(3) + '{"prompt": "broken"\n' + promptCompletionLines(2);
  const uri = await putText(s3, DATASETS, `simulator-tests/${unique('broken')}.jsonl`, lines);
  const message = await failureOf({}, uri);
  expect(message).toMatch(
    new RegExp(`^Input data at ${uri.replace(/[.]/g, '\\.')} is invalid: line 4: invalid-json: `),
  );
});

test('a line that is JSON but not an object fails the job', async () => {
  const uri = await putText(
    s3,
    DATASETS,
    `simulator-tests/${unique('array')}.jsonl`,
    promptCompletionLines(2) + '["a"]\n',
  );
  expect(await failureOf({}, uri)).toContain('line 3: not-an-object');
});

test("a record that breaks the model family's format fails the job, naming the rule (the dataset engine's)", async () => {
  const uri = await putText(
    s3,
    DATASETS,
    `simulator-tests/${unique('nocompletion')}.jsonl`,
    promptCompletionLines(1) + '{"prompt": "no answer"}\n',
  );
  expect(await failureOf({}, uri)).toMatch(/line 2: missing-field: /);
});

test('a broken validation file fails the job and says it is the validation data', async () => {
  const good = await putText(s3, DATASETS, `simulator-tests/${unique('good')}.jsonl`, promptCompletionLines(5));
  const bad = await putText(s3, DATASETS, `simulator-tests/${unique('badval')}.jsonl`, 'not json\n');
  const message = await failureOf({ validationDataConfig: { validators: [{ s3Uri: bad }] } }, good);
  expect(message).toMatch(/^Validation data at .* is invalid: line 1: invalid-json/);
});

test("fewer records than the model's minimum fails the job (Claude 3 Haiku needs 32)", async () => {
  const records = Array.from({ length: 5 }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: 'user', content: `q${i}` },
        { role: 'assistant', content: `a${i}` },
      ],
    }),
  ).join('\n');
  const uri = await putText(s3, DATASETS, `simulator-tests/${unique('haiku')}.jsonl`, records);
  const message = await failureOf(
    { baseModelIdentifier: 'anthropic.claude-3-haiku-20240307-v1:0:200k', hyperParameters: { epochCount: '1' } },
    uri,
  );
  expect(message).toContain('too-few-records');
  expect(message).toContain('at least 32');
});

test('distillation from invocation logs counts the qualifying records; too few fails, enough passes', async () => {
  const prefix = `${unique('logs')}/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/01/01/00`;
  const record = (i: number, project: string) =>
    JSON.stringify({
      schemaType: 'ModelInvocationLog',
      operation: 'Converse',
      modelId: 'amazon.nova-pro-v1:0',
      requestMetadata: { project },
      input: { inputBodyJson: { messages: [{ role: 'user', content: [{ text: `q${i}` }] }] } },
      output: { outputBodyJson: { output: { message: { role: 'assistant', content: [{ text: `a${i}` }] } } } },
    });
  const lines = [
    ...Array.from({ length: 120 }, (_, i) => record(i, 'support')),
    ...Array.from({ length: 30 }, (_, i) => record(i, 'other')),
  ].join('\n');
  await putText(s3, LOGS, `${prefix}/20260101T000000Z_abc.json.gz`, gzipSync(lines));
  await putText(s3, LOGS, `${prefix}/data/ignored_input.json.gz`, gzipSync('not a log'));
  const distill = (filter: string) => ({
    baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
    customizationType: 'DISTILLATION' as const,
    hyperParameters: { epochCount: '1' },
    customizationConfig: {
      distillationConfig: { teacherModelConfig: { teacherModelIdentifier: 'amazon.nova-pro-v1:0' } },
    },
    trainingDataConfig: {
      invocationLogsConfig: {
        invocationLogSource: { s3Uri: `s3://${LOGS}/${prefix.split('/')[0]}/AWSLogs` },
        usePromptResponse: true,
        requestMetadataFilters: { equals: { project: filter } },
      },
    },
  });
  const tooFew = await failureOf(distill('other'), '');
  expect(tooFew).toContain('too-few-records: 30 usable log records');
  const { jobArn } = await bedrock.send(new CreateModelCustomizationJobCommand(jobRequest('', distill('support'))));
  const job = await waitForJob(bedrock, jobArn!);
  expect(job.status).toBe('Completed');
  expect(job.customizationType).toBe('DISTILLATION');
});

test('a Nova 2 Lite job with a validation set trains on its reasoning records and ignores the set, as Bedrock does', async () => {
  const record = (i: number) =>
    JSON.stringify({
      schemaVersion: 'bedrock-conversation-2024',
      messages: [
        { role: 'user', content: [{ text: `What is ${i} squared?` }] },
        {
          role: 'assistant',
          content: [{ reasoningContent: { reasoningText: { text: `${i} times ${i}.` } } }, { text: `${i * i}.` }],
        },
      ],
    });
  const lines = Array.from({ length: 200 }, (_, i) => record(i)).join('\n');
  const uri = await putText(s3, DATASETS, `simulator-tests/${unique('nova2')}.jsonl`, `${lines}\n`);
  const ignored = await putText(s3, DATASETS, `simulator-tests/${unique('nova2-val')}.jsonl`, 'not even JSON\n');
  const { jobArn } = await bedrock.send(
    new CreateModelCustomizationJobCommand(
      jobRequest(uri, {
        baseModelIdentifier: 'amazon.nova-2-lite-v1:0:256k',
        hyperParameters: { epochCount: '1' },
        validationDataConfig: { validators: [{ s3Uri: ignored }] },
      }),
    ),
  );
  const job = await waitForJob(bedrock, jobArn!);
  expect(job.failureMessage).toBeUndefined();
  expect(job.status).toBe('Completed');
});
