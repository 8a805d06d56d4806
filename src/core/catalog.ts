// The model catalog: which base models can be customized, how, with which hyperparameters and within
// which data limits. One table shared by the simulator (what Bedrock validates), the dataset engine
// (which record format and limits apply) and the workflow's preflight. Facts and their sources are in
// shared/reference/bedrock-model-customization.md sections 1.5, 2 and 3; where the reference marks a
// number UNCONFIRMED, the choice made here is noted beside it.

export const CUSTOMIZATION_TYPES = [
  'FINE_TUNING',
  'CONTINUED_PRE_TRAINING',
  'DISTILLATION',
  'REINFORCEMENT_FINE_TUNING',
] as const;
export type CustomizationType = (typeof CUSTOMIZATION_TYPES)[number];

/** The types that may train on Bedrock model invocation logs (`trainingDataConfig.invocationLogsConfig`). */
export const INVOCATION_LOG_TYPES: readonly CustomizationType[] = ['DISTILLATION', 'REINFORCEMENT_FINE_TUNING'];

/** The JSONL record shape a job's training file must have. */
export type RecordFormat =
  | 'prompt-completion' // {"prompt","completion"}: Titan Text, Cohere, Llama 3.1
  | 'claude-messages' // {"system"?, "messages":[{role, content: string}]}: Claude 3 Haiku
  | 'bedrock-conversation' // schemaVersion bedrock-conversation-2024: Nova, Llama 3.2/3.3
  | 'continued-pretraining' // {"input"}: Titan Text G1 Express/Lite
  | 'image-caption' // {"image-ref","caption"}: Titan image models, Nova Canvas
  | 'distillation-prompts' // bedrock-conversation-2024 prompts, optional golden answer
  | 'rft-prompts'; // OpenAI chat-completions prompts + reference_answer: reinforcement fine-tuning

export type Provider = 'Amazon' | 'Anthropic' | 'Meta' | 'Cohere';

export interface HyperParameterSpec {
  name: string;
  type: 'int' | 'float';
  min: number;
  max: number;
  default?: number;
  /** Extra literal values Bedrock accepts besides numbers (Titan Multimodal Embeddings' "Auto"). */
  literals?: readonly string[];
}

/** Input+output token limit for records trained at up to `maxBatchSize` records per batch. */
export interface TokenLimitByBatch {
  maxBatchSize: number;
  tokens: number;
}

export interface DataLimits {
  minTrainingRecords?: number;
  maxTrainingRecords?: number;
  maxValidationRecords?: number;
  /** Bounds on training + validation records together ("Sum of training and validation records"). */
  minTotalRecords?: number;
  maxTotalRecords?: number;
  /** Input + output tokens per record (estimated), by batch size where the docs tie them. */
  maxTokensPerRecord?: number | readonly TokenLimitByBatch[];
  maxInputTokens?: number;
  maxOutputTokens?: number;
  maxTrainingFileBytes?: number;
  maxValidationFileBytes?: number;
  /** Image models take no validation set. */
  validationSupported: boolean;
  /** Bedrock accepts a validation set in the request and ignores it (Nova 2 Lite): a warning, not an error. */
  validationIgnored?: boolean;
  /** Caption length in characters (image-caption format). */
  captionChars?: { min: number; max: number };
}

/** Size and pixel limits on the media a record references, checked against the objects themselves. */
export interface MediaLimits {
  maxImageBytes: number;
  maxVideoBytes: number;
  maxDocumentBytes: number;
  /** Shortest side of an image, in pixels. */
  minImageSide: number;
  /** Longest side of an image, in pixels, where the docs give one. */
  maxImageSide?: number;
}

/**
 * What a `bedrock-conversation-2024` record may hold beyond text for this model (nova-formats.md 1.2-1.4
 * and 2): media formats (empty: none), `reasoningContent`, and tool use. Tool use the service is not
 * documented to accept is `{ unconfirmed }`: accepted with a warning that says why.
 */
export interface ConversationContent {
  imageFormats: readonly string[];
  videoFormats: readonly string[];
  documentFormats: readonly string[];
  reasoning: boolean;
  toolUse: 'refused' | { unconfirmed: string };
  media: MediaLimits;
}

export interface CustomizationSpec {
  format: RecordFormat;
  /** The string-valued `hyperParameters` map; empty when the type takes its hyperparameters elsewhere. */
  hyperParameters: readonly HyperParameterSpec[];
  /** Where this type's hyperparameters go instead of the `hyperParameters` map, when they do. */
  hyperParametersElsewhere?: string;
  limits: DataLimits;
}

