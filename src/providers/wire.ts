/**
 * The JSON body a request goes on the wire with, per provider type (CONTRACT §10 `--dry-run`
 * `wire`), built by the very functions the providers build their requests with. No SDK client is
 * loaded and no key is needed: the builders are plain functions (the Anthropic one uses the SDK's
 * small JSON-Schema transform module for structured output, not its client). Loaded on demand by
 * `--dry-run` only.
 */
import type { ProviderType } from '../core/config.js';
import { toAnthropicBody } from './anthropic/convert-messages.js';
import { toGeminiBody } from './gemini/convert-messages.js';
import { MAX_TOKENS_FIELD, toOpenAIBody } from './openai/convert-messages.js';
import type { ChatRequest } from '../core/messages.js';

/** The body for a provider of `type`; null for `mock`, which sends nothing. */
export function wireBody(type: ProviderType, request: ChatRequest, stream: boolean): Record<string, unknown> | null {
  switch (type) {
    case 'openai':
    case 'openai-compatible':
      return toOpenAIBody(request, { maxTokensField: MAX_TOKENS_FIELD[type], stream });
    case 'anthropic':
      return toAnthropicBody(request, stream);
    case 'gemini':
      // Streaming or not, the body is the same; only the URL differs.
      return toGeminiBody(request);
    default:
      return null;
  }
}
