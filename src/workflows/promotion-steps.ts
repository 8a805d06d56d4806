// The steps of a promotion, in order: check, evaluate (a staging copy of the new model and the model in
// production answer the same prompts; a judge evaluation job scores each), gate, approve, promote
// (create the deployment or point it at the new model), smoke-test through production. Every create
// carries a token derived from this run; every resource its lineage (the reconciler's way to it).
import { ApplicationFailure, condition, log } from '@temporalio/workflow';
import type { PromotionCheck } from '../activities/promotion/check';
import type { EvaluationRef } from '../activities/promotion/evaluation';
import { durationMs } from '../core/durations';
import { FailureType } from '../core/failures';
import {
  evaluationJobName,
  gate,
  promotionToken,
  stagingName,
  type MetricAverages,
  type PromotionResource,
} from '../core/promotion';
import type { PromotionResult } from '../core/promotion-contract';
import type { Promotion } from './promotion';

const DEFAULT_APPROVAL_TIMEOUT = '3d';
const DEFAULT_SMOKE_PROMPTS = 5;

export async function checkPromotion(p: Promotion): Promise<PromotionCheck> {
  const check = await p.acts.checkPromotion({ customModelArn: p.input.customModelArn, promotion: p.input.promotion });
  if (check.current) p.state.current = check.current;
  return check;
}

const token = (p: Promotion, resource: PromotionResource) => promotionToken(p.info.workflowId, resource);

/**
 * Scores of the new model and, when the deployment exists, of the model it serves, on the same prompts
 * and metrics. The staging copy is deleted as soon as its answers are in (it costs while it exists).
 */
export async function evaluate(
  p: Promotion,
  check: PromotionCheck,
): Promise<{ fresh: MetricAverages; current?: MetricAverages }> {
  p.setPhase('evaluating');
  const { input, state } = p;
  const stagingKind = check.stagingKind;
  state.staging = { kind: stagingKind, name: stagingName(input.promotion.deployment, p.info.workflowId) };
  const staging = await p.acts.createServing({
    kind: stagingKind,
    name: state.staging.name,
    modelArn: input.customModelArn,
    clientRequestToken: token(p, stagingKind === 'deployment' ? 'staging-deployment' : 'candidate-throughput'),
    lineage: {
      workflowId: p.info.workflowId,
      role: stagingKind === 'deployment' ? 'staging-deployment' : 'candidate-throughput',
    },
    ...(stagingKind === 'throughput' ? { modelUnits: 1 } : {}),
  });
  state.staging.arn = staging.arn;
  p.show();
  await p.acts.waitServing({
    kind: stagingKind,
    name: state.staging.name,
    modelArn: input.customModelArn,
    backoff: p.waitBackoff,
  });
  const answers = (label: 'new' | 'current', servingArn: string) =>
    p.acts.generateAnswers({
      servingArn,
      datasetUri: input.promotion.evaluation.dataset,
      outputUri: `${p.outputUri}answers-${label}.jsonl`,
      label,
      requestsPerMinute: p.requestsPerMinute,
    });
  const [fresh, current] = await Promise.all([
    answers('new', staging.arn),
    state.current ? answers('current', state.current.arn) : Promise.resolve(undefined),
  ]);
  await deleteStaging(p);
  for (const [label, generated] of [
    ['new', fresh],
    ['current', current],
  ] as const) {
    if (generated && generated.failed > 0)
      log.warn(`the ${label} model failed ${generated.failed} of ${generated.prompts} prompts: judged as no answer`);
  }
  const started = await Promise.all([
    startEvaluation(p, 'new', fresh.uri),
    current ? startEvaluation(p, 'current', current.uri) : Promise.resolve(undefined),
  ]);
  const [freshScores, currentScores] = await Promise.all(
    started.map(async (ref) => {
      if (!ref) return undefined;
      await p.acts.waitEvaluation({ ...ref, backoff: p.waitBackoff });
      return p.acts.readEvaluationScores(ref);
    }),
  );
  return { fresh: freshScores!, ...(currentScores ? { current: currentScores } : {}) };
}

async function startEvaluation(p: Promotion, which: 'new' | 'current', datasetUri: string): Promise<EvaluationRef> {
  const { input, state } = p;
  const jobName = evaluationJobName(input.promotion.deployment, p.info.workflowId, which);
  state.evaluationsStarted.push(jobName);
  const ref = await p.acts.startEvaluation({
    jobName,
    clientRequestToken: token(p, which === 'new' ? 'evaluation-new' : 'evaluation-current'),
    roleArn: input.promotion.evaluation.roleArn ?? input.roleArn,
    judge: p.judge,
    metrics: input.promotion.evaluation.metrics,
    datasetUri,
    label: which,
    outputUri: `${p.outputUri}evaluation/`,
    workflowId: p.info.workflowId,
  });
  state.evaluations[which] = ref;
  p.show();
  return ref;
}

/** The staging copy goes once its answers are in; also the release's first undo. */
export async function deleteStaging(p: Promotion): Promise<void> {
  const staging = p.state.staging;
  if (!staging || staging.deleted) return;
  const outcome = await p.acts.deleteServing({ kind: staging.kind, name: staging.name });
  staging.deleted = true;
  p.noteCleanup(`staging ${staging.kind} ${staging.name}: ${outcome}`);
}

