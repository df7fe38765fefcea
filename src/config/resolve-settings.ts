import { LoomError } from '../core/errors.js';
import { DEFAULTS } from './builtins.js';
import type { Env } from './interpolate.js';
import type { LoadedAgent, LoadedProject } from './load.js';
import { AUTO_ORDER } from '../providers/descriptors.js';
import { canonicalProviderName, resolveAutoProvider, resolveProvider, unknownProviderError } from './resolve-provider.js';
import type { ResolvedProvider, RetryConfig } from '../core/config.js';

/** A value and where it came from, for `config show` and for messages. */
export interface Sourced<T> {
  value: T;
  source: string;
}

export interface SelectionFlags {
  provider?: string;
  model?: string;
  /** `--replay`: `auto` does not look at keys (CONTRACT §19); the fixtures decide among its presets. */
  replay?: boolean;
}

export interface Selection {
  /** The provider name as given (`claude`), and the provider it resolves to. */
  provider: Sourced<string>;
  resolved: ResolvedProvider;
  model: Sourced<string>;
  /** `auto` under replay: a selection for each preset auto may pick, in order (the first is this one). */
  autoCandidates?: Selection[];
}

/**
 * Which provider and model a run uses (CONTRACT §2.2, §10): flags over LOOM_PROVIDER/LOOM_MODEL
 * over the agent over the project over the built-in defaults. When a flag or LOOM_PROVIDER picks
 * a provider other than the agent's, the agent's model is dropped.
 */
export function resolveSelection(project: LoadedProject, agent: LoadedAgent | undefined, flags: SelectionFlags, env: Env): Selection {
  const agentSource = agent ? `agent ${agent.name}` : '';
  const chosen: Sourced<string> | undefined = flags.provider
    ? { value: flags.provider, source: 'flag --provider' }
    : env.LOOM_PROVIDER
      ? { value: env.LOOM_PROVIDER, source: 'env LOOM_PROVIDER' }
      : undefined;
  let provider: Sourced<string> =
    chosen ??
    (agent?.config.provider
      ? { value: agent.config.provider, source: agentSource }
      : project.config.defaultProvider
        ? { value: project.config.defaultProvider, source: 'project' }
        : { value: DEFAULTS.defaultProvider, source: 'default' });

  if (provider.value === 'auto' && flags.replay) {
    // Under replay no key is read: each preset is a candidate, and the run takes the first that has
    // a fixture for its first call.
    const source = `${provider.source} (auto under replay: the first with a fixture)`;
    const candidates = AUTO_ORDER.map((name) => select({ value: name, source }));
    return { ...candidates[0]!, autoCandidates: candidates };
  }
  if (provider.value === 'auto') {
    const picked = resolveAutoProvider(project.raw, project.env);
    provider = { value: picked, source: `${provider.source} (auto: first provider with a key)` };
  }
  return select(provider);

  function select(provider: Sourced<string>): Selection {
    if (!canonicalProviderName(provider.value, project.raw)) throw unknownProviderError(provider.value, project.raw);
    const resolved = resolveProvider(provider.value, project.raw, project.env, project.rootDir);

    const agentProvider = agent?.config.provider && canonicalProviderName(agent.config.provider, project.raw);
    const agentModelApplies = agent?.config.model !== undefined && (!chosen || agentProvider === resolved.name);
    const model: Sourced<string> | undefined = flags.model
      ? { value: flags.model, source: 'flag --model' }
      : env.LOOM_MODEL
        ? { value: env.LOOM_MODEL, source: 'env LOOM_MODEL' }
        : agentModelApplies && agent?.config.model
          ? { value: agent.config.model, source: agentSource }
          : resolved.model
            ? { value: resolved.model, source: providerSource(resolved.name, project) }
            : undefined;
    if (!model) {
      throw new LoomError('config_invalid', `provider "${resolved.name}" has no model`, {
        hint: `set "model" in providers.${resolved.name} of loom.config.json, or pass --model`,
      });
    }
    return { provider, resolved, model };
  }
}

function providerSource(name: string, project: LoadedProject): string {
  return project.raw.providers?.[name]?.model !== undefined ? `project providers.${name}` : 'built-in';
}

export interface RunLimits {
  retry: Sourced<Required<RetryConfig>>;
  timeoutMs: Sourced<number>;
}

/** `retry` and `timeoutMs` merge field by field: agent over provider over project over defaults. */
export function resolveLimits(project: LoadedProject, provider: ResolvedProvider, agent?: LoadedAgent): RunLimits {
  const layers: Array<[source: string, retry: RetryConfig | undefined, timeoutMs: number | undefined]> = [
    ['default', DEFAULTS.retry, DEFAULTS.timeoutMs],
    ['project', project.config.retry, project.config.timeoutMs],
    [`provider ${provider.name}`, provider.retry, provider.timeoutMs],
    [agent ? `agent ${agent.name}` : 'agent', agent?.config.retry, agent?.config.timeoutMs],
  ];
  const retry: Required<RetryConfig> = { ...DEFAULTS.retry };
  const retrySources = new Set<string>();
  let timeoutMs: Sourced<number> = { value: DEFAULTS.timeoutMs, source: 'default' };
  for (const [source, layerRetry, layerTimeout] of layers) {
    for (const [field, value] of Object.entries(layerRetry ?? {}) as Array<[keyof RetryConfig, number | undefined]>) {
      if (value === undefined) continue;
      retry[field] = value;
      retrySources.add(source);
    }
    if (layerTimeout !== undefined) timeoutMs = { value: layerTimeout, source };
  }
  retrySources.delete('default');
  return { retry: { value: retry, source: [...retrySources].join(' + ') || 'default' }, timeoutMs };
}
