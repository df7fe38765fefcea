/** The `openai` provider type: OpenAI's Chat Completions API through the official SDK. */
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions/completions';
import type { ResolvedProvider } from '../../core/config.js';
import { abortedError, errorContext } from '../http-error.js';
import { observeHttp } from '../http-fetch.js';
import { ExchangeLog } from '../shared.js';
import type { ChatRequest, Provider, ProviderEvent, StreamOptions } from '../../core/messages.js';
import { createOpenAIClient, type ChatCompletionsVariant } from './client.js';
import { MAX_TOKENS_FIELD, toOpenAIBody } from './convert-messages.js';
import { mapOpenAIError } from './map-error.js';
import { completionEvents, streamEvents } from './stream.js';

/** A Chat Completions provider; `openai-compatible` is the same with its own variant. */
export function createChatCompletionsProvider(config: ResolvedProvider, variant: ChatCompletionsVariant): Provider {
  const client = createOpenAIClient(config, variant);
  const maxTokensField = MAX_TOKENS_FIELD[variant];

  async function* stream(request: ChatRequest, options: StreamOptions = {}): AsyncGenerator<ProviderEvent> {
    const { signal } = options;
    const streaming = options.stream !== false;
    const ctx = errorContext(config, request.model);
    const body = toOpenAIBody(request, { maxTokensField, stream: streaming });
    const exchanges = new ExchangeLog();
    let midStream = false;
    try {
      if (streaming) {
        const chunks = await observeHttp(exchanges.observer, () => client.chat.completions.create(body as unknown as ChatCompletionCreateParamsStreaming, { signal }));
        yield* exchanges.drain();
        midStream = true;
        yield* streamEvents(chunks, ctx);
      } else {
        const completion: ChatCompletion = await observeHttp(exchanges.observer, () => client.chat.completions.create(body as unknown as ChatCompletionCreateParamsNonStreaming, { signal }));
        yield* exchanges.drain();
        yield* completionEvents(completion, ctx);
      }
    } catch (error) {
      yield* exchanges.drain();
      throw mapOpenAIError(error, ctx, signal, midStream);
    }
    if (signal?.aborted) throw abortedError(ctx, signal);
  }

  return { name: config.name, type: config.type, stream };
}

export function createProvider(config: ResolvedProvider): Provider {
  return createChatCompletionsProvider(config, 'openai');
}
