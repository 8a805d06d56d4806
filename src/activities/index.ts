// Every activity of the fineTune and reconcile workflows, built from injected clients so tests and the worker wire
// the same code to the simulator or to real AWS.
import type { BedrockClient } from '@aws-sdk/client-bedrock';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import type { JobSlotSettings } from '../core/job-slots';
import type { LineageScope } from '../core/lineage';
import { collectMetricsActivities } from './collect-metrics';
import { createJobActivities } from './create-job';
import { jobSlotActivities } from './job-slots';
import { pollJobActivities } from './poll-job';
import { preflightActivities } from './preflight';
import { prepareDatasetActivities } from './prepare-dataset';
import { promotionCheckActivities } from './promotion/check';
import { evaluationActivities } from './promotion/evaluation';
import { servingActivities } from './promotion/serving';
import { reconcileActivities } from './reconcile';
import { recordTrainedRunActivities } from './record-trained-run';
import { stopJobActivities } from './stop-job';

export interface ActivityDeps {
  bedrock: BedrockClient;
  /** Converse: answers to evaluate, and the smoke test through production. */
  runtime: BedrockRuntimeClient;
  s3: S3Client;
  /** The worker's own namespace: a scheduled run records its training on its schedule. */
  temporal: Client;
  /** The namespace and installation every resource's lineage names (FINETUNE_INSTALLATION). */
  scope: LineageScope;
  /** This worker consumes Bedrock's job events (src/events/): preflight tells each run so. */
  jobEvents?: boolean;
  /**
   * The fair queue for the job quota (FINETUNE_JOB_QUEUE, on by default): its keeper's settings;
   * preflight tells each run the queue is on. Absent, runs wait on timers.
   */
  jobSlots?: JobSlotSettings;
}

export function createActivities(deps: ActivityDeps) {
  const serving = servingActivities(deps);
  return {
    ...serving,
    ...evaluationActivities(deps),
    ...promotionCheckActivities({
      ...deps,
      region: () => deps.bedrock.config.region(),
      lookUpServing: serving.lookUpServing,
    }),
    ...preflightActivities({ ...deps, jobQueue: deps.jobSlots !== undefined }),
    ...prepareDatasetActivities(deps),
    ...createJobActivities(deps),
    ...jobSlotActivities(deps),
    ...pollJobActivities(deps),
    ...stopJobActivities(deps),
    ...collectMetricsActivities(deps),
    ...recordTrainedRunActivities(deps),
    ...reconcileActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
