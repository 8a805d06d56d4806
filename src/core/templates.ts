// Request templates: placeholders in S3 URIs, names and tag values that a run resolves from its time,
// so that one scheduled request reads each day's data and names each day's model:
//   "s3Uri": "s3://acme-data/support/{{scheduledTime:yyyy/MM/dd}}/train.jsonl"
//   "customModelName": "support-{{scheduledTime:yyyyMMdd}}"
// The time is the scheduled time of a run a Schedule started, else the run's start time; always UTC.
// Pure: no clock is read here, the caller passes the time (the workflow its own, deterministic one).
import type { FineTuneRequest } from './request';
import { CUSTOM_MODEL_NAME_MAX } from './bedrock-patterns';

/** The one variable a template may name. */
export const TEMPLATE_VARIABLE = 'scheduledTime';
/** `{{scheduledTime}}` without a format. */
export const DEFAULT_TIME_FORMAT = 'yyyyMMdd-HHmmss';
/**
 * What a scheduled run's model name gets when it names no template itself: the fixed suffix scheduled
 * runs always had, now a template like any other (each run's model needs its own name).
 */
export const DEFAULT_SCHEDULED_NAME_SUFFIX = `-{{${TEMPLATE_VARIABLE}:${DEFAULT_TIME_FORMAT}}}`;

