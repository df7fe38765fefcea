/**
 * The facts of the `gemini` type. Prices in USD per 1M tokens, taken 2026-11-23 from the
 * published pricing page (standard tier; where a model has a long-context tier, the base tier's
 * rate). The Gemini API has no base-URL variable Loom honours (CONTRACT §10).
 */
import type { ModelPrice } from '../../core/config.js';
import type { ProviderDescriptor } from '../descriptors.js';

const p = (input: number, output: number): ModelPrice => ({ input, output });

export const gemini: ProviderDescriptor = {
  type: 'gemini',
  keyVariables: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
  needsKey: true,
  defaultModel: 'gemini-3.5-flash',
  presets: {
    gemini: { entry: { model: 'gemini-3.5-flash' }, aliases: ['google'], autoRank: 3 },
  },
  // Batch API prices are half the standard ones (each provider's pricing page, December 2026).
  batchFactor: 0.5,
  prices: {
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
  },
};