/** The comparison table; a promotion that fails its gate ends here, production untouched. */
export function applyGate(
  p: Promotion,
  scores: { fresh: MetricAverages; current?: MetricAverages },
): PromotionResult | undefined {
  const verdict = gate(p.input.promotion, scores.fresh, scores.current);
  p.state.rows = verdict.rows;
  p.show();
  if (verdict.passed) return undefined;
  p.setPhase('gated');
  const reasons = verdict.rows.filter((r) => r.verdict === 'fail').map((r) => r.reason!);
  log.info('promotion gated', { reasons });
  return result(p, 'gated', reasons);
}

/** When approval is required: the approve or reject update, or nothing by the timeout (not promoted). */
export async function awaitApproval(p: Promotion): Promise<PromotionResult | undefined> {
  const approval = p.input.promotion.approval;
  if (!approval?.required) return undefined;
  const timeoutMs = durationMs(approval.timeout ?? DEFAULT_APPROVAL_TIMEOUT);
  p.state.approvalDeadline = new Date(Date.now() + timeoutMs).toISOString();
  p.setPhase('awaiting-approval');
  const decided = await condition(() => p.state.approval !== undefined, timeoutMs);
  if (!decided) {
    p.setPhase('not-approved');
    return result(p, 'not-approved', [
      `no one approved or rejected it within ${approval.timeout ?? DEFAULT_APPROVAL_TIMEOUT}`,
    ]);
  }
  if (p.state.approval!.approved) return undefined;
  p.setPhase('rejected');
  return result(p, 'rejected', [`rejected by ${p.state.approval!.by}: ${p.state.approval!.reason}`]);
}

/** Creates the deployment, or points it at the new model; returns once Bedrock says it serves it. */
export async function promote(p: Promotion): Promise<void> {
  p.setPhase('promoting');
  const { input, state } = p;
  const name = input.promotion.deployment;
  if (state.current) {
    state.production = { kind: p.kind, name, arn: state.current.arn, change: 'updated', proved: false };
    await p.acts.updateServing({ kind: p.kind, name, modelArn: input.customModelArn });
  } else {
    state.production = { kind: p.kind, name, change: 'created', proved: false };
    const created = await p.acts.createServing({
      kind: p.kind,
      name,
      modelArn: input.customModelArn,
      clientRequestToken: token(p, p.kind === 'deployment' ? 'production-deployment' : 'production-throughput'),
      lineage: { workflowId: p.info.workflowId, role: 'production' },
      ...(p.kind === 'throughput'
        ? {
            modelUnits: input.promotion.modelUnits,
            ...(input.promotion.commitment ? { commitment: input.promotion.commitment } : {}),
          }
        : {}),
    });
    state.production.arn = created.arn;
  }
  p.show();
  await p.acts.waitServing({ kind: p.kind, name, modelArn: input.customModelArn, backoff: p.waitBackoff });
}

/** A few of the evaluation's prompts through production; a failure rolls back (promotion-release.ts). */
export async function smokeTest(p: Promotion): Promise<{ passed: boolean; failure?: string }> {
  p.setPhase('smoke-testing');
  const prompts = p.input.promotion.smokeTest?.prompts ?? DEFAULT_SMOKE_PROMPTS;
  const outcome = await p.acts.smokeTest({
    servingArn: p.state.production!.arn!,
    datasetUri: p.input.promotion.evaluation.dataset,
    prompts,
  });
  p.state.smokeTest = { prompts, passed: outcome.passed, ...(outcome.failure ? { failure: outcome.failure } : {}) };
  if (outcome.passed) p.state.production!.proved = true;
  p.show();
  return outcome;
}

export function promoted(p: Promotion): PromotionResult {
  p.setPhase('promoted');
  return result(p, 'promoted');
}

export function result(p: Promotion, outcome: PromotionResult['outcome'], reasons?: string[]): PromotionResult {
  const { state, input } = p;
  return {
    outcome,
    ...(reasons ? { reasons } : {}),
    deployment: {
      kind: p.kind,
      name: input.promotion.deployment,
      ...((state.production?.arn ?? state.current?.arn) ? { arn: state.production?.arn ?? state.current?.arn } : {}),
    },
    modelArn: input.customModelArn,
    ...(state.current ? { previousModelArn: state.current.modelArn } : {}),
    scores: state.rows ?? [],
    ...(state.approval ? { approval: state.approval } : {}),
    evaluation: {
      ...(state.evaluations.new ? { newJobArn: state.evaluations.new.jobArn } : {}),
      ...(state.evaluations.current ? { currentJobArn: state.evaluations.current.jobArn } : {}),
      outputUri: p.outputUri,
    },
    ...(state.smokeTest ? { smokeTest: { prompts: state.smokeTest.prompts, passed: state.smokeTest.passed } } : {}),
    ...(state.cleanup.length > 0 ? { cleanup: state.cleanup } : {}),
    timings: { startedAt: state.startedAt, finishedAt: new Date().toISOString() },
  };
}

/** The run's typed end when production was rolled back. */
export function rolledBack(p: Promotion, why: string): never {
  throw ApplicationFailure.create({
    type: FailureType.PromotionRolledBack,
    message: why,
    nonRetryable: true,
    details: [result(p, 'rolled-back', [why])],
  });
}
