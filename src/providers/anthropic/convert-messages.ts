/** Loom's normalized request → a Messages API request body. */
import type { ContentBlockParam, MessageParam, Tool } from '@anthropic-ai/sdk/resources/messages/messages';
import { transformJSONSchema } from '@anthropic-ai/sdk/lib/transform-json-schema';
import type { ChatRequest, Message, ToolCall, ToolSpec } from '../../core/messages.js';
import { isObject } from '../../core/json.js';
import { DEFAULT_MAX_TOKENS, mergeParams } from '../request-body.js';

/** ToolCall.metadata key under which this provider keeps what it needs back. */
export const METADATA_KEY = 'anthropic';

/** What the anthropic provider stores on a tool call: the thinking blocks that came before it. */
export interface AnthropicCallMetadata {
  thinking: ContentBlockParam[];
}

function thinkingBefore(call: ToolCall): ContentBlockParam[] {
  const meta = call.metadata?.[METADATA_KEY];
  return isObject(meta) && Array.isArray(meta.thinking) ? (meta.thinking as ContentBlockParam[]) : [];
}

/** Anthropic tool_use ids must match ^[a-zA-Z0-9_-]+$; ids from another provider may not. */
export function toolUseId(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, '_') || 'call';
}

function assistantBlocks(message: Extract<Message, { role: 'assistant' }>): ContentBlockParam[] {
  const calls = message.toolCalls ?? [];
  const blocks: ContentBlockParam[] = [];
  // With thinking on, a tool-use turn sent back must start with its thinking blocks.
  const [first, ...rest] = calls;
  if (first) blocks.push(...thinkingBefore(first));
  if (message.content !== '') blocks.push({ type: 'text', text: message.content });
  for (const [index, call] of [first, ...rest].entries()) {
    if (!call) continue;
    if (index > 0) blocks.push(...thinkingBefore(call));
    const input = isObject(call.input) ? call.input : {};
    blocks.push({ type: 'tool_use', id: toolUseId(call.id), name: call.name, input });
  }
  return blocks;
}

/**
 * Messages in API form. Tool results travel as tool_result blocks in a user turn; consecutive
 * turns of one role are merged into one, as the API expects tool results right after the call.
 */
export function toAnthropicMessages(messages: readonly Message[]): MessageParam[] {
  const out: { role: 'user' | 'assistant'; content: ContentBlockParam[] }[] = [];
  const push = (role: 'user' | 'assistant', blocks: ContentBlockParam[]): void => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const message of messages) {
    switch (message.role) {
      case 'user':
        if (message.content !== '') push('user', [{ type: 'text', text: message.content }]);
        break;
      case 'assistant':
        push('assistant', assistantBlocks(message));
        break;
      case 'tool':
        push('user', [{
          type: 'tool_result',
          tool_use_id: toolUseId(message.toolCallId),
          content: message.content,
          ...(message.isError ? { is_error: true } : {}),
        }]);
        break;
    }
  }
  // A lone text block is sent in its short form, as people write it.
  return out.map(({ role, content }) => {
    const only = content[0];
    return content.length === 1 && only?.type === 'text' ? { role, content: only.text } : { role, content };
  });
}

export function toAnthropicTools(tools: readonly ToolSpec[]): Tool[] {
  return tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: { ...tool.parameters, type: 'object' } as Tool.InputSchema,
  }));
}

/**
 * `output_config.format` for structured output: the SDK's own transform makes the schema fit
 * Anthropic's structured-output subset (additionalProperties false, unsupported constraints moved
 * into descriptions). A schema it cannot transform is not sent; Loom's ajv check still applies.
 */
export function toOutputFormat(schema: Record<string, unknown>): { type: 'json_schema'; schema: Record<string, unknown> } | undefined {
  try {
    return { type: 'json_schema', schema: transformJSONSchema(schema) as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/**
 * The request body. `max_tokens` is required by the API: DEFAULT_MAX_TOKENS when the request
 * names none. `temperature` is not sent: the Messages API version the SDK speaks has no sampling
 * parameters and current models reject them; `params` can still add one.
 */
export function toAnthropicBody(request: ChatRequest, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
  };
  if (request.system) body.system = request.system;
  if (request.tools && request.tools.length > 0) body.tools = toAnthropicTools(request.tools);
  if (request.responseSchema) {
    const format = toOutputFormat(request.responseSchema);
    if (format) body.output_config = { format };
  }
  mergeParams(body, request.params);
  body.model = request.model;
  body.messages = toAnthropicMessages(request.messages);
  if (stream) body.stream = true;
  else delete body.stream;
  return body;
}