const TOKENS: Record<string, (d: Date) => string> = {
  yyyy: (d) => String(d.getUTCFullYear()).padStart(4, '0'),
  yy: (d) => String(d.getUTCFullYear() % 100).padStart(2, '0'),
  MM: (d) => String(d.getUTCMonth() + 1).padStart(2, '0'),
  dd: (d) => String(d.getUTCDate()).padStart(2, '0'),
  HH: (d) => String(d.getUTCHours()).padStart(2, '0'),
  mm: (d) => String(d.getUTCMinutes()).padStart(2, '0'),
  ss: (d) => String(d.getUTCSeconds()).padStart(2, '0'),
};
const TOKEN_NAMES = Object.keys(TOKENS).join(' ');
// Longest token first; a quoted literal; any other run of letters (an unknown token); anything else.
const FORMAT_PART = /yyyy|yy|MM|dd|HH|mm|ss|'[^']*'|[A-Za-z]+|[^A-Za-z']+|'/g;
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/** A request whose templates cannot resolve: every problem, each as `path: message`. */
export class RequestTemplateError extends Error {
  constructor(readonly problems: string[]) {
    super(`The request's templates cannot be resolved:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'RequestTemplateError';
  }
}

/** A time in a format of the tokens above (UTC); throws on an unknown token. */
export function formatTime(time: Date, format: string): string {
  let out = '';
  for (const [part] of format.matchAll(FORMAT_PART)) {
    if (part in TOKENS) out += TOKENS[part](time);
    else if (part === "'") throw new Error(`an unclosed quote in the format "${format}"`);
    else if (part.startsWith("'")) out += part.slice(1, -1);
    else if (/^[A-Za-z]/.test(part))
      throw new Error(`"${part}" is not a time format token (use ${TOKEN_NAMES}; quote other letters: 'T')`);
    else out += part;
  }
  return out;
}

/** `text` with every placeholder replaced; throws naming the first placeholder that cannot resolve. */
export function resolveTemplateText(text: string, time: Date): string {
  const resolved = text.replace(PLACEHOLDER, (_whole, inner: string) => {
    const [name, ...rest] = inner.split(':');
    if (name.trim() !== TEMPLATE_VARIABLE)
      throw new Error(`{{${inner}}} names "${name.trim()}": the only variable is ${TEMPLATE_VARIABLE}`);
    const format = rest.length > 0 ? rest.join(':').trim() : DEFAULT_TIME_FORMAT;
    if (format === '') throw new Error(`{{${inner}}} has an empty format`);
    return formatTime(time, format);
  });
  if (resolved.includes('{{') || resolved.includes('}}'))
    throw new Error(
      `"${text}" has a "{{" or "}}" that does not belong to a {{${TEMPLATE_VARIABLE}:format}} placeholder`,
    );
  return resolved;
}

export function hasTemplate(text: string): boolean {
  return text.includes('{{') || text.includes('}}');
}

type Path = (string | number)[];

/** S3 URIs, names and tag values: the members a template may stand in. */
const TEMPLATE_MEMBERS: Path[] = [
  ['customModelName'],
  ['jobName'],
  ['trainingDataConfig', 's3Uri'],
  ['trainingDataConfig', 'invocationLogsConfig', 'invocationLogSource', 's3Uri'],
  ['validationDataConfig', 'validators', -1, 's3Uri'],
  ['outputDataConfig', 's3Uri'],
  ['jobTags', -1, 'value'],
  ['customModelTags', -1, 'value'],
];

function templateMember(path: Path): boolean {
  return TEMPLATE_MEMBERS.some(
    (member) =>
      member.length === path.length && member.every((m, i) => (m === -1 ? typeof path[i] === 'number' : m === path[i])),
  );
}

export const pathText = (path: Path) => path.map(String).join('.');

/** Every string in a JSON value with its path. */
function* strings(value: unknown, path: Path = []): Generator<[Path, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, [...path, i]);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) yield* strings(v, [...path, k]);
}

/** One resolved placeholder member, for the run's details and `finetune check`. */
export interface ResolvedTemplate {
  /** The member, e.g. `trainingDataConfig.s3Uri`. */
  path: string;
  template: string;
  value: string;
}

/**
 * Problems of a request's templates that no time can fix: a placeholder outside S3 URIs, names and tag
 * values, an unknown variable or format token, a stray brace. Empty when every template resolves.
 */
export function templateProblems(input: unknown): string[] {
  const problems: string[] = [];
  for (const [path, text] of strings(input)) {
    if (!hasTemplate(text)) continue;
    if (!templateMember(path)) {
      problems.push(
        `${pathText(path)}: templates ({{${TEMPLATE_VARIABLE}:format}}) are resolved only in S3 URIs, names and tag values`,
      );
      continue;
    }
    try {
      resolveTemplateText(text, new Date(0));
    } catch (err) {
      problems.push(`${pathText(path)}: ${(err as Error).message}`);
    }
  }
  return problems;
}

/** A scheduled run's model name when the request names no template: `<name>-<yyyyMMdd-HHmmss>`, within 63. */
export function defaultScheduledModelName(name: string, time: Date): string {
  const suffix = resolveTemplateText(DEFAULT_SCHEDULED_NAME_SUFFIX, time);
  return `${name.slice(0, CUSTOM_MODEL_NAME_MAX - suffix.length).replace(/[-_]+$/, '')}${suffix}`;
}

/**
 * The time a run resolves its templates at: the scheduled time of a run a Schedule started (Temporal
 * sets TemporalScheduledStartTime on it), else the run's start time. The workflow and `retry` (which
 * resolves an old run's request as that run did) both ask here.
 */
export function templateTimeOf(run: { scheduledAt?: Date; startTime: Date }): { time: Date; scheduled: boolean } {
  return run.scheduledAt ? { time: run.scheduledAt, scheduled: true } : { time: run.startTime, scheduled: false };
}

export interface ResolveOptions {
  /**
   * A run a Schedule started: a model name without a template gets the default suffix, so that each
   * scheduled run's model has its own name.
   */
  scheduled?: boolean;
}

/**
 * The request as a run at `time` uses it: every template resolved, and for a scheduled run a model
 * name without one given the default suffix. Returns the request (a copy; the input is not changed)
 * and what was resolved. A request without templates comes back equal (and, unscheduled, unchanged).
 * Throws RequestTemplateError when a template cannot resolve.
 */
export function resolveRequestTemplates<T extends FineTuneRequest>(
  request: T,
  time: Date,
  options: ResolveOptions = {},
): { request: T; resolved: ResolvedTemplate[] } {
  const problems = templateProblems(request);
  if (problems.length > 0) throw new RequestTemplateError(problems);
  const resolved: ResolvedTemplate[] = [];
  // A JSON copy: the request is JSON, and workflow code (which calls this) has no structuredClone.
  const copy = JSON.parse(JSON.stringify(request)) as T;
  for (const [path, text] of strings(request)) {
    if (!hasTemplate(text)) continue;
    const value = resolveTemplateText(text, time);
    setAt(copy, path, value);
    resolved.push({ path: pathText(path), template: text, value });
  }
  if (options.scheduled && !hasTemplate(request.customModelName)) {
    const value = defaultScheduledModelName(request.customModelName, time);
    copy.customModelName = value;
    resolved.push({
      path: 'customModelName',
      template: `${request.customModelName}${DEFAULT_SCHEDULED_NAME_SUFFIX}`,
      value,
    });
  }
  return { request: copy, resolved };
}

function setAt(target: unknown, path: Path, value: string): void {
  let node = target as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
}
