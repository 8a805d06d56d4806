import { JOB_NAME, CLIENT_REQUEST_TOKEN } from '../../src/core/bedrock-patterns';
import { backoffDelay, DEFAULT_POLLING, withJitter } from '../../src/core/backoff';
import { createHash } from 'node:crypto';
import { tagValue } from '../../src/core/lineage';
import { canonicalJson, deriveJobName, jobIdentity, tokenSource } from '../../src/core/naming';

describe('naming', () => {
  it('derives job names within the pattern and 63 characters', () => {
    const token = 'ab'.repeat(32);
    for (const id of [
      'finetune-support-bot',
      'weird id/with#chars',
      '---',
      'x'.repeat(200),
      'scheduled-2026-11-27T00:00:00Z',
    ]) {
      const name = deriveJobName(id, token);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(JOB_NAME);
      expect(name.endsWith(token.slice(0, 12))).toBe(true);
    }
    expect(CLIENT_REQUEST_TOKEN.test(token)).toBe(true);
  });

  it('derives the token with the same SHA-256 node:crypto computes (the token of runs before it moved to core)', () => {
    const request = {
      customModelName: 'm1 é',
      roleArn: 'arn:aws:iam::123456789012:role/R',
      baseModelIdentifier: 'amazon.nova-micro-v1:0:128k',
      trainingDataConfig: { s3Uri: 's3://bucket/train.jsonl' },
      outputDataConfig: { s3Uri: 's3://bucket/out/' },
      hyperParameters: { epochCount: '2' },
    };
    const input = { request, workflowId: 'wf-ünï', datasetFingerprint: 'ab'.repeat(32) };
    const expected = createHash('sha256')
      .update(
        canonicalJson({
          workflowId: input.workflowId,
          request: tokenSource(request),
          datasetFingerprint: input.datasetFingerprint,
        }),
      )
      .digest('hex');
    expect(jobIdentity(input)).toEqual({
      clientRequestToken: expected,
      jobName: deriveJobName(input.workflowId, expected),
    });
    expect(jobIdentity({ ...input, request: { ...request, jobName: 'mine', clientRequestToken: 't' } })).toEqual({
      clientRequestToken: 't',
      jobName: 'mine',
    });
  });

  it('canonical JSON ignores key order and undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, { z: 1, y: 2 }] } })).toBe(
      '{"a":{"c":[2,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("cleans tag values to Bedrock's character set", () => {
    expect(tagValue('run#1,2')).toBe('run_1_2');
  });
});

describe('backoff', () => {
  it('grows by the factor up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(DEFAULT_POLLING, n))).toEqual([
      30_000, 60_000, 120_000, 240_000, 300_000, 300_000,
    ]);
    expect(backoffDelay(DEFAULT_POLLING, 1, 300_000)).toBe(300_000);
  });

  it('jitters within +/-10 %', () => {
    expect(withJitter(DEFAULT_POLLING, 100_000, 0)).toBe(90_000);
    expect(withJitter(DEFAULT_POLLING, 100_000, 0.5)).toBe(100_000);
    expect(withJitter(DEFAULT_POLLING, 100_000, 0.999999)).toBeLessThanOrEqual(110_000);
  });
});
