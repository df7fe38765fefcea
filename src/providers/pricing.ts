/**
 * Prices, in USD per 1M tokens, of the models of the three first-party APIs, and the cost of a
 * usage. CONTRACT §8: an unknown price is `null`, never 0; a provider entry's `pricing` wins.
 *
 * Prices taken 2026-11-23 from the providers' published pricing pages (standard tier, no
 * batch or cache discounts; where a model has a long-context tier, the base tier's rate).
 * Where a model's own price was not known, the price of the nearest tier is used and the line
 * says so — override it with `pricing` in the provider entry when it matters.
 *
 * Anthropic input counts include cache reads and writes (the providers report them apart; Loom
 * sums them as input tokens), so a cache-heavy Claude run is priced as if nothing were cached:
 * an upper bound.
 */
import type { ModelPrice } from '../core/config.js';
import type { Usage } from '../core/messages.js';

const p = (input: number, output: number): ModelPrice => ({ input, output });

const OPENAI: Record<string, ModelPrice> = {
  'gpt-5.5': p(5, 30),
  'gpt-5.4': p(2.5, 15),
  'gpt-5.4-mini': p(0.75, 4.5), // the contract's default openai model
  'gpt-5.4-nano': p(0.2, 1.25),
  'gpt-5.2': p(1.75, 14),
  'gpt-5.1': p(1.25, 10),
  'gpt-5': p(1.25, 10),
  'gpt-5-mini': p(0.25, 2),
  'gpt-5-nano': p(0.05, 0.4),
  'gpt-4.1': p(2, 8),
  'gpt-4.1-mini': p(0.4, 1.6),
  'gpt-4.1-nano': p(0.1, 0.4),
  'gpt-4o': p(2.5, 10),
  'gpt-4o-mini': p(0.15, 0.6),
  'o3': p(2, 8),
  'o3-mini': p(1.1, 4.4),
  'o4-mini': p(1.1, 4.4),
  'o1': p(15, 60),
};

const ANTHROPIC: Record<string, ModelPrice> = {
  'claude-fable-5-1': p(10, 50),
  'claude-opus-5-5': p(4, 20),
  'claude-opus-5': p(5, 25),
  'claude-sonnet-5-5': p(2, 10), // the contract's default anthropic model
  'claude-sonnet-5': p(2, 10),
  // Haiku 5.5 is $0.10/$0.50 for prompts up to 100K tokens and $0.50/$2.50 above; the base tier is used.
  'claude-haiku-5-5': p(0.1, 0.5),
  'claude-opus-4-8': p(5, 25), // not known: nearest tier, Opus 4.5
  'claude-opus-4-7': p(5, 25), // not known: nearest tier, Opus 4.5
  'claude-opus-4-6': p(5, 25),
  'claude-opus-4-5': p(5, 25),
  'claude-opus-4-1': p(15, 75),
  'claude-opus-4': p(15, 75),
  'claude-sonnet-4-6': p(3, 15),
  'claude-sonnet-4-5': p(3, 15),
  'claude-sonnet-4': p(3, 15),
  'claude-haiku-4-5': p(1, 5),
  'claude-3-7-sonnet': p(3, 15),
  'claude-3-5-haiku': p(0.8, 4),
  'claude-3-haiku': p(0.25, 1.25),
  // claude-fable-5, claude-mythos-*: no published price known, so no entry (cost is null).
};

const GEMINI: Record<string, ModelPrice> = {
  'gemini-3.5-flash': p(1.5, 9), // the contract's default gemini model
  'gemini-3.1-pro': p(2, 12), // up to 200K prompt tokens ($4/$18 above)
  'gemini-3.1-pro-preview': p(2, 12),
  'gemini-3.1-flash-lite': p(0.25, 1.5),
  'gemini-3-pro-preview': p(2, 12),
  'gemini-3-flash': p(0.5, 3),
  'gemini-3-flash-preview': p(0.5, 3),
  'gemini-2.5-pro': p(1.25, 10), // up to 200K prompt tokens ($2.50/$15 above)
  'gemini-2.5-flash': p(0.3, 2.5),
  'gemini-2.5-flash-lite': p(0.1, 0.4),
  'gemini-2.0-flash': p(0.1, 0.4),
  'gemini-2.0-flash-lite': p(0.075, 0.3),
};

const TABLES: Record<string, Record<string, ModelPrice>> = { openai: OPENAI, anthropic: ANTHROPIC, gemini: GEMINI };

/** Local servers cost nothing (CONTRACT §10): the mock type and the ollama/lmstudio presets. */
const FREE_PROVIDER_NAMES = new Set(['mock', 'ollama', 'lmstudio']);
const FREE: ModelPrice = Object.freeze({ input: 0, output: 0 });

/**
 * The names a model may be looked up under: as given, lower-cased, without a `models/` prefix,
 * a `-latest` suffix or a date snapshot suffix (`-2025-08-07`, `-20250929`).
 */
function candidates(model: string): string[] {
  const out = new Set<string>([model]);
  let name = model.trim().toLowerCase().replace(/^models\//, '');
  out.add(name);
  name = name.replace(/-latest$/, '');
  out.add(name);
  name = name.replace(/-\d{4}-\d{2}-\d{2}$/, '').replace(/-\d{8}$/, '');
  out.add(name);
  return [...out];
}

/**
 * The price of `model` on a provider of `providerType`, or null when unknown.
 * `pricingOverrides` (a provider entry's `pricing`) is consulted first, then the built-in table.
 * Pass `providerName` so that the `ollama` and `lmstudio` presets (openai-compatible) are free.
 */
export function priceFor(
  providerType: string,
  model: string,
  pricingOverrides?: Record<string, ModelPrice>,
  providerName?: string,
): ModelPrice | null {
  if (pricingOverrides) {
    for (const name of candidates(model)) {
      const override = pricingOverrides[name];
      if (override) return { input: override.input, output: override.output };
    }
  }
  if (providerType === 'mock' || (providerName !== undefined && FREE_PROVIDER_NAMES.has(providerName))) return { ...FREE };
  const table = TABLES[providerType];
  if (!table) return null;
  for (const name of candidates(model)) {
    const price = table[name];
    if (price) return { ...price };
  }
  return null;
}

/**
 * USD rounded to 8 decimal places (CONTRACT §10 "Numbers in output are tidy"): float noise such
 * as 0.00015749999999999998 never reaches `--json`, `--jsonl` or the run log. Sums of rounded
 * costs are rounded again, since adding two of them can bring the noise back.
 */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e8) / 1e8;
}

/** USD for a usage at a price; null when the price is unknown. */
export function costUsd(usage: Usage, price: ModelPrice | null): number | null {
  if (!price) return null;
  return roundUsd((usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000);
}

