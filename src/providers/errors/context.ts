/** What a provider's error mapping needs to know about it, taken once: names, the key's hint, the values to scrub. */
import type { ProviderCredentials } from '../../core/config.js';
import type { ProviderSettings } from '../../core/plan.js';

export interface ErrorContext {
  /** The provider as the user named it. */
  provider: string;
  /** The model of the request, for 404 messages. */
  model?: string;
  baseUrl?: string;
  /** Where the key lives, for 401/403 hints: a variable name or `apiKey in config`. */
  keyHint: string;
  /** Values to replace with `[redacted]` in every message (the key, secret-looking header values). */
  secrets: string[];
}

/** The context for a provider's errors; `credentials` are those its client was built with (none for the mock). */
export function errorContext(settings: ProviderSettings, credentials?: ProviderCredentials, model?: string): ErrorContext {
  const secrets: string[] = [];
  if (credentials?.apiKey) secrets.push(credentials.apiKey);
  for (const [name, value] of Object.entries(credentials?.headers ?? {})) {
    if (/auth|key|token|secret|cookie|password/i.test(name) && value.length >= 4) {
      secrets.push(value);
      const bearer = /^\s*(?:bearer|basic|token)\s+(.+)$/i.exec(value);
      if (bearer?.[1]) secrets.push(bearer[1]);
    }
  }
  const keySource = settings.keySource && settings.keySource !== 'config' ? settings.keySource : undefined;
  const keyHint = keySource ?? (settings.keySource === 'config' ? 'apiKey in config' : settings.keyVariables[0] ?? 'apiKey in config');
  return { provider: settings.name, model, baseUrl: settings.baseUrl, keyHint, secrets };
}
