/**
 * The `anthropic` provider type: the Messages API through @anthropic-ai/sdk. Every client option
 * is explicit (CONTRACT §10): the resolved key is the client's only credential, so the SDK reads
 * no ANTHROPIC_AUTH_TOKEN, profile or workload-identity settings; ANTHROPIC_CUSTOM_HEADERS is
 * hidden while the client is built; no SDK retries, logging or telemetry; Loom's fetch.
 * Note: this SDK version sends the key as `Authorization: Bearer <key>` (not `x-api-key`).
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Message, MessageCreateParamsNonStreaming, MessageCreateParamsStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ResolvedProvider } from '../../core/config.js';
import { abortedError, errorContext } from '../http-error.js';
import { httpFetch, observeHttp } from '../http-fetch.js';
import { ExchangeLog, requireKey, sdkTimeoutMs, withoutEnv } from '../shared.js';
import type { ChatRequest, Provider, ProviderEvent, StreamOptions } from '../../core/messages.js';
import { toAnthropicBody } from './convert-messages.js';
import { mapAnthropicError } from './map-error.js';
import { messageEvents, streamEvents } from './stream.js';

export function createAnthropicClient(config: ResolvedProvider): Anthropic {
  const apiKey = requireKey(config);
  return withoutEnv(['ANTHROPIC_CUSTOM_HEADERS'], () =>
    new Anthropic({
      apiKey,
      authToken: null,
      webhookKey: null,
      // config.baseUrl already reflects ANTHROPIC_BASE_URL where the contract honours it.
      baseURL: config.baseUrl ?? undefined,
      timeout: sdkTimeoutMs(config),
      maxRetries: 0,
      defaultHeaders: config.headers,
      fetch: httpFetch,
      logLevel: 'off',
      openTelemetry: false,
    }),
  );
}

export function createProvider(config: ResolvedProvider): Provider {
  const client = createAnthropicClient(config);

  async function* stream(request: ChatRequest, options: StreamOptions = {}): AsyncGenerator<ProviderEvent> {
    const { signal } = options;
    const streaming = options.stream !== false;
    const ctx = errorContext(config, request.model);
    const body = toAnthropicBody(request, streaming);
    const exchanges = new ExchangeLog();
    let midStream = false;
    try {
      if (streaming) {
        const events = await observeHttp(exchanges.observer, () => client.messages.create(body as unknown as MessageCreateParamsStreaming, { signal }));
        yield* exchanges.drain();
        midStream = true;
        yield* streamEvents(events, ctx);
      } else {
        const message: Message = await observeHttp(exchanges.observer, () => client.messages.create(body as unknown as MessageCreateParamsNonStreaming, { signal }));
        yield* exchanges.drain();
        yield* messageEvents(message, ctx);
      }
    } catch (error) {
      yield* exchanges.drain();
      throw mapAnthropicError(error, ctx, signal, midStream);
    }
    if (signal?.aborted) throw abortedError(ctx, signal);
  }

  return { name: config.name, type: config.type, stream };
}
