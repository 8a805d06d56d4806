// bedrock-runtime on the same process and port: Converse (`POST /model/{modelId}/converse`) and
// InvokeModel (`POST /model/{modelId}/invoke`) on a custom model deployment ARN, a Provisioned
// Throughput ARN or a foundation model (id, ARN or inference profile id). The answer is simulated
// (answers.ts): deterministic per model and prompt, and a custom model's ends with its marker. A model
// whose training job had simulator:outcome=fail-smoke answers ModelErrorException.
import { CATALOG, TEACHER_MODELS, modelIdOf } from '../core/catalog';
import { simulatedAnswer, tokenCount, type ServedModel } from './answers';
import { lastSegment } from './arns';
import type { Deployments } from './deployments';
import type { Engine } from './engine';
import { ApiError, validation, Violations } from './errors';
import { modelBehaviour } from './reserved-tags';
import type { Route } from './router';
import type { Throughputs } from './throughputs';
import type { ModelRecord } from './types';
import { checkString, isObject, type JsonObject, type JsonValue } from './wire';

/**
 * The key an on-demand id is found by: lower case, without a customizable id's context suffix
 * (`amazon.nova-lite-v1:0:300k` serves on demand as `amazon.nova-lite-v1:0`) and without a `:0` version
 * (Titan Text Express is invoked as `amazon.titan-text-express-v1`).
 */
const onDemandKey = (id: string) =>
  id
    .toLowerCase()
    .replace(/(:\d+):[0-9a-z]+$/, '$1')
    .replace(/:0$/, '');

/** Foundation models this simulator serves on demand: the teachers and the customizable bases' own ids. */
const ON_DEMAND_MODELS = new Map<string, string>([
  ...TEACHER_MODELS.map((t) => [onDemandKey(t.modelId), t.modelName] as const),
  ...CATALOG.map((m) => [onDemandKey(m.modelId), m.modelName] as const),
]);

/** Strips an inference profile's geography (`us.amazon.nova-pro-v1:0`). */
const withoutProfile = (id: string) => id.replace(/^(us|eu|apac|us-gov|global|jp|au|ca)\./, '');

export interface Resolved {
  served: ServedModel;
  /** The custom model behind a deployment or Provisioned Throughput. */
  custom?: ModelRecord;
}

export class Runtime {
  constructor(
    private readonly engine: Engine,
    private readonly deployments: Deployments,
    private readonly throughputs: Throughputs,
  ) {}

  private customOrFoundation(modelArn: string): Resolved {
    if (modelArn.includes(':foundation-model/')) return this.foundation(modelArn);
    const custom = this.engine.findModel(modelArn);
    return { served: { label: custom.modelName, customModelId: lastSegment(custom.modelArn) }, custom };
  }

