// What a promote run shows in the Temporal UI (its current details): the comparison table (metric,
// new, current, threshold, verdict), the approval, production, and what was cleaned up. Pure Markdown.
import type { PromoteInput } from '../core/promotion-contract';
import { scoreTable } from '../core/score-table';
import type { PromotionState } from './promotion';

const cell = (value: string) => value.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

export function promotionDetailsMarkdown(input: PromoteInput, state: PromotionState): string {
  const lines = [
    `### Promotion to \`${cell(input.promotion.deployment)}\` (${state.phase})`,
    '',
    '| | |',
    '|---|---|',
    `| Model | \`${cell(input.customModelArn)}\` |`,
    `| Serving now | ${state.current ? `\`${cell(state.current.modelArn)}\`` : 'nothing yet (the deployment is created)'} |`,
    ...(input.trainedBy ? [`| Trained by | \`${cell(input.trainedBy.workflowId)}\` |`] : []),
    ...(state.staging
      ? [`| Staging | \`${cell(state.staging.name)}\`${state.staging.deleted ? ' (deleted)' : ''} |`]
      : []),
    ...(state.approvalDeadline && !state.approval ? [`| Approval by | ${state.approvalDeadline} |`] : []),
    ...(state.approval
      ? [
          `| Approval | ${state.approval.approved ? 'approved' : 'rejected'} by ${cell(state.approval.by)}: ${cell(state.approval.reason)} |`,
        ]
      : []),
    ...(state.smokeTest
      ? [
          `| Smoke test | ${state.smokeTest.passed ? 'passed' : `**failed**: ${cell(state.smokeTest.failure ?? '')}`} (${state.smokeTest.prompts} prompts) |`,
        ]
      : []),
  ];
  if (state.rows && state.rows.length > 0) lines.push('', '#### Scores', '', ...scoreTable(state.rows));
  if (state.cleanup.length > 0) lines.push('', '#### Clean-up', '', ...state.cleanup.map((c) => `- ${cell(c)}`));
  return lines.join('\n');
}
