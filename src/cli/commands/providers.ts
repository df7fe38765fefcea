import { LoomError } from '../../errors.js';
import { resolveProvider } from '../../config/resolve-provider.js';
import type { ResolvedProvider } from '../../config/types.js';
import { formatTable } from '../../output/table.js';
import type { CommandFunction } from '../context.js';
import { openProject, providerNames } from '../project.js';

export interface ProviderListing {
  name: string;
  type: string;
  model: string | null;
  baseUrl: string | null;
  /** False for a provider that needs no key. */
  keySet: boolean;
  /** The variable's name, `config`, or null. Never the key. */
  keySource: string | null;
}

const providers: CommandFunction = async (ctx, _args, options) => {
  if (options.check) {
    throw new LoomError('usage', 'loom providers --check is not implemented yet');
  }
  const project = await openProject(ctx);
  const resolved = providerNames(project).map((name) => resolveProvider(name, project.raw, project.env));
  const listings: ProviderListing[] = resolved.map((provider) => ({
    name: provider.name,
    type: provider.type,
    model: provider.model ?? null,
    baseUrl: provider.baseUrl ?? null,
    keySet: provider.apiKey !== undefined,
    keySource: provider.keySource,
  }));

  if (options.json) {
    ctx.io.json(listings);
    return;
  }
  const rows = resolved.map((provider) => [
    provider.name,
    provider.type,
    provider.model ?? '(set "model")',
    provider.baseUrl ?? '(SDK default)',
    keyStatus(provider),
  ]);
  ctx.io.out(formatTable(['NAME', 'TYPE', 'MODEL', 'BASE URL', 'KEY'], rows, ctx.io.color.out.bold));
};

export default providers;

function keyStatus(provider: ResolvedProvider): string {
  if (provider.apiKey !== undefined) return `set (${provider.keySource})`;
  if (!provider.needsKey) return 'not needed';
  return `missing (${provider.keyVariables.join(' or ') || 'apiKey'})`;
}
