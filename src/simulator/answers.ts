// What a simulated model answers, and how an evaluation scores an answer. Both are deterministic: the
// same model and prompt give the same answer, and the same answer, prompt and metric the same score, on
// every run, with no state kept per answer. A custom model's answers end with a marker naming it,
// `[sim:<12-character custom model id>]`, so an evaluation of answers someone collected through Converse
// (bring your own inference) can tell which custom model produced them and read its training job's
// `simulator:eval-score` tag. Answers without a marker (a foundation model's, or anyone's own) score
// around NEUTRAL_SCORE.
import { createHash } from 'node:crypto';

/** The centre of the scores of an answer with no marker, or of a custom model with no eval-score tag. */
export const NEUTRAL_SCORE = 0.5;
/** Each score is the centre plus a deterministic offset in [-SCORE_NOISE, SCORE_NOISE]. */
export const SCORE_NOISE = 0.05;

const MARKER = /\[sim:([a-z0-9]{12})\]\s*$/;

function digest(...parts: string[]): Buffer {
  return createHash('sha256').update(parts.join('\u0000')).digest();
}

/** Roughly four characters a token, at least one. */
export function tokenCount(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export interface ServedModel {
  /** What the answer says it is (the model's name or id). */
  label: string;
  /** A custom model's 12-character id (its ARN's last segment): the marker. Absent for foundation models. */
  customModelId?: string;
}

/** The answer of `model` to `prompt`: deterministic, traceable to a custom model by its marker. */
export function simulatedAnswer(model: ServedModel, prompt: string): string {
  const tag = digest(model.customModelId ?? model.label, prompt)
    .toString('hex')
    .slice(0, 8);
  const quoted = prompt.replace(/\s+/g, ' ').trim().slice(0, 160);
  const text = `Simulated answer ${tag} from ${model.label} to: ${quoted}`;
  return model.customModelId ? `${text} [sim:${model.customModelId}]` : text;
}

/** The custom model id a simulated answer names, if it names one. */
export function answerMarker(response: string): string | undefined {
  return MARKER.exec(response)?.[1];
}

/**
 * One prompt's score for one metric: clamp(centre + noise) in [0, 1], rounded to 4 decimals, where the
 * noise is uniform in [-0.05, 0.05] from a hash of who answered (the marker, else the response itself),
 * the prompt and the metric. The per-metric mean over prompts lands close to the centre.
 */
export function promptScore(centre: number, answeredBy: string, prompt: string, metric: string): number {
  const unit = digest(answeredBy, prompt, metric).readUInt32LE(0) / 0xffffffff;
  const raw = centre + (unit * 2 - 1) * SCORE_NOISE;
  return Math.round(Math.min(1, Math.max(0, raw)) * 10_000) / 10_000;
}
