/**
 * The openai SDK client, every option explicit (CONTRACT §10): the key read for it and nothing
 * the SDK would find in the environment (OPENAI_ORG_ID, OPENAI_PROJECT_ID, OPENAI_ADMIN_KEY,
 * OPENAI_WEBHOOK_SECRET, OPENAI_CUSTOM_HEADERS, OPENAI_LOG); no SDK retries; Loom's fetch.
 */
import OpenAI from 'openai';
import type { ProviderCredentials } from '../../core/config.js';
import { LoomError } from '../../core/errors.js';
import type { ProviderSettings } from '../../core/plan.js';
import { clientKey, sdkTimeoutMs, withoutEnv } from '../client-options.js';
import { httpFetch } from '../http-fetch.js';
import { openaiCompatible } from '../openai-compatible/descriptor.js';

export type ChatCompletionsVariant = 'openai' | 'openai-compatible';

/**
 * The SDK refuses to build a client without a key. An openai-compatible server with no key
 * configured gets this placeholder, and the Authorization header it would produce is removed,
 * so nothing at all is sent.
 */
export const NO_KEY_PLACEHOLDER = 'not-needed';

export function createOpenAIClient(settings: ProviderSettings, credentials: ProviderCredentials, timeoutMs: number, variant: ChatCompletionsVariant): OpenAI {
  const headers: Record<string, string | null> = { ...credentials.headers };
  let apiKey: string;
  if (variant === 'openai') {
    apiKey = clientKey(settings, credentials);
  } else {
    if (!settings.baseUrl) {
      // Without one the SDK would fall back to OPENAI_BASE_URL or api.openai.com, and a key meant
      // for this server would go to OpenAI.
      throw new LoomError('config_invalid', `provider "${settings.name}" (openai-compatible) has no baseUrl`, {
        hint: `set baseUrl in its config entry, e.g. "${openaiCompatible.baseUrlExample}"`,
        provider: settings.name,
      });
    }
    if (credentials.apiKey) {
      apiKey = credentials.apiKey;
    } else {
      apiKey = NO_KEY_PLACEHOLDER;
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) headers.Authorization = null;
    }
  }
  return withoutEnv(['OPENAI_CUSTOM_HEADERS'], () =>
    new OpenAI({
      apiKey,
      adminAPIKey: null,
      organization: null,
      project: null,
      webhookSecret: null,
      // settings.baseUrl already reflects OPENAI_BASE_URL where the contract honours it; undefined
      // leaves the SDK's default (which reads the same variable).
      baseURL: settings.baseUrl ?? undefined,
      timeout: sdkTimeoutMs(timeoutMs),
      maxRetries: 0,
      defaultHeaders: headers,
      fetch: httpFetch,
      logLevel: 'off',
    }),
  );
}
