// The fault suite's last sweep against real simulator jobs (the test stack's simulator): a job still
// Stopping when the bound runs out makes its run wrong, one that reaches Stopped within it does not, and
// an InProgress job is wrong at once. A Stopping job lasts 120 simulated seconds: 2 minutes at time
// scale 1, 0.6 s at 200.
import {
  CreateModelCustomizationJobCommand,
  GetModelCustomizationJobCommand,
  StopModelCustomizationJobCommand,
  type BedrockClient,
} from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  bedrockClient,
  DATASETS,
  jobRequest,
  promptCompletionLines,
  putText,
  s3Client,
  unique,
} from '../simulator/helpers';
import type { Job } from './jobs';
import { finalSweep } from './verdict';

jest.setTimeout(60_000);

let bedrock: BedrockClient;
let s3: S3Client;
/** Each run's workflow ID and its job's ARN. */
const runs = new Map<string, string>();

async function runWithJob(run: string, timeScale: number, stop: boolean): Promise<void> {
  const trainingUri = await putText(s3, DATASETS, `sweep-tests/${run}.jsonl`, promptCompletionLines(10));
  const request = jobRequest(trainingUri, {
    jobName: run,
    jobTags: [{ key: 'simulator:time-scale', value: String(timeScale) }],
  });
  const { jobArn } = await bedrock.send(new CreateModelCustomizationJobCommand(request));
  if (stop) await bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: jobArn }));
  runs.set(run, jobArn!);
}

async function list(): Promise<{ owner: string; job: Job }[]> {
  const out: { owner: string; job: Job }[] = [];
  for (const [owner, jobArn] of runs)
    out.push({ owner, job: await bedrock.send(new GetModelCustomizationJobCommand({ jobIdentifier: jobArn })) });
  return out;
}

beforeAll(() => {
  bedrock = bedrockClient();
  s3 = s3Client();
});

afterAll(async () => {
  for (const jobArn of runs.values())
    await bedrock.send(new StopModelCustomizationJobCommand({ jobIdentifier: jobArn })).catch(() => undefined);
  bedrock.destroy();
  s3.destroy();
});

test('a job still Stopping after the bound makes its run wrong; Stopped within it is right; InProgress is wrong', async () => {
  const slow = unique('sweep-slow');
  const quick = unique('sweep-quick');
  const running = unique('sweep-running');
  await runWithJob(slow, 1, true);
  await runWithJob(quick, 200, true);
  await runWithJob(running, 1, false);
  // The runs closed with their stopped jobs still Stopping, as a run's verdict may accept.
  const judged = new Map([...runs.keys()].map((owner) => [owner, owner === running ? 'InProgress' : 'Stopping']));
  const lines: string[] = [];
  const wrongs = await finalSweep(list, judged, 5_000, (line) => lines.push(line));
  expect(Object.fromEntries(wrongs)).toEqual({
    [slow]: 'its job was still Stopping 5 s after every run closed, never Stopped',
    [running]: 'its job was still InProgress after every run closed',
  });
  const statuses = Object.fromEntries((await list()).map(({ owner, job }) => [owner, job.status]));
  expect(statuses).toEqual({ [slow]: 'Stopping', [quick]: 'Stopped', [running]: 'InProgress' });
  expect(lines).toContainEqual(
    expect.stringMatching(/^last sweep: 2 job\(s\) Stopping after every run closed; 1 still Stopping 5\.\d s later$/),
  );
});
