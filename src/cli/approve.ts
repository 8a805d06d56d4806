// `finetune approve|reject <workflow-id>`: the answer a promotion with `approval.required` waits for
// (the `approve` and `reject` updates, with a reason and who sent it). The ID is a fineTune run's (its
// promotion is the child `<id>-promote`) or a promote run's. A promotion that is not waiting for an
// answer refuses it (the update's validator): exit 2 with the workflow's own words.
import { userInfo, hostname } from 'node:os';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Command } from 'commander';
import type { ApprovalDecision, FineTuneClient } from '../client';
import { FineTunePhaseKey } from '../core/search-attributes';
import { approvalText, printJson } from './format';
import { UsageError } from './exit-codes';
import { withSession } from './session';

interface DecisionFlags {
  reason?: string;
  by?: string;
  json?: boolean;
}

/** Who answers: `--by`, else the user and host the CLI runs as. */
export function sender(by: string | undefined): string {
  if (by !== undefined) {
    if (!by.trim()) throw new UsageError('--by is empty: give a name, or leave it out for user@host.');
    return by.trim();
  }
  return `${userInfo().username}@${hostname()}`;
}

async function decide(
  ft: FineTuneClient,
  workflowId: string,
  approved: boolean,
  reason: string,
  by: string,
): Promise<{ workflowId: string; approval: ApprovalDecision }> {
  const verb = approved ? 'approve' : 'reject';
  const promotion = await ft.promotions.of(workflowId);
  const described = await promotion.handle.describe();
  if (described.status.name !== 'RUNNING') {
    const phase = described.typedSearchAttributes.get(FineTunePhaseKey);
    throw new UsageError(
      `Nothing to ${verb}: the promotion ${promotion.workflowId} has already ended (${described.status.name.toLowerCase()}${phase ? `, ${phase}` : ''}).`,
    );
  }
  try {
    const approval = await (approved ? promotion.approve(reason, by) : promotion.reject(reason, by));
    return { workflowId: promotion.workflowId, approval };
  } catch (err) {
    // The validator refused it: the promotion is not (or no longer) waiting for an answer.
    if (err instanceof WorkflowUpdateFailedError)
      throw new UsageError(
        `The promotion ${promotion.workflowId} refused to ${verb}: ${err.cause?.message ?? err.message}.`,
      );
    throw err;
  }
}

export function registerApprovalCommands(program: Command): void {
  const idArgument = [
    '<workflow-id>',
    'a fineTune run (its promotion, <id>-promote), or a promote run (see `finetune list --phase awaiting-approval`)',
  ] as const;

  program
    .command('approve')
    .description('approve a promotion waiting for approval: production switches to the new model')
    .argument(...idArgument)
    .option('--reason <text>', 'why, recorded on the promotion (default "approved")')
    .option('--by <name>', 'who approves (default user@host)')
    .option('--json', 'print { workflowId, approval } as one JSON object')
    .addHelpText(
      'after',
      '\nExamples:\n  finetune approve weekly-support-bot-2026-11-30T03:00:00Z --reason "scores look right"\n  finetune approve promote-support-bot-abcdefghijkl --by ana',
    )
    .action(async (workflowId: string, flags: DecisionFlags) => {
      const by = sender(flags.by);
      await withSession(async ({ ft }) => {
        const decided = await decide(ft, workflowId, true, flags.reason ?? 'approved', by);
        if (flags.json) return printJson(decided);
        console.log(
          `Promotion ${decided.workflowId}: ${approvalText(decided.approval)}\nIt goes on to production: finetune status ${decided.workflowId}`,
        );
      });
    });

  program
    .command('reject')
    .description('reject a promotion waiting for approval: it ends "rejected", production untouched')
    .argument(...idArgument)
    .requiredOption('--reason <text>', 'why (required), recorded on the promotion and its result')
    .option('--by <name>', 'who rejects (default user@host)')
    .option('--json', 'print { workflowId, approval } as one JSON object')
    .addHelpText(
      'after',
      '\nExample:\n  finetune reject weekly-support-bot-2026-11-30T03:00:00Z --reason "tone regressed on refunds"',
    )
    .action(async (workflowId: string, flags: DecisionFlags) => {
      if (!flags.reason?.trim()) throw new UsageError('--reason is empty: say why the promotion is rejected.');
      const by = sender(flags.by);
      await withSession(async ({ ft }) => {
        const decided = await decide(ft, workflowId, false, flags.reason!.trim(), by);
        if (flags.json) return printJson(decided);
        console.log(
          `Promotion ${decided.workflowId}: ${approvalText(decided.approval)}\nIt ends rejected; production is untouched.`,
        );
      });
    });
}
