import type { ProviderEntry, ProviderType } from '../core/config.js';

/** Providers that work with no `providers` block at all (CONTRACT §2.1). */
export const BUILTIN_PROVIDERS: Readonly<Record<string, Readonly<ProviderEntry> & { type: ProviderType }>> = {
  openai: { type: 'openai', model: 'gpt-5.4-mini' },
  anthropic: { type: 'anthropic', model: 'claude-sonnet-5-5' },
  gemini: { type: 'gemini', model: 'gemini-3.5-flash' },
  ollama: { type: 'openai-compatible', baseUrl: 'http://localhost:11434/v1', model: 'llama3.2' },
  lmstudio: { type: 'openai-compatible', baseUrl: 'http://localhost:1234/v1' },
  huggingface: { type: 'openai-compatible', baseUrl: 'https://router.huggingface.co/v1', apiKey: '${HF_TOKEN}' },
  mock: { type: 'mock', model: 'mock' },
};

/** A configured provider of these types that names no model gets its type's default. */
export const TYPE_DEFAULT_MODELS: Readonly<Partial<Record<ProviderType, string>>> = {
  openai: 'gpt-5.4-mini',
  anthropic: 'claude-sonnet-5-5',
  gemini: 'gemini-3.5-flash',
  mock: 'mock',
};

export const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  chatgpt: 'openai',
  gpt: 'openai',
  claude: 'anthropic',
  google: 'gemini',
};

/** The variables each type reads its key from, in order, when the entry names no `apiKey`. */
export const KEY_VARIABLES: Readonly<Record<ProviderType, readonly string[]>> = {
  openai: ['OPENAI_API_KEY'],
  anthropic: ['ANTHROPIC_API_KEY'],
  gemini: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
  'openai-compatible': [],
  mock: [],
};

/** The SDKs' own base-URL variables, honoured when an entry has no `baseUrl`. */
export const BASE_URL_VARIABLES: Readonly<Partial<Record<ProviderType, string>>> = {
  openai: 'OPENAI_BASE_URL',
  anthropic: 'ANTHROPIC_BASE_URL',
};

/** `auto` picks the first of these whose key is set; it never picks mock. */
export const AUTO_ORDER = ['anthropic', 'openai', 'gemini'] as const;

export const DEFAULTS = {
  agentsDir: 'agents',
  /** Recorded calls for replay (CONTRACT §12); protected from the agent's writes already. */
  fixturesDir: 'loom-fixtures',
  defaultProvider: 'auto',
  retry: { retries: 3, minDelayMs: 500, maxDelayMs: 30_000 },
  timeoutMs: 120_000,
  maxSteps: 10,
} as const;
