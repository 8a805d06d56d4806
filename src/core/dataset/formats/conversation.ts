// The Converse-style `bedrock-conversation-2024` records: fine-tuning Nova and Llama 3.2/3.3, and
// distillation prompts (the same shape, text only, with an optional "golden" assistant answer).
//   {"schemaVersion": "bedrock-conversation-2024", "system": [{"text"}],
//    "messages": [{"role": "user"|"assistant", "content": [{"text"} | {"image": {...}} | {"video": {...}}]}]}
// Media rules come from the Nova docs and AWS's Nova validator: formats, at most 10 images and one
// video per record, not both in one dataset, user messages only, same bucket as the dataset.
// This is the hot path of the largest datasets: plain loops, and paths for messages built only when a
// problem is reported.
import type { DatasetContext } from '../types';
import {
  checkKeys,
  checkTurnOrder,
  isBlank,
  isObject,
  jsonType,
  type JsonObject,
  type RecordChecker,
  type RecordScope,
  type TurnRule,
} from './common';
import { EXTENSIONS_BY_FORMAT, extensionOf, IMAGE_FORMATS, parseMediaUri, VIDEO_FORMATS } from './media';
import { ReservedWords } from './reserved-words';

export const CONVERSATION_SCHEMA_VERSION = 'bedrock-conversation-2024';
const MAX_IMAGES = 10;
const MAX_VIDEOS = 1;
const RECORD_KEYS = ['schemaVersion', 'system', 'messages'] as const;
const MESSAGE_KEYS = ['role', 'content'] as const;
const MEDIA_KEYS = ['format', 'source'] as const;
const LOCATION_KEYS = ['uri', 'bucketOwner'] as const;

type MediaKind = 'image' | 'video';

const blockPath = (i: number, j: number): string => `messages[${i}].content[${j}]`;
const textPath = (i: number, j: number): string => (j < 0 ? `system[${i}].text` : `${blockPath(i, j)}.text`);

