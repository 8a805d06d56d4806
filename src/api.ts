// The typed API other services use to trigger and steer fine-tunes (the CLI is built on it):
//   const ft = await FineTuneClient.connect();            // TEMPORAL_* / envconfig, TASK_QUEUE
//   const run = await ft.start(request, { workflowId: 'support-bot-2026-11' });
//   const result = await run.result();
import { Client, Connection, WorkflowIdConflictPolicy, type WorkflowHandle } from '@temporalio/client';
import { loadTemporalConfig, type TemporalSettings } from './config';
import {
  FINE_TUNE_WORKFLOW_TYPE,
  pokeSignal,
  progressQuery,
  setPollingUpdate,
  stopUpdate,
  type FineTuneProgress,
  type FineTuneResult,
} from './core/fine-tune-contract';
import { parseRequest, type FineTuneRequest, type PollingOptions } from './core/request';
import { BaseModelKey, BedrockJobStatusKey, CustomizationTypeKey, CustomModelNameKey, FineTunePhaseKey } from './core/search-attributes';
import type { fineTune } from './workflows';

export type { FineTuneProgress, FineTuneRequest, FineTuneResult, PollingOptions };
export { FailureType } from './core/fine-tune-contract';

export interface StartOptions {
  /** The business key: one run per ID; starting again with a running ID returns the running run. */
  workflowId?: string;
  taskQueue?: string;
}

/** What the run's history knows (the `progress` query) plus the live poll state the server keeps. */
export interface LiveProgress extends FineTuneProgress {
  workflowId: string;
  runId: string;
  workflowStatus: string;
  historyLength: number;
  /** Polls made so far, counting those not (yet) recorded in history. */
  polls: number;
}

export interface RunSummary {
  workflowId: string;
  runId: string;
  status: string;
  startTime: Date;
  closeTime?: Date;
  phase?: string;
  jobStatus?: string;
  customModelName?: string;
  baseModel?: string;
}

/** A default workflow ID from the request: stable for the same model name, readable in the UI. */
export function defaultWorkflowId(request: FineTuneRequest): string {
  return `finetune-${request.customModelName}`;
}

function staticSummary(request: FineTuneRequest): string {
  const text = `${request.customizationType ?? 'FINE_TUNING'} ${request.baseModelIdentifier} -> ${request.customModelName}`;
  return text.length <= 200 ? text : `${text.slice(0, 197)}...`;
}

function staticDetails(request: FineTuneRequest): string {
  return [
    `**Custom model** ${request.customModelName}`,
    `**Base model** ${request.baseModelIdentifier}`,
    `**Type** ${request.customizationType ?? 'FINE_TUNING'}`,
    `**Training data** ${request.trainingDataConfig.s3Uri ?? request.trainingDataConfig.invocationLogsConfig?.invocationLogSource.s3Uri}`,
    `**Output** ${request.outputDataConfig.s3Uri}`,
    request.hyperParameters ? `**Hyperparameters** ${Object.entries(request.hyperParameters).map(([k, v]) => `${k}=${v}`).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
}

export class FineTuneRun {
  constructor(readonly handle: WorkflowHandle<typeof fineTune>) {}

  get workflowId(): string {
    return this.handle.workflowId;
  }

  result(): Promise<FineTuneResult> {
    return this.handle.result();
  }

  progress(): Promise<FineTuneProgress> {
    return this.handle.query(progressQuery);
  }

  /** The query's view plus the server's: poll attempts not yet in history, workflow status, history length. */
  async liveProgress(): Promise<LiveProgress> {
    const description = await this.handle.describe();
    const open = description.status.name === 'RUNNING';
    const progress = await this.handle.query(progressQuery);
    const pending = (description.raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'pollJob');
    const attempts = open && pending ? Math.max(0, (pending.attempt ?? 1) - (pending.state === 2 /* STARTED */ ? 0 : 1)) : 0;
    const seconds = (t: { seconds?: unknown } | null | undefined) => (t?.seconds ? new Date(Number(t.seconds) * 1000).toISOString() : undefined);
    return {
      ...progress,
      workflowId: description.workflowId,
      runId: description.runId,
      workflowStatus: description.status.name,
      historyLength: description.historyLength,
      polls: progress.pollsRecorded + attempts,
      lastPollTime: seconds(pending?.lastStartedTime) ?? progress.lastPollTime,
      nextPollTime: seconds(pending?.nextAttemptScheduleTime) ?? progress.nextPollTime,
    };
  }

  /** Stops the Bedrock job; the run then ends as BedrockJobStopped. */
  stop(reason?: string) {
    return this.handle.executeUpdate(stopUpdate, { args: [{ reason }] });
  }

  setPolling(options: PollingOptions) {
    return this.handle.executeUpdate(setPollingUpdate, { args: [options] });
  }

  /** Look at the job now (for an EventBridge "Model Customization Job State Change" bridge). */
  poke(): Promise<void> {
    return this.handle.signal(pokeSignal);
  }

  /** Cancels the run: it stops the Bedrock job, waits until it has stopped, and ends as cancelled. */
  cancel(): Promise<unknown> {
    return this.handle.cancel();
  }
}

export class FineTuneClient {
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
    private readonly ownedConnection?: Connection,
  ) {}

  static async connect(settings?: { temporal: TemporalSettings; taskQueue: string }): Promise<FineTuneClient> {
    const { temporal, taskQueue } = settings ?? loadTemporalConfig();
    const connection = await Connection.connect(temporal.connectionOptions);
    return new FineTuneClient(new Client({ connection, namespace: temporal.namespace }), taskQueue, connection);
  }

  /**
   * Starts a run, or returns the running run with the same workflow ID (USE_EXISTING), so a trigger
   * that fires twice never starts two fine-tunes. The request is validated first.
   */
  async start(request: FineTuneRequest, options: StartOptions = {}): Promise<FineTuneRun> {
    const parsed = parseRequest(request);
    const handle = await this.client.workflow.start<typeof fineTune>(FINE_TUNE_WORKFLOW_TYPE, {
      args: [parsed],
      taskQueue: options.taskQueue ?? this.taskQueue,
      workflowId: options.workflowId ?? defaultWorkflowId(parsed),
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      typedSearchAttributes: [
        { key: BaseModelKey, value: parsed.baseModelIdentifier },
        { key: CustomModelNameKey, value: parsed.customModelName },
        { key: CustomizationTypeKey, value: parsed.customizationType ?? 'FINE_TUNING' },
      ],
      staticSummary: staticSummary(parsed),
      staticDetails: staticDetails(parsed),
    });
    return new FineTuneRun(handle);
  }

  run(workflowId: string): FineTuneRun {
    return new FineTuneRun(this.client.workflow.getHandle<typeof fineTune>(workflowId));
  }

  async list(query = `WorkflowType = '${FINE_TUNE_WORKFLOW_TYPE}'`, limit = 50): Promise<RunSummary[]> {
    const runs: RunSummary[] = [];
    for await (const info of this.client.workflow.list({ query })) {
      runs.push({
        workflowId: info.workflowId,
        runId: info.runId,
        status: info.status.name,
        startTime: info.startTime,
        closeTime: info.closeTime,
        phase: info.typedSearchAttributes.get(FineTunePhaseKey),
        jobStatus: info.typedSearchAttributes.get(BedrockJobStatusKey),
        customModelName: info.typedSearchAttributes.get(CustomModelNameKey),
        baseModel: info.typedSearchAttributes.get(BaseModelKey),
      });
      if (runs.length >= limit) break;
    }
    return runs;
  }

  async close(): Promise<void> {
    await this.ownedConnection?.close();
  }
}
