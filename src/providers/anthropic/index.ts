/**
 * The `anthropic` provider type: the Messages API through @anthropic-ai/sdk. Every client option
 * is explicit (CONTRACT §10): the key read for it is the client's only credential, so the SDK
 * reads no ANTHROPIC_AUTH_TOKEN, profile or workload-identity settings; ANTHROPIC_CUSTOM_HEADERS
 * is hidden while the client is built; no SDK retries, logging or telemetry; Loom's fetch.
 * Note: this SDK version sends the key as `Authorization: Bearer <key>` (not `x-api-key`).
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Message, MessageCreateParamsNonStreaming, MessageCreateParamsStreaming, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ProviderCredentials } from '../../core/config.js';
import type { Provider } from '../../core/messages.js';
import type { ProviderSettings } from '../../core/plan.js';
import { clientKey, sdkTimeoutMs, withoutEnv } from '../client-options.js';
import { httpFetch } from '../http-fetch.js';
import type { ProviderContext } from '../registry.js';
import { sdkProvider } from '../sdk-stream.js';
import { toAnthropicBody } from './convert-messages.js';
import { mapAnthropicError } from './map-error.js';
import { messageEvents, streamEvents } from './stream.js';

export function createAnthropicClient(settings: ProviderSettings, credentials: ProviderCredentials, timeoutMs: number): Anthropic {
  const apiKey = clientKey(settings, credentials);
  return withoutEnv(['ANTHROPIC_CUSTOM_HEADERS'], () =>
    new Anthropic({
      apiKey,
      authToken: null,
      webhookKey: null,
      // settings.baseUrl already reflects ANTHROPIC_BASE_URL where the contract honours it.
      baseURL: settings.baseUrl ?? undefined,
      timeout: sdkTimeoutMs(timeoutMs),
      maxRetries: 0,
      defaultHeaders: credentials.headers,
      fetch: httpFetch,
      logLevel: 'off',
      openTelemetry: false,
    }),
  );
}

export function createProvider(settings: ProviderSettings, context: ProviderContext): Provider {
  const credentials = context.credentials();
  const client = createAnthropicClient(settings, credentials, context.timeoutMs);
  return sdkProvider<Record<string, unknown>, RawMessageStreamEvent, Message>(settings, credentials, {
    prepare: (request, streaming) => toAnthropicBody(request, streaming),
    openStream: (body, signal) => client.messages.create(body as unknown as MessageCreateParamsStreaming, { signal }),
    complete: (body, signal) => client.messages.create(body as unknown as MessageCreateParamsNonStreaming, { signal }),
    streamEvents,
    wholeEvents: messageEvents,
    mapError: (error, ctx, { signal, midStream }) => mapAnthropicError(error, ctx, signal, midStream),
  });
}
