// The reconciler's rules: it ends only what is provably this installation's and owned by no open run.
import { decide, type OwnResource, type RunLook } from '../../src/core/reconcile';

const scope = { namespace: 'ml-prod', installation: 'prod' };
const job = (lineage: Partial<OwnResource['lineage']> = {}): OwnResource => ({
  kind: 'customization-job',
  arn: 'arn:aws:bedrock:us-east-1:123456789012:model-customization-job/amazon.nova-micro-v1:0:128k/abc123def456',
  name: 'retrain-abc',
  status: 'InProgress',
  lineage: { workflowId: 'retrain', exact: true, ...scope, role: 'training-job', ...lineage },
});
const closed: RunLook = { state: 'closed', status: 'TERMINATED' };

it('ends a job whose run closed, or that the namespace no longer knows', () => {
  expect(decide(job(), scope, closed)).toMatchObject({ verdict: 'end', action: 'stop' });
  expect(decide(job(), scope, { state: 'closed', status: 'TIMED_OUT' })).toMatchObject({ verdict: 'end' });
  expect(decide(job(), scope, { state: 'unknown' })).toMatchObject({ verdict: 'end', action: 'stop' });
});

it('leaves a job whose run is open, or could not be looked up', () => {
  expect(decide(job(), scope, { state: 'open', status: 'RUNNING' })).toMatchObject({ verdict: 'leave' });
  expect(decide(job(), scope, { state: 'error', message: 'unavailable' })).toMatchObject({ verdict: 'leave' });
  expect(decide(job(), scope, undefined)).toMatchObject({ verdict: 'leave' });
});

it("never touches another namespace's or installation's resources, whatever their run", () => {
  expect(decide(job({ namespace: 'ml-staging' }), scope, { state: 'unknown' })).toMatchObject({ verdict: 'leave' });
  expect(decide(job({ installation: 'staging' }), scope, closed)).toMatchObject({ verdict: 'leave' });
});

it('reports, and never ends, what it cannot prove is its own or orphaned', () => {
  const legacy = decide(job({ namespace: undefined, installation: undefined }), scope, { state: 'unknown' });
  expect(legacy).toMatchObject({ verdict: 'report' });
  expect(legacy.verdict === 'report' && legacy.command).toContain('aws bedrock stop-model-customization-job');
  expect(decide(job({ exact: false }), scope, { state: 'unknown' })).toMatchObject({ verdict: 'report' });
  expect(decide(job({ role: 'trained-model' }), scope, closed)).toMatchObject({ verdict: 'report' });
});

describe('what a promotion leaves', () => {
  const resource = (kind: OwnResource['kind'], role: string, extra: Partial<OwnResource> = {}): OwnResource => ({
    ...job({ role: role as OwnResource['lineage']['role'] }),
    kind,
    ...extra,
  });

  it('deletes a staging deployment or candidate throughput and stops an evaluation job whose run closed', () => {
    expect(decide(resource('custom-model-deployment', 'staging-deployment'), scope, closed)).toMatchObject({
      verdict: 'end',
      action: 'delete',
    });
    expect(decide(resource('provisioned-throughput', 'candidate-throughput'), scope, closed)).toMatchObject({
      verdict: 'end',
      action: 'delete',
    });
    expect(decide(resource('evaluation-job', 'evaluation-job'), scope, { state: 'unknown' })).toMatchObject({
      verdict: 'end',
      action: 'stop',
    });
  });

  it('never ends production, whoever made it, and reports a committed throughput instead of deleting it', () => {
    for (const kind of ['custom-model-deployment', 'provisioned-throughput'] as const) {
      expect(decide(resource(kind, 'production'), scope, closed)).toMatchObject({ verdict: 'leave' });
    }
    expect(
      decide(resource('provisioned-throughput', 'candidate-throughput', { commitment: 'OneMonth' }), scope, closed),
    ).toMatchObject({ verdict: 'report' });
    expect(decide(resource('custom-model-deployment', 'training-job'), scope, closed)).toMatchObject({
      verdict: 'report',
    });
  });
});
