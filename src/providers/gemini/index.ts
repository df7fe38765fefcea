/**
 * The `gemini` provider type: the Gemini API (generateContent / streamGenerateContent?alt=sse)
 * through @google/genai. Every client option is explicit (CONTRACT §10): the key read for it
 * (sent as `x-goog-api-key`), the Gemini API and not Vertex (GOOGLE_GENAI_USE_VERTEXAI is not
 * read), a base URL (GOOGLE_GEMINI_BASE_URL is not read: the contract honours only the OpenAI and
 * Anthropic variables), no retry options (the SDK then makes exactly one attempt), no SDK
 * timeout (it would cut long streams; the engine bounds silences), Loom's fetch.
 */
import { GoogleGenAI, type GenerateContentParameters, type GenerateContentResponse } from '@google/genai';
import type { ProviderCredentials } from '../../core/config.js';
import type { Provider } from '../../core/messages.js';
import type { ProviderSettings } from '../../core/plan.js';
import { clientKey } from '../client-options.js';
import { httpFetch } from '../http-fetch.js';
import type { ProviderContext } from '../registry.js';
import { sdkProvider } from '../sdk-stream.js';
import { toGeminiConfig, toGeminiContents } from './convert-messages.js';
import { mapGeminiError } from './map-error.js';
import { responseEvents, streamEvents } from './stream.js';

/** The SDK's own default, named so that no environment variable can replace it. */
export const GEMINI_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com/';

export function createGeminiClient(settings: ProviderSettings, credentials: ProviderCredentials): GoogleGenAI {
  return new GoogleGenAI({
    apiKey: clientKey(settings, credentials),
    vertexai: false,
    enterprise: false,
    httpOptions: {
      baseUrl: settings.baseUrl ?? GEMINI_DEFAULT_BASE_URL,
      headers: { ...credentials.headers },
      fetch: httpFetch,
    },
  });
}

/** One request's SDK parameters, and its response once it came: the SDK's ApiError has no headers to read retry-after from. */
interface GeminiCall {
  params: GenerateContentParameters;
  response?: Response;
}

export function createProvider(settings: ProviderSettings, context: ProviderContext): Provider {
  const credentials = context.credentials();
  const client = createGeminiClient(settings, credentials);
  return sdkProvider<GeminiCall, GenerateContentResponse, GenerateContentResponse>(settings, credentials, {
    prepare(request, _streaming, signal) {
      const call: GeminiCall = {
        params: {
          model: request.model,
          contents: toGeminiContents(request.messages),
          config: {
            ...toGeminiConfig(request),
            ...(signal ? { abortSignal: signal } : {}),
            // `params` go into the REST body as given (deep-merged), e.g. {"generationConfig": {"topK": 40}}.
            httpOptions: {
              fetch: async (input: string | URL | Request, init?: RequestInit): Promise<Response> => (call.response = await httpFetch(input, init)),
              ...(request.params ? { extraBody: request.params } : {}),
            },
          },
        },
      };
      return call;
    },
    openStream: (call) => client.models.generateContentStream(call.params),
    complete: (call) => client.models.generateContent(call.params),
    streamEvents,
    wholeEvents: responseEvents,
    mapError: (error, ctx, { signal, midStream, call }) => mapGeminiError(error, ctx, signal, { midStream, headers: call.response?.headers }),
  });
}
