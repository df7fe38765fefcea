/** The facts of the `mock` type: offline, keyless and free (CONTRACT §10). */
import type { ProviderDescriptor } from '../descriptors.js';

export const mock: ProviderDescriptor = {
  type: 'mock',
  keyVariables: [],
  needsKey: false,
  defaultModel: 'mock',
  presets: {
    mock: { entry: { model: 'mock' } },
  },
  prices: 'free',
};