export function conversationChecker(ctx: DatasetContext, distillation: boolean): RecordChecker {
  const { model, datasetBucket } = ctx;
  // Nova accepts any schemaVersion string on fine-tuning records; distillation and Llama records are
  // held to the documented value.
  const anySchemaVersion = !distillation && model.provider === 'Amazon';
  const mediaAllowed: Record<MediaKind, boolean> = {
    image: !distillation && model.inputModalities.includes('IMAGE'),
    video: !distillation && model.inputModalities.includes('VIDEO'),
  };
  const turnRule: TurnRule = !distillation
    ? 'training'
    : model.multiTurnDistillation
      ? 'multi-turn-prompt'
      : 'single-turn-prompt';
  const reserved = model.reservedWords?.length ? new ReservedWords(model.reservedWords) : undefined;
  // Dataset-wide: the first line with an image and with a video, to refuse a mix.
  const firstLineWith: Record<MediaKind, number> = { image: 0, video: 0 };
  // Per record, reset by check().
  const media: Record<MediaKind, number> = { image: 0, video: 0 };

  /** Length of a text field, 0 when it is not a string (reported). Message block j of message i, or system[i] when j < 0. */
  function checkText(text: unknown, i: number, j: number, scope: RecordScope): number {
    if (typeof text !== 'string') {
      scope.report('wrong-type', `${textPath(i, j)} must be a string, not ${jsonType(text)}`);
      return 0;
    }
    const found = reserved?.find(text);
    if (found !== undefined)
      scope.report('reserved-word', `${textPath(i, j)} contains the reserved marker ${JSON.stringify(found)}`);
    return text.length;
  }

  function checkMedia(kind: MediaKind, value: unknown, path: string, role: unknown, scope: RecordScope): void {
    if (!mediaAllowed[kind]) {
      const why = distillation ? 'distillation is text to text' : `${model.modelName} takes no ${kind}s`;
      scope.report('media-not-supported', `${path}: ${why}`);
      return;
    }
    if (role === 'assistant') scope.report('media-in-assistant-message', `${path} is in an assistant message`);
    if (!isObject(value)) {
      scope.report('wrong-type', `${path} must be an object, not ${jsonType(value)}`);
      return;
    }
    checkKeys(value, MEDIA_KEYS, path, scope);
    const format = value.format;
    const formats: readonly string[] = kind === 'image' ? IMAGE_FORMATS : VIDEO_FORMATS;
    if (format === undefined) scope.report('missing-field', `${path}.format is missing`);
    else if (typeof format !== 'string')
      scope.report('wrong-type', `${path}.format must be a string, not ${jsonType(format)}`);
    else if (!formats.includes(format))
      scope.report('media-format', `${path}.format is ${JSON.stringify(format)}: use one of ${formats.join(', ')}`);

    const location = isObject(value.source) ? value.source.s3Location : undefined;
    if (!isObject(location)) {
      scope.report('missing-field', `${path}.source.s3Location is missing: media are referenced by S3 URI`);
      return;
    }
    const where = `${path}.source.s3Location`;
    checkKeys(location, LOCATION_KEYS, where, scope);
    if (location.bucketOwner !== undefined && typeof location.bucketOwner !== 'string') {
      scope.report('wrong-type', `${where}.bucketOwner must be a string, not ${jsonType(location.bucketOwner)}`);
    }
    const uri = location.uri;
    if (uri === undefined) return scope.report('missing-field', `${where}.uri is missing`);
    if (typeof uri !== 'string')
      return scope.report('wrong-type', `${where}.uri must be a string, not ${jsonType(uri)}`);
    const parsed = parseMediaUri(uri);
    if (!parsed) {
      return scope.report(
        'media-uri',
        `${where}.uri ${JSON.stringify(uri)} is not s3://bucket/key with only letters, digits, _, -, / and . in the key`,
      );
    }
    const extensions = typeof format === 'string' ? EXTENSIONS_BY_FORMAT[format] : undefined;
    if (extensions && !extensions.includes(extensionOf(uri))) {
      scope.report(
        'media-extension',
        `${where}.uri ends in ".${extensionOf(uri)}" but format is "${format}": expected .${extensions.join(' or .')}`,
      );
    }
    if (datasetBucket !== undefined && parsed.bucket !== datasetBucket) {
      scope.report(
        'media-bucket',
        `${path} is in bucket "${parsed.bucket}", the dataset in "${datasetBucket}": media must be in the dataset's bucket`,
      );
    }
  }

  function checkSystem(system: unknown, scope: RecordScope): void {
    if (!Array.isArray(system)) {
      scope.report('wrong-type', `system must be an array of {"text": ...} blocks, not ${jsonType(system)}`);
      return;
    }
    for (let i = 0; i < system.length; i++) {
      const block: unknown = system[i];
      if (!isObject(block)) {
        scope.report('wrong-type', `system[${i}] must be an object, not ${jsonType(block)}`);
        continue;
      }
      checkKeys(block, ['text'], `system[${i}]`, scope);
      if (block.text === undefined) scope.report('missing-field', `system[${i}].text is missing`);
      else scope.input += checkText(block.text, i, -1, scope);
    }
  }

  // Per message, reset by checkMessage(): text characters, and whether any block has text or media.
  let messageChars = 0;
  let messageSubstantive = false;

  function checkBlock(block: unknown, i: number, j: number, role: unknown, scope: RecordScope): void {
    if (!isObject(block))
      return scope.report('invalid-content-block', `${blockPath(i, j)} must be an object, not ${jsonType(block)}`);
    let kind: string | undefined;
    let keys = 0;
    for (const key in block) {
      keys++;
      kind = key;
    }
    if (keys !== 1 || (kind !== 'text' && kind !== 'image' && kind !== 'video')) {
      const what =
        keys === 0
          ? 'is empty'
          : `has ${Object.keys(block)
              .map((k) => `"${k}"`)
              .join(', ')}`;
      return scope.report(
        'invalid-content-block',
        `${blockPath(i, j)} ${what}: a block holds exactly one of "text", "image", "video"`,
      );
    }
    if (kind === 'text') {
      const chars = checkText(block.text, i, j, scope);
      messageChars += chars;
      if (chars > 0 && !isBlank(block.text as string)) messageSubstantive = true;
      return;
    }
    if (mediaAllowed[kind]) media[kind]++;
    messageSubstantive = true;
    checkMedia(kind, block[kind], `${blockPath(i, j)}.${kind}`, role, scope);
  }

  function checkMessage(message: JsonObject, i: number, scope: RecordScope): void {
    const { content, role } = message;
    if (content === undefined) return scope.report('missing-field', `messages[${i}].content is missing`);
    if (!Array.isArray(content))
      return scope.report(
        'wrong-type',
        `messages[${i}].content must be an array of content blocks, not ${jsonType(content)}`,
      );
    messageChars = 0;
    messageSubstantive = false;
    for (let j = 0; j < content.length; j++) checkBlock(content[j], i, j, role, scope);
    if (!messageSubstantive) scope.report('empty-text', `messages[${i}] has no text`);
    if (role === 'assistant') scope.output += messageChars;
    else scope.input += messageChars;
  }

  function checkMediaMix(scope: RecordScope, line: number): void {
    if (media.image > MAX_IMAGES)
      scope.report('too-many-images', `the record has ${media.image} images: at most ${MAX_IMAGES}`);
    if (media.video > MAX_VIDEOS)
      scope.report('too-many-videos', `the record has ${media.video} videos: at most ${MAX_VIDEOS}`);
    if (media.image > 0 && media.video > 0)
      return scope.report('mixed-media', 'the record holds both images and videos');
    for (const [kind, other] of MEDIA_PAIRS) {
      if (media[kind] === 0) continue;
      if (firstLineWith[kind] === 0) firstLineWith[kind] = line;
      if (firstLineWith[other] !== 0 && firstLineWith[other] < line) {
        scope.report(
          'mixed-media',
          `the record has ${kind}s, but line ${firstLineWith[other]} has ${other}s: a dataset holds images or videos, not both`,
        );
      }
    }
  }

  return {
    check(record, scope, line) {
      checkKeys(record, RECORD_KEYS, 'the record', scope);
      const version = record.schemaVersion;
      if (anySchemaVersion) {
        if (version !== undefined && typeof version !== 'string')
          scope.report('wrong-type', `schemaVersion must be a string, not ${jsonType(version)}`);
      } else if (version !== CONVERSATION_SCHEMA_VERSION) {
        scope.report(
          'schema-version',
          `schemaVersion is ${version === undefined ? 'missing' : JSON.stringify(version)}: set "${CONVERSATION_SCHEMA_VERSION}"`,
        );
      }
      if (record.system !== undefined) checkSystem(record.system, scope);

      const messages = record.messages;
      if (messages === undefined) return scope.report('missing-field', 'messages is missing');
      if (!Array.isArray(messages))
        return scope.report('wrong-type', `messages must be an array, not ${jsonType(messages)}`);
      const roles: string[] = [];
      let rolesValid = true;
      media.image = 0;
      media.video = 0;
      for (let i = 0; i < messages.length; i++) {
        const message: unknown = messages[i];
        if (!isObject(message)) {
          scope.report('wrong-type', `messages[${i}] must be an object, not ${jsonType(message)}`);
          rolesValid = false;
          continue;
        }
        checkKeys(message, MESSAGE_KEYS, `messages[${i}]`, scope);
        const role = message.role;
        if (role === 'user' || role === 'assistant') roles.push(role);
        else {
          rolesValid = false;
          if (role === undefined) scope.report('missing-field', `messages[${i}].role is missing`);
          else
            scope.report('invalid-role', `messages[${i}].role is ${JSON.stringify(role)}: use "user" or "assistant"`);
        }
        checkMessage(message, i, scope);
      }
      if (rolesValid) checkTurnOrder(roles, turnRule, scope);
      if (media.image > 0 || media.video > 0) checkMediaMix(scope, line);
    },
  };
}

const MEDIA_PAIRS = [
  ['image', 'video'],
  ['video', 'image'],
] as const;
