// Helpers every record format shares: the per-record scope problems are reported through, JSON type
// checks with readable messages, and the turn-order rules of conversations.
import { isObject, type JsonObject } from '../../json';
import { severityOf, type DatasetRule } from '../rules';

export { isObject, type JsonObject };

/** One record being checked: where its problems go, and the characters of text it holds. */
export class RecordScope {
  /** Characters the model reads (prompt, system, user turns). */
  input = 0;
  /** Characters the model learns to write (completion, assistant turns). */
  output = 0;
  errors = 0;

  constructor(
    private readonly sink: (rule: DatasetRule, message: string) => void,
    private readonly counter: (rule: DatasetRule) => void = () => {},
  ) {}

  report(rule: DatasetRule, message: string): void {
    if (severityOf(rule) === 'error') this.errors++;
    this.sink(rule, message);
  }

  /** Counts an occurrence without listing it (a rule listed once per file). */
  count(rule: DatasetRule): void {
    if (severityOf(rule) === 'error') this.errors++;
    this.counter(rule);
  }

  reset(): void {
    this.input = 0;
    this.output = 0;
    this.errors = 0;
  }
}

/** Checks one parsed record of a JSONL dataset. */
export interface RecordChecker {
  check(record: JsonObject, scope: RecordScope, line: number): void;
  /** Dataset-wide state the checker carries from record to record, as JSON (for a resumed scan). */
  snapshot?(): unknown;
  restore?(state: unknown): void;
}

export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

const NON_SPACE = /\S/;

export function isBlank(text: string): boolean {
  return !NON_SPACE.test(text);
}

/** Reports every key of `record` outside `allowed`. */
export function checkKeys(record: JsonObject, allowed: readonly string[], where: string, scope: RecordScope): void {
  for (const key in record) {
    if (!allowed.includes(key)) {
      scope.report(
        'unknown-field',
        `unknown field "${key}" in ${where}: allowed fields are ${allowed.map((k) => `"${k}"`).join(', ')}`,
      );
    }
  }
}

/**
 * A required non-blank string field. Returns its text, or undefined after reporting why it is not one
 * (missing-field, wrong-type, empty-text).
 */
export function requiredText(record: JsonObject, key: string, path: string, scope: RecordScope): string | undefined {
  const value = record[key];
  if (value === undefined) {
    scope.report('missing-field', `${path} is missing`);
    return undefined;
  }
  if (typeof value !== 'string') {
    scope.report('wrong-type', `${path} must be a string, not ${jsonType(value)}`);
    return undefined;
  }
  if (isBlank(value)) {
    scope.report('empty-text', `${path} is empty`);
    return undefined;
  }
  return value;
}

/**
 * How the roles of a conversation must follow each other:
 * - `training`: user first, assistant last, strictly alternating, at least two messages;
 * - `single-turn-prompt`: one user message, optionally followed by one assistant (golden) answer;
 * - `multi-turn-prompt`: user first, alternating, ending with either role.
 */
export type TurnRule = 'training' | 'single-turn-prompt' | 'multi-turn-prompt';

/** `roles` holds only valid roles ("user" | "assistant"). */
export function checkTurnOrder(roles: readonly string[], rule: TurnRule, scope: RecordScope): void {
  if (rule === 'training' && roles.length < 2) {
    scope.report(
      'too-few-messages',
      `messages has ${roles.length} message${roles.length === 1 ? '' : 's'}: a training record needs a user message and the assistant's answer`,
    );
    return;
  }
  if (roles.length === 0) {
    scope.report('too-few-messages', 'messages is empty: a prompt needs one user message');
    return;
  }
  if (rule === 'single-turn-prompt' && roles.filter((r) => r === 'user').length > 1) {
    scope.report(
      'multi-turn-not-supported',
      `messages holds ${roles.filter((r) => r === 'user').length} user messages: this model takes single-turn prompts`,
    );
    return;
  }
  if (roles[0] !== 'user')
    scope.report(
      'first-message-not-user',
      `messages[0].role is "${roles[0]}": the first message must come from the user`,
    );
  for (let i = 1; i < roles.length; i++) {
    if (roles[i] === roles[i - 1]) {
      scope.report(
        'roles-not-alternating',
        `messages[${i - 1}] and messages[${i}] are both "${roles[i]}": user and assistant must alternate`,
      );
      break;
    }
  }
  if (rule === 'single-turn-prompt' && roles.length > 2) {
    scope.report(
      'multi-turn-not-supported',
      `messages holds ${roles.length} messages: a single-turn prompt is one user message and an optional assistant answer`,
    );
  }
  const last = roles[roles.length - 1];
  if (rule === 'training' && last !== 'assistant') {
    scope.report(
      'last-message-not-assistant',
      `messages[${roles.length - 1}].role is "${last}": the last message must be the assistant's answer`,
    );
  }
}
