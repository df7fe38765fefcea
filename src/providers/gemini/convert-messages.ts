/**
 * Loom's normalized request → @google/genai `generateContent` parameters, and the REST body the
 * SDK makes of them (`toGeminiBody`, for `--dry-run`; test/providers/wire.test.ts checks it
 * against what the SDK really sends).
 */
import type { Content, FunctionDeclaration, GenerateContentConfig, Part } from '@google/genai';
import type { ChatRequest, Message, ToolCall, ToolSpec } from '../../core/messages.js';
import { isObject } from '../../core/json.js';

/** ToolCall.metadata key under which this provider keeps what it needs back. */
export const METADATA_KEY = 'gemini';

/** What the gemini provider stores on a tool call. */
export interface GeminiCallMetadata {
  /** The functionCall part's thoughtSignature, which Gemini 3 requires back. */
  thoughtSignature?: string;
  /** Gemini named the call itself (so its id goes back with the call and its response). */
  id?: string;
}

function meta(call: ToolCall): GeminiCallMetadata {
  const value = call.metadata?.[METADATA_KEY];
  return isObject(value) ? (value as GeminiCallMetadata) : {};
}

/**
 * Contents in API form: assistant turns as `model`, tool results as functionResponse parts of a
 * `user` turn, consecutive turns of one role merged (Gemini wants all responses to one turn's
 * calls together).
 */
export function toGeminiContents(messages: readonly Message[]): Content[] {
  const out: Content[] = [];
  const idOf = new Map<string, string | undefined>();
  const push = (role: 'user' | 'model', parts: Part[]): void => {
    if (parts.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.parts!.push(...parts);
    else out.push({ role, parts });
  };
  for (const message of messages) {
    switch (message.role) {
      case 'user':
        if (message.content !== '') push('user', [{ text: message.content }]);
        break;
      case 'assistant': {
        const parts: Part[] = [];
        if (message.content !== '') parts.push({ text: message.content });
        for (const call of message.toolCalls ?? []) {
          const { thoughtSignature, id } = meta(call);
          idOf.set(call.id, id);
          parts.push({
            functionCall: { ...(id ? { id } : {}), name: call.name, args: isObject(call.input) ? call.input : {} },
            ...(thoughtSignature ? { thoughtSignature } : {}),
          });
        }
        push('model', parts);
        break;
      }
      case 'tool': {
        const id = idOf.get(message.toolCallId);
        push('user', [{
          functionResponse: {
            ...(id ? { id } : {}),
            name: message.toolName,
            response: message.isError ? { error: message.content } : { output: message.content },
          },
        }]);
        break;
      }
    }
  }
  return out;
}

export function toFunctionDeclarations(tools: readonly ToolSpec[]): FunctionDeclaration[] {
  return tools.map((tool) => ({ name: tool.name, description: tool.description, parametersJsonSchema: tool.parameters }));
}

/**
 * The SDK's `config`, minus the transport fields the provider adds. Automatic function calling
 * and automatic continuation are off: the engine runs tools, and the SDK must never send a
 * request of its own (continuation re-sends a request; that would be a second retry layer).
 */
export function toGeminiConfig(request: ChatRequest): GenerateContentConfig {
  const config: GenerateContentConfig = {
    automaticFunctionCalling: { disable: true },
    automaticContinuation: false,
  };
  if (request.system) config.systemInstruction = request.system;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.tools && request.tools.length > 0) config.tools = [{ functionDeclarations: toFunctionDeclarations(request.tools) }];
  if (request.responseSchema) {
    config.responseMimeType = 'application/json';
    config.responseJsonSchema = request.responseSchema;
  }
  return config;
}

/** `params` merged into the body as the SDK merges `extraBody`: objects recursively, anything else replaced. */
function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(source)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/**
 * The JSON body of `models/{model}:generateContent` (and `:streamGenerateContent?alt=sse`, the
 * same body) as the SDK builds it from `toGeminiContents` and `toGeminiConfig`: the system
 * prompt as a user-role Content, the generation settings under `generationConfig` (sent even
 * when empty), then `params` deep-merged.
 */
export function toGeminiBody(request: ChatRequest): Record<string, unknown> {
  const config = toGeminiConfig(request);
  const body: Record<string, unknown> = { contents: toGeminiContents(request.messages) };
  if (request.system) body.systemInstruction = { parts: [{ text: request.system }], role: 'user' };
  if (config.tools) body.tools = config.tools;
  const generationConfig: Record<string, unknown> = {};
  for (const key of ['temperature', 'maxOutputTokens', 'responseMimeType', 'responseJsonSchema'] as const) {
    if (config[key] !== undefined) generationConfig[key] = config[key];
  }
  body.generationConfig = generationConfig;
  return request.params ? deepMerge(body, request.params) : body;
}
