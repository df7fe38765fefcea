/**
 * The `gemini` provider type: the Gemini API (generateContent / streamGenerateContent?alt=sse)
 * through @google/genai. Every client option is explicit (CONTRACT §10): the resolved key (sent
 * as `x-goog-api-key`), the Gemini API and not Vertex (GOOGLE_GENAI_USE_VERTEXAI is not read),
 * a base URL (GOOGLE_GEMINI_BASE_URL is not read: the contract honours only the OpenAI and
 * Anthropic variables), no retry options (the SDK then makes exactly one attempt), no SDK
 * timeout (it would cut long streams; the engine bounds silences), Loom's fetch.
 */
import { GoogleGenAI, type GenerateContentParameters } from '@google/genai';
import type { ResolvedProvider } from '../../core/config.js';
import { abortedError, errorContext } from '../http-error.js';
import { httpFetch, observeHttp } from '../http-fetch.js';
import { ExchangeLog, requireKey } from '../shared.js';
import type { ChatRequest, Provider, ProviderEvent, StreamOptions } from '../../core/messages.js';
import { toGeminiConfig, toGeminiContents } from './convert-messages.js';
import { mapGeminiError } from './map-error.js';
import { responseEvents, streamEvents } from './stream.js';

/** The SDK's own default, named so that no environment variable can replace it. */
export const GEMINI_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com/';

export function createGeminiClient(config: ResolvedProvider): GoogleGenAI {
  return new GoogleGenAI({
    apiKey: requireKey(config),
    vertexai: false,
    enterprise: false,
    httpOptions: {
      baseUrl: config.baseUrl ?? GEMINI_DEFAULT_BASE_URL,
      headers: { ...config.headers },
      fetch: httpFetch,
    },
  });
}

export function createProvider(config: ResolvedProvider): Provider {
  const client = createGeminiClient(config);

  async function* stream(request: ChatRequest, options: StreamOptions = {}): AsyncGenerator<ProviderEvent> {
    const { signal } = options;
    const streaming = options.stream !== false;
    const ctx = errorContext(config, request.model);
    // The SDK's ApiError has no headers; keep this request's response to read retry-after from.
    let lastResponse: Response | undefined;
    const capturingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      lastResponse = await httpFetch(input, init);
      return lastResponse;
    };
    const params: GenerateContentParameters = {
      model: request.model,
      contents: toGeminiContents(request.messages),
      config: {
        ...toGeminiConfig(request),
        ...(signal ? { abortSignal: signal } : {}),
        // `params` go into the REST body as given (deep-merged), e.g. {"generationConfig": {"topK": 40}}.
        httpOptions: { fetch: capturingFetch, ...(request.params ? { extraBody: request.params } : {}) },
      },
    };
    const exchanges = new ExchangeLog();
    let midStream = false;
    try {
      if (streaming) {
        const chunks = await observeHttp(exchanges.observer, () => client.models.generateContentStream(params));
        yield* exchanges.drain();
        midStream = true;
        yield* streamEvents(chunks, ctx);
      } else {
        const response = await observeHttp(exchanges.observer, () => client.models.generateContent(params));
        yield* exchanges.drain();
        yield* responseEvents(response, ctx);
      }
    } catch (error) {
      yield* exchanges.drain();
      throw mapGeminiError(error, ctx, signal, { midStream, headers: lastResponse?.headers });
    }
    if (signal?.aborted) throw abortedError(ctx, signal);
  }

  return { name: config.name, type: config.type, stream };
}
