// Bedrock model invocation log records as distillation reads them (reference: bedrock-invocation-logs.md).
// Order of selection: requestMetadataFilters, then (with usePromptResponse) the teacher match, then the
// quality rules, then the 15,000-prompt cap. A record that fails a rule is dropped, not fatal: Bedrock
// skips it, so each drop is a warning counted by reason; the dataset fails only when fewer than the
// minimum usable records remain.
import type { DatasetContext, MetadataFilters } from '../types';
import { matchesMetadataFilters, filteredKeys } from '../metadata-filters';
import { METADATA_FILTER_TEXT } from '../../bedrock-patterns';
import { isBlank, isObject, type JsonObject, type RecordScope } from './common';

/** Distillation uses at most this many prompts (or prompt-response pairs). */
export const MAX_DISTILLATION_PROMPTS = 15_000;

const PERMISSION_CHECK = 'amazon-bedrock-logs-permission-check';
// ConverseStream outputs are logged assembled; InvokeModelWithResponseStream outputs as the list of
// stream events, whose text is put back together below.
const TEXT_OPERATIONS = ['Converse', 'ConverseStream', 'InvokeModel', 'InvokeModelWithResponseStream'];

/** Whether an object under the log prefix is a log file: `.json.gz`, not a `data/` side file, not the marker. */
export function isInvocationLogKey(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return key.endsWith('.json.gz') && !/(^|\/)data\//.test(key) && name !== PERMISSION_CHECK;
}

/** A model id, inference-profile id or ARN reduced to the bare model id, for comparing with the teacher. */
export function normalizeModelId(id: string): string {
  const bare = id.startsWith('arn:') ? id.slice(id.lastIndexOf('/') + 1) : id;
  return bare.replace(/^(us|eu|apac|global|us-gov|jp|au|ca)\./, '').toLowerCase();
}

interface Turn {
  role: unknown;
  chars: number;
  /** Content blocks other than text: images, documents, tool use... */
  other: number;
}

interface Prompt {
  systemChars: number;
  turns: Turn[];
}

function blockText(block: unknown): string | undefined {
  if (!isObject(block)) return undefined;
  // Converse and Nova: {"text"}; Anthropic messages API: {"type": "text", "text"}.
  if (typeof block.text === 'string' && (block.type === undefined || block.type === 'text')) return block.text;
  return undefined;
}

function textOf(content: unknown): { chars: number; other: number } {
  if (typeof content === 'string') return { chars: isBlank(content) ? 0 : content.length, other: 0 };
  let chars = 0;
  let other = 0;
  for (const block of Array.isArray(content) ? content : []) {
    const text = blockText(block);
    if (text === undefined) other++;
    else if (!isBlank(text)) chars += text.length;
  }
  return { chars, other };
}

/** The prompt of a Converse request or of a model-native InvokeModel body (Anthropic, Nova, Llama, Titan). */
function extractPrompt(body: JsonObject): Prompt | undefined {
  if (Array.isArray(body.messages)) {
    const turns = body.messages.map((m: unknown): Turn => {
      const message = isObject(m) ? m : {};
      return { role: message.role, ...textOf(message.content) };
    });
    return { systemChars: textOf(body.system).chars, turns };
  }
  const single =
    typeof body.prompt === 'string' ? body.prompt : typeof body.inputText === 'string' ? body.inputText : undefined;
  if (single === undefined) return undefined;
  return { systemChars: 0, turns: [{ role: 'user', chars: isBlank(single) ? 0 : single.length, other: 0 }] };
}

/**
 * The text of one InvokeModelWithResponseStream event, for each teacher family: Anthropic
 * `content_block_delta`, Nova `contentBlockDelta`, Llama `generation`, Titan `outputText`.
 */
function streamEventText(event: unknown): number {
  if (!isObject(event)) return 0;
  if (isObject(event.delta) && typeof event.delta.text === 'string') return event.delta.text.length;
  const nova = isObject(event.contentBlockDelta) ? event.contentBlockDelta.delta : undefined;
  if (isObject(nova) && typeof nova.text === 'string') return nova.text.length;
  if (typeof event.generation === 'string') return event.generation.length;
  if (typeof event.outputText === 'string') return event.outputText.length;
  return 0;
}

/** The response text of a Converse response, a model-native InvokeModel response or a list of stream events. */
function extractResponse(body: unknown): number | undefined {
  if (Array.isArray(body)) {
    const chars = body.reduce((sum: number, event: unknown) => sum + streamEventText(event), 0);
    return chars > 0 ? chars : undefined;
  }
  if (!isObject(body)) return undefined;
  const message = isObject(body.output) && isObject(body.output.message) ? body.output.message : undefined;
  if (message) return textOf(message.content).chars;
  if (Array.isArray(body.content)) return textOf(body.content).chars;
  if (typeof body.generation === 'string') return body.generation.length;
  if (Array.isArray(body.results) && isObject(body.results[0]) && typeof body.results[0].outputText === 'string')
    return body.results[0].outputText.length;
  return undefined;
}

function blockedByGuardrail(body: unknown): boolean {
  if (Array.isArray(body)) return body.some(blockedByGuardrail);
  if (isObject(body) && isObject(body.delta) && body.delta.stop_reason === 'guardrail_intervened') return true;
  if (!isObject(body)) return false;
  return (
    body.stopReason === 'guardrail_intervened' ||
    body.stop_reason === 'guardrail_intervened' ||
    body['amazon-bedrock-guardrailAction'] === 'INTERVENED'
  );
}

