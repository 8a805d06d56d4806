// Reinforcement fine-tuning prompts (Nova 2 Lite): OpenAI chat-completions records plus what the grader
// Lambda compares the model's answers against.
//   {"id"?: "...", "messages": [{"role": "system"|"user"|"assistant"|"tool", "content": "..."}],
//    "reference_answer": <any JSON>, "tools"?: [{"type": "function", "function": {...}}], <grader fields>...}
// Sources: Bedrock's rft-prepare-data page and AWS's Nova validators (reference nova-formats.md 3.2).
// Any other top-level field is the grader's ("you can add fields used by grader Lambda") and passes
// untouched; message fields are held to what the chat-completions format defines. Text only.
import {
  checkKeys,
  isBlank,
  isObject,
  jsonType,
  type JsonObject,
  type RecordChecker,
  type RecordScope,
} from './common';

const ROLES: readonly unknown[] = ['system', 'user', 'assistant', 'tool'];
const MESSAGE_KEYS = ['role', 'content', 'tool_calls', 'tool_call_id'] as const;
const TEXT_PART_KEYS = ['type', 'text'] as const;
/** Chat-completions content parts that carry media, which RFT does not take. */
const MEDIA_PARTS: readonly unknown[] = ['image_url', 'input_audio', 'file', 'image', 'audio', 'video', 'document'];

/** The letters of a key, lowercased: `referenceAnswer`, `Reference-Answer` and `reference_answer` agree. */
const squash = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

function checkReferenceAnswer(record: JsonObject, scope: RecordScope): void {
  const answer = record.reference_answer;
  if (answer === undefined || answer === null) {
    const lookalike = Object.keys(record).find((k) => k !== 'reference_answer' && squash(k) === 'referenceanswer');
    scope.report(
      'missing-reference-answer',
      `reference_answer is missing${lookalike ? ` (the record has ${JSON.stringify(lookalike)}: a typo?)` : ''}: the grader has nothing to score against`,
    );
    return;
  }
  const empty =
    (typeof answer === 'string' && isBlank(answer)) ||
    (Array.isArray(answer) && answer.length === 0) ||
    (isObject(answer) && Object.keys(answer).length === 0);
  if (empty) scope.report('missing-reference-answer', `reference_answer is empty (${jsonType(answer)})`);
}

function checkId(id: unknown, scope: RecordScope): void {
  if (id === undefined) return;
  if (typeof id !== 'string') scope.report('wrong-type', `id must be a string, not ${jsonType(id)}`);
  else if (isBlank(id)) scope.report('empty-text', 'id is empty: leave it out, or give each record its own');
}

function checkTools(tools: unknown, scope: RecordScope): void {
  if (!Array.isArray(tools)) {
    scope.report('wrong-type', `tools must be an array of tool definitions, not ${jsonType(tools)}`);
    return;
  }
  if (tools.length === 0) {
    scope.report('invalid-tool-definition', 'tools is empty: leave it out, or declare at least one tool');
    return;
  }
  const firstWith = new Map<string, number>();
  for (let k = 0; k < tools.length; k++) {
    const tool: unknown = tools[k];
    const path = `tools[${k}]`;
    if (!isObject(tool)) {
      scope.report('invalid-tool-definition', `${path} must be an object, not ${jsonType(tool)}`);
      continue;
    }
    if (tool.type !== 'function')
      scope.report('invalid-tool-definition', `${path}.type is ${JSON.stringify(tool.type)}: use "function"`);
    const fn = tool.function;
    if (!isObject(fn)) {
      scope.report('invalid-tool-definition', `${path}.function must be an object with a name and parameters`);
      continue;
    }
    if (typeof fn.name !== 'string' || isBlank(fn.name)) {
      scope.report('invalid-tool-definition', `${path}.function.name must be a non-empty string`);
    } else if (firstWith.has(fn.name)) {
      scope.report(
        'duplicate-tool-name',
        `${path} declares ${JSON.stringify(fn.name)} again (first at tools[${firstWith.get(fn.name)}])`,
      );
    } else {
      firstWith.set(fn.name, k);
    }
    // Optional in the chat-completions format; when given, a JSON Schema object (AWS's validators).
    const parameters = fn.parameters;
    if (parameters !== undefined && (!isObject(parameters) || parameters.type !== 'object')) {
      scope.report(
        'invalid-tool-definition',
        `${path}.function.parameters must be a JSON Schema with "type": "object"`,
      );
    }
  }
}