export interface CatalogModel {
  /** The customizable base model id (with its context-length suffix), as Bedrock names it. */
  modelId: string;
  modelName: string;
  provider: Provider;
  inputModalities: readonly ('TEXT' | 'IMAGE' | 'VIDEO')[];
  outputModalities: readonly ('TEXT' | 'IMAGE' | 'EMBEDDING')[];
  customizations: Partial<Record<CustomizationType, CustomizationSpec>>;
  /** For a distillation student: the teacher model ids it may learn from (same provider). */
  distillationTeachers?: readonly string[];
  /** Multi-turn distillation prompts are allowed (Nova); Anthropic and Meta take single-turn only. */
  multiTurnDistillation?: boolean;
  /** Markers that fail a job wherever they appear in a record's text, matched case-insensitively. */
  reservedWords?: readonly string[];
  /** Conversation records beyond text; absent: text only. */
  conversation?: ConversationContent;
  /**
   * Regions where a custom model of this base can be served by an on-demand custom model deployment
   * (CreateCustomModelDeployment); absent: none. Reference model-lifecycle.md 2.3, the current
   * deploy-custom-model-on-demand page.
   */
  onDemandDeploymentRegions?: readonly string[];
  /** No Provisioned Throughput is sold for this base or its custom models (3P: Llama 3.3 70B). */
  noProvisionedThroughput?: boolean;
}

/** A model that only serves as a distillation teacher: listed by the catalog, never customized. */
export interface TeacherModel {
  modelId: string;
  modelName: string;
  provider: Provider;
}

const GB = 1024 ** 3;
const MB = 1024 ** 2;

// ---- hyperparameter tables (reference section 3; RFT's typed ones are in bedrock-patterns.ts) ----
const titanTextHp: readonly HyperParameterSpec[] = [
  { name: 'epochCount', type: 'int', min: 1, max: 10, default: 5 },
  // The docs say 1-64 here but define token limits only up to 4 (Express) / 6 (Lite): accept 1-64.
  { name: 'batchSize', type: 'int', min: 1, max: 64, default: 1 },
  { name: 'learningRate', type: 'float', min: 0, max: 1, default: 0.00001 },
  { name: 'learningRateWarmupSteps', type: 'int', min: 0, max: 250, default: 5 },
];
const titanPremierHp: readonly HyperParameterSpec[] = [
  { name: 'epochCount', type: 'int', min: 1, max: 5, default: 2 },
  { name: 'batchSize', type: 'int', min: 1, max: 1, default: 1 },
  { name: 'learningRate', type: 'float', min: 1e-7, max: 1e-5, default: 1e-6 },
  { name: 'learningRateWarmupSteps', type: 'int', min: 0, max: 20, default: 5 },
];
const claudeHaikuHp: readonly HyperParameterSpec[] = [
  { name: 'epochCount', type: 'int', min: 1, max: 10, default: 2 },
  { name: 'batchSize', type: 'int', min: 4, max: 256, default: 32 },
  { name: 'learningRateMultiplier', type: 'float', min: 0.1, max: 2, default: 1 },
  { name: 'earlyStoppingThreshold', type: 'float', min: 0, max: 0.1, default: 0.001 },
  { name: 'earlyStoppingPatience', type: 'int', min: 1, max: 10, default: 2 },
];
const llamaHp: readonly HyperParameterSpec[] = [
  { name: 'epochCount', type: 'int', min: 1, max: 10, default: 5 },
  { name: 'batchSize', type: 'int', min: 1, max: 1, default: 1 },
  { name: 'learningRate', type: 'float', min: 5e-6, max: 0.1, default: 1e-4 },
];
const cohereHp = (maxBatch: number): readonly HyperParameterSpec[] => [
  { name: 'epochCount', type: 'int', min: 1, max: 100, default: 1 },
  { name: 'batchSize', type: 'int', min: 8, max: maxBatch, default: 8 },
  { name: 'learningRate', type: 'float', min: 5e-6, max: 0.1, default: 1e-5 },
  { name: 'earlyStoppingThreshold', type: 'float', min: 0, max: 0.1, default: 0.01 },
  { name: 'earlyStoppingPatience', type: 'int', min: 1, max: 10, default: 6 },
  { name: 'evalPercentage', type: 'float', min: 5, max: 50, default: 20 },
];
const novaHp: readonly HyperParameterSpec[] = [
  { name: 'epochCount', type: 'int', min: 1, max: 5, default: 2 },
  { name: 'learningRate', type: 'float', min: 1e-6, max: 1e-4, default: 1e-5 },
  { name: 'learningRateWarmupSteps', type: 'int', min: 0, max: 100, default: 10 },
];
const imageGenerationHp: readonly HyperParameterSpec[] = [
  { name: 'batchSize', type: 'int', min: 8, max: 192, default: 8 },
  { name: 'stepCount', type: 'int', min: 10, max: 20_000, default: 500 },
  { name: 'learningRate', type: 'float', min: 1e-7, max: 1e-4, default: 1e-5 },
];
const embeddingsHp: readonly HyperParameterSpec[] = [
  { name: 'epochCount', type: 'int', min: 1, max: 100, literals: ['Auto'] },
  { name: 'batchSize', type: 'int', min: 256, max: 9_216, default: 576 },
  { name: 'learningRate', type: 'float', min: 5e-8, max: 1, default: 5e-5 },
];