export type LogRecordOutcome = 'used' | 'filtered-out' | 'dropped';

export interface InvocationLogChecker {
  check(record: JsonObject, scope: RecordScope): LogRecordOutcome;
}

/** `filters` must have passed metadataFilterProblems, or be left out. */
export function invocationLogChecker(ctx: DatasetContext, filters: MetadataFilters | undefined): InvocationLogChecker {
  const usePromptResponse = ctx.invocationLogs?.usePromptResponse === true;
  const teacher =
    usePromptResponse && ctx.teacherModelIdentifier ? normalizeModelId(ctx.teacherModelIdentifier) : undefined;
  // RFT prompts are chat-completions conversations of any length; distillation students differ.
  const multiTurn = ctx.customizationType === 'REINFORCEMENT_FINE_TUNING' || ctx.model.multiTurnDistillation === true;
  const keysFiltered = filters ? filteredKeys(filters) : [];

  function drop(scope: RecordScope, rule: Parameters<RecordScope['report']>[0], message: string): LogRecordOutcome {
    scope.report(rule, message);
    return 'dropped';
  }

  return {
    check(record, scope) {
      if (record.schemaType !== 'ModelInvocationLog') {
        return drop(
          scope,
          'log-not-invocation-log',
          `schemaType is ${JSON.stringify(record.schemaType)}, not "ModelInvocationLog"`,
        );
      }
      const metadata = isObject(record.requestMetadata) ? record.requestMetadata : undefined;
      if (filters) {
        for (const key of keysFiltered) {
          const value = metadata?.[key];
          if (typeof value === 'string' && !METADATA_FILTER_TEXT.test(value)) {
            scope.report(
              'log-metadata-unfilterable',
              `requestMetadata.${key} is ${JSON.stringify(value)}: no filter can match a value with # or ,`,
            );
          }
        }
        if (!matchesMetadataFilters(metadata, filters)) return 'filtered-out';
      }
      const { modelId, input, output, operation } = record;
      // A failed invocation may have no output at all: name the failure, not the missing field.
      if (record.errorCode !== undefined)
        return drop(scope, 'log-error-record', `the invocation failed with ${JSON.stringify(record.errorCode)}`);
      if (typeof modelId !== 'string' || !isObject(input) || !isObject(output)) {
        const missing = [
          typeof modelId !== 'string' && 'modelId',
          !isObject(input) && 'input',
          !isObject(output) && 'output',
        ]
          .filter(Boolean)
          .join(', ');
        return drop(scope, 'log-missing-field', `the record has no ${missing}`);
      }
      if (teacher !== undefined && normalizeModelId(modelId) !== teacher) {
        return drop(
          scope,
          'log-not-from-teacher',
          `modelId ${modelId} is not the teacher ${ctx.teacherModelIdentifier}`,
        );
      }
      if (typeof operation !== 'string' || !TEXT_OPERATIONS.includes(operation)) {
        return drop(
          scope,
          'log-unsupported-operation',
          `operation ${JSON.stringify(operation)} is not used: only ${TEXT_OPERATIONS.join(', ')}`,
        );
      }

      let outputChars = 0;
      const responseBody = output.outputBodyJson;
      if (responseBody !== undefined && responseBody !== null && blockedByGuardrail(responseBody)) {
        return drop(scope, 'log-guardrail', 'a guardrail blocked the response');
      }
      if (usePromptResponse) {
        if (responseBody === undefined || responseBody === null) {
          if (typeof output.outputBodyS3Path === 'string')
            scope.report('log-body-offloaded', `the response is in ${output.outputBodyS3Path} and was not checked`);
          else return drop(scope, 'log-missing-response', 'the record holds no response body');
        } else {
          const chars = extractResponse(responseBody);
          if (!chars) return drop(scope, 'log-missing-response', 'the response has no text');
          outputChars = chars;
        }
      }

      const requestBody = input.inputBodyJson;
      if (requestBody === undefined || requestBody === null) {
        if (typeof input.inputBodyS3Path !== 'string')
          return drop(scope, 'log-missing-body', 'the record holds no request body');
        scope.report('log-body-offloaded', `the prompt is in ${input.inputBodyS3Path} and was not checked`);
        scope.output += outputChars;
        return 'used';
      }
      const prompt = isObject(requestBody) ? extractPrompt(requestBody) : undefined;
      if (!prompt)
        return drop(scope, 'log-unreadable-body', `no prompt found in the ${operation} request body of ${modelId}`);
      const userTurns = prompt.turns.filter((t) => t.role === 'user');
      if (prompt.turns.some((t) => t.other > 0))
        return drop(scope, 'log-multimodal', 'the prompt holds non-text content');
      if (!multiTurn && userTurns.length > 1)
        return drop(
          scope,
          'log-multi-turn',
          `the prompt has ${userTurns.length} user turns; ${ctx.model.modelName} takes single-turn prompts`,
        );
      const promptChars = prompt.turns.reduce((sum, t) => sum + t.chars, 0);
      if (userTurns.length === 0 || promptChars === 0) return drop(scope, 'log-empty-prompt', 'the prompt has no text');
      scope.input += prompt.systemChars + promptChars;
      scope.output += outputChars;
      return 'used';
    },
  };
}
