// Token estimate. Bedrock's own planning rule is "about 6 characters per token" (model-customization-
// prepare); no tokenizer for every family ships with this project, and a real tokenizer would cost more
// than the rest of the validation. So: tokens = ceil(characters / 6), where characters are the UTF-16
// code units of the record's text fields (prompt, completion, input, caption, system and message texts)
// after JSON decoding; keys, quotes and punctuation of the JSON are not counted. Images and videos are
// not counted either: their cost depends on pixels, and images are never opened.
import { tokenLimitFor, type DataLimits } from '../catalog';

export const CHARS_PER_TOKEN = 6;

export function estimateTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

export interface TokenLimits {
  total?: number;
  input?: number;
  output?: number;
}

/** The per-record limits that apply at this batch size. */
export function tokenLimits(limits: DataLimits, batchSize?: number): TokenLimits {
  return { total: tokenLimitFor(limits, batchSize), input: limits.maxInputTokens, output: limits.maxOutputTokens };
}

/** Which limit a record breaks, as a message, or undefined. Input is what the model reads, output what it learns to write. */
export function tokenProblem(inputChars: number, outputChars: number, limits: TokenLimits): string | undefined {
  const input = estimateTokens(inputChars);
  const output = estimateTokens(outputChars);
  const total = estimateTokens(inputChars + outputChars);
  if (limits.total !== undefined && total > limits.total)
    return `about ${total} tokens (input + output), over the limit of ${limits.total}`;
  if (limits.input !== undefined && input > limits.input)
    return `about ${input} input tokens, over the limit of ${limits.input}`;
  if (limits.output !== undefined && output > limits.output)
    return `about ${output} output tokens, over the limit of ${limits.output}`;
  return undefined;
}
