// The verdicts of the faults a run cannot clean up after (judged after one reconcile pass) and of the
// promotion points, on outcomes built here rather than produced by the stack: each rule that makes a run
// wrong is shown to fire, so a suite that passes has had them checked (the suite itself only ever sees
// runs that behave).
import type { RunOutcome } from '../../src/client';
import type { Delivery } from './inject';
import type { Job } from './jobs';
import type { FaultPlan } from './plan';
import type { PromotionSeen } from './promotion-state';
import { judge, judgePromotion, type PassSeen } from './verdict';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const MODEL = 'arn:aws:bedrock:us-east-1:123456789012:custom-model/new';
const BEFORE = 'arn:aws:bedrock:us-east-1:123456789012:custom-model/before';
const PROD_ARN = 'arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/prod';

const job = (status: string, endMs?: number): Job =>
  ({
    jobArn: 'arn:aws:bedrock:us-east-1:123456789012:model-customization-job/x',
    status,
    outputModelArn: MODEL,
    ...(endMs !== undefined ? { endTime: new Date(endMs) } : {}),
  }) as unknown as Job;

const plan = (kind: FaultPlan['kind'], point: FaultPlan['point']): FaultPlan => ({
  kind,
  point,
  jobTimeScale: 10,
  delayMs: 0,
  workerSlot: 0,
});
const failed = (type: string): RunOutcome => ({ ok: false, failure: { type, message: type } });
const terminated: Delivery = { point: 'waiting', landed: true, interruptAt: T0 };
const pass: PassSeen = { startedAt: T0 + 1_000, finishedAt: T0 + 2_000, item: 'end ended: its run closed' };

describe('after one reconcile pass', () => {
  const terminate = (jobs: Job[], over: Partial<Parameters<typeof judge>[0]> = {}) =>
    judge({
      plan: plan('terminate', 'waiting'),
      delivery: terminated,
      outcome: failed('Terminated'),
      createStarted: true,
      jobs,
      pass,
      ...over,
    });

  it('a job the pass stopped is right; one still InProgress, or gone on to Completed after the pass, is wrong', () => {
    expect(terminate([job('Stopping')]).right).toBe(true);
    expect(terminate([job('Stopped', T0 + 5_000)]).right).toBe(true);
    expect(terminate([job('InProgress')])).toEqual({
      right: false,
      why: expect.stringMatching(/after one reconcile pass .* still InProgress/),
    });
    expect(terminate([job('Completed', T0 + 60_000)])).toEqual({
      right: false,
      why: expect.stringMatching(/left its job running.*Completed/),
    });
    expect(terminate([job('Completed', T0 + 1_500)]).right).toBe(true);
  });

  it('two jobs, a job although no create began, a pass that did not finish: wrong', () => {
    expect(terminate([job('Stopped'), job('Stopped')]).why).toMatch(/2 jobs/);
    expect(terminate([job('Stopped')], { createStarted: false }).why).toMatch(/never began/);
    expect(terminate([job('Stopped')], { pass: { ...pass, error: 'no answer within 3 minutes' } }).why).toMatch(
      /pass .* did not finish/,
    );
  });

  it('a run lost with the server state: any ending, no history to ask; judged by the simulator alone', () => {
    const lost = (jobs: Job[]) =>
      judge({
        plan: plan('state-lost', 'waiting'),
        delivery: terminated,
        outcome: 'lost',
        createStarted: undefined,
        jobs,
        pass,
      });
    expect(lost([job('Stopping')]).right).toBe(true);
    expect(lost([]).right).toBe(true);
    expect(lost([job('InProgress')]).right).toBe(false);
  });

  it('a terminated run that ended otherwise is wrong', () => {
    expect(terminate([job('Stopped')], { outcome: failed('Cancelled') }).why).toMatch(/ended cancelled/);
  });
});

describe('a promotion', () => {
  const seen = (over: Partial<PromotionSeen> = {}): PromotionSeen => ({
    target: { deployment: 'prod', childId: 'run-promote' },
    production: { arn: PROD_ARN, status: 'Active', modelArn: MODEL },
    staging: { name: 'prod-stg-1' },
    evaluations: [{ name: 'prod-eval-new-1', status: 'Completed' }],
    created: [{ name: 'prod', times: 1 }],
    ...over,
  });
  const existing = { deployment: 'prod', childId: 'run-promote', previousModelArn: BEFORE, previousArn: PROD_ARN };
  const completed = job('Completed', T0);

  it('promoted: production serves the run’s model, nothing of the promotion left', () => {
    expect(judgePromotion(seen(), 'promoted', completed).right).toBe(true);
    expect(
      judgePromotion(seen({ staging: { name: 'prod-stg-1', status: 'Active' } }), 'promoted', completed).why,
    ).toMatch(/staging deployment prod-stg-1 is left/);
    expect(
      judgePromotion(seen({ evaluations: [{ name: 'prod-eval-new-1', status: 'InProgress' }] }), 'promoted', completed)
        .why,
    ).toMatch(/still InProgress/);
    expect(judgePromotion(seen({ created: [{ name: 'prod', times: 2 }] }), 'promoted', completed).why).toMatch(
      /created 2 times/,
    );
    expect(judgePromotion(seen({ production: undefined }), 'promoted', completed).why).toMatch(/no deployment/);
    expect(
      judgePromotion(seen({ production: { arn: PROD_ARN, status: 'Active', modelArn: BEFORE } }), 'promoted', completed)
        .why,
    ).toMatch(/serves .*before/);
    expect(
      judgePromotion(
        seen({ target: existing, production: { arn: `${PROD_ARN}-2`, status: 'Active', modelArn: MODEL } }),
        'promoted',
        completed,
      ).why,
    ).toMatch(/a new deployment/);
  });

  it('rolled back or cancelled: production as it was, or gone when the promotion was to create it', () => {
    expect(judgePromotion(seen({ production: undefined }), 'rolled-back', completed).right).toBe(true);
    expect(judgePromotion(seen(), 'rolled-back', completed).why).toMatch(/prod it created is left/);
    const before = { arn: PROD_ARN, status: 'Active', modelArn: BEFORE };
    expect(judgePromotion(seen({ target: existing, production: before }), 'untouched', completed).right).toBe(true);
    expect(judgePromotion(seen({ target: existing }), 'rolled-back', completed).why).toMatch(/not .*before/);
    expect(
      judgePromotion(
        seen({ target: existing, production: { ...before, updateStatus: 'Updating' } }),
        'untouched',
        completed,
      ).why,
    ).toMatch(/Updating/);
    expect(judgePromotion(seen({ target: existing, production: undefined }), 'untouched', completed).why).toMatch(
      /which existed, is gone/,
    );
  });

  it('a smoke-fail run must end rolled back with its training job Completed', () => {
    const smoke = (outcome: RunOutcome, jobs: Job[]) =>
      judge({
        plan: plan('smoke-fail', 'smoke-test'),
        delivery: { point: 'smoke-test', landed: true },
        outcome,
        createStarted: true,
        jobs,
        promotion: seen({ production: undefined }),
      });
    expect(smoke(failed('PromotionRolledBack'), [completed]).right).toBe(true);
    expect(smoke(failed('PromotionFailed'), [completed]).why).toMatch(/ended failed PromotionFailed/);
    expect(smoke(failed('PromotionRolledBack'), [job('Stopped')]).why).toMatch(/its job is Stopped/);
  });
});
