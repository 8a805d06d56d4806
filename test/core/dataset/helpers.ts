// Builds contexts and runs the engine over in-memory lines for the dataset unit tests.
import { findModel, type CustomizationType } from '../../../src/core/catalog';
import { DatasetValidator, type DatasetContext, type DatasetReport, type DatasetRule } from '../../../src/core/dataset';

export const MODELS = {
  titanExpress: 'amazon.titan-text-express-v1:0:8k',
  titanLite: 'amazon.titan-text-lite-v1:0:4k',
  titanPremier: 'amazon.titan-text-premier-v1:0:32k',
  haiku: 'anthropic.claude-3-haiku-20240307-v1:0:200k',
  llama31: 'meta.llama3-1-8b-instruct-v1:0:128k',
  llama32Text: 'meta.llama3-2-1b-instruct-v1:0:128k',
  llama32Vision: 'meta.llama3-2-11b-instruct-v1:0:128k',
  llama3290: 'meta.llama3-2-90b-instruct-v1:0:128k',
  novaMicro: 'amazon.nova-micro-v1:0:128k',
  novaLite: 'amazon.nova-lite-v1:0:300k',
  nova2Lite: 'amazon.nova-2-lite-v1:0:256k',
  cohere: 'cohere.command-text-v14:7:4k',
  titanImage: 'amazon.titan-image-generator-v1:0',
  titanEmbed: 'amazon.titan-embed-image-v1:0',
  novaCanvas: 'amazon.nova-canvas-v1:0',
} as const;

export type ContextOptions = Partial<Omit<DatasetContext, 'model' | 'customizationType'>>;

export function context(
  modelId: string,
  type: CustomizationType = 'FINE_TUNING',
  options: ContextOptions = {},
): DatasetContext {
  const model = findModel(modelId);
  if (!model) throw new Error(`no catalog model ${modelId}`);
  return { model, customizationType: type, role: 'training', ...options };
}

const encoder = new TextEncoder();

export type Line = string | Uint8Array | Record<string, unknown>;

export function bytesOf(line: Line): Uint8Array {
  if (line instanceof Uint8Array) return line;
  return encoder.encode(typeof line === 'string' ? line : JSON.stringify(line));
}

/** Runs the engine over the lines (objects are JSON-encoded), numbered from 1. */
export function validate(ctx: DatasetContext, lines: readonly Line[]): DatasetReport {
  const validator = new DatasetValidator(ctx);
  lines.forEach((line, i) => validator.addLine(bytesOf(line), i + 1));
  return validator.finish();
}

/** `count` copies of a record, each made unique by `make(i)`. */
export function records(count: number, make: (i: number) => Record<string, unknown>): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => make(i));
}

/** Rules reported on lines (file-level problems aside), as "line:rule". */
export function lineRules(report: DatasetReport): string[] {
  return report.problems.filter((p) => p.line !== undefined).map((p) => `${p.line}:${p.rule}`);
}

export function rulesOf(report: DatasetReport): DatasetRule[] {
  return Object.keys(report.counts) as DatasetRule[];
}

// ---- record builders ----
export const pc = (i: number) => ({ prompt: `What is ${i} plus one?`, completion: `It is ${i + 1}.` });
export const cpt = (i: number) => ({ input: `Unlabeled domain text number ${i}.` });
export const claude = (i: number) => ({
  system: 'You are a calculator.',
  messages: [
    { role: 'user', content: `What is ${i} plus one?` },
    { role: 'assistant', content: `It is ${i + 1}.` },
  ],
});
export const conversation = (i: number, extra: Record<string, unknown> = {}) => ({
  schemaVersion: 'bedrock-conversation-2024',
  system: [{ text: 'You are a calculator.' }],
  messages: [
    { role: 'user', content: [{ text: `What is ${i} plus one?` }] },
    { role: 'assistant', content: [{ text: `It is ${i + 1}.` }] },
  ],
  ...extra,
});
/** A reinforcement fine-tuning prompt (OpenAI chat-completions style) with its reference answer. */
export const rftPrompt = (i: number, extra: Record<string, unknown> = {}) => ({
  id: `sample-${i}`,
  messages: [
    { role: 'system', content: 'You are a math tutor.' },
    { role: 'user', content: `Solve: 2x + ${i} = ${i + 8}` },
  ],
  reference_answer: { solution: 'x = 4' },
  ...extra,
});
export const prompt = (i: number) => ({
  schemaVersion: 'bedrock-conversation-2024',
  messages: [{ role: 'user', content: [{ text: `Explain the number ${i}.` }] }],
});
export const imageRef = (key: string, format = 'png', bucket = 'finetune-datasets') => ({
  image: { format, source: { s3Location: { uri: `s3://${bucket}/${key}` } } },
});
export const videoRef = (key: string, format = 'mp4', bucket = 'finetune-datasets') => ({
  video: { format, source: { s3Location: { uri: `s3://${bucket}/${key}` } } },
});
export const documentRef = (key: string, format = 'pdf', bucket = 'finetune-datasets') => ({
  document: { format, source: { s3Location: { uri: `s3://${bucket}/${key}` } } },
});
export const caption = (i: number) => ({
  'image-ref': `s3://finetune-datasets/images/${i}.png`,
  caption: `A photo of item ${i}`,
});

/** One Converse invocation log record, as Bedrock writes it (reference 2.2). */
export function logRecord(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaType: 'ModelInvocationLog',
    schemaVersion: '1.0',
    timestamp: '2026-03-04T09:15:27Z',
    accountId: '111122223333',
    region: 'us-east-1',
    requestId: `req-${i}`,
    operation: 'Converse',
    modelId: 'amazon.nova-pro-v1:0',
    requestMetadata: { project: 'support-bot', env: i % 2 === 0 ? 'prod' : 'dev' },
    input: {
      inputContentType: 'application/json',
      inputBodyJson: {
        system: [{ text: 'Be brief.' }],
        messages: [{ role: 'user', content: [{ text: `Question number ${i}?` }] }],
      },
      inputTokenCount: 12,
    },
    output: {
      outputContentType: 'application/json',
      outputBodyJson: {
        output: { message: { role: 'assistant', content: [{ text: `Answer number ${i}.` }] } },
        stopReason: 'end_turn',
      },
      outputTokenCount: 5,
    },
    ...overrides,
  };
}

/** A log record with `input.inputBodyJson` replaced. */
export function logWithPrompt(
  i: number,
  inputBodyJson: unknown,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const base = logRecord(i, overrides);
  return { ...base, input: { ...(base.input as object), inputBodyJson } };
}
