/**
 * The facts of the `anthropic` type. Prices in USD per 1M tokens, taken 2026-11-23 from the
 * published pricing page (standard tier, no batch or cache discounts; where a model has a
 * long-context tier, the base tier's rate). Where a model's own price was not known, the price
 * of the nearest tier is used and the line says so — override it with `pricing` in the provider
 * entry when it matters.
 *
 * Anthropic input counts include cache reads and writes (the API reports them apart; Loom sums
 * them as input tokens), so a cache-heavy Claude run is priced as if nothing were cached: an
 * upper bound.
 */
import type { ModelPrice } from '../../core/config.js';
import type { ProviderDescriptor } from '../descriptors.js';

/** The `anthropic-version` the installed @anthropic-ai/sdk sends: its Messages API has no sampling parameters. */
export const ANTHROPIC_API_VERSION = '2026-10-21';

const p = (input: number, output: number): ModelPrice => ({ input, output });

export const anthropic: ProviderDescriptor = {
  type: 'anthropic',
  keyVariables: ['ANTHROPIC_API_KEY'],
  needsKey: true,
  baseUrlVariable: 'ANTHROPIC_BASE_URL',
  defaultModel: 'claude-sonnet-5-5',
  presets: {
    anthropic: { entry: { model: 'claude-sonnet-5-5' }, aliases: ['claude'], autoRank: 1 },
  },
  // Batch API prices are half the standard ones (each provider's pricing page, December 2026).
  batchFactor: 0.5,
  prices: {
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
  },
  notTaken: [{ setting: 'temperature', why: `the Anthropic Messages API version ${ANTHROPIC_API_VERSION} has no sampling parameters` }],
};
