// The Converse-style `bedrock-conversation-2024` records: fine-tuning Nova, Nova 2 Lite and Llama
// 3.2/3.3, and distillation prompts (the same shape, text only, with an optional "golden" answer).
//   {"schemaVersion": "bedrock-conversation-2024", "system": [{"text"}], "toolConfig"?: {"tools": [...]},
//    "messages": [{"role": "user"|"assistant", "content": [block, ...]}]}
// A block is one of text, image, video, document (user turns), reasoningContent (assistant turns),
// toolUse (assistant turns) or toolResult (user turns). What a model takes beyond text is the catalog's
// ConversationContent; the rules come from the Nova docs and AWS's two Nova validators
// (nova-formats.md 1.2-1.4 and 2): media formats, at most 10 images, one video and one document per
// record, a video alone (no image or document beside it), images or videos in a dataset but not both,
// same bucket as the dataset; reasoning not with media; every toolUse names a declared tool, ids unique,
// every toolResult answers an earlier toolUse once.
// This is the hot path of the largest datasets: plain loops, and paths for messages built only when a
// problem is reported.
import type { ConversationContent } from '../../catalog';
import type { DatasetContext, MediaKind } from '../types';
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
import { EXTENSIONS_BY_FORMAT, extensionOf, parseMediaUri } from './media';
import { ReservedWords } from './reserved-words';

export const CONVERSATION_SCHEMA_VERSION = 'bedrock-conversation-2024';
const MAX_IMAGES = 10;
const MAX_VIDEOS = 1;
const MAX_DOCUMENTS = 1;
const RECORD_KEYS = ['schemaVersion', 'system', 'messages', 'toolConfig'] as const;
const MESSAGE_KEYS = ['role', 'content'] as const;
const MEDIA_KEYS = ['format', 'source'] as const;
// The Converse API's DocumentBlock has a `name`; the training docs' examples leave it out.
const DOCUMENT_KEYS = ['format', 'name', 'source'] as const;
const LOCATION_KEYS = ['uri', 'bucketOwner'] as const;
const BLOCK_KINDS = ['text', 'image', 'video', 'document', 'reasoningContent', 'toolUse', 'toolResult'] as const;
type BlockKind = (typeof BLOCK_KINDS)[number];

const TEXT_ONLY: ConversationContent = {
  imageFormats: [],
  videoFormats: [],
  documentFormats: [],
  reasoning: false,
  toolUse: 'refused',
  media: { maxImageBytes: 0, maxVideoBytes: 0, maxDocumentBytes: 0, minImageSide: 0 },
};

const blockPath = (i: number, j: number): string => `messages[${i}].content[${j}]`;
const textPath = (i: number, j: number): string => (j < 0 ? `system[${i}].text` : `${blockPath(i, j)}.text`);
const plural = (kind: MediaKind): string => `${kind}s`;

