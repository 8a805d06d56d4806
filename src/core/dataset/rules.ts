// Every problem the dataset engine can report, with its severity and a one-line fix. The ids are a
// public contract (reports, `finetune validate --json`, the simulator's failure messages, people's
// scripts): add new ones, never rename or reuse one.
//
// Severity: an `error` makes the dataset invalid (Bedrock would fail the job, or train on something
// other than what the file says); a `warning` is reported and counted but does not block the job.

export type Severity = 'error' | 'warning';

interface RuleSpec {
  severity: Severity;
  /** What to change in the data, in one line. */
  fix: string;
}

const error = (fix: string): RuleSpec => ({ severity: 'error', fix });
const warning = (fix: string): RuleSpec => ({ severity: 'warning', fix });

export const RULES = {
  // ---- line hygiene (every JSONL format) ----
  'invalid-utf8': error('Save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`); Bedrock reads JSONL as UTF-8 only.'),
  'byte-order-mark': error(
    'Save the file as UTF-8 without a byte-order mark (BOM); JSON parsers reject the leading U+FEFF.',
  ),
  'crlf-line-ending': warning(
    'Use LF line endings (`dos2unix file.jsonl`); CRLF parses, but the CR is part of the line.',
  ),
  'blank-line': error('Delete blank lines: every line of a JSONL file must hold one JSON object.'),
  'invalid-json': error(
    'Make each line one complete JSON object (no trailing commas, quoted keys, no pretty-printing across lines).',
  ),
  'not-an-object': error('Each line must be a JSON object `{...}`, not an array, string, number or null.'),
  'line-too-long': error('Split or shorten the record: no model in the catalog accepts a record this long.'),
  'duplicate-record': warning(
    'Remove repeated records (or run preparation with dedupe): duplicates overweight those examples.',
  ),

  // ---- record structure ----
  'missing-field': error('Add the required field named in the message.'),
  'unknown-field': error('Remove fields the format does not define (check for typos in field names).'),
  'wrong-type': error('Give the field the JSON type the format requires (the message says which).'),
  'empty-text': error('Give every prompt, completion and message non-blank text.'),
  'too-many-tokens': error(
    'Shorten the record or split it: it exceeds the per-record token limit (estimated at 6 characters per token).',
  ),

  // ---- conversations (Claude messages, bedrock-conversation-2024, distillation prompts) ----
  'too-few-messages': error('Give each record at least one user message followed by one assistant message.'),
  'invalid-role': error(
    'Use only the roles the format allows: "user" and "assistant" in Converse-style records (system prompt in `system`); RFT prompts also take "system" and "tool".',
  ),
  'first-message-not-user': error('Start `messages` with a user message.'),
  'last-message-not-assistant': error('End `messages` with the assistant message the model should learn to produce.'),
  'roles-not-alternating': error('Alternate user and assistant messages; merge consecutive messages of the same role.'),
  'schema-version': error('Set "schemaVersion": "bedrock-conversation-2024" on every record.'),
  'invalid-content-block': error(
    'Shape each content block as the format defines: Converse blocks hold exactly one of `text`, `image`, `video`, `document`, `reasoningContent`, `toolUse` or `toolResult`; RFT parts are {"type": "text", "text": ...}.',
  ),
  'media-not-supported': error(
    'Remove the images, videos or documents this model (or customization type) does not take (the message says which).',
  ),
  'media-in-assistant-message': error('Put images, videos and documents in user messages only.'),
  'media-format': error('Use a media format this model takes (the message lists them).'),
  'media-extension': error(
    'Make the file extension of the S3 object match its declared format (e.g. `png` -> `.png`).',
  ),
  'media-uri': error(
    'Reference media as `s3://bucket/key` using only letters, digits, `_`, `-`, `/` and `.` in the key.',
  ),
  'media-bucket': error('Store images and videos in the same S3 bucket as the dataset.'),
  'too-many-images': error('Use at most 10 images per record.'),
  'too-many-videos': error('Use at most one video per record.'),
  'mixed-media': error(
    'Use images or videos in a dataset, not both, and never a video with an image or document in one record: split the dataset.',
  ),
  'too-many-documents': error('Use at most one document per record.'),
  'reasoning-not-supported': error(
    'Remove reasoningContent blocks: only Nova 2 Lite fine-tuning learns from reasoning (or put the reasoning in text).',
  ),
  'reasoning-in-user-message': error('Put reasoningContent in assistant messages only.'),
  'reasoning-with-media': error(
    'Remove either the reasoningContent or the images, videos and documents: reasoning cannot be trained on multimodal records.',
  ),
  'tool-use-not-supported': error(
    'Remove toolConfig, toolUse and toolResult: this model (or customization type) takes no tool use; describe calls in text instead.',
  ),
  'tool-use-unconfirmed': warning(
    'Run a small test job first: Bedrock is not documented to accept tool use for this model (listed once, counted per record).',
  ),
  'tool-config': error(
    'Give toolConfig.tools at least one {"toolSpec": {"name", "description", "inputSchema": {"json": {"type": ...}}}}.',
  ),
  'tool-in-wrong-role': error('Put toolUse in assistant messages and toolResult in user messages.'),
  'undeclared-tool': error("Declare every tool a toolUse names in the record's toolConfig.tools (check the spelling)."),
  'duplicate-tool-use-id': error('Give each toolUse in a record its own toolUseId.'),
  'unmatched-tool-result': error(
    'Make each toolResult answer, once, the toolUseId of a toolUse in an earlier assistant message.',
  ),
  'reserved-word': error(
    'Remove reserved markers (User:, Bot:, Assistant:, System:, Thought:, <image>, <video>, [EOS], <unk>) from the text.',
  ),
  'multi-turn-not-supported': error(
    'Give each distillation prompt one user message (plus an optional assistant answer); this model takes single-turn prompts only.',
  ),
  'caption-length': error('Keep each caption within the length the model accepts (see the message).'),

  // ---- reinforcement fine-tuning prompts (OpenAI chat-completions style) ----
  'system-not-first': error('Put the system message first in `messages`, or merge it into the first one.'),
  'no-user-message': error('Give each prompt at least one message with "role": "user".'),
  'missing-reference-answer': warning(
    'Add `reference_answer` (any JSON) for the grader to score against, unless your grader needs none.',
  ),
  'invalid-tool-definition': error(
    'Declare tools as [{"type": "function", "function": {"name": ..., "parameters": {"type": "object", ...}}}].',
  ),
  'duplicate-tool-name': error(
    "Give every tool in a record its own name (toolConfig.tools, or an RFT record's tools).",
  ),

  // ---- file and dataset limits (no line number) ----
  'too-few-records': error('Add records: the file has fewer than the model accepts.'),
  'too-many-records': error('Remove records or split the job: the file has more than the model accepts.'),
  'too-few-total-records': error('Add records: training plus validation records are fewer than the model accepts.'),
  'too-many-total-records': error('Remove records: training plus validation records exceed what the model accepts.'),
  'file-too-large': error('Shrink the file below the size limit (remove records, or shorten them).'),
  'validation-not-supported': error('Remove the validation dataset: this model and customization type take none.'),
  'validation-ignored': warning(
    'Remove validationDataConfig: Bedrock ignores a validation set for this model and customization type.',
  ),
  'validation-overlap': warning(
    'Remove records that are also in the training set from the validation set: they make validation loss look better than it is.',
  ),
  'invalid-metadata-filter': error(
    'Give requestMetadataFilters exactly one of equals, notEquals (one entry each), andAll or orAll (1-16 filters).',
  ),
  'duplicate-check-incomplete': warning('Split the file: beyond 2,097,152 records duplicates are no longer tracked.'),

  // ---- media objects, checked where they live (S3, or --media-root for a local file) ----
  'media-missing': error('Upload the referenced object, or fix its URI: Bedrock fails the job on a missing file.'),
  'media-unreadable': error(
    "Let the job's role read the object (s3:GetObject on it): Bedrock must read every referenced file.",
  ),
  'media-content-mismatch': error(
    'Make the declared format match the file (its first bytes say what it is), or convert the file.',
  ),
  'media-too-large': error('Shrink the file below the size limit in the message (compress, downscale or trim it).'),
  'image-dimensions': error('Resize the image so its sides are within the pixel limits in the message.'),
  'media-not-checked': warning(
    'Pass --media-root DIR (the folder that stands for the bucket), or validate the dataset where it lives in S3, to check the media files.',
  ),

  // ---- invocation logs: a problem drops the record from distillation, so these are warnings ----
  'no-log-files': error(
    'Point invocationLogSource.s3Uri at the prefix that holds the `.json.gz` invocation logs (e.g. s3://bucket/prefix/AWSLogs).',
  ),
  'log-invalid-json': warning(
    'Nothing to fix: Bedrock skips log lines that are not JSON objects (a truncated final line, for example).',
  ),
  'log-not-invocation-log': warning(
    'Keep only Bedrock model invocation logs (schemaType "ModelInvocationLog") under the log prefix.',
  ),
  'log-missing-field': warning('Nothing to fix: the record lacks modelId, input or output and cannot be used.'),
  'log-unsupported-operation': warning(
    'Use Converse, ConverseStream or InvokeModel for calls you want to distill from.',
  ),
  'log-error-record': warning('Nothing to fix: failed invocations (errorCode) are not used.'),
  'log-body-offloaded': warning(
    'Nothing to fix: the body was over 100 KB and sits in a side file that was not read here (validate in S3 to read it).',
  ),
  'log-missing-body': warning('Enable text data delivery in the model invocation logging configuration.'),
  'log-unreadable-body': warning('Use the Converse API, or an InvokeModel body with messages, prompt or inputText.'),
  'log-multimodal': warning(
    'Nothing to fix: distillation is text to text, so prompts with images, documents or videos are not used.',
  ),
  'log-multi-turn': warning(
    'Nothing to fix: this student takes single-turn prompts, so multi-turn conversations are not used.',
  ),
  'log-guardrail': warning('Nothing to fix: responses blocked by a guardrail are not used.'),
  'log-empty-prompt': warning('Nothing to fix: a prompt without text cannot be used.'),
  'log-missing-response': warning('With usePromptResponse, every used record needs a text response in its log.'),
  'log-not-from-teacher': warning(
    'With usePromptResponse, only responses from the teacher model are used: check the teacher id or the filters.',
  ),
  'log-over-cap': warning(
    'Narrow the logs with requestMetadataFilters: distillation uses at most 15,000 prompts, RFT 20,000.',
  ),
  'log-metadata-unfilterable': warning(
    'Avoid `#` and `,` in request metadata you filter on: filters cannot express those characters.',
  ),
} as const satisfies Record<string, RuleSpec>;

export type DatasetRule = keyof typeof RULES;

export const DATASET_RULES = Object.keys(RULES) as DatasetRule[];

export function severityOf(rule: DatasetRule): Severity {
  return RULES[rule].severity;
}

export function fixFor(rule: DatasetRule): string {
  return RULES[rule].fix;
}
