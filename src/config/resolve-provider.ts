import { resolve } from 'node:path';
import { LoomError } from '../core/errors.js';
import { PROVIDER_TYPES, type CredentialReader, type ProjectConfig, type ProviderCredentials, type ProviderEntry, type ProviderType, type ResolvedProvider } from '../core/config.js';
import { AUTO_ORDER, descriptorOf } from '../providers/descriptors.js';
import { autoKeyVariables } from '../providers/key-hints.js';
import { BUILTIN_PROVIDERS, PROVIDER_ALIASES } from './builtins.js';
import { didYouMean } from './did-you-mean.js';
import { interpolateString, referencedVariable, type Env } from './interpolate.js';

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

/** A provider's built-in preset with the project's entry of the same name merged over it. */
function mergedEntry(canonical: string, raw: ProjectConfig): ProviderEntry {
  return {
    ...(Object.hasOwn(BUILTIN_PROVIDERS, canonical) ? BUILTIN_PROVIDERS[canonical] : {}),
    ...(raw.providers && Object.hasOwn(raw.providers, canonical) ? raw.providers[canonical] : {}),
  };
}

function entryType(canonical: string, entry: ProviderEntry): ProviderType {
  if (entry.type) return entry.type;
  throw new LoomError('config_invalid', `provider "${canonical}" has no type`, {
    hint: `add "type" to providers.${canonical}: one of ${PROVIDER_TYPES.join(', ')}`,
  });
}

/**
 * Merges a provider's built-in preset with the project's entry of the same name, and reads its
 * base URL from the config or the environment; of its key, only where it comes from. `raw` is the
 * project config as written (`${VAR}` intact), so the key's source can be named without ever
 * printing its value. `rootDir` (the config file's folder) anchors relative paths.
 */
export function resolveProvider(name: string, raw: ProjectConfig, env: Env, rootDir?: string): ResolvedProvider {
  const canonical = canonicalProviderName(name, raw);
  if (!canonical) throw unknownProviderError(name, raw);
  const entry = mergedEntry(canonical, raw);
  const type = entryType(canonical, entry);
  const descriptor = descriptorOf(type);
  const text = (value: string | undefined) => (value === undefined ? undefined : interpolateString(value, env) || undefined);
  const key = resolveKey(entry.apiKey, descriptor?.keyVariables ?? [], env);
  const baseUrlVariable = descriptor?.baseUrlVariable;
  const resolved: ResolvedProvider = {
    name: canonical,
    type,
    model: text(entry.model) ?? descriptor?.defaultModel,
    baseUrl: text(entry.baseUrl) ?? (baseUrlVariable ? env[baseUrlVariable] || undefined : undefined),
    keySource: key.source,
    needsKey: descriptor?.needsKey === true || entry.apiKey !== undefined,
    keyVariables: key.variables,
    headerNames: Object.keys(entry.headers ?? {}),
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

/**
 * A provider's key and header values, read now from the config as written, then the environment
 * (DESIGN principle 3): what a provider sends, read when it builds its client and kept nowhere
 * else. An unknown name or an entry without a type has none.
 */
export function readCredentials(name: string, raw: ProjectConfig, env: Env): ProviderCredentials {
  const canonical = canonicalProviderName(name, raw);
  if (!canonical) return { headers: {} };
  const entry = mergedEntry(canonical, raw);
  const descriptor = descriptorOf(entry.type);
  const credentials: ProviderCredentials = {
    headers: Object.fromEntries(Object.entries(entry.headers ?? {}).map(([header, value]) => [header, interpolateString(value, env)])),
  };
  if (!entry.type) return credentials;
  const apiKey = resolveKey(entry.apiKey, descriptor?.keyVariables ?? [], env).value;
  if (apiKey !== undefined) credentials.apiKey = apiKey;
  return credentials;
}

/** `readCredentials` closed over a loaded project's config and environment: what the engine hands the providers it builds. */
export function credentialReader(raw: ProjectConfig, env: Env): CredentialReader {
  return (name) => readCredentials(name, raw, env);
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

/** `auto`: the first preset in `AUTO_ORDER` (anthropic, openai, gemini) whose key is set; never mock. */
export function resolveAutoProvider(raw: ProjectConfig, env: Env): string {
  const found = AUTO_ORDER.find((name) => resolveProvider(name, raw, env).keySource !== null);
  if (found) return found;
  throw new LoomError('config_invalid', 'no provider is configured and no API key is set', {
    hint: `set ${autoKeyVariables()}, pass --provider (try --provider mock), or set "defaultProvider" in loom.config.json`,
  });
}
