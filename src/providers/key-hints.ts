/**
 * What Loom says about a key that is not set, in one place: the run that stops before it sends
 * (`missing_api_key`), a fallback skipped, `config validate`, `providers --check`, a provider
 * built without one. It names the variables to set, never a value (DESIGN principle 3).
 */
import { LoomError } from '../core/errors.js';
import { AUTO_ORDER, PRESETS, descriptorOf } from './descriptors.js';

/** What a key-less provider is known by: its name and the variables its key is read from. */
export interface KeyNeed {
  name: string;
  keyVariables: readonly string[];
}

/** The fix: `set OPENAI_API_KEY`, `set GEMINI_API_KEY or GOOGLE_API_KEY`, or `set "apiKey" in providers.<name>`. */
export function keyFix(provider: KeyNeed): string {
  return provider.keyVariables.length > 0 ? `set ${provider.keyVariables.join(' or ')}` : `set "apiKey" in providers.${provider.name}`;
}

/** The error for a provider that needs a key and has none; nothing was sent. */
export function missingKeyError(provider: KeyNeed): LoomError {
  return new LoomError('missing_api_key', `provider "${provider.name}" has no API key`, {
    provider: provider.name,
    hint: provider.keyVariables.length > 0 ? `${keyFix(provider)} (in the environment or in .env)` : keyFix(provider),
  });
}

/** The variables that would let `auto` pick a provider: "ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY". */
export function autoKeyVariables(): string {
  const names = AUTO_ORDER.flatMap((name) => descriptorOf(PRESETS.find((preset) => preset.name === name)?.type)?.keyVariables.slice(0, 1) ?? []);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names.join('');
}

/** The variable to suggest for a literal key in a config file: the type's own, else one named after the provider. */
export function suggestedKeyVariable(name: string, type: string): string {
  return descriptorOf(type)?.keyVariables[0] ?? `${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_API_KEY`;
}
