// What each activity of a run is given, built in one place from the request and what the run has
// learned, so the steps read as the flow and every input is typed from the request it comes from.
// Pure: no workflow APIs here.
import type { CollectMetricsInput } from '../activities/collect-metrics';
import type { CreateJobInput } from '../activities/create-job';
import type { PreflightResult } from '../activities/preflight';
import type { PrepareDatasetInput } from '../activities/prepare-dataset';
import type { JobIdentityInput } from '../core/naming';
import type { FineTuneRequest } from '../core/request';
import type { RunState } from './run-state';

type PreparedDataset = NonNullable<RunState['dataset']>;

/** Validate and prepare the request's data for the model and type preflight resolved. */
export function prepareDatasetInput(
  request: FineTuneRequest,
  preflight: PreflightResult,
  defaultSeed: string,
): PrepareDatasetInput {
  const prep = request.orchestration?.dataPreparation;
  return {
    baseModelIdentifier: preflight.modelId,
    customizationType: preflight.customizationType,
    trainingDataConfig: request.trainingDataConfig,
    validationDataConfig: request.validationDataConfig,
    outputS3Uri: request.outputDataConfig.s3Uri,
    hyperParameters: request.hyperParameters,
    teacherModelIdentifier: request.customizationConfig?.distillationConfig?.teacherModelConfig.teacherModelIdentifier,
    preparation: prep?.prepare
      ? { dedupe: prep.dedupe, validationSplit: prep.validationSplit, seed: prep.seed ?? defaultSeed }
      : undefined,
  };
}

/** What the job's name and token derive from: the same for every attempt, and for the clean-up's look. */
export function jobIdentityInput(
  request: FineTuneRequest,
  workflowId: string,
  dataset: PreparedDataset,
): JobIdentityInput {
  return { request, workflowId, datasetFingerprint: dataset.fingerprint };
}

/** Create the job on the data preparation settled on (the prepared files, when it wrote them). */
export function createJobInput(
  request: FineTuneRequest,
  workflowId: string,
  dataset: PreparedDataset,
): Omit<CreateJobInput, 'mode'> {
  return {
    ...jobIdentityInput(request, workflowId, dataset),
    trainingDataConfig: dataset.trainingDataConfig,
    validationDataConfig: dataset.validationDataConfig,
  };
}

/** Read the job's metrics files and write the report next to its outputs. */
export function collectMetricsInput(request: FineTuneRequest, state: RunState): CollectMetricsInput {
  const job = state.job!;
  return {
    jobArn: job.jobArn,
    jobName: job.jobName,
    outputS3Uri: request.outputDataConfig.s3Uri,
    customModelArn: state.snapshot?.outputModelArn,
    baseModelIdentifier: request.baseModelIdentifier,
    jobStatus: state.snapshot?.status ?? 'InProgress',
  };
}
