/** The `openai` provider type: OpenAI's Chat Completions API through the official SDK. */
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions/completions';
import type { ResolvedProvider } from '../../config/types.js';
import { abortedError, errorContext } from '../http-error.js';
import type { ChatRequest, Provider, ProviderEvent, StreamOptions } from '../types.js';
import { createOpenAIClient, type ChatCompletionsVariant } from './client.js';
import { toOpenAIBody } from './convert-messages.js';
import { mapOpenAIError } from './map-error.js';
import { completionEvents, streamEvents } from './stream.js';

/** A Chat Completions provider; `openai-compatible` is the same with its own variant. */
export function createChatCompletionsProvider(config: ResolvedProvider, variant: ChatCompletionsVariant): Provider {
  const client = createOpenAIClient(config, variant);
  const maxTokensField = variant === 'openai' ? 'max_completion_tokens' : 'max_tokens';

  async function* stream(request: ChatRequest, options: StreamOptions = {}): AsyncGenerator<ProviderEvent> {
    const { signal } = options;
    const streaming = options.stream !== false;
    const ctx = errorContext(config, request.model);
    const body = toOpenAIBody(request, { maxTokensField, stream: streaming });
    let midStream = false;
    try {
      if (streaming) {
        const chunks = await client.chat.completions.create(body as unknown as ChatCompletionCreateParamsStreaming, { signal });
        midStream = true;
        yield* streamEvents(chunks, ctx);
      } else {
        const completion: ChatCompletion = await client.chat.completions.create(body as unknown as ChatCompletionCreateParamsNonStreaming, { signal });
        yield* completionEvents(completion, ctx);
      }
    } catch (error) {
      throw mapOpenAIError(error, ctx, signal, midStream);
    }
    if (signal?.aborted) throw abortedError(ctx, signal);
  }

  return { name: config.name, type: config.type, stream };
}

export function createProvider(config: ResolvedProvider): Provider {
  return createChatCompletionsProvider(config, 'openai');
}
