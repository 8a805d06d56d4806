// Deployments and Provisioned Throughputs as pure functions of their record and the clock, in simulated
// seconds divided by the resource's own time scale (as jobs: lifecycle.ts), so a restarted simulator
// reports exactly what the clock says. Durations where AWS states none are ours (README "The time model
// after training").
import type { DeploymentRecord, ModelUpdate, ResourceBase, ThroughputRecord } from './resource-records';

export const RESOURCE_TIMING = {
  /** Creating to Active: about 7.5 minutes (3P cloud-custodian recording, model-lifecycle.md 2.3). */
  deploymentCreateS: 450,
  /** Updating to UpdateCompleted: UNCONFIRMED; our choice, shorter than a create (the endpoint exists). */
  deploymentUpdateS: 300,
  /** Creating to InService: UNCONFIRMED; our choice. */
  throughputCreateS: 600,
  /** Updating to InService: UNCONFIRMED; our choice. */
  throughputUpdateS: 300,
  /** Commitment terms, simulated like every other duration. */
  oneMonthS: 30 * 24 * 3600,
  sixMonthsS: 182 * 24 * 3600,
} as const;

export function scaledMs(resource: Pick<ResourceBase, 'timeScale'>, seconds: number): number {
  return Math.round((seconds * 1000) / resource.timeScale);
}

export function isGone(resource: ResourceBase, nowMs: number): boolean {
  return resource.goneAtMs !== undefined && resource.goneAtMs <= nowMs;
}

export type DeploymentStatus = 'Creating' | 'Active' | 'Failed';
export type DeploymentUpdateStatus = 'Updating' | 'UpdateCompleted' | 'UpdateFailed';

export interface DeploymentView {
  status: DeploymentStatus;
  /** The custom model it serves now: the last completed update's, else the one it was created with. */
  modelArn: string;
  updateDetails?: { modelArn: string; updateStatus: DeploymentUpdateStatus };
  lastUpdatedAtMs: number;
  failureMessage?: string;
}

/** Updates the clock has reached, oldest first. */
function startedUpdates(updates: readonly ModelUpdate[], nowMs: number): ModelUpdate[] {
  return updates.filter((u) => u.requestedAtMs <= nowMs).sort((a, b) => a.requestedAtMs - b.requestedAtMs);
}

export function evaluateDeployment(d: DeploymentRecord, nowMs: number): DeploymentView {
  const createdAt = d.creationTimeMs + scaledMs(d, RESOURCE_TIMING.deploymentCreateS);
  if (nowMs < createdAt) return { status: 'Creating', modelArn: d.modelArn, lastUpdatedAtMs: d.creationTimeMs };
  if (d.createFailureMessage !== undefined) {
    return {
      status: 'Failed',
      modelArn: d.modelArn,
      lastUpdatedAtMs: createdAt,
      failureMessage: d.createFailureMessage,
    };
  }
  // DECISION (UNCONFIRMED in the reference): status stays Active during an update, and modelArn
  // switches to the new model only at UpdateCompleted; updateDetails names the model being deployed.
  const view: DeploymentView = { status: 'Active', modelArn: d.modelArn, lastUpdatedAtMs: createdAt };
  for (const u of startedUpdates(d.updates, nowMs)) {
    const endMs = u.requestedAtMs + scaledMs(d, RESOURCE_TIMING.deploymentUpdateS);
    if (nowMs < endMs) {
      view.updateDetails = { modelArn: u.modelArn, updateStatus: 'Updating' };
      view.lastUpdatedAtMs = u.requestedAtMs;
      delete view.failureMessage;
      break;
    }
    view.lastUpdatedAtMs = endMs;
    if (u.failureMessage !== undefined) {
      view.updateDetails = { modelArn: u.modelArn, updateStatus: 'UpdateFailed' };
      view.failureMessage = u.failureMessage;
    } else {
      view.updateDetails = { modelArn: u.modelArn, updateStatus: 'UpdateCompleted' };
      view.modelArn = u.modelArn;
      delete view.failureMessage;
    }
  }
  return view;
}

/** Creating, or Updating: a Delete (or a second Update to another model) is refused meanwhile. */
export function deploymentMutating(view: DeploymentView): boolean {
  return view.status === 'Creating' || view.updateDetails?.updateStatus === 'Updating';
}

export type ThroughputStatus = 'Creating' | 'InService' | 'Updating' | 'Failed';

export interface ThroughputView {
  status: ThroughputStatus;
  /** What it serves now. */
  modelArn: string;
  /** What it was last asked to serve: differs from modelArn while an update runs. */
  desiredModelArn: string;
  lastModifiedTimeMs: number;
  failureMessage?: string;
  commitmentExpirationTimeMs?: number;
}

export function commitmentExpirationMs(t: ThroughputRecord): number | undefined {
  if (t.commitmentDuration === undefined) return undefined;
  const term = t.commitmentDuration === 'OneMonth' ? RESOURCE_TIMING.oneMonthS : RESOURCE_TIMING.sixMonthsS;
  return t.creationTimeMs + scaledMs(t, term);
}

export function evaluateThroughput(t: ThroughputRecord, nowMs: number): ThroughputView {
  const createdAt = t.creationTimeMs + scaledMs(t, RESOURCE_TIMING.throughputCreateS);
  const expiration = commitmentExpirationMs(t);
  const base = {
    modelArn: t.modelArn,
    desiredModelArn: t.modelArn,
    ...(expiration !== undefined ? { commitmentExpirationTimeMs: expiration } : {}),
  };
  const renamed = (ms: number) =>
    Math.max(ms, t.lastRenamedAtMs !== undefined && t.lastRenamedAtMs <= nowMs ? t.lastRenamedAtMs : ms);
  if (nowMs < createdAt) return { ...base, status: 'Creating', lastModifiedTimeMs: renamed(t.creationTimeMs) };
  if (t.createFailureMessage !== undefined) {
    return { ...base, status: 'Failed', lastModifiedTimeMs: createdAt, failureMessage: t.createFailureMessage };
  }
  const view: ThroughputView = { ...base, status: 'InService', lastModifiedTimeMs: createdAt };
  for (const u of startedUpdates(t.updates, nowMs)) {
    const endMs = u.requestedAtMs + scaledMs(t, RESOURCE_TIMING.throughputUpdateS);
    view.desiredModelArn = u.modelArn;
    if (nowMs < endMs) {
      // The old model keeps serving until the update is fully deployed (prov-thru-edit).
      view.status = 'Updating';
      view.lastModifiedTimeMs = u.requestedAtMs;
      break;
    }
    view.modelArn = u.modelArn;
    view.lastModifiedTimeMs = endMs;
  }
  view.lastModifiedTimeMs = renamed(view.lastModifiedTimeMs);
  return view;
}
