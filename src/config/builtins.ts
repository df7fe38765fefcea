/**
 * Config's view of the provider descriptors (src/providers/<type>/descriptor.ts, where every fact
 * of a type lives): the built-in providers as config entries, and the names they go by. Plus the
 * defaults of the project config.
 */
import type { ProviderEntry, ProviderType } from '../core/config.js';
import { PRESETS } from '../providers/descriptors.js';

/** Providers that work with no `providers` block at all (CONTRACT §2.1): every descriptor's presets. */
export const BUILTIN_PROVIDERS: Readonly<Record<string, Readonly<ProviderEntry> & { type: ProviderType }>> = Object.fromEntries(
  PRESETS.map((preset) => [preset.name, { type: preset.type, ...preset.entry }]),
);

/** Other names of the built-in providers (`claude` → `anthropic`). */
export const PROVIDER_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  PRESETS.flatMap((preset) => (preset.aliases ?? []).map((alias) => [alias, preset.name])),
);

export const DEFAULTS = {
  agentsDir: 'agents',
  /** Recorded calls for replay (CONTRACT §12); protected from the agent's writes already. */
  fixturesDir: 'loom-fixtures',
  defaultProvider: 'auto',
  retry: { retries: 3, minDelayMs: 500, maxDelayMs: 30_000 },
  timeoutMs: 120_000,
  maxSteps: 10,
} as const;
