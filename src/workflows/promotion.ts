// What one promote run knows and answers, in the manner of fine-tune's Run: its state, the approve and
// reject updates, the progress query, and the one path for its phase. The steps live in
// promotion-steps.ts, the way every promotion ends with nothing it created left behind and production
// never left on an unproved model in promotion-release.ts; promote.ts reads as the flow.
import { upsertSearchAttributes, workflowInfo, setCurrentDetails, type WorkflowInfo } from '@temporalio/workflow';
import { DEFAULT_JUDGE, DEFAULT_REQUESTS_PER_MINUTE, kindOf, type ScoreRow } from '../core/promotion';
import type {
  ApprovalDecision,
  ApprovalRequest,
  PromoteInput,
  PromotionPhase,
  PromotionProgress,
  ServingKind,
  ServingState,
} from '../core/promotion-contract';
import type { EvaluationRef } from '../activities/promotion/evaluation';
import type { Backoff } from '../core/backoff';
import { pollingFrom } from '../core/polling';
import { FineTunePhaseKey } from '../core/search-attributes';
import { promotionActivitiesFor, type PromotionActivities } from './activity-options';
import { promotionDetailsMarkdown } from './promotion-details';

/** Deployments take minutes to create and update, evaluation jobs tens of minutes: no need to look often. */
export const PROMOTION_WAIT: Backoff = { initialMs: 30_000, coefficient: 2, maximumMs: 120_000, jitter: 0 };

/** Phases after which nothing is left to decide or undo. */
const FINAL: readonly PromotionPhase[] = [
  'promoted',
  'gated',
  'rejected',
  'not-approved',
  'rolled-back',
  'cancelled',
  'failed',
];

export interface PromotionState {
  phase: PromotionPhase;
  startedAt: string;
  /** What the deployment's name served when the promotion began: compared with, rolled back to. */
  current?: ServingState;
  /** The staging copy of the new model: created (maybe) from here on, deleted once answers are in. */
  staging?: { kind: ServingKind; name: string; arn?: string; deleted?: boolean };
  evaluations: { new?: EvaluationRef; current?: EvaluationRef };
  /** Creation of these evaluation jobs has begun (a job may exist before the run hears of it). */
  evaluationsStarted: string[];
  rows?: ScoreRow[];
  approval?: ApprovalDecision;
  approvalDeadline?: string;
  /** Production as this promotion changed it: not proved until its smoke test passes. */
  production?: { kind: ServingKind; name: string; arn?: string; change: 'created' | 'updated'; proved: boolean };
  smokeTest?: { prompts: number; passed: boolean; failure?: string };
  /** What was removed or restored again, in order. */
  cleanup: string[];
}

export class Promotion {
  readonly state: PromotionState;
  readonly info: WorkflowInfo = workflowInfo();
  readonly acts: PromotionActivities = promotionActivitiesFor();
  readonly kind: ServingKind;
  readonly judge: string;
  readonly requestsPerMinute: number;
  /** Where the answers and the evaluation jobs' results go. */
  readonly outputUri: string;
  /** How often waits look (the run's polling); the activities' own default when absent. */
  readonly waitBackoff?: Backoff;

  constructor(readonly input: PromoteInput) {
    const spec = input.promotion;
    this.kind = kindOf(spec) === 'on-demand' ? 'deployment' : 'throughput';
    this.judge = spec.evaluation.judge ?? DEFAULT_JUDGE;
    this.requestsPerMinute = spec.evaluation.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE;
    const base = input.outputS3Uri.endsWith('/') ? input.outputS3Uri : `${input.outputS3Uri}/`;
    this.outputUri = `${base}promotion/${this.info.workflowId.replace(/[^a-zA-Z0-9._-]+/g, '-')}/`;
    if (input.polling) this.waitBackoff = pollingFrom(input.polling, PROMOTION_WAIT);
    this.state = {
      phase: 'checking',
      startedAt: new Date(this.info.runStartTime).toISOString(),
      evaluations: {},
      evaluationsStarted: [],
      cleanup: [],
    };
  }

  // ---- messages ----

  progress(): PromotionProgress {
    const s = this.state;
    return {
      phase: s.phase,
      deployment: this.input.promotion.deployment,
      modelArn: this.input.customModelArn,
      ...(s.current ? { previousModelArn: s.current.modelArn } : {}),
      ...(s.rows ? { scores: s.rows } : {}),
      ...(s.approval ? { approval: s.approval } : {}),
      ...(s.approvalDeadline ? { approvalDeadline: s.approvalDeadline } : {}),
      ...(s.staging ? { staging: s.staging.name } : {}),
      evaluationJobs: [s.evaluations.new?.jobArn, s.evaluations.current?.jobArn].filter((a): a is string => !!a),
      cleanup: s.cleanup,
    };
  }

  /** Approve and reject are taken only while the promotion waits for them. */
  validateDecision(): void {
    if (this.state.phase !== 'awaiting-approval') {
      throw new Error(`the promotion is not awaiting approval (phase ${this.state.phase})`);
    }
    if (this.state.approval) throw new Error(`already ${this.state.approval.approved ? 'approved' : 'rejected'}`);
  }

  decide(approved: boolean, request: ApprovalRequest): ApprovalDecision {
    this.state.approval = {
      approved,
      reason: request.reason?.trim() || (approved ? 'approved' : 'rejected'),
      by: request.by?.trim() || 'unknown',
      at: new Date().toISOString(),
    };
    this.show();
    return this.state.approval;
  }

  // ---- the one path for the phase ----

  setPhase(phase: PromotionPhase): void {
    this.state.phase = phase;
    upsertSearchAttributes([{ key: FineTunePhaseKey, value: phase }]);
    this.show();
  }

  isFinal(): boolean {
    return FINAL.includes(this.state.phase);
  }

  show(): void {
    setCurrentDetails(promotionDetailsMarkdown(this.input, this.state));
  }

  /** Recorded for the UI and the result: what was removed or restored, and how. */
  noteCleanup(line: string): void {
    this.state.cleanup.push(line);
    this.show();
  }
}
