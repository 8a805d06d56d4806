// The prompts a promotion evaluates both models on (`promotion.evaluation.dataset`): JSON Lines, one
// prompt per line with an optional `referenceResponse` and `category` (model-lifecycle.md 6.4), at most
// 1,000. Every problem is reported with its line number before anything is created.
import { isObject } from './json';
import { MAX_EVALUATION_PROMPTS } from './promotion';

export interface EvaluationPrompt {
  prompt: string;
  referenceResponse?: string;
  category?: string;
}

export interface EvaluationDataset {
  prompts: EvaluationPrompt[];
  problems: string[];
}

const KNOWN = new Set(['prompt', 'referenceResponse', 'category']);

/** The prompts of the dataset's text, or every problem with its line number (at most 20 listed). */
export function parseEvaluationDataset(text: string, where: string): EvaluationDataset {
  const prompts: EvaluationPrompt[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const at = `${where} line ${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      problems.push(`${at}: not JSON (${(err as Error).message})`);
      return;
    }
    if (!isObject(value)) {
      problems.push(`${at}: a line is one JSON object like {"prompt": "..."}`);
      return;
    }
    if (typeof value.prompt !== 'string' || value.prompt.trim() === '') {
      problems.push(`${at}: "prompt" must be a non-empty string (the question the models answer)`);
      return;
    }
    for (const key of ['referenceResponse', 'category'] as const) {
      if (value[key] !== undefined && typeof value[key] !== 'string') problems.push(`${at}: "${key}" must be a string`);
    }
    if (value.modelResponses !== undefined) {
      problems.push(`${at}: "modelResponses" is written by the promotion itself (it asks both models); remove it`);
    }
    const unknown = Object.keys(value).filter((k) => !KNOWN.has(k) && k !== 'modelResponses');
    if (unknown.length > 0) problems.push(`${at}: unknown member ${unknown.map((k) => `"${k}"`).join(', ')}`);
    prompts.push({
      prompt: value.prompt,
      ...(typeof value.referenceResponse === 'string' ? { referenceResponse: value.referenceResponse } : {}),
      ...(typeof value.category === 'string' ? { category: value.category } : {}),
    });
  });
  if (prompts.length === 0 && problems.length === 0) problems.push(`${where}: no prompts (one JSON object per line)`);
  if (prompts.length > MAX_EVALUATION_PROMPTS) {
    problems.push(
      `${where}: ${prompts.length} prompts; an evaluation job takes at most ${MAX_EVALUATION_PROMPTS} (split the file or sample it)`,
    );
  }
  return {
    prompts,
    problems: problems.length > 20 ? [...problems.slice(0, 20), `... and ${problems.length - 20} more`] : problems,
  };
}
