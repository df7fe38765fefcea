/** Small helpers the provider folders share. No SDK imports here. */
import { randomUUID } from 'node:crypto';
import type { ResolvedProvider } from '../core/config.js';
import { LoomError } from '../core/errors.js';
import type { HttpExchange, ProviderEvent } from '../core/messages.js';

/** Default `max_tokens` where an API requires one (Anthropic) and the request names none. */
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * The SDK's own timeout. It only bounds the wait for response headers in the Stainless SDKs
 * (openai, anthropic); the engine bounds silences between stream events. Ten minutes when the
 * config names none, which is the SDKs' default, made explicit.
 */
export function sdkTimeoutMs(config: ResolvedProvider): number {
  return config.timeoutMs && config.timeoutMs > 0 ? Math.ceil(config.timeoutMs) : 600_000;
}

/**
 * Streamed tool arguments, joined: JSON-parsed, `{}` when empty. Arguments that are not JSON are
 * passed on as the raw string, so the engine's schema check fails and tells the model, rather
 * than the whole run failing on one bad call.
 */
export function parseToolInput(raw: string): unknown {
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Tool arguments as the JSON text an API wants back in the conversation. */
export function stringifyToolInput(input: unknown): string {
  if (typeof input === 'string') return input;
  return JSON.stringify(input ?? {});
}

/** An id for a tool call the API did not name. */
export function newToolCallId(): string {
  return `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

/** The key a provider that needs one must have; a clear missing_api_key otherwise (nothing is sent). */
export function requireKey(config: ResolvedProvider): string {
  if (config.apiKey) return config.apiKey;
  const variable = config.keyVariables[0];
  throw new LoomError('missing_api_key', `provider "${config.name}" has no API key`, {
    hint: variable ? `set ${variable}, or apiKey in the provider's config entry` : `set apiKey in the provider's config entry`,
    provider: config.name,
  });
}

/**
 * Run `build` (a synchronous SDK client constructor) with some environment variables hidden,
 * then put them back. Used for variables an SDK reads on its own that Loom's explicit options
 * cannot switch off (OPENAI_CUSTOM_HEADERS, ANTHROPIC_CUSTOM_HEADERS): CONTRACT §10 says no
 * credential an SDK would pick up from the environment is ever sent.
 */
export function withoutEnv<T>(names: readonly string[], build: () => T): T {
  const saved = new Map<string, string>();
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined) {
      saved.set(name, value);
      delete process.env[name];
    }
  }
  try {
    return build();
  } finally {
    for (const [name, value] of saved) process.env[name] = value;
  }
}

/** True for a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `params` merged into a request body as given: the user's value wins, except that where both
 * sides hold an object (`output_config`, `generationConfig`), the two are merged one level deep
 * so that a param adding `{"effort": "low"}` keeps the `format` Loom put there.
 */
export function mergeParams(body: Record<string, unknown>, params: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!params) return body;
  for (const [key, value] of Object.entries(params)) {
    const current = body[key];
    body[key] = isRecord(current) && isRecord(value) ? { ...current, ...value } : value;
  }
  return body;
}

/**
 * A turn's HTTP exchanges, heard as they happen (http-fetch's observeHttp) and handed on as
 * `http` events between the SDK's own, for `--verbose`.
 */
export class ExchangeLog {
  private readonly pending: HttpExchange[] = [];
  readonly observer = (exchange: HttpExchange): void => {
    this.pending.push(exchange);
  };

  *drain(): Generator<ProviderEvent> {
    for (let exchange = this.pending.shift(); exchange; exchange = this.pending.shift()) yield { type: 'http', exchange };
  }
}
