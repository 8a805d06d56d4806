// The fault suite reads every page of the job listing: a simulator process holding more jobs than one
// ListModelCustomizationJobs page answers (1,000), whose oldest job is on the second page. Its jobs are
// written to its state file through the simulator's own store, so no S3 dataset or wait is needed.
import type { BedrockClient } from '@aws-sdk/client-bedrock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobArn } from '../../src/simulator/arns';
import { Store } from '../../src/simulator/state';
import type { JobRecord } from '../../src/simulator/types';
import { LINEAGE_TAG_WORKFLOW_ID } from '../../src/core/lineage';
import { bedrockClient, REGION, ROLE_ARN, startOwnSimulator, type OwnSimulator } from '../simulator/helpers';
import { jobOfModel, SimulatorJobs } from './jobs';

jest.setTimeout(120_000);

/** One more page than the largest one, and some. */
const JOBS = 1_050;
const BASE_MODEL = 'amazon.nova-micro-v1:0:128k';

/** A finished (failed) job, created `i` ms after the first: job 0 is the oldest, last in the listing. */
function failedJob(i: number, firstMs: number): JobRecord {
  const id = i.toString(36).padStart(12, '0');
  return {
    jobArn: jobArn({ region: REGION, accountId: '123456789012' }, BASE_MODEL, id),
    jobId: id,
    jobName: `pages-${i}`,
    outputModelName: `pages-model-${i}`,
    roleArn: ROLE_ARN,
    requestDigest: 'd'.repeat(64),
    baseModelArn: `arn:aws:bedrock:${REGION}::foundation-model/${BASE_MODEL}`,
    foundationModelId: BASE_MODEL,
    customizationType: 'FINE_TUNING',
    hyperParameters: { epochCount: '2' },
    trainingDataConfig: { s3Uri: `s3://finetune-datasets/pages/${i}.jsonl` },
    validationDataConfig: { validators: [] },
    outputDataConfig: { s3Uri: `s3://finetune-outputs/pages/${i}/` },
    customModelTags: [],
    creationTimeMs: firstMs + i,
    timeScale: 1000,
    epochs: 2,
    batchSize: 1,
    dataCheck: { ok: false, failureMessage: 'written by the test' },
    completion: { ok: false, failureMessage: 'written by the test' },
  };
}

let dir: string;
let simulator: OwnSimulator;
let bedrock: BedrockClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'finetune-job-pages-'));
  const stateFile = join(dir, 'state.json');
  const store = Store.open(stateFile);
  const firstMs = Date.now() - 24 * 3600_000;
  for (let i = 0; i < JOBS; i++)
    store.addJob(failedJob(i, firstMs), [{ key: LINEAGE_TAG_WORKFLOW_ID, value: `pages-run-${i}` }]);
  store.close();
  simulator = await startOwnSimulator(['--state-file', stateFile]);
  bedrock = bedrockClient(simulator.endpoint);
});

afterAll(async () => {
  bedrock?.destroy();
  await simulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the job of a run is found on the second page of the listing', async () => {
  const oldest = await jobOfModel(bedrock, 'pages-model-0');
  expect(oldest?.jobName).toBe('pages-0');
});

test('the suite sees every job the simulator holds, with its owner, not only the first page', async () => {
  const jobs = await new SimulatorJobs(bedrock).all();
  expect(jobs).toHaveLength(JOBS);
  expect(new Set(jobs.map((j) => j.job.jobArn)).size).toBe(JOBS);
  expect(jobs.filter((j) => j.owner === 'pages-run-0').map((j) => j.job)).toEqual([
    expect.objectContaining({ jobName: 'pages-0', status: 'Failed' }),
  ]);
});
