import { resolve } from 'node:path';
import { LoomError } from '../core/errors.js';
import { AUTO_ORDER, BASE_URL_VARIABLES, BUILTIN_PROVIDERS, KEY_VARIABLES, PROVIDER_ALIASES, TYPE_DEFAULT_MODELS } from './builtins.js';
import { didYouMean } from './did-you-mean.js';
import { interpolateString, referencedVariable, type Env } from './interpolate.js';
import type { ProjectConfig, ProviderEntry, ResolvedProvider } from '../core/config.js';

/**
 * The canonical name a provider name refers to: a `providers` entry first, then the built-ins,
 * then the aliases (`claude` → `anthropic`). Undefined when the name is unknown.
 */
export function canonicalProviderName(name: string, project: ProjectConfig): string | undefined {
  // Own names only: `-p toString` names no provider, whatever Object.prototype has.
  if ((project.providers && Object.hasOwn(project.providers, name)) || Object.hasOwn(BUILTIN_PROVIDERS, name)) return name;
  return Object.hasOwn(PROVIDER_ALIASES, name) ? PROVIDER_ALIASES[name] : undefined;
}

/** Every name a user may give for a provider: configured, built-in and aliases. */
export function knownProviderNames(project: ProjectConfig): string[] {
  return [...new Set([...Object.keys(project.providers ?? {}), ...Object.keys(BUILTIN_PROVIDERS), ...Object.keys(PROVIDER_ALIASES)])];
}

export function unknownProviderError(name: string, project: ProjectConfig): LoomError {
  const suggestion = didYouMean(name, knownProviderNames(project));
  return new LoomError('unknown_provider', `unknown provider "${name}"`, {
    hint: suggestion ? `did you mean "${suggestion}"? \`loom providers\` lists them` : '`loom providers` lists the providers',
  });
}

/**
 * Merges a provider's built-in preset with the project's entry of the same name, and reads its
 * key and base URL from the config or the environment. `raw` is the project config as written
 * (`${VAR}` intact), so the key's source can be named without ever printing its value.
 * `rootDir` (the config file's folder) anchors relative paths.
 */
export function resolveProvider(name: string, raw: ProjectConfig, env: Env, rootDir?: string): ResolvedProvider {
  const canonical = canonicalProviderName(name, raw);
  if (!canonical) throw unknownProviderError(name, raw);
  const entry: ProviderEntry = {
    ...(Object.hasOwn(BUILTIN_PROVIDERS, canonical) ? BUILTIN_PROVIDERS[canonical] : {}),
    ...(raw.providers && Object.hasOwn(raw.providers, canonical) ? raw.providers[canonical] : {}),
  };
  const type = entry.type;
  if (!type) {
    throw new LoomError('config_invalid', `provider "${canonical}" has no type`, {
      hint: `add "type" to providers.${canonical}: one of openai, anthropic, gemini, openai-compatible, mock`,
    });
  }
  const text = (value: string | undefined) => (value === undefined ? undefined : interpolateString(value, env) || undefined);
  const key = resolveKey(entry.apiKey, KEY_VARIABLES[type], env);
  const baseUrlVariable = BASE_URL_VARIABLES[type];
  const resolved: ResolvedProvider = {
    name: canonical,
    type,
    model: text(entry.model) ?? TYPE_DEFAULT_MODELS[type],
    baseUrl: text(entry.baseUrl) ?? (baseUrlVariable ? env[baseUrlVariable] || undefined : undefined),
    apiKey: key.value,
    keySource: key.source,
    needsKey: type === 'openai' || type === 'anthropic' || type === 'gemini' || entry.apiKey !== undefined,
    keyVariables: key.variables,
    headers: Object.fromEntries(Object.entries(entry.headers ?? {}).map(([header, value]) => [header, interpolateString(value, env)])),
  };
  if (entry.timeoutMs !== undefined) resolved.timeoutMs = entry.timeoutMs;
  if (entry.retry) resolved.retry = entry.retry;
  if (entry.limits) resolved.limits = entry.limits;
  if (entry.pricing) resolved.pricing = entry.pricing;
  if (entry.params) resolved.params = entry.params;
  // The mock's script is relative to the config file.
  const script = text(entry.script);
  if (script) resolved.script = rootDir ? resolve(rootDir, script) : script;
  return resolved;
}

interface KeyResolution {
  value?: string;
  source: string | null;
  variables: string[];
}

function resolveKey(configured: string | undefined, defaults: readonly string[], env: Env): KeyResolution {
  if (configured === undefined) {
    const variable = defaults.find((name) => env[name]);
    return { value: variable ? env[variable] : undefined, source: variable ?? null, variables: [...defaults] };
  }
  const variable = referencedVariable(configured);
  const value = interpolateString(configured, env) || undefined;
  if (variable) return { value, source: value === undefined ? null : variable, variables: [variable] };
  return { value, source: value === undefined ? null : 'config', variables: [] };
}

/** `auto`: the first of anthropic, openai, gemini whose key is set; never mock. */
export function resolveAutoProvider(raw: ProjectConfig, env: Env): string {
  const found = AUTO_ORDER.find((name) => resolveProvider(name, raw, env).apiKey !== undefined);
  if (found) return found;
  throw new LoomError('config_invalid', 'no provider is configured and no API key is set', {
    hint: 'set ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY, pass --provider (try --provider mock), or set "defaultProvider" in loom.config.json',
  });
}
