/**
 * The one `stream()` of the SDK providers (openai, openai-compatible, anthropic, gemini): the
 * request built, the SDK called streaming or whole inside `observeHttp` (each HTTP exchange an
 * `http` event, for --verbose), its answer mapped to ProviderEvents and its failure to one
 * LoomError. What differs per API — the call's input, the two calls, the mappings — is the
 * folder's own `SdkApi`.
 */
import type { ProviderCredentials } from '../core/config.js';
import type { LoomError } from '../core/errors.js';
import type { ChatRequest, HttpExchange, Provider, ProviderEvent, StreamOptions } from '../core/messages.js';
import type { ProviderSettings } from '../core/plan.js';
import { errorContext, type ErrorContext } from './errors/context.js';
import { abortedError } from './errors/unknown.js';
import { observeHttp } from './http-fetch.js';

export interface SdkApi<Call, Chunk, Whole> {
  /** The SDK call's input for one request (a body, parameters), built before anything is sent. */
  prepare(request: ChatRequest, streaming: boolean, signal: AbortSignal | undefined): Call;
  /** The streaming call: resolves once the response has begun. */
  openStream(call: Call, signal: AbortSignal | undefined): PromiseLike<AsyncIterable<Chunk>>;
  /** The call for a whole response (`--no-stream`). */
  complete(call: Call, signal: AbortSignal | undefined): PromiseLike<Whole>;
  streamEvents(chunks: AsyncIterable<Chunk>, ctx: ErrorContext): AsyncIterable<ProviderEvent>;
  wholeEvents(whole: Whole, ctx: ErrorContext): Iterable<ProviderEvent> | AsyncIterable<ProviderEvent>;
  /** The SDK's error as a LoomError; `midStream` once the response had begun. */
  mapError(error: unknown, ctx: ErrorContext, failure: { signal: AbortSignal | undefined; midStream: boolean; call: Call }): LoomError;
}

/** A provider on an SDK client; `credentials` are those the client was built with, scrubbed from every error. */
export function sdkProvider<Call, Chunk, Whole>(settings: ProviderSettings, credentials: ProviderCredentials, api: SdkApi<Call, Chunk, Whole>): Provider {
  async function* stream(request: ChatRequest, options: StreamOptions = {}): AsyncGenerator<ProviderEvent> {
    const { signal } = options;
    const streaming = options.stream !== false;
    const ctx = errorContext(settings, credentials, request.model);
    const call = api.prepare(request, streaming, signal);
    const exchanges = new ExchangeLog();
    let midStream = false;
    try {
      if (streaming) {
        const chunks = await observeHttp(exchanges.observer, () => api.openStream(call, signal));
        yield* exchanges.drain();
        midStream = true;
        yield* api.streamEvents(chunks, ctx);
      } else {
        const whole = await observeHttp(exchanges.observer, () => api.complete(call, signal));
        yield* exchanges.drain();
        yield* api.wholeEvents(whole, ctx);
      }
    } catch (error) {
      yield* exchanges.drain();
      throw api.mapError(error, ctx, { signal, midStream, call });
    }
    if (signal?.aborted) throw abortedError(ctx, signal);
  }

  return { name: settings.name, type: settings.type, stream };
}

/**
 * A turn's HTTP exchanges, heard as they happen (http-fetch's observeHttp) and handed on as
 * `http` events between the SDK's own, for `--verbose`.
 */
class ExchangeLog {
  private readonly pending: HttpExchange[] = [];
  readonly observer = (exchange: HttpExchange): void => {
    this.pending.push(exchange);
  };

  *drain(): Generator<ProviderEvent> {
    for (let exchange = this.pending.shift(); exchange; exchange = this.pending.shift()) yield { type: 'http', exchange };
  }
}
