/**
 * Provider type → lazy loader, and the one way a provider is made. Nothing here imports an SDK:
 * each loader is a dynamic import of the type's folder, so `loom --help` never pays for one, and
 * the bundler (code splitting) puts each folder and its SDK in a chunk of its own. Keep the
 * specifiers string literals.
 *
 * The loaders are here and not in the descriptors (descriptors.ts says why): the compiler asks
 * for one line per type, and test/providers/descriptors.test.ts holds the two in step.
 */
import type { ProviderCredentials, ProviderType } from '../core/config.js';
import { LoomError } from '../core/errors.js';
import type { Provider } from '../core/messages.js';
import type { ProviderSettings } from '../core/plan.js';

/** What a provider is built with besides its settings: read when its client is made, never kept in a plan. */
export interface ProviderContext {
  /** Its key and header values, read from config then the environment now (DESIGN principle 3). */
  credentials(): ProviderCredentials;
  /**
   * The chain entry's one merged timeout (agent over provider over project): the SDK's own bound on
   * the wait for response headers, the same the engine puts on every silence.
   */
  timeoutMs: number;
}

/** How a provider is made: the registry's `createProvider`, or a test's. */
export type ProviderFactory = (settings: ProviderSettings, context: ProviderContext) => Promise<Provider>;

/** What every provider folder's index.ts exports. */
export interface ProviderModule {
  createProvider(settings: ProviderSettings, context: ProviderContext): Provider | Promise<Provider>;
}

export const PROVIDER_LOADERS: Record<ProviderType, () => Promise<ProviderModule>> = {
  openai: () => import('./openai/index.js'),
  'openai-compatible': () => import('./openai-compatible/index.js'),
  anthropic: () => import('./anthropic/index.js'),
  gemini: () => import('./gemini/index.js'),
  mock: () => import('./mock/index.js'),
};

/** The provider for a chain entry's settings, its SDK loaded on first use. */
export const createProvider: ProviderFactory = async (settings, context) => {
  const load = Object.hasOwn(PROVIDER_LOADERS, settings.type) ? PROVIDER_LOADERS[settings.type] : undefined;
  if (!load) {
    throw new LoomError('unknown_provider', `provider "${settings.name}" has unknown type "${String(settings.type)}"`, {
      hint: `known types: ${Object.keys(PROVIDER_LOADERS).join(', ')}`,
      provider: settings.name,
    });
  }
  const module = await load();
  return module.createProvider(settings, context);
};
