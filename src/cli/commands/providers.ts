import { discoverAgents, readAgent, type LoadedProject } from '../../config/load.js';
import { canonicalProviderName, readCredentials, resolveAutoProvider, resolveProvider, unknownProviderError } from '../../config/resolve-provider.js';
import { resolveLimits } from '../../config/resolve-settings.js';
import type { ResolvedProvider } from '../../core/config.js';
import { attemptTurn } from '../../engine/attempt.js';
import { LoomError, isLoomError } from '../../core/errors.js';
import { keyFix } from '../../providers/key-hints.js';
import { formatTable } from '../../output/table.js';
import type { CommandContext, CommandFunction } from '../context.js';
import { openProject, providerNames } from '../project.js';
import { displayUrl } from '../../output/display-url.js';

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

interface CheckResult {
  ok: boolean | null;
  latencyMs: number | null;
  error: { code: string; message: string; provider: string; status: number | null } | null;
}

const providers: CommandFunction = async (ctx, args, options) => {
  const project = await openProject(ctx);
  // A name that is no provider is an error, not a listing of everything else.
  const named = args.map((name) => canonicalProviderName(name, project.raw) ?? throwUnknown(name, project));
  const all = providerNames(project).map((name) => resolveProvider(name, project.raw, project.env, project.rootDir));
  // Without --check, names narrow the listing; with it, they add providers to probe.
  const resolved = options.check || named.length === 0 ? all : all.filter((provider) => named.includes(provider.name));
  const listings: ProviderListing[] = resolved.map((provider) => ({
    name: provider.name,
    type: provider.type,
    model: provider.model ?? null,
    baseUrl: displayUrl(provider.baseUrl) ?? null,
    keySet: provider.keySource !== null,
    keySource: provider.keySource,
  }));

  if (options.check) return check(ctx, project, resolved, listings, args, options.json === true);
  if (options.json) {
    ctx.io.json(listings);
    return;
  }
  const rows = resolved.map((provider) => [provider.name, provider.type, provider.model ?? '(set "model")', displayUrl(provider.baseUrl) ?? '(SDK default)', keyStatus(provider)]);
  ctx.io.out(formatTable(['NAME', 'TYPE', 'MODEL', 'BASE URL', 'KEY'], rows, ctx.io.color.out.bold));
};

function throwUnknown(name: string, project: LoadedProject): never {
  throw unknownProviderError(name, project.raw);
}

/** `--check`: one minimal live request to every provider the project uses (and any named), at once. */
async function check(ctx: CommandContext, project: LoadedProject, resolved: ResolvedProvider[], listings: ProviderListing[], named: string[], json: boolean): Promise<number> {
  const probed = new Set(await providersInUse(ctx, project));
  for (const name of named) {
    const canonical = canonicalProviderName(name, project.raw);
    if (!canonical) throw unknownProviderError(name, project.raw);
    probed.add(canonical);
  }
  const results = new Map<string, CheckResult>();
  await Promise.all(
    resolved
      .filter((provider) => probed.has(provider.name))
      .map(async (provider) => results.set(provider.name, await probe(ctx, project, provider))),
  );
  const failed = [...results.values()].some((result) => result.ok === false);

  if (json) {
    ctx.io.json(listings.map((listing) => ({ ...listing, ...(results.get(listing.name) ?? { ok: null, latencyMs: null, error: null }) })));
    return failed ? 1 : 0;
  }
  const color = ctx.io.color.out;
  const rows = resolved
    .filter((provider) => results.has(provider.name))
    .map((provider) => {
      const result = results.get(provider.name) as CheckResult;
      const status = result.ok ? color.green('ok') : color.red(result.error?.code ?? 'failed');
      return [provider.name, provider.model ?? '', status, result.latencyMs === null ? '' : `${result.latencyMs}ms`, result.error?.message ?? ''];
    });
  if (rows.length === 0) ctx.io.notice('no provider is in use: name one to check it (loom providers --check ollama)');
  else ctx.io.out(formatTable(['NAME', 'MODEL', 'STATUS', 'LATENCY', 'ERROR'], rows, color.bold));
  return failed ? 1 : 0;
}

async function probe(ctx: CommandContext, project: LoadedProject, provider: ResolvedProvider): Promise<CheckResult> {
  const started = performance.now();
  try {
    if (!provider.model) throw new LoomError('config_invalid', `no model: set "model" in providers.${provider.name}`);
    if (provider.needsKey && provider.keySource === null) throw new LoomError('missing_api_key', `no API key: ${keyFix(provider)}`);
    const { createProvider } = await import('../../providers/registry.js');
    // One timeout, the engine's and the SDK's: the provider's over the project's.
    const timeoutMs = resolveLimits(project, provider).timeoutMs.value;
    const instance = await createProvider(provider, { credentials: () => readCredentials(provider.name, project.raw, project.env), timeoutMs });
    await attemptTurn(
      instance,
      { model: provider.model, messages: [{ role: 'user', content: 'Reply with the word OK.' }], maxTokens: 16 },
      { signal: ctx.signal, stream: false, timeoutMs, onDelta: () => {} },
    );
    return { ok: true, latencyMs: Math.round(performance.now() - started), error: null };
  } catch (error) {
    if (!isLoomError(error)) throw error;
    return { ok: false, latencyMs: null, error: { code: error.code, message: error.message, provider: provider.name, status: error.status ?? null } };
  }
}

/** The default provider, every agent's, and every fallback, by canonical name. */
async function providersInUse(ctx: CommandContext, project: LoadedProject): Promise<string[]> {
  const names: string[] = [];
  const add = (name: string | undefined) => {
    if (!name) return;
    if (name === 'auto') {
      try {
        names.push(resolveAutoProvider(project.raw, project.env));
      } catch {
        // nothing to probe: no key is set for any of them
      }
      return;
    }
    const canonical = canonicalProviderName(name, project.raw);
    if (canonical) names.push(canonical);
  };
  const defaultProvider = project.config.defaultProvider ?? 'auto';
  if (project.config.defaultProvider !== undefined) add(defaultProvider);
  project.config.fallback?.forEach(add);
  for (const file of await discoverAgents(project.agentsDir)) {
    try {
      const agent = await readAgent(project, file, ctx.cwd);
      add(agent.config.provider ?? defaultProvider);
      agent.config.fallback?.forEach(add);
    } catch {
      // a broken agent is `config validate`'s to report
    }
  }
  return names;
}

function keyStatus(provider: ResolvedProvider): string {
  if (provider.keySource !== null) return `set (${provider.keySource})`;
  if (!provider.needsKey) return 'not needed';
  return `missing (${provider.keyVariables.join(' or ') || 'apiKey'})`;
}

export default providers;
