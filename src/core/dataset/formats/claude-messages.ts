// Claude 3 Haiku fine-tuning: {"system"?: string, "messages": [{"role", "content": string}, ...]}.
// Anthropic's Bedrock fine-tuning guide adds: at least two messages, user first, assistant last,
// strict alternation, no other keys at any level.
import { checkKeys, checkTurnOrder, isBlank, isObject, jsonType, type RecordChecker } from './common';

const RECORD_KEYS = ['system', 'messages'] as const;
const MESSAGE_KEYS = ['role', 'content'] as const;

export const claudeMessagesChecker: RecordChecker = {
  check(record, scope) {
    checkKeys(record, RECORD_KEYS, 'the record', scope);
    const system = record.system;
    if (system !== undefined) {
      if (typeof system === 'string') scope.input += system.length;
      else scope.report('wrong-type', `system must be a string, not ${jsonType(system)}`);
    }
    const messages = record.messages;
    if (messages === undefined) {
      scope.report('missing-field', 'messages is missing');
      return;
    }
    if (!Array.isArray(messages)) {
      scope.report('wrong-type', `messages must be an array, not ${jsonType(messages)}`);
      return;
    }
    const roles: string[] = [];
    let rolesValid = true;
    messages.forEach((message: unknown, i) => {
      const path = `messages[${i}]`;
      if (!isObject(message)) {
        scope.report('wrong-type', `${path} must be an object, not ${jsonType(message)}`);
        rolesValid = false;
        return;
      }
      checkKeys(message, MESSAGE_KEYS, path, scope);
      const { role, content } = message;
      if (role !== 'user' && role !== 'assistant') {
        if (role === undefined) scope.report('missing-field', `${path}.role is missing`);
        else scope.report('invalid-role', `${path}.role is ${JSON.stringify(role)}: use "user" or "assistant"`);
        rolesValid = false;
      } else {
        roles.push(role);
      }
      if (content === undefined) scope.report('missing-field', `${path}.content is missing`);
      else if (typeof content !== 'string')
        scope.report('wrong-type', `${path}.content must be a string, not ${jsonType(content)}`);
      else if (isBlank(content)) scope.report('empty-text', `${path}.content is empty`);
      else if (role === 'assistant') scope.output += content.length;
      else scope.input += content.length;
    });
    if (rolesValid) checkTurnOrder(roles, 'training', scope);
  },
};
