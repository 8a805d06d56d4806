// What every Temporal-facing command shares: reading a request file, connecting with the ecosystem's
// settings (TEMPORAL_*, TASK_QUEUE) and closing again, and turning "not there" answers into exit 2
// with a message that says what to do.
import { readFile } from 'node:fs/promises';
import { ScheduleNotFoundError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { FineTuneClient, workflowUiUrl } from '../client';
import { loadTemporalConfig, temporalUiUrl, type TemporalSettings } from '../config';
import { InvalidRequestError, parseRequest, type FineTuneRequest } from '../core/request';
import { UsageError } from './exit-codes';

/** A request file's JSON, not yet checked: unreadable or malformed files are usage errors (exit 2). */
export async function readRequestJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `Cannot read the request file ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`The request file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** A request file: JSON as `aws bedrock create-model-customization-job --cli-input-json` takes it. */
export async function readRequestFile(path: string): Promise<FineTuneRequest> {
  return parseRequest(await readRequestJson(path), `request in ${path}`);
}

export interface Session {
  ft: FineTuneClient;
  temporal: TemporalSettings;
  /** The run's page in the Temporal Web UI when TEMPORAL_UI_URL says where the UI is. */
  uiUrl(workflowId: string, runId?: string): string | undefined;
}

/**
 * Connects, runs `fn`, closes. Configuration problems throw ConfigError (exit 2); a server that
 * cannot be reached is a usage error too: the command never got to do anything.
 */
export async function withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
  const { temporal, taskQueue } = loadTemporalConfig();
  let ft: FineTuneClient;
  try {
    ft = await FineTuneClient.connect({ temporal, taskQueue });
  } catch (err) {
    throw new UsageError(
      `Cannot reach Temporal at ${temporal.address} (namespace ${temporal.namespace}): ${(err as Error).message}\n` +
        'Start the local stack (`finetune dev`) and `source .local/stack.env`, or set TEMPORAL_ADDRESS (and TEMPORAL_API_KEY / TLS for a cluster).',
    );
  }
  const uiBase = temporalUiUrl();
  try {
    return await fn({
      ft,
      temporal,
      uiUrl: (workflowId, runId) => (uiBase ? workflowUiUrl(uiBase, temporal.namespace, workflowId, runId) : undefined),
    });
  } catch (err) {
    throw explainNotFound(err, temporal);
  } finally {
    await ft.close();
  }
}

/** "Not found" answers from the server, reworded with the ID and namespace (exit 2). */
export function explainNotFound(err: unknown, temporal: TemporalSettings): unknown {
  if (err instanceof WorkflowNotFoundError) {
    return new UsageError(
      `No fine-tune run with workflow ID ${err.workflowId} in namespace ${temporal.namespace} (see \`finetune list\`).`,
    );
  }
  if (err instanceof ScheduleNotFoundError) {
    return new UsageError(
      `No schedule with ID ${err.scheduleId} in namespace ${temporal.namespace} (see \`finetune schedule list\`).`,
    );
  }
  return err;
}

/** The server refused an argument (a malformed visibility query, cron expression ...): grpc INVALID_ARGUMENT. */
export function isInvalidArgument(err: unknown): err is Error {
  const code = (e: unknown) => (e !== null && typeof e === 'object' ? (e as { code?: unknown }).code : undefined);
  return err instanceof Error && (code(err) === 3 || code((err as { cause?: unknown }).cause) === 3);
}

export { InvalidRequestError };