function checkToolCalls(calls: unknown, path: string, scope: RecordScope): void {
  if (!Array.isArray(calls) || calls.length === 0) {
    scope.report('wrong-type', `${path}.tool_calls must be a non-empty array of tool calls, not ${jsonType(calls)}`);
    return;
  }
  calls.forEach((call: unknown, k) => {
    const fn = isObject(call) ? call.function : undefined;
    if (!isObject(fn) || typeof fn.name !== 'string') {
      scope.report(
        'wrong-type',
        `${path}.tool_calls[${k}] must be {"id": ..., "type": "function", "function": {"name": ..., "arguments": ...}}`,
      );
    }
  });
}

/** The text of a message's content (string or text parts), reporting what is not text; 0 when none. */
function contentChars(content: unknown, path: string, scope: RecordScope): number {
  if (typeof content === 'string') {
    if (!isBlank(content)) return content.length;
    scope.report('empty-text', `${path}.content is empty`);
    return 0;
  }
  if (!Array.isArray(content)) {
    scope.report('wrong-type', `${path}.content must be a string or an array of text parts, not ${jsonType(content)}`);
    return 0;
  }
  let chars = 0;
  let hasText = false;
  for (let j = 0; j < content.length; j++) {
    const part: unknown = content[j];
    const where = `${path}.content[${j}]`;
    if (!isObject(part)) {
      scope.report('invalid-content-block', `${where} must be an object, not ${jsonType(part)}`);
    } else if (part.type === 'text') {
      checkKeys(part, TEXT_PART_KEYS, where, scope);
      if (typeof part.text !== 'string') {
        scope.report('wrong-type', `${where}.text must be a string, not ${jsonType(part.text)}`);
      } else {
        chars += part.text.length;
        hasText ||= !isBlank(part.text);
      }
    } else if (MEDIA_PARTS.includes(part.type)) {
      scope.report(
        'media-not-supported',
        `${where} is ${JSON.stringify(part.type)}: reinforcement fine-tuning is text only`,
      );
    } else {
      scope.report(
        'invalid-content-block',
        `${where} has type ${JSON.stringify(part.type)}: a content part is {"type": "text", "text": "..."}`,
      );
    }
  }
  if (!hasText) scope.report('empty-text', `${path}.content has no text`);
  return chars;
}

/** One message; returns its characters of text (all of a prompt is input: the model writes no part of it). */
function checkMessage(message: JsonObject, i: number, scope: RecordScope): number {
  const path = `messages[${i}]`;
  checkKeys(message, MESSAGE_KEYS, path, scope);
  const { role, content, tool_calls: toolCalls, tool_call_id: toolCallId } = message;
  if (role === undefined) scope.report('missing-field', `${path}.role is missing`);
  else if (!ROLES.includes(role))
    scope.report(
      'invalid-role',
      `${path}.role is ${JSON.stringify(role)}: use "system", "user", "assistant" or "tool"`,
    );
  if (role === 'system' && i > 0)
    scope.report('system-not-first', `${path} is a system message: the system message, if any, must be messages[0]`);

  if (toolCalls !== undefined) {
    if (role === 'assistant') checkToolCalls(toolCalls, path, scope);
    else scope.report('unknown-field', `${path}.tool_calls belongs on assistant messages only`);
  }
  if (toolCallId !== undefined && role !== 'tool') {
    scope.report('unknown-field', `${path}.tool_call_id belongs on tool messages only`);
  } else if (role === 'tool' && (typeof toolCallId !== 'string' || isBlank(toolCallId))) {
    scope.report(
      toolCallId === undefined ? 'missing-field' : 'wrong-type',
      `${path}.tool_call_id must name the tool call this message answers`,
    );
  }
  // An assistant turn that only calls tools has no content.
  if ((content === undefined || content === null) && role === 'assistant' && toolCalls !== undefined) return 0;
  if (content === undefined || content === null) {
    scope.report('missing-field', `${path}.content is missing`);
    return 0;
  }
  return contentChars(content, path, scope);
}

export const rftPromptsChecker: RecordChecker = {
  check(record, scope) {
    checkId(record.id, scope);
    checkReferenceAnswer(record, scope);
    if (record.tools !== undefined) checkTools(record.tools, scope);
    const messages = record.messages;
    if (messages === undefined) return scope.report('missing-field', 'messages is missing');
    if (!Array.isArray(messages))
      return scope.report('wrong-type', `messages must be an array, not ${jsonType(messages)}`);
    let users = 0;
    for (let i = 0; i < messages.length; i++) {
      const message: unknown = messages[i];
      if (!isObject(message)) {
        scope.report('wrong-type', `messages[${i}] must be an object, not ${jsonType(message)}`);
        continue;
      }
      if (message.role === 'user') users++;
      scope.input += checkMessage(message, i, scope);
    }
    if (users === 0)
      scope.report(
        'no-user-message',
        messages.length === 0 ? 'messages is empty: a prompt needs a user message' : 'messages holds no user message',
      );
  },
};
