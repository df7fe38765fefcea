/**
 * Provider type → lazy loader. Nothing here imports an SDK: each loader is a dynamic import of
 * the type's folder, so `loom --help` never pays for one, and the bundler (code splitting) puts
 * each folder and its SDK in a chunk of its own. Keep the specifiers string literals.
 *
 * Adding a provider type: a folder whose index.ts exports `createProvider`, plus one line here.
 */
import type { ProviderType, ResolvedProvider } from '../core/config.js';
import { LoomError } from '../core/errors.js';
import type { Provider } from '../core/messages.js';

/** What every provider folder's index.ts exports. */
export interface ProviderModule {
  createProvider(config: ResolvedProvider): Provider | Promise<Provider>;
}

export const PROVIDER_LOADERS: Record<ProviderType, () => Promise<ProviderModule>> = {
  openai: () => import('./openai/index.js'),
  'openai-compatible': () => import('./openai-compatible/index.js'),
  anthropic: () => import('./anthropic/index.js'),
  gemini: () => import('./gemini/index.js'),
  mock: () => import('./mock/index.js'),
};

/** The provider for a resolved config entry, its SDK loaded on first use. */
export async function createProvider(config: ResolvedProvider): Promise<Provider> {
  const load = Object.hasOwn(PROVIDER_LOADERS, config.type) ? PROVIDER_LOADERS[config.type] : undefined;
  if (!load) {
    throw new LoomError('unknown_provider', `provider "${config.name}" has unknown type "${String(config.type)}"`, {
      hint: `known types: ${Object.keys(PROVIDER_LOADERS).join(', ')}`,
      provider: config.name,
    });
  }
  const module = await load();
  return module.createProvider(config);
}