// ---- data limits (reference section 2.2) ----
// Titan Text record quotas are UNCONFIRMED in the reference; 10,000 (fine-tuning) and 100,000
// (continued pre-training) follow the older docs it cites. Validation records: 1,000, as for Cohere.
const titanTextFtLimits = (tokens: readonly TokenLimitByBatch[]): DataLimits => ({
  minTrainingRecords: 1,
  maxTrainingRecords: 10_000,
  maxValidationRecords: 1_000,
  maxTotalRecords: 10_000,
  maxTokensPerRecord: tokens,
  maxTrainingFileBytes: 1 * GB,
  maxValidationFileBytes: 100 * MB,
  validationSupported: true,
});
const titanTextCptLimits = (tokens: readonly TokenLimitByBatch[]): DataLimits => ({
  ...titanTextFtLimits(tokens),
  maxTrainingRecords: 100_000,
  maxTotalRecords: 100_000,
  maxTrainingFileBytes: 10 * GB,
});
const expressTokens = [
  { maxBatchSize: 1, tokens: 4_096 },
  { maxBatchSize: 64, tokens: 2_048 },
] as const;
const liteTokens = [
  { maxBatchSize: 2, tokens: 4_096 },
  { maxBatchSize: 64, tokens: 2_048 },
] as const;
const llamaLimits = (tokens: number): DataLimits => ({
  minTotalRecords: 100,
  maxTotalRecords: 10_000,
  maxTrainingRecords: 10_000,
  maxValidationRecords: 10_000,
  maxTokensPerRecord: tokens,
  maxInputTokens: tokens,
  maxOutputTokens: tokens,
  validationSupported: true,
});
// Nova's per-record token limit is UNCONFIRMED; 32,000 is the fine-tuning context Bedrock documents
// for Nova Micro/Lite/Pro customization. Record counts follow the AWS samples' validator (8-20,000).
const novaLimits: DataLimits = {
  minTrainingRecords: 8,
  maxTrainingRecords: 20_000,
  maxValidationRecords: 1_000,
  maxTokensPerRecord: 32_000,
  validationSupported: true,
};
/**
 * Reinforcement fine-tuning: at least 100 prompts (rft-prepare-data), at most 20,000 ("20K prompts").
 * A validation set is accepted: AWS's RFT sample passes one; whether the service uses it is UNCONFIRMED.
 */
const rftLimits: DataLimits = {
  minTrainingRecords: 100,
  maxTrainingRecords: 20_000,
  validationSupported: true,
};
/** Distillation: at most 15,000 prompts; fewer than 100 is refused here (AWS's recommended floor). */
const distillationLimits: DataLimits = {
  minTrainingRecords: 100,
  maxTrainingRecords: 15_000,
  validationSupported: false,
};

const ft = (
  format: RecordFormat,
  hyperParameters: readonly HyperParameterSpec[],
  limits: DataLimits,
): CustomizationSpec => ({
  format,
  hyperParameters,
  limits,
});

