/** Loom's normalized request → the Chat Completions request body (CreateChatCompletionRequest). */
import type {
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions/completions';
import type { ChatRequest, Message, ToolSpec } from '../../core/messages.js';
import { mergeParams } from '../request-body.js';
import { stringifyToolInput } from '../tool-input.js';
import { isStrictCompatible } from './strict-schema.js';

export function toOpenAIMessages(system: string | undefined, messages: readonly Message[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  if (system) out.push({ role: 'system', content: system });
  for (const message of messages) {
    switch (message.role) {
      case 'user':
        out.push({ role: 'user', content: message.content });
        break;
      case 'assistant': {
        const calls = message.toolCalls ?? [];
        if (calls.length === 0) {
          out.push({ role: 'assistant', content: message.content });
        } else {
          out.push({
            role: 'assistant',
            content: message.content === '' ? null : message.content,
            tool_calls: calls.map((call) => ({
              id: call.id,
              type: 'function' as const,
              function: { name: call.name, arguments: stringifyToolInput(call.input) },
            })),
          });
        }
        break;
      }
      case 'tool':
        out.push({ role: 'tool', tool_call_id: message.toolCallId, content: message.content });
        break;
    }
  }
  return out;
}

export function toOpenAITools(tools: readonly ToolSpec[]): ChatCompletionTool[] {
  return tools.map((tool) => ({
    type: 'function' as const,
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}

/** `response_format` for a JSON Schema: strict only when the schema keeps OpenAI's strict rules. */
export function toResponseFormat(schema: Record<string, unknown>): ChatCompletionCreateParamsBase['response_format'] {
  const title = typeof schema.title === 'string' ? schema.title.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) : '';
  return {
    type: 'json_schema',
    json_schema: { name: title || 'response', schema, strict: isStrictCompatible(schema) },
  };
}

/** openai sends max_completion_tokens; openai-compatible max_tokens, which those servers understand (CONTRACT §10). */
export const MAX_TOKENS_FIELD = { openai: 'max_completion_tokens', 'openai-compatible': 'max_tokens' } as const;

export interface BodyOptions {
  /** openai: max_completion_tokens; openai-compatible: max_tokens (CONTRACT §10). */
  maxTokensField: 'max_completion_tokens' | 'max_tokens';
  stream: boolean;
}

/**
 * The request body. `params` are merged over what Loom computed (the user's word wins), except
 * `model`, `messages` and `stream`, which Loom owns.
 */
export function toOpenAIBody(request: ChatRequest, options: BodyOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.maxTokens !== undefined) body[options.maxTokensField] = request.maxTokens;
  if (request.tools && request.tools.length > 0) body.tools = toOpenAITools(request.tools);
  if (request.responseSchema) body.response_format = toResponseFormat(request.responseSchema);
  if (options.stream) body.stream_options = { include_usage: true };
  mergeParams(body, request.params);
  body.model = request.model;
  body.messages = toOpenAIMessages(request.system, request.messages);
  if (options.stream) body.stream = true;
  else delete body.stream;
  return body;
}
