// MOCKED Bedrock (a stub `send`): the error answers below cannot be produced by the simulator on
// demand (IAM role propagation), or are checked here without a server for speed. The real paths
// (name in use, token reuse, quota, throttling) run against the simulator in test/workflows.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { BedrockClient } from '@aws-sdk/client-bedrock';
import { createJobActivities, type CreateJobInput } from '../../src/activities/create-job';
import { jobIdentity } from '../../src/core/naming';

const request = {
  customModelName: 'm1',
  roleArn: 'arn:aws:iam::123456789012:role/R',
  baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
  trainingDataConfig: { s3Uri: 's3://bucket/train.jsonl' },
  outputDataConfig: { s3Uri: 's3://bucket/out/' },
};
const input: CreateJobInput = {
  request,
  workflowId: 'wf-1',
  datasetFingerprint: 'ab'.repeat(32),
  trainingDataConfig: request.trainingDataConfig,
  mode: 'first',
};

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/** A Bedrock client whose Create answers with `error` (and Get with `job`). */
function stubBedrock(error: Error, job?: Record<string, unknown>): BedrockClient {
  return {
    send: async (command: { constructor: { name: string } }) => {
      if (command.constructor.name === 'GetModelCustomizationJobCommand') {
        if (!job) throw awsError('ResourceNotFoundException', 'not found');
        return job;
      }
      throw error;
    },
  } as unknown as BedrockClient;
}

async function run(bedrock: BedrockClient, attempt = 1, mode: CreateJobInput['mode'] = 'first') {
  const { createJob } = createJobActivities({ bedrock, scope: { namespace: 'default', installation: 'test' } });
  return new MockActivityEnvironment({ attempt }).run(createJob, { ...input, mode });
}

describe('createJob error handling (mocked Bedrock client)', () => {
  it('derives the same token and name on every call', () => {
    expect(jobIdentity(input)).toEqual(jobIdentity({ ...input }));
    expect(jobIdentity(input).clientRequestToken).toMatch(/^[0-9a-f]{64}$/);
    expect(jobIdentity({ ...input, datasetFingerprint: 'cd'.repeat(32) }).clientRequestToken).not.toBe(
      jobIdentity(input).clientRequestToken,
    );
  });

  it('retries "Could not assume provided IAM role" every 10 s, for a bounded number of tries', async () => {
    const notReady = stubBedrock(
      awsError('ValidationException', 'Could not assume provided IAM role. Check the trust policy.'),
    );
    const early = await run(notReady, 3).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(ApplicationFailure);
    expect((early as ApplicationFailure).type).toBe('IamRoleNotReady');
    expect((early as ApplicationFailure).nonRetryable).toBe(false);
    expect((early as ApplicationFailure).nextRetryDelay).toBe(10_000);
    const late = (await run(notReady, 30).catch((e: unknown) => e)) as ApplicationFailure;
    expect(late.type).toBe('InvalidRequest');
    expect(late.nonRetryable).toBe(true);
  });

  it("fails at once with Bedrock's message on other ValidationExceptions and on AccessDenied", async () => {
    const invalid = (await run(stubBedrock(awsError('ValidationException', 'Invalid hyperparameter'))).catch(
      (e: unknown) => e,
    )) as ApplicationFailure;
    expect(invalid.type).toBe('InvalidRequest');
    expect(invalid.nonRetryable).toBe(true);
    expect(invalid.message).toMatch(/Invalid hyperparameter/);
    const denied = (await run(stubBedrock(awsError('AccessDeniedException', 'not authorized'))).catch(
      (e: unknown) => e,
    )) as ApplicationFailure;
    expect(denied.type).toBe('AccessDeniedException');
    expect(denied.nonRetryable).toBe(true);
  });

  it('leaves throttling and 5xx to the retry policy', async () => {
    const throttled = await run(stubBedrock(awsError('ThrottlingException', 'Rate exceeded'))).catch((e: unknown) => e);
    expect((throttled as Error).name).toBe('ThrottlingException');
    expect(throttled).not.toBeInstanceOf(ApplicationFailure);
  });

  it('reports a full quota at once in mode first, and waits with a long backoff after', async () => {
    const full = stubBedrock(awsError('ServiceQuotaExceededException', 'quota reached'));
    await expect(run(full, 1, 'first')).resolves.toMatchObject({ outcome: 'quota-exceeded' });
    const waiting = (await run(full, 3, 'wait-for-quota').catch((e: unknown) => e)) as ApplicationFailure;
    expect(waiting.type).toBe('WaitingForQuota');
    expect(waiting.nextRetryDelay).toBe(240_000);
  });
});
