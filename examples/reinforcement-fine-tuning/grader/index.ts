// A grader (reward function) Lambda for the Tidewater Freight rate-quote example: a sketch, not deployed by
// this project. Bedrock RFT calls it with a batch of samples; each sample is a prompt of the dataset with
// the model's answer appended as the last assistant message. It returns one score per sample, by id.
// The contract (shared/reference/nova-formats.md 3.4):
//   in:  [{"id", "messages": [..., {"role": "assistant", "content"}], "metadata"?: {"reference_answer", ...},
//          "reference_answer"?, <the dataset's other fields>?}]
//   out: [{"id", "aggregate_reward_score": 0..1, "metrics_list"?: [{"name", "value", "type": "Metric"|"Reward"}]}]
// Where `reference_answer` arrives is documented two ways: under `metadata` (Bedrock's reward-functions
// page) and at the top level (the Nova 2 and SageMaker pages), so this grader reads both.
//
// Build for deployment with `npx tsc -p examples/reinforcement-fine-tuning/grader` and deploy
// `.local/examples-build/grader/index.js` with the handler `index.handler` (Node.js 20 or later). Raise
// the Lambda timeout from its 3 s default (up to 15 minutes), and let the job's service role call
// `lambda:InvokeFunction` on it.

/** A chat-completions message; the model's answer is the last one, with the role "assistant". */
export interface ChatMessage {
  role: string;
  content?: string | { type: string; text?: string }[] | null;
}

/** What this example's records put in `reference_answer`. */
export interface RateQuote {
  total: number;
  currency: string;
}

export interface GraderSample {
  id: string;
  messages: ChatMessage[];
  /** Bedrock's reward-functions page puts the reference answer and the dataset's extra fields here. */
  metadata?: { reference_answer?: unknown; [field: string]: unknown };
  /** The Nova 2 guide shows the dataset record's fields at the top level instead. */
  reference_answer?: unknown;
  [field: string]: unknown;
}

export interface GraderMetric {
  name: string;
  value: number;
  type: 'Metric' | 'Reward';
}

export interface GraderResult {
  id: string;
  aggregate_reward_score: number;
  metrics_list?: GraderMetric[];
}

/** The reference answer wherever the event put it: `metadata` first, then the top level. */
export function referenceAnswer(sample: GraderSample): unknown {
  return sample.metadata?.reference_answer ?? sample.reference_answer;
}

function isRateQuote(value: unknown): value is RateQuote {
  const v = value as Partial<RateQuote> | null;
  return typeof v === 'object' && v !== null && typeof v.total === 'number' && typeof v.currency === 'string';
}

/** The text of the model's answer: the last message, when it is the assistant's. */
export function answerText(sample: GraderSample): string {
  const last = sample.messages.at(-1);
  // Some AWS samples also accept "nova_assistant"; that Bedrock sends that role is unconfirmed.
  if (!last || (last.role !== 'assistant' && last.role !== 'nova_assistant')) return '';
  if (typeof last.content === 'string') return last.content;
  return (last.content ?? []).map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join('');
}

const TOTAL_LINE = /^\s*Total:\s*(-?[\d,]*\.?\d+)\s*([A-Z]{3})\s*$/m;

/**
 * 1 for the right total in the asked-for final line, 0.2 for a well-formed line with the wrong amount
 * (the format was learned), 0 otherwise. Amounts within half a cent count as equal.
 */
export function grade(sample: GraderSample): GraderResult {
  const reference = referenceAnswer(sample);
  const match = TOTAL_LINE.exec(answerText(sample));
  const formatted = match !== null;
  const amount = match ? Number(match[1].replace(/,/g, '')) : Number.NaN;
  const correct =
    isRateQuote(reference) &&
    formatted &&
    match[2] === reference.currency &&
    Math.abs(amount - reference.total) < 0.005;
  const score = correct ? 1 : formatted ? 0.2 : 0;
  return {
    id: sample.id,
    aggregate_reward_score: score,
    metrics_list: [
      { name: 'correct_total', value: correct ? 1 : 0, type: 'Metric' },
      { name: 'final_line_format', value: formatted ? 1 : 0, type: 'Metric' },
      { name: 'reward', value: score, type: 'Reward' },
    ],
  };
}

/** The Lambda entry point: a bare list in, a bare list out, one result per sample with its id. */
export async function handler(event: GraderSample[]): Promise<GraderResult[]> {
  return event.map(grade);
}
