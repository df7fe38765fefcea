/**
 * What an SDK client is built with, the same way for every SDK (CONTRACT §10): the key read for
 * it, the one merged timeout, and no credential the SDK would pick up from the environment itself.
 */
import type { ProviderCredentials } from '../core/config.js';
import type { ProviderSettings } from '../core/plan.js';
import { missingKeyError } from './key-hints.js';

/** The key a provider that needs one must have; a clear missing_api_key otherwise (nothing is sent). */
export function clientKey(settings: ProviderSettings, credentials: ProviderCredentials): string {
  if (credentials.apiKey) return credentials.apiKey;
  throw missingKeyError(settings);
}

/**
 * The SDK's own timeout: the chain entry's merged one, the engine's bound on silences too. It
 * only bounds the wait for response headers in the Stainless SDKs (openai, anthropic); ten
 * minutes, the SDKs' default made explicit, where none is given.
 */
export function sdkTimeoutMs(timeoutMs: number | undefined): number {
  return timeoutMs && timeoutMs > 0 ? Math.ceil(timeoutMs) : 600_000;
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
