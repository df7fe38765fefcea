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

type WireBody = (request: ChatRequest, stream: boolean) => Record<string, unknown> | null;

/** Each type's body builder; the compiler asks for one a new type. */
const WIRE_BODIES: Record<ProviderType, WireBody> = {
  openai: (request, stream) => toOpenAIBody(request, { maxTokensField: MAX_TOKENS_FIELD.openai, stream }),
  'openai-compatible': (request, stream) => toOpenAIBody(request, { maxTokensField: MAX_TOKENS_FIELD['openai-compatible'], stream }),
  anthropic: (request, stream) => toAnthropicBody(request, stream),
  // Streaming or not, the body is the same; only the URL differs.
  gemini: (request) => toGeminiBody(request),
  // The mock sends nothing.
  mock: () => null,
};

/** The body for a provider of `type`; null for `mock`, which sends nothing. */
export function wireBody(type: ProviderType, request: ChatRequest, stream: boolean): Record<string, unknown> | null {
  return Object.hasOwn(WIRE_BODIES, type) ? WIRE_BODIES[type](request, stream) : null;
}