export const TEACHER_MODELS: readonly TeacherModel[] = [
  { modelId: 'amazon.nova-premier-v1:0', modelName: 'Nova Premier', provider: 'Amazon' },
  { modelId: 'amazon.nova-pro-v1:0', modelName: 'Nova Pro', provider: 'Amazon' },
  { modelId: 'anthropic.claude-3-5-sonnet-20241022-v2:0', modelName: 'Claude 3.5 Sonnet v2', provider: 'Anthropic' },
  { modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0', modelName: 'Claude 3.5 Sonnet', provider: 'Anthropic' },
  { modelId: 'meta.llama3-1-405b-instruct-v1:0', modelName: 'Llama 3.1 405B Instruct', provider: 'Meta' },
  { modelId: 'meta.llama3-1-70b-instruct-v1:0', modelName: 'Llama 3.1 70B Instruct', provider: 'Meta' },
  { modelId: 'meta.llama3-3-70b-instruct-v1:0', modelName: 'Llama 3.3 70B Instruct', provider: 'Meta' },
];

const teachersOf = (provider: Provider) => TEACHER_MODELS.filter((t) => t.provider === provider).map((t) => t.modelId);

// Llama 3.2 Vision: images of 10-8,192 px per side, up to 10 MB (reference 2.2); no video, no tools.
const LLAMA_VISION_CONTENT: ConversationContent = {
  imageFormats: ['gif', 'jpeg', 'png', 'webp'],
  videoFormats: [],
  documentFormats: [],
  reasoning: false,
  toolUse: 'refused',
  media: { maxImageBytes: 10 * MB, maxVideoBytes: 0, maxDocumentBytes: 0, minImageSide: 10, maxImageSide: 8_192 },
};

const llamaModel = (
  modelId: string,
  modelName: string,
  format: RecordFormat,
  tokens: number,
  distill: boolean,
  vision = false,
): CatalogModel => ({
  modelId,
  modelName,
  provider: 'Meta',
  inputModalities: vision ? ['TEXT', 'IMAGE'] : ['TEXT'],
  outputModalities: ['TEXT'],
  customizations: {
    FINE_TUNING: ft(format, llamaHp, llamaLimits(tokens)),
    ...(distill ? { DISTILLATION: ft('distillation-prompts', llamaHp, distillationLimits) } : {}),
  },
  ...(distill ? { distillationTeachers: teachersOf('Meta') } : {}),
  ...(vision ? { conversation: LLAMA_VISION_CONTENT } : {}),
});

// Nova's docs list the first seven; AWS's Nova dataset validator also rejects Thought: and <unk>, and
// matches case-insensitively.
const NOVA_RESERVED_WORDS = [
  'User:',
  'Bot:',
  'Assistant:',
  'System:',
  'Thought:',
  '<image>',
  '<video>',
  '[EOS]',
  '<unk>',
] as const;

// AWS's Nova validators: images up to 10 MB and at least 25 px a side, videos up to 50 MB, one PDF
// document up to 10 MB (nova-formats.md 1.2). No maximum image side is documented for Nova.
const NOVA_MEDIA_LIMITS: MediaLimits = {
  maxImageBytes: 10 * MB,
  maxVideoBytes: 50 * MB,
  maxDocumentBytes: 10 * MB,
  minImageSide: 25,
};
const novaContent = (multimodal: boolean): ConversationContent => ({
  imageFormats: multimodal ? ['jpeg', 'png', 'gif', 'webp'] : [],
  videoFormats: multimodal ? ['mov', 'mkv', 'mp4', 'webm'] : [],
  // PDF documents are a Nova 2 Lite feature (AWS's validators list them for lite-2.0 only).
  documentFormats: [],
  reasoning: false,
  toolUse: {
    unconfirmed:
      'AWS documents no tool use for Nova 1 fine-tuning (its own validators disagree with each other); run a small test job before relying on it',
  },
  media: NOVA_MEDIA_LIMITS,
});
// Nova 2 Lite SFT (nova-formats.md 2): webp and webm dropped, PDF documents and reasoningContent added.
const NOVA_2_LITE_CONTENT: ConversationContent = {
  imageFormats: ['png', 'jpeg', 'gif'],
  videoFormats: ['mov', 'mkv', 'mp4'],
  documentFormats: ['pdf'],
  reasoning: true,
  toolUse: {
    unconfirmed:
      "Bedrock's Nova 2 SFT page says tool sections 'might cause your job to fail' while the Nova 2 guide says tool calling is supported; run a small test job before relying on it",
  },
  media: NOVA_MEDIA_LIMITS,
};
// Nova 2 Lite SFT: 200-20,000 records (AWS's validators; no docs page states 200), and no validation set:
// Bedrock ignores one. No per-record token limit is documented, so none is enforced.
const nova2LiteSftLimits: DataLimits = {
  minTrainingRecords: 200,
  maxTrainingRecords: 20_000,
  validationSupported: false,
  validationIgnored: true,
};

/** On-demand custom model deployments of Nova understanding models: N. Virginia only (model-lifecycle.md 2.3). */
const NOVA_DEPLOYMENT_REGIONS = ['us-east-1'] as const;

const novaModel = (
  modelId: string,
  modelName: string,
  multimodal: boolean,
  teachers: readonly string[],
): CatalogModel => ({
  modelId,
  modelName,
  provider: 'Amazon',
  inputModalities: multimodal ? ['TEXT', 'IMAGE', 'VIDEO'] : ['TEXT'],
  outputModalities: ['TEXT'],
  customizations: {
    FINE_TUNING: ft('bedrock-conversation', novaHp, novaLimits),
    DISTILLATION: ft('distillation-prompts', novaHp, distillationLimits),
  },
  distillationTeachers: teachers,
  multiTurnDistillation: true,
  reservedWords: NOVA_RESERVED_WORDS,
  conversation: novaContent(multimodal),
  onDemandDeploymentRegions: NOVA_DEPLOYMENT_REGIONS,
});

export const CATALOG: readonly CatalogModel[] = [
  {
    modelId: 'amazon.titan-text-express-v1:0:8k',
    modelName: 'Titan Text G1 - Express',
    provider: 'Amazon',
    inputModalities: ['TEXT'],
    outputModalities: ['TEXT'],
    customizations: {
      FINE_TUNING: ft('prompt-completion', titanTextHp, titanTextFtLimits(expressTokens)),
      CONTINUED_PRE_TRAINING: ft('continued-pretraining', titanTextHp, titanTextCptLimits(expressTokens)),
    },
  },
  {
    modelId: 'amazon.titan-text-lite-v1:0:4k',
    modelName: 'Titan Text G1 - Lite',
    provider: 'Amazon',
    inputModalities: ['TEXT'],
    outputModalities: ['TEXT'],
    customizations: {
      FINE_TUNING: ft('prompt-completion', titanTextHp, titanTextFtLimits(liteTokens)),
      CONTINUED_PRE_TRAINING: ft('continued-pretraining', titanTextHp, titanTextCptLimits(liteTokens)),
    },
  },
  {
    modelId: 'amazon.titan-text-premier-v1:0:32k',
    modelName: 'Titan Text G1 - Premier',
    provider: 'Amazon',
    inputModalities: ['TEXT'],
    outputModalities: ['TEXT'],
    customizations: {
      FINE_TUNING: ft('prompt-completion', titanPremierHp, titanTextFtLimits([{ maxBatchSize: 1, tokens: 4_096 }])),
    },
  },
  {
    modelId: 'anthropic.claude-3-haiku-20240307-v1:0:200k',
    modelName: 'Claude 3 Haiku',
    provider: 'Anthropic',
    inputModalities: ['TEXT', 'IMAGE'],
    outputModalities: ['TEXT'],
    customizations: {
      FINE_TUNING: ft('claude-messages', claudeHaikuHp, {
        minTrainingRecords: 32,
        maxTrainingRecords: 10_000,
        maxValidationRecords: 1_000,
        maxTotalRecords: 10_000,
        maxTokensPerRecord: 32_000,
        maxTrainingFileBytes: 10 * GB,
        maxValidationFileBytes: 1 * GB,
        validationSupported: true,
      }),
      DISTILLATION: ft('distillation-prompts', claudeHaikuHp, distillationLimits),
    },
    distillationTeachers: teachersOf('Anthropic'),
  },
  llamaModel('meta.llama3-1-8b-instruct-v1:0:128k', 'Llama 3.1 8B Instruct', 'prompt-completion', 16_000, true),
  llamaModel('meta.llama3-1-70b-instruct-v1:0:128k', 'Llama 3.1 70B Instruct', 'prompt-completion', 16_000, true),
  llamaModel('meta.llama3-2-1b-instruct-v1:0:128k', 'Llama 3.2 1B Instruct', 'bedrock-conversation', 16_000, true),
  llamaModel('meta.llama3-2-3b-instruct-v1:0:128k', 'Llama 3.2 3B Instruct', 'bedrock-conversation', 16_000, true),
  llamaModel(
    'meta.llama3-2-11b-instruct-v1:0:128k',
    'Llama 3.2 11B Vision Instruct',
    'bedrock-conversation',
    16_000,
    false,
    true,
  ),
  llamaModel(
    'meta.llama3-2-90b-instruct-v1:0:128k',
    'Llama 3.2 90B Vision Instruct',
    'bedrock-conversation',
    10_000,
    false,
    true,
  ),
  {
    // Deployable on demand in Oregon; no Provisioned Throughput SKU (3P cloud-custodian, model-lifecycle.md 2.3).
    ...llamaModel(
      'meta.llama3-3-70b-instruct-v1:0:128k',
      'Llama 3.3 70B Instruct',
      'bedrock-conversation',
      16_000,
      false,
    ),
    onDemandDeploymentRegions: ['us-west-2'],
    noProvisionedThroughput: true,
  },
  novaModel('amazon.nova-micro-v1:0:128k', 'Nova Micro', false, ['amazon.nova-premier-v1:0', 'amazon.nova-pro-v1:0']),
  novaModel('amazon.nova-lite-v1:0:300k', 'Nova Lite', true, ['amazon.nova-premier-v1:0', 'amazon.nova-pro-v1:0']),
  novaModel('amazon.nova-pro-v1:0:300k', 'Nova Pro', true, ['amazon.nova-premier-v1:0']),
  {
    // Reinforcement fine-tuning is offered for Nova 2 Lite only (nova-rft "Supported models"), text only.
    modelId: 'amazon.nova-2-lite-v1:0:256k',
    modelName: 'Nova 2 Lite',
    provider: 'Amazon',
    inputModalities: ['TEXT', 'IMAGE', 'VIDEO'],
    outputModalities: ['TEXT'],
    customizations: {
      FINE_TUNING: ft('bedrock-conversation', novaHp, nova2LiteSftLimits),
      REINFORCEMENT_FINE_TUNING: {
        format: 'rft-prompts',
        hyperParameters: [],
        hyperParametersElsewhere: 'customizationConfig.rftConfig.hyperParameters (JSON numbers)',
        limits: rftLimits,
      },
    },
    reservedWords: NOVA_RESERVED_WORDS,
    conversation: NOVA_2_LITE_CONTENT,
    onDemandDeploymentRegions: NOVA_DEPLOYMENT_REGIONS,
  },
  {
    modelId: 'cohere.command-text-v14:7:4k',
    modelName: 'Command',
    provider: 'Cohere',
    inputModalities: ['TEXT'],
    outputModalities: ['TEXT'],
    customizations: {
      FINE_TUNING: ft('prompt-completion', cohereHp(8), {
        maxTrainingRecords: 10_000,
        maxValidationRecords: 1_000,
        maxInputTokens: 4_096,
        maxOutputTokens: 2_048,
        maxTokensPerRecord: 6_144,
        validationSupported: true,
      }),
    },
  },
  {
    modelId: 'cohere.command-light-text-v14:7:4k',
    modelName: 'Command Light',
    provider: 'Cohere',
    inputModalities: ['TEXT'],
    outputModalities: ['TEXT'],
    customizations: {
      FINE_TUNING: ft('prompt-completion', cohereHp(32), {
        maxTrainingRecords: 10_000,
        maxValidationRecords: 1_000,
        maxInputTokens: 4_096,
        maxOutputTokens: 2_048,
        maxTokensPerRecord: 6_144,
        validationSupported: true,
      }),
    },
  },
  {
    modelId: 'amazon.titan-image-generator-v1:0',
    modelName: 'Titan Image Generator G1',
    provider: 'Amazon',
    inputModalities: ['TEXT', 'IMAGE'],
    outputModalities: ['IMAGE'],
    customizations: {
      FINE_TUNING: ft('image-caption', imageGenerationHp, {
        minTrainingRecords: 5,
        maxTrainingRecords: 10_000,
        validationSupported: false,
        captionChars: { min: 3, max: 1_024 },
      }),
    },
  },
  {
    modelId: 'amazon.titan-embed-image-v1:0',
    modelName: 'Titan Multimodal Embeddings G1',
    provider: 'Amazon',
    inputModalities: ['TEXT', 'IMAGE'],
    outputModalities: ['EMBEDDING'],
    customizations: {
      FINE_TUNING: ft('image-caption', embeddingsHp, {
        minTrainingRecords: 1_000,
        maxTrainingRecords: 500_000,
        validationSupported: false,
        captionChars: { min: 0, max: 2_560 },
      }),
    },
  },
  {
    modelId: 'amazon.nova-canvas-v1:0',
    modelName: 'Nova Canvas',
    provider: 'Amazon',
    inputModalities: ['TEXT', 'IMAGE'],
    outputModalities: ['IMAGE'],
    customizations: {
      FINE_TUNING: ft('image-caption', imageGenerationHp, {
        minTrainingRecords: 5,
        maxTrainingRecords: 10_000,
        validationSupported: false,
        captionChars: { min: 3, max: 1_024 },
      }),
    },
  },
];

const FOUNDATION_MODEL_ARN = /^arn:aws(-[^:]+)?:bedrock:[a-z0-9-]+::foundation-model\/(.+)$/;

/** A bare model id from an id or a foundation-model ARN. */
export function modelIdOf(identifier: string): string {
  return FOUNDATION_MODEL_ARN.exec(identifier)?.[2] ?? identifier;
}

/** The customizable model for an id or ARN. Ids are compared case-insensitively (`:32K` is seen too). */
export function findModel(identifier: string): CatalogModel | undefined {
  const id = modelIdOf(identifier).toLowerCase();
  return CATALOG.find((m) => m.modelId.toLowerCase() === id);
}

export function findTeacher(identifier: string): TeacherModel | undefined {
  const id = modelIdOf(identifier).toLowerCase();
  return TEACHER_MODELS.find((m) => m.modelId.toLowerCase() === id);
}

export function customizationOf(model: CatalogModel, type: CustomizationType): CustomizationSpec | undefined {
  return model.customizations[type];
}

/** The ids of the models that support a customization type, for messages that say what would work. */
export function modelsSupporting(type: CustomizationType): string[] {
  return CATALOG.filter((m) => m.customizations[type] !== undefined).map((m) => m.modelId);
}

/** The token limit for a record at the given batch size (the smallest bound that applies). */
export function tokenLimitFor(limits: DataLimits, batchSize = 1): number | undefined {
  const rule = limits.maxTokensPerRecord;
  if (rule === undefined || typeof rule === 'number') return rule;
  return rule.find((r) => batchSize <= r.maxBatchSize)?.tokens ?? rule[rule.length - 1]?.tokens;
}

/** Problems with a hyperParameters map for this model and type: unknown names, non-numbers, ranges. */
export function hyperParameterProblems(
  spec: CustomizationSpec,
  hyperParameters: Record<string, string> | undefined,
): string[] {
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(hyperParameters ?? {})) {
    const hp = spec.hyperParameters.find((h) => h.name === name);
    if (!hp && spec.hyperParametersElsewhere) {
      problems.push(`hyperParameters.${name}: this customization type takes it in ${spec.hyperParametersElsewhere}`);
      continue;
    }
    if (!hp) {
      problems.push(
        `hyperParameters.${name} is not a hyperparameter of this model; allowed: ${spec.hyperParameters.map((h) => h.name).join(', ')}`,
      );
      continue;
    }
    if (hp.literals?.includes(raw)) continue;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || (hp.type === 'int' && !Number.isInteger(value))) {
      problems.push(
        `hyperParameters.${name}=${JSON.stringify(raw)} must be ${hp.type === 'int' ? 'an integer' : 'a number'} given as a string`,
      );
    } else if (value < hp.min || value > hp.max) {
      problems.push(`hyperParameters.${name}=${raw} is out of range: allowed ${hp.min} to ${hp.max}`);
    }
  }
  return problems;
}

/** The effective numeric value of a hyperparameter: the request's, else the model's default. */
export function hyperParameterValue(
  spec: CustomizationSpec,
  hyperParameters: Record<string, string> | undefined,
  name: string,
): number | undefined {
  const raw = hyperParameters?.[name];
  if (raw !== undefined && Number.isFinite(Number(raw))) return Number(raw);
  return spec.hyperParameters.find((h) => h.name === name)?.default;
}

/** A custom model of this base can be deployed on demand in the region (CreateCustomModelDeployment). */
export function deployableOnDemand(model: CatalogModel, region: string): boolean {
  return model.onDemandDeploymentRegions?.includes(region) ?? false;
}

/** The bases whose custom models can be deployed on demand in the region, for messages. */
export function onDemandDeployableModels(region: string): string[] {
  return CATALOG.filter((m) => deployableOnDemand(m, region)).map((m) => m.modelId);
}
