/**
 * The price of a model and the cost of a usage. CONTRACT §8: an unknown price is `null`, never 0;
 * a provider entry's `pricing` wins over the built-in prices, which each type's descriptor holds
 * (`<type>/descriptor.ts`, with where and when they were taken).
 */
import type { ModelPrice } from '../core/config.js';
import type { Usage } from '../core/messages.js';
import { PRESETS, descriptorOf } from './descriptors.js';

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
 * Pass `providerName` so that the presets for local servers (`ollama`, `lmstudio`) are free.
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
  const prices = descriptorOf(providerType)?.prices;
  if (prices === 'free' || (providerName !== undefined && PRESETS.some((preset) => preset.free && preset.name === providerName))) return { ...FREE };
  if (!prices) return null;
  for (const name of candidates(model)) {
    const price = Object.hasOwn(prices, name) ? prices[name] : undefined;
    if (price) return { ...price };
  }
  return null;
}

/**
 * The price of `model` in the provider's own batch engine (CONTRACT §15): the standard price times
 * the batch factor — the `pricing` entry's `batch`, else the type's — or null when either is unknown.
 */
export function batchPriceFor(providerType: string, model: string, pricingOverrides?: Record<string, ModelPrice>, providerName?: string): ModelPrice | null {
  const price = priceFor(providerType, model, pricingOverrides, providerName);
  if (!price) return null;
  const override = pricingOverrides ? candidates(model).map((name) => pricingOverrides[name]).find((entry) => entry !== undefined) : undefined;
  const factor = override?.batch ?? descriptorOf(providerType)?.batchFactor;
  if (factor === undefined) return null;
  return { input: price.input * factor, output: price.output * factor };
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