  private foundation(identifier: string): Resolved {
    const id = withoutProfile(modelIdOf(identifier.replace(/^arn:[^/]*:inference-profile\//, '')));
    const name = ON_DEMAND_MODELS.get(onDemandKey(id));
    if (name) return { served: { label: name } };
    throw validation('The provided model identifier is invalid.');
  }

  /** What serves `modelId`, or the error Bedrock answers: not found, not ready, not invocable. */
  resolve(modelId: string): Resolved {
    if (modelId.includes(':custom-model-deployment/')) {
      const d = this.deployments.byArn(modelId);
      if (!d) throw new ApiError('ResourceNotFoundException', `The custom model deployment ${modelId} does not exist.`);
      if (d.view.status === 'Creating') {
        throw new ApiError(
          'ModelNotReadyException',
          `The model is not ready to serve inference requests: the custom model deployment ${d.record.name} is Creating. Retry when it is Active.`,
        );
      }
      if (d.view.status === 'Failed') {
        throw validation(
          `The custom model deployment ${d.record.name} failed and cannot serve requests: ${d.view.failureMessage ?? ''}`,
        );
      }
      return this.customOrFoundation(d.view.modelArn);
    }
    if (modelId.includes(':provisioned-model/')) {
      const t = this.throughputs.byArn(modelId);
      if (!t) throw new ApiError('ResourceNotFoundException', `The provisioned model ${modelId} does not exist.`);
      if (t.view.status === 'Creating') {
        throw new ApiError(
          'ModelNotReadyException',
          `The model is not ready to serve inference requests: the provisioned model ${t.record.name} is Creating. Retry when it is InService.`,
        );
      }
      if (t.view.status === 'Failed') {
        throw validation(
          `The provisioned model ${t.record.name} failed and cannot serve requests: ${t.view.failureMessage ?? ''}`,
        );
      }
      return this.customOrFoundation(t.view.modelArn);
    }
    if (modelId.includes(':custom-model/')) {
      throw validation(
        `A custom model cannot be invoked directly: create a custom model deployment (or a Provisioned Throughput) for ${modelId} and use its ARN as modelId.`,
      );
    }
    return this.foundation(modelId);
  }

  /** Resolves and answers one prompt, failing as a fail-smoke model does. */
  answer(modelId: string, prompt: string): { text: string; resolved: Resolved } {
    const resolved = this.resolve(modelId);
    if (resolved.custom && modelBehaviour(resolved.custom.jobTags).outcome === 'fail-smoke') {
      throw new ApiError(
        'ModelErrorException',
        `The model returned the following errors: simulated inference failure of ${resolved.custom.modelArn} (forced by the reserved tag simulator:outcome=fail-smoke on its training job ${resolved.custom.jobName}).`,
        { originalStatusCode: 500, resourceName: modelId },
      );
    }
    return { text: simulatedAnswer(resolved.served, prompt), resolved };
  }
}

function texts(content: JsonValue | undefined): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((block) => (isObject(block) && typeof block.text === 'string' ? [block.text] : []));
}

/** The prompt (the last user turn's text) and every input text, from `messages` and `system`. */
function conversation(body: JsonObject, where: string): { prompt: string; inputText: string } {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw validation(`${where}: messages must be a non-empty list of {role, content}.`);
  }
  const all: string[] = [...texts(body.system as JsonValue)];
  let prompt: string | undefined;
  messages.forEach((m, i) => {
    if (!isObject(m) || (m.role !== 'user' && m.role !== 'assistant')) {
      throw validation(`${where}: messages.${i + 1}.role must be user or assistant.`);
    }
    const parts = texts(m.content);
    all.push(...parts);
    if (m.role === 'user' && parts.length > 0) prompt = parts.join('\n');
  });
  if (prompt === undefined) throw validation(`${where}: no user message has text content.`);
  return { prompt, inputText: all.join('\n') };
}

/** A stand-in for the model's latency: grows with the answer. */
const latencyMs = (outputTokens: number) => 120 + 4 * outputTokens;

/** InvokeModel's native answer, in the request's own family: Nova/Anthropic messages, Llama prompt, Titan inputText. */
function invokeAnswer(runtime: Runtime, modelId: string, body: JsonObject): object {
  if (Array.isArray(body.messages)) {
    const { prompt, inputText } = conversation(body, 'InvokeModel');
    const { text } = runtime.answer(modelId, prompt);
    const input = tokenCount(inputText);
    const output = tokenCount(text);
    if (typeof body.anthropic_version === 'string') {
      return {
        type: 'message',
        role: 'assistant',
        content: [{ type: 'text', text }],
        stop_reason: 'end_turn',
        usage: { input_tokens: input, output_tokens: output },
      };
    }
    return {
      output: { message: { role: 'assistant', content: [{ text }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: input, outputTokens: output, totalTokens: input + output },
    };
  }
  if (typeof body.prompt === 'string') {
    const { text } = runtime.answer(modelId, body.prompt);
    return {
      generation: text,
      prompt_token_count: tokenCount(body.prompt),
      generation_token_count: tokenCount(text),
      stop_reason: 'stop',
    };
  }
  if (typeof body.inputText === 'string') {
    const { text } = runtime.answer(modelId, body.inputText);
    return {
      inputTextTokenCount: tokenCount(body.inputText),
      results: [{ tokenCount: tokenCount(text), outputText: text, completionReason: 'FINISH' }],
    };
  }
  throw validation(
    'Malformed input request: the body needs messages (Nova, Anthropic), prompt (Llama) or inputText (Titan). See the model\u2019s native request format.',
  );
}

function checkModelId(label: string | undefined): string {
  const v = new Violations();
  checkString(v, 'modelId', label, { min: 1, max: 2048 }, true);
  v.throwIfAny();
  return label as string;
}

export function runtimeRoutes(runtime: Runtime): Route[] {
  return [
    {
      operation: 'Converse',
      method: 'POST',
      path: '/model/{modelId}/converse',
      handler: (ctx, label) => {
        const modelId = checkModelId(label);
        const { prompt, inputText } = conversation(ctx.body(), 'Converse');
        const { text } = runtime.answer(modelId, prompt);
        const input = tokenCount(inputText);
        const output = tokenCount(text);
        return {
          status: 200,
          body: {
            output: { message: { role: 'assistant', content: [{ text }] } },
            stopReason: 'end_turn',
            usage: { inputTokens: input, outputTokens: output, totalTokens: input + output },
            metrics: { latencyMs: latencyMs(output) },
          },
        };
      },
    },
    {
      operation: 'InvokeModel',
      method: 'POST',
      path: '/model/{modelId}/invoke',
      handler: (ctx, label) => {
        const modelId = checkModelId(label);
        let body: unknown;
        try {
          body = JSON.parse(ctx.raw);
        } catch (err) {
          throw validation(`Malformed input request: the body is not JSON (${(err as Error).message}).`);
        }
        if (!isObject(body as JsonValue)) throw validation('Malformed input request: the body must be a JSON object.');
        return { status: 200, body: invokeAnswer(runtime, modelId, body as JsonObject) };
      },
    },
  ];
}
