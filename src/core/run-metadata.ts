// What a fineTune run carries from its start, for whoever starts it (the client, a schedule): a
// readable default workflow ID, the one-line summary and the Markdown details the Temporal UI shows,
// and the search attributes known before the first workflow task.
import type { FineTuneRequest } from './request';
import { BaseModelKey, CustomizationTypeKey, CustomModelNameKey } from './search-attributes';

/** A default workflow ID from the request: stable for the same model name, readable in the UI. */
export function defaultWorkflowId(request: FineTuneRequest): string {
  return `finetune-${request.customModelName}`;
}

/** The run this one retries: linked from its summary, details and memo. */
export interface RetryOf {
  workflowId: string;
  runId: string;
  /** 2 for the first retry (the run it retries was attempt 1). */
  attempt: number;
  /** The old run's page, relative to the Temporal UI's root, so the link works wherever the UI is. */
  uiPath: string;
}

export interface RunLinks {
  retryOf?: RetryOf;
}

export function staticSummary(request: FineTuneRequest, links: RunLinks = {}): string {
  const text = `${links.retryOf ? `retry ${links.retryOf.attempt}: ` : ''}${request.customizationType ?? 'FINE_TUNING'} ${request.baseModelIdentifier} -> ${request.customModelName}`;
  return text.length <= 200 ? text : `${text.slice(0, 197)}...`;
}

const pairs = (values: object) =>
  Object.entries(values)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');

export function staticDetails(request: FineTuneRequest, links: RunLinks = {}): string {
  const rft = request.customizationConfig?.rftConfig;
  const retry = links.retryOf;
  return [
    retry ? `**Retry** attempt ${retry.attempt}, of [${retry.workflowId}](${retry.uiPath}) (run ${retry.runId})` : '',
    `**Custom model** ${request.customModelName}`,
    `**Base model** ${request.baseModelIdentifier}`,
    `**Type** ${request.customizationType ?? 'FINE_TUNING'}`,
    `**Training data** ${request.trainingDataConfig.s3Uri ?? request.trainingDataConfig.invocationLogsConfig?.invocationLogSource.s3Uri}`,
    `**Output** ${request.outputDataConfig.s3Uri}`,
    request.hyperParameters ? `**Hyperparameters** ${pairs(request.hyperParameters)}` : '',
    rft?.graderConfig ? `**Grader** ${rft.graderConfig.lambdaGrader.lambdaArn}` : '',
    rft?.hyperParameters ? `**RFT hyperparameters** ${pairs(rft.hyperParameters)}` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
}

export function startSearchAttributes(request: FineTuneRequest) {
  return [
    { key: BaseModelKey, value: request.baseModelIdentifier },
    { key: CustomModelNameKey, value: request.customModelName },
    { key: CustomizationTypeKey, value: request.customizationType ?? 'FINE_TUNING' },
  ];
}
