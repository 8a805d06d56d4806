// The promote workflow: a trained custom model carried to production behind a stable deployment, or
// not, exactly once. A fineTune run whose request has `orchestration.promotion` starts it as a child
// (so it has its own page in the UI, its own history and its own approve/reject updates);
// `finetune promote <custom-model-arn>` starts it alone, for a model trained elsewhere. This file wires
// the messages and reads as the flow; promotion.ts holds the state, promotion-steps.ts the steps,
// promotion-release.ts the way every promotion ends with nothing of it left half-done.
import { setHandler } from '@temporalio/workflow';
import {
  approveUpdate,
  promotionProgressQuery,
  rejectUpdate,
  type PromoteInput,
  type PromotionResult,
} from '../core/promotion-contract';
import { Promotion } from './promotion';
import { ownTheChanges, rollBackAfterSmokeTest } from './promotion-release';
import {
  applyGate,
  awaitApproval,
  checkPromotion,
  evaluate,
  promote as switchProduction,
  promoted,
  smokeTest,
} from './promotion-steps';

export async function promote(input: PromoteInput): Promise<PromotionResult> {
  const p = new Promotion(input);

  setHandler(promotionProgressQuery, () => p.progress());
  setHandler(approveUpdate, (request) => p.decide(true, request), { validator: (_request) => p.validateDecision() });
  setHandler(rejectUpdate, (request) => p.decide(false, request), { validator: (_request) => p.validateDecision() });
  p.show();

  return ownTheChanges(p, async () => {
    const check = await checkPromotion(p); //              the model, the prompts, what serves production now
    const scores = await evaluate(p, check); //            new and current, same prompts, a judge job each
    const gated = applyGate(p, scores); //                 min and maxDrop per metric
    if (gated) return gated;
    const undecided = await awaitApproval(p); //           approve / reject, or the timeout
    if (undecided) return undecided;
    await switchProduction(p); //                          create, or point at the new model; wait
    const smoke = await smokeTest(p); //                   through production
    if (!smoke.passed) await rollBackAfterSmokeTest(p, smoke.failure!);
    return promoted(p);
  });
}
