// The reconciler's rules: for each live Bedrock resource this project made, whether it is left alone,
// ended, or reported to a person. What a workflow cannot clean up itself (a run terminated, timed out,
// or lost with its namespace's history) is ended here; nothing that is not provably this installation's,
// and nothing a run still owns, is ever touched. Pure: the reconcile workflow decides with it.
import type { Lineage, LineageScope } from './lineage';

/** The kinds of resource the reconciler knows. */
export const RESOURCE_KINDS = [
  'customization-job',
  'custom-model-deployment',
  'provisioned-throughput',
  'evaluation-job',
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** A live (running or billing) resource with this project's lineage tags. */
export interface OwnResource {
  kind: ResourceKind;
  arn: string;
  name: string;
  /** Bedrock's status for it (InProgress for a job, Active or Creating for a deployment...). */
  status: string;
  /** A Provisioned Throughput's commitment: it cannot be deleted before its term ends. */
  commitment?: string;
  createdAt?: string;
  lineage: Lineage;
}

/** What the namespace says of the run a resource names. */
export type RunLook =
  | { state: 'open'; status: string }
  | { state: 'closed'; status: string; closedAt?: string }
  /** No run with this workflow ID in the namespace: never started here, past retention, or lost. */
  | { state: 'unknown' }
  /** The namespace could not be asked (try again next time). */
  | { state: 'error'; message: string };

export type ReconcileAction = 'stop' | 'delete';

export type Decision =
  | { verdict: 'end'; action: ReconcileAction; why: string }
  | { verdict: 'leave'; why: string }
  /** This installation's, maybe orphaned, but nothing here can prove it: a person looks. */
  | { verdict: 'report'; why: string; command: string };

const ACTION_OF: Record<ResourceKind, ReconcileAction> = {
  'customization-job': 'stop',
  'custom-model-deployment': 'delete',
  'provisioned-throughput': 'delete',
  'evaluation-job': 'stop',
};

/** The roles whose resource a run should have released itself: the reconciler's to end when it did not. */
const ENDABLE_ROLES: Record<ResourceKind, readonly string[]> = {
  'customization-job': ['training-job'],
  'custom-model-deployment': ['staging-deployment'],
  'provisioned-throughput': ['candidate-throughput'],
  'evaluation-job': ['evaluation-job'],
};

/** What the reconciler may do to a resource whose run `run` is, in `scope`. */
export function decide(resource: OwnResource, scope: LineageScope, run: RunLook | undefined): Decision {
  const { lineage } = resource;
  const describe = `temporal workflow describe --workflow-id '${lineage.workflowId}'`;
  if (lineage.namespace === undefined || lineage.installation === undefined) {
    return {
      verdict: 'report',
      why: 'its lineage names no namespace (created before lineage did): whose it is cannot be proved',
      command: `${describe}; then ${endCommand(resource)}`,
    };
  }
  if (lineage.namespace !== scope.namespace || lineage.installation !== scope.installation) {
    return {
      verdict: 'leave',
      why: `another namespace's or installation's (${lineage.installation}/${lineage.namespace})`,
    };
  }
  if (lineage.role === 'production') {
    return { verdict: 'leave', why: 'it serves callers (production): only a promotion or a person changes it' };
  }
  // A job with no role tag predates roles: a customization job is a run's training job all the same.
  const role = lineage.role ?? (resource.kind === 'customization-job' ? 'training-job' : undefined);
  if (!role || !ENDABLE_ROLES[resource.kind].includes(role)) {
    return {
      verdict: 'report',
      why: `a ${resource.kind} with role ${role ?? 'none'}: not one a run releases, so not the reconciler's to end`,
      command: `${describe}; then, if it is not wanted, ${endCommand(resource)}`,
    };
  }
  if (!lineage.exact) {
    return {
      verdict: 'report',
      why: 'its workflow ID is longer than a tag holds, so "no such run" proves nothing',
      command: `temporal workflow list --query "WorkflowId STARTS_WITH '${lineage.workflowId}'"; then ${endCommand(resource)}`,
    };
  }
  if (!run) return { verdict: 'leave', why: 'its run was not looked up' };
  switch (run.state) {
    case 'error':
      return { verdict: 'leave', why: `its run could not be looked up (${run.message}); the next pass tries again` };
    case 'open':
      return { verdict: 'leave', why: `its run is open (${run.status}) and owns it` };
    case 'closed':
      if (resource.commitment) return committed(resource, `its run closed (${run.status})`);
      return {
        verdict: 'end',
        action: ACTION_OF[resource.kind],
        why: `its run closed (${run.status}) without ending it`,
      };
    case 'unknown':
      if (resource.commitment) return committed(resource, 'no run of its workflow ID is in the namespace');
      return {
        verdict: 'end',
        action: ACTION_OF[resource.kind],
        why: 'no run of its workflow ID is in the namespace (past retention, or its history was lost)',
      };
  }
}

/** A Provisioned Throughput with a commitment cannot be deleted before its term: a person decides. */
function committed(resource: OwnResource, why: string): Decision {
  return {
    verdict: 'report',
    why: `${why}, but it has a ${resource.commitment} commitment: it cannot be deleted before its term ends`,
    command: `aws bedrock get-provisioned-model-throughput --provisioned-model-id ${resource.arn} (commitmentExpirationTime); then ${endCommand(resource)}`,
  };
}

/** The command that ends a resource by hand. */
export function endCommand(resource: Pick<OwnResource, 'kind' | 'arn'>): string {
  switch (resource.kind) {
    case 'customization-job':
      return `aws bedrock stop-model-customization-job --job-identifier ${resource.arn}`;
    case 'custom-model-deployment':
      return `aws bedrock delete-custom-model-deployment --custom-model-deployment-identifier ${resource.arn}`;
    case 'provisioned-throughput':
      return `aws bedrock delete-provisioned-model-throughput --provisioned-model-id ${resource.arn}`;
    case 'evaluation-job':
      return `aws bedrock stop-evaluation-job --job-identifier ${resource.arn}`;
  }
}

/** How ending one resource went. */
export type EndOutcome =
  | { outcome: 'ended'; message: string }
  | { outcome: 'already-ended'; message: string }
  /** Its run was open again when the reconciler came to act (a new run under the same ID). */
  | { outcome: 'left'; message: string }
  | { outcome: 'dry-run'; message: string }
  | { outcome: 'failed'; message: string; command: string };

export interface ReconcileItem {
  resource: OwnResource;
  run?: RunLook;
  decision: Decision;
  /** For resources the decision ends. */
  ended?: EndOutcome;
}

export interface ReconcileReport {
  at: string;
  dryRun: boolean;
  scope: LineageScope;
  /** Live resources examined with this project's lineage (any namespace). */
  examined: number;
  /** Resources ended (stop or delete requested) in this pass. */
  ended: number;
  /** Resources a person should look at: reported, or an end that failed. */
  needAttention: number;
  items: ReconcileItem[];
}

/** The report's counts from its items. */
export function reportOf(
  items: ReconcileItem[],
  meta: Pick<ReconcileReport, 'at' | 'dryRun' | 'scope'>,
): ReconcileReport {
  return {
    ...meta,
    examined: items.length,
    ended: items.filter((i) => i.ended?.outcome === 'ended').length,
    needAttention: items.filter((i) => i.decision.verdict === 'report' || i.ended?.outcome === 'failed').length,
    items,
  };
}
