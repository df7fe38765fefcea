/** The `openai` provider type: OpenAI's Chat Completions API through the official SDK. */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions/completions';
import type { Provider } from '../../core/messages.js';
import type { ProviderSettings } from '../../core/plan.js';
import type { ProviderContext } from '../registry.js';
import { sdkProvider } from '../sdk-stream.js';
import { createOpenAIClient, type ChatCompletionsVariant } from './client.js';
import { MAX_TOKENS_FIELD, toOpenAIBody } from './convert-messages.js';
import { mapOpenAIError } from './map-error.js';
import { completionEvents, streamEvents } from './stream.js';

/** A Chat Completions provider; `openai-compatible` is the same with its own variant. */
export function createChatCompletionsProvider(settings: ProviderSettings, context: ProviderContext, variant: ChatCompletionsVariant): Provider {
  const credentials = context.credentials();
  const client = createOpenAIClient(settings, credentials, context.timeoutMs, variant);
  const maxTokensField = MAX_TOKENS_FIELD[variant];
  return sdkProvider<Record<string, unknown>, ChatCompletionChunk, ChatCompletion>(settings, credentials, {
    prepare: (request, streaming) => toOpenAIBody(request, { maxTokensField, stream: streaming }),
    openStream: (body, signal) => client.chat.completions.create(body as unknown as ChatCompletionCreateParamsStreaming, { signal }),
    complete: (body, signal) => client.chat.completions.create(body as unknown as ChatCompletionCreateParamsNonStreaming, { signal }),
    streamEvents,
    wholeEvents: completionEvents,
    mapError: (error, ctx, { signal, midStream }) => mapOpenAIError(error, ctx, signal, midStream),
  });
}

export function createProvider(settings: ProviderSettings, context: ProviderContext): Provider {
  return createChatCompletionsProvider(settings, context, 'openai');
}
