/**
 * Every fact of a provider type, one descriptor per type (`<type>/descriptor.ts`), read by config
 * (presets, aliases, `auto`, key and base-URL variables, default models, `config validate`'s
 * checks) and by providers (prices, dropped settings, key hints) alike. SDK-free and small: this
 * module and the descriptors import only types and each other, so `config validate` and
 * `--dry-run` read them without loading a provider folder's code.
 *
 * A provider folder is loaded by registry.ts (one string-literal import() a type), not from here:
 * `config validate` is a self-contained CommonJS bundle, and esbuild puts the target of every
 * import() it can reach into such a bundle, SDK included.
 */
import type { ModelPrice, ProviderEntry, ProviderType } from '../core/config.js';
import { anthropic } from './anthropic/descriptor.js';
import { gemini } from './gemini/descriptor.js';
import { mock } from './mock/descriptor.js';
import { openaiCompatible } from './openai-compatible/descriptor.js';
import { openai } from './openai/descriptor.js';

/** A setting of the normalized request (and of agent configs, by the same name). */
export type Setting = 'temperature';

export interface DroppedSetting {
  setting: Setting;
  /** Why the API does not take it, for the warning. */
  why: string;
}

/** A built-in provider (CONTRACT §2.1): a name that works with no `providers` block at all. */
export interface ProviderPreset {
  /** The entry it stands for, as if the project had written it (the type is the descriptor's). */
  entry: Readonly<Omit<ProviderEntry, 'type'>>;
  /** Other names a user may give for it (`claude` for `anthropic`). */
  aliases?: readonly string[];
  /** `auto` tries the presets that have a rank, lowest first, and picks the first whose key is set. */
  autoRank?: number;
  /** A local server: whatever model it runs costs nothing (CONTRACT §10). */
  free?: boolean;
}

export interface ProviderDescriptor {
  type: ProviderType;
  /** The variables the key is read from, in order, when an entry names no `apiKey`. */
  keyVariables: readonly string[];
  /** Whether a request cannot be made without a key (an entry that names an `apiKey` needs one, whatever its type). */
  needsKey: boolean;
  /** The SDK's own base-URL variable, honoured when an entry has no `baseUrl`. */
  baseUrlVariable?: string;
  /** Set when an entry must name a `baseUrl`: an example for the message that says so. */
  baseUrlExample?: string;
  /** The model of an entry that names none. */
  defaultModel?: string;
  /** The built-in providers of this type, by name. */
  presets: Readonly<Record<string, ProviderPreset>>;
  /** USD per 1M tokens by model (CONTRACT §8: a model not here has no known price), or `free`. */
  prices: Readonly<Record<string, ModelPrice>> | 'free';
  /**
   * What its own batch engine charges, as a share of the standard price (CONTRACT §15, §18: 0.5 for
   * OpenAI, Anthropic and Gemini); absent for a type with no batch engine.
   */
  batchFactor?: number;
  /** The settings of the normalized request its API does not take (CONTRACT §10: never dropped silently). */
  notTaken?: readonly DroppedSetting[];
}

/** The descriptors, in the order built-in providers are listed (`loom providers`). */
export const DESCRIPTORS: Readonly<Record<ProviderType, ProviderDescriptor>> = {
  openai,
  anthropic,
  gemini,
  'openai-compatible': openaiCompatible,
  mock,
};

/** The descriptor of a type; undefined for a string that names none (a config not yet validated). */
export function descriptorOf(type: string | undefined): ProviderDescriptor | undefined {
  return type !== undefined && Object.hasOwn(DESCRIPTORS, type) ? DESCRIPTORS[type as ProviderType] : undefined;
}

export interface NamedPreset extends ProviderPreset {
  name: string;
  type: ProviderType;
}

/** Every preset of every type, in order. */
export const PRESETS: readonly NamedPreset[] = Object.values(DESCRIPTORS).flatMap((descriptor) =>
  Object.entries(descriptor.presets).map(([name, preset]) => ({ ...preset, name, type: descriptor.type })),
);

/** The presets `auto` tries, in order (`anthropic`, `openai`, `gemini`); it never picks mock. */
export const AUTO_ORDER: readonly string[] = PRESETS.filter((preset) => preset.autoRank !== undefined)
  .sort((a, b) => (a.autoRank ?? 0) - (b.autoRank ?? 0))
  .map((preset) => preset.name);
