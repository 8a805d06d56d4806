// Every activity of the fineTune workflow, built from injected clients so tests and the worker wire
// the same code to the simulator or to real AWS.
import type { BedrockClient } from '@aws-sdk/client-bedrock';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import { createCollectMetricsActivities } from './collect-metrics';
import { createCreateJobActivities } from './create-job';
import { createPollJobActivities } from './poll-job';
import { createPreflightActivities } from './preflight';
import { createPrepareDatasetActivities } from './prepare-dataset';
import { createRecordTrainedRunActivities } from './record-trained-run';
import { createStopJobActivities } from './stop-job';

export interface ActivityDeps {
  bedrock: BedrockClient;
  s3: S3Client;
  /** The worker's own namespace: a scheduled run records its training on its schedule. */
  temporal: Client;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createPreflightActivities(deps),
    ...createPrepareDatasetActivities(deps),
    ...createCreateJobActivities(deps),
    ...createPollJobActivities(deps),
    ...createStopJobActivities(deps),
    ...createCollectMetricsActivities(deps),
    ...createRecordTrainedRunActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
