/**
 * The facts of the `openai` type. Prices in USD per 1M tokens, taken 2026-11-23 from the
 * published pricing page (standard tier, no batch or cache discounts).
 */
import type { ModelPrice } from '../../core/config.js';
import type { ProviderDescriptor } from '../descriptors.js';

const p = (input: number, output: number): ModelPrice => ({ input, output });

export const openai: ProviderDescriptor = {
  type: 'openai',
  keyVariables: ['OPENAI_API_KEY'],
  needsKey: true,
  baseUrlVariable: 'OPENAI_BASE_URL',
  defaultModel: 'gpt-5.4-mini',
  presets: {
    openai: { entry: { model: 'gpt-5.4-mini' }, aliases: ['chatgpt', 'gpt'], autoRank: 2 },
  },
  // Batch API prices are half the standard ones (each provider's pricing page, December 2026).
  batchFactor: 0.5,
  prices: {
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
  },
};