export function conversationChecker(ctx: DatasetContext, distillation: boolean): RecordChecker {
  const { model, datasetBucket, onMediaReference } = ctx;
  // Distillation is text to text: prompts take no media, reasoning or tools whatever the student.
  const content = distillation ? TEXT_ONLY : (model.conversation ?? TEXT_ONLY);
  const formats: Record<MediaKind, readonly string[]> = {
    image: content.imageFormats,
    video: content.videoFormats,
    document: content.documentFormats,
  };
  // Nova accepts any schemaVersion string on fine-tuning records; distillation and Llama records are
  // held to the documented value.
  const anySchemaVersion = !distillation && model.provider === 'Amazon';
  const turnRule: TurnRule = !distillation
    ? 'training'
    : model.multiTurnDistillation
      ? 'multi-turn-prompt'
      : 'single-turn-prompt';
  const reserved = model.reservedWords?.length ? new ReservedWords(model.reservedWords) : undefined;
  const why = distillation ? 'distillation is text to text' : undefined;
  // Dataset-wide: the first line with an image and with a video, to refuse a mix; tool use listed once.
  const firstLineWith: Record<'image' | 'video', number> = { image: 0, video: 0 };
  let toolUseListed = false;

  // Per record, reset by check().
  const media: Record<MediaKind, number> = { image: 0, video: 0, document: 0 };
  let reasoningBlocks = 0;
  let toolBlocks = 0;
  let declaredTools: Set<string> | undefined;
  /** toolUseId -> index of the message that holds the toolUse. */
  const toolUses = new Map<string, number>();
  const answered = new Set<string>();
  let recordLine = 0;
  // Per message, reset by checkMessage(): text characters, and whether any block has substance.
  let messageChars = 0;
  let messageSubstantive = false;

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
    const allowed = formats[kind];
    if (allowed.length === 0) {
      const note = kind === 'document' && !distillation ? ' (PDF documents: Nova 2 Lite only)' : '';
      scope.report('media-not-supported', `${path}: ${why ?? `${model.modelName} takes no ${plural(kind)}${note}`}`);
      return;
    }
    media[kind]++;
    if (role === 'assistant') scope.report('media-in-assistant-message', `${path} is in an assistant message`);
    if (!isObject(value)) {
      scope.report('wrong-type', `${path} must be an object, not ${jsonType(value)}`);
      return;
    }
    checkKeys(value, kind === 'document' ? DOCUMENT_KEYS : MEDIA_KEYS, path, scope);
    if (kind === 'document' && value.name !== undefined && typeof value.name !== 'string')
      scope.report('wrong-type', `${path}.name must be a string, not ${jsonType(value.name)}`);
    const format = value.format;
    let formatOk = false;
    if (format === undefined) scope.report('missing-field', `${path}.format is missing`);
    else if (typeof format !== 'string')
      scope.report('wrong-type', `${path}.format must be a string, not ${jsonType(format)}`);
    else if (!allowed.includes(format))
      scope.report(
        'media-format',
        `${path}.format is ${JSON.stringify(format)}: ${model.modelName} takes ${kind} formats ${allowed.join(', ')}`,
      );
    else formatOk = true;

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
      return;
    }
    if (formatOk && onMediaReference)
      onMediaReference({ line: recordLine, kind, format: format as string, uri, ...parsed });
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

  /** Reports tool use on a model that refuses it; lists the "unconfirmed" warning once per file. */
  function toolUseAllowed(path: string, scope: RecordScope): boolean {
    const toolUse = content.toolUse;
    if (toolUse === 'refused') {
      scope.report('tool-use-not-supported', `${path}: ${why ?? `${model.modelName} takes no tool use`}`);
      return false;
    }
    if (toolBlocks++ === 0) {
      // Once per record: counted on every record, listed for the first only.
      if (toolUseListed) scope.count('tool-use-unconfirmed');
      else {
        toolUseListed = true;
        scope.report('tool-use-unconfirmed', `${path}: tool use on ${model.modelName}: ${toolUse.unconfirmed}`);
      }
    }
    return true;
  }

  /** toolConfig: the declared tool names, or undefined when it cannot be read. */
  function checkToolConfig(config: unknown, scope: RecordScope): Set<string> | undefined {
    if (!toolUseAllowed('toolConfig', scope)) return undefined;
    if (!isObject(config)) {
      scope.report('wrong-type', `toolConfig must be an object, not ${jsonType(config)}`);
      return undefined;
    }
    // toolChoice is a Converse member that AWS's validators do not model: accepted, not checked.
    checkKeys(config, ['tools', 'toolChoice'], 'toolConfig', scope);
    const tools = config.tools;
    if (tools === undefined) {
      scope.report('missing-field', 'toolConfig.tools is missing');
      return undefined;
    }
    if (!Array.isArray(tools)) {
      scope.report('wrong-type', `toolConfig.tools must be an array, not ${jsonType(tools)}`);
      return undefined;
    }
    if (tools.length === 0) scope.report('tool-config', 'toolConfig.tools is empty: declare at least one tool');
    scope.input += JSON.stringify(tools).length;
    const names = new Set<string>();
    for (let t = 0; t < tools.length; t++) {
      const path = `toolConfig.tools[${t}]`;
      const tool: unknown = tools[t];
      const spec = isObject(tool) ? tool.toolSpec : undefined;
      if (!isObject(tool) || !isObject(spec)) {
        scope.report('tool-config', `${path} must be {"toolSpec": {...}}`);
        continue;
      }
      checkKeys(tool, ['toolSpec'], path, scope);
      checkKeys(spec, ['name', 'description', 'inputSchema'], `${path}.toolSpec`, scope);
      for (const key of ['name', 'description'] as const) {
        const value = spec[key];
        if (value === undefined) scope.report('missing-field', `${path}.toolSpec.${key} is missing`);
        else if (typeof value !== 'string')
          scope.report('wrong-type', `${path}.toolSpec.${key} must be a string, not ${jsonType(value)}`);
        else if (isBlank(value)) scope.report('empty-text', `${path}.toolSpec.${key} is empty`);
      }
      const schema = isObject(spec.inputSchema) ? spec.inputSchema.json : undefined;
      if (!isObject(schema) || schema.type === undefined)
        scope.report('tool-config', `${path}.toolSpec.inputSchema.json must be a JSON schema object with a "type"`);
      if (typeof spec.name === 'string') {
        if (names.has(spec.name))
          scope.report('duplicate-tool-name', `${path}: a tool named "${spec.name}" is declared twice`);
        names.add(spec.name);
      }
    }
    return names;
  }

  function checkToolUse(value: unknown, path: string, role: unknown, i: number, scope: RecordScope): void {
    if (!toolUseAllowed(path, scope)) return;
    if (role !== 'assistant')
      scope.report('tool-in-wrong-role', `${path} is in a ${role} message: toolUse belongs to the assistant`);
    if (!isObject(value)) return scope.report('wrong-type', `${path} must be an object, not ${jsonType(value)}`);
    checkKeys(value, ['toolUseId', 'name', 'input'], path, scope);
    const { toolUseId: id, name, input } = value;
    for (const [key, field] of [
      ['toolUseId', id],
      ['name', name],
    ] as const) {
      if (field === undefined) scope.report('missing-field', `${path}.${key} is missing`);
      else if (typeof field !== 'string')
        scope.report('wrong-type', `${path}.${key} must be a string, not ${jsonType(field)}`);
      else if (isBlank(field)) scope.report('empty-text', `${path}.${key} is empty`);
    }
    if (input === undefined) scope.report('missing-field', `${path}.input is missing`);
    else if (!isObject(input))
      scope.report('wrong-type', `${path}.input must be a JSON object, not ${jsonType(input)}`);
    else scope.output += JSON.stringify(input).length;
    if (typeof name === 'string') {
      scope.output += name.length;
      if (!declaredTools)
        scope.report('undeclared-tool', `${path} calls "${name}" but the record has no toolConfig declaring tools`);
      else if (!declaredTools.has(name))
        scope.report(
          'undeclared-tool',
          `${path} calls "${name}", which toolConfig.tools does not declare (declared: ${[...declaredTools].join(', ') || 'none'})`,
        );
    }
    if (typeof id === 'string') {
      const earlier = toolUses.get(id);
      if (earlier !== undefined)
        scope.report('duplicate-tool-use-id', `${path}.toolUseId "${id}" is already used in messages[${earlier}]`);
      else toolUses.set(id, i);
    }
  }

  function checkToolResult(value: unknown, path: string, role: unknown, i: number, scope: RecordScope): void {
    if (!toolUseAllowed(path, scope)) return;
    if (role !== 'user')
      scope.report('tool-in-wrong-role', `${path} is in a ${role} message: toolResult belongs to the user`);
    if (!isObject(value)) return scope.report('wrong-type', `${path} must be an object, not ${jsonType(value)}`);
    // status ("success" | "error") is a Converse member AWS's validators do not model: accepted.
    checkKeys(value, ['toolUseId', 'content', 'status'], path, scope);
    const { toolUseId: id, content: items, status } = value;
    if (status !== undefined && status !== 'success' && status !== 'error')
      scope.report('wrong-type', `${path}.status is ${JSON.stringify(status)}: use "success" or "error"`);
    if (id === undefined) scope.report('missing-field', `${path}.toolUseId is missing`);
    else if (typeof id !== 'string')
      scope.report('wrong-type', `${path}.toolUseId must be a string, not ${jsonType(id)}`);
    else {
      const useAt = toolUses.get(id);
      if (useAt === undefined || useAt >= i)
        scope.report('unmatched-tool-result', `${path} answers toolUseId "${id}", which no earlier toolUse has`);
      else if (answered.has(id))
        scope.report('unmatched-tool-result', `${path} answers toolUseId "${id}" a second time`);
      answered.add(id);
    }
    if (items === undefined) return scope.report('missing-field', `${path}.content is missing`);
    if (!Array.isArray(items) || items.length === 0)
      return scope.report('wrong-type', `${path}.content must be a non-empty array of {"text"} or {"json"} items`);
    for (let k = 0; k < items.length; k++) {
      const item: unknown = items[k];
      const keys = isObject(item) ? Object.keys(item) : [];
      if (!isObject(item) || keys.length !== 1 || (keys[0] !== 'text' && keys[0] !== 'json')) {
        scope.report('invalid-content-block', `${path}.content[${k}] must hold exactly one of "text" or "json"`);
        continue;
      }
      if (keys[0] === 'text') {
        if (typeof item.text !== 'string')
          scope.report('wrong-type', `${path}.content[${k}].text must be a string, not ${jsonType(item.text)}`);
        else scope.input += item.text.length;
      } else scope.input += JSON.stringify(item.json).length;
    }
  }

  function checkReasoning(value: unknown, path: string, role: unknown, scope: RecordScope): void {
    if (!content.reasoning) {
      scope.report(
        'reasoning-not-supported',
        `${path}: ${why ?? `${model.modelName} does not train on reasoning (Nova 2 Lite only)`}`,
      );
      return;
    }
    reasoningBlocks++;
    if (role !== 'assistant') scope.report('reasoning-in-user-message', `${path} is in a ${role} message`);
    const reasoning = isObject(value) ? value.reasoningText : undefined;
    if (!isObject(value) || !isObject(reasoning))
      return scope.report('wrong-type', `${path} must be {"reasoningText": {"text": "..."}}`);
    checkKeys(value, ['reasoningText'], path, scope);
    checkKeys(reasoning, ['text'], `${path}.reasoningText`, scope);
    const text = reasoning.text;
    if (typeof text !== 'string')
      return scope.report('wrong-type', `${path}.reasoningText.text must be a string, not ${jsonType(text)}`);
    if (isBlank(text)) return scope.report('empty-text', `${path}.reasoningText.text is empty`);
    // Training loss covers reasoning tokens too: they are output.
    scope.output += text.length;
  }

  function checkBlock(block: unknown, i: number, j: number, role: unknown, scope: RecordScope): void {
    if (!isObject(block))
      return scope.report('invalid-content-block', `${blockPath(i, j)} must be an object, not ${jsonType(block)}`);
    let kind: string | undefined;
    let keys = 0;
    for (const key in block) {
      keys++;
      kind = key;
    }
    if (keys !== 1 || !(BLOCK_KINDS as readonly string[]).includes(kind as string)) {
      const what =
        keys === 0
          ? 'is empty'
          : `has ${Object.keys(block)
              .map((k) => `"${k}"`)
              .join(', ')}`;
      return scope.report(
        'invalid-content-block',
        `${blockPath(i, j)} ${what}: a block holds exactly one of ${BLOCK_KINDS.map((k) => `"${k}"`).join(', ')}`,
      );
    }
    const path = `${blockPath(i, j)}.${kind}`;
    switch (kind as BlockKind) {
      case 'text': {
        const chars = checkText(block.text, i, j, scope);
        messageChars += chars;
        if (chars > 0 && !isBlank(block.text as string)) messageSubstantive = true;
        return;
      }
      case 'image':
      case 'video':
      case 'document':
        messageSubstantive = true;
        return checkMedia(kind as MediaKind, block[kind as MediaKind], path, role, scope);
      case 'reasoningContent':
        messageSubstantive = true;
        return checkReasoning(block.reasoningContent, path, role, scope);
      case 'toolUse':
        messageSubstantive = true;
        return checkToolUse(block.toolUse, path, role, i, scope);
      case 'toolResult':
        messageSubstantive = true;
        return checkToolResult(block.toolResult, path, role, i, scope);
    }
  }

  function checkMessage(message: JsonObject, i: number, scope: RecordScope): void {
    const { content: blocks, role } = message;
    if (blocks === undefined) return scope.report('missing-field', `messages[${i}].content is missing`);
    if (!Array.isArray(blocks))
      return scope.report(
        'wrong-type',
        `messages[${i}].content must be an array of content blocks, not ${jsonType(blocks)}`,
      );
    messageChars = 0;
    messageSubstantive = false;
    for (let j = 0; j < blocks.length; j++) checkBlock(blocks[j], i, j, role, scope);
    if (!messageSubstantive) scope.report('empty-text', `messages[${i}] has no text`);
    if (role === 'assistant') scope.output += messageChars;
    else scope.input += messageChars;
  }

  function checkMediaMix(scope: RecordScope, line: number): void {
    if (media.image > MAX_IMAGES)
      scope.report('too-many-images', `the record has ${media.image} images: at most ${MAX_IMAGES}`);
    if (media.video > MAX_VIDEOS)
      scope.report('too-many-videos', `the record has ${media.video} videos: at most ${MAX_VIDEOS}`);
    if (media.document > MAX_DOCUMENTS)
      scope.report('too-many-documents', `the record has ${media.document} documents: at most ${MAX_DOCUMENTS}`);
    if (reasoningBlocks > 0)
      scope.report('reasoning-with-media', 'the record has reasoningContent and media: reasoning is text-only');
    if (media.video > 0 && media.image + media.document > 0)
      return scope.report(
        'mixed-media',
        `the record holds a video with ${media.image > 0 ? 'images' : 'a document'}: a video stands alone`,
      );
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
      recordLine = line;
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
      media.image = 0;
      media.video = 0;
      media.document = 0;
      reasoningBlocks = 0;
      toolBlocks = 0;
      toolUses.clear();
      answered.clear();
      declaredTools = record.toolConfig !== undefined ? checkToolConfig(record.toolConfig, scope) : undefined;

      const messages = record.messages;
      if (messages === undefined) return scope.report('missing-field', 'messages is missing');
      if (!Array.isArray(messages))
        return scope.report('wrong-type', `messages must be an array, not ${jsonType(messages)}`);
      const roles: string[] = [];
      let rolesValid = true;
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
      if (media.image > 0 || media.video > 0 || media.document > 0) checkMediaMix(scope, line);
    },
    snapshot: () => ({ firstLineWith: { ...firstLineWith }, toolUseListed }),
    restore(state) {
      const saved = state as { firstLineWith: Record<'image' | 'video', number>; toolUseListed: boolean };
      Object.assign(firstLineWith, saved.firstLineWith);
      toolUseListed = saved.toolUseListed;
    },
  };
}

const MEDIA_PAIRS = [
  ['image', 'video'],
  ['video', 'image'],
] as const;
