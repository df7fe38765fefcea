/**
 * One descriptor per provider type (src/providers/<type>/descriptor.ts): every type has one, the
 * registry a loader for each, and they hold the facts config and providers read — the same facts
 * the nine places of before held (pinned here). SDK-free: they import only types and each other.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROVIDERS, PROVIDER_ALIASES } from '../../src/config/builtins.js';
import { PROVIDER_TYPES } from '../../src/core/config.js';
import { STANDARD_KEY_VARIABLES } from '../../src/core/secrets.js';
import { AUTO_ORDER, DESCRIPTORS, PRESETS } from '../../src/providers/descriptors.js';
import { autoKeyVariables, keyFix, missingKeyError, suggestedKeyVariable } from '../../src/providers/key-hints.js';
import { PROVIDER_LOADERS } from '../../src/providers/registry.js';

const source = (path: string) => readFileSync(new URL(`../../src/providers/${path}`, import.meta.url), 'utf8');
const staticImports = (text: string) => [...text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)'/gm)].map((m) => ({ typeOnly: !!m[1], from: m[2]! }));

describe('the provider descriptors', () => {
  it('one per type, in the order of PROVIDER_TYPES (the schema enum, see schema-types.test.ts), each in its folder with a loader', async () => {
    expect(Object.keys(DESCRIPTORS)).toEqual([...PROVIDER_TYPES]);
    expect(Object.keys(PROVIDER_LOADERS).sort()).toEqual([...PROVIDER_TYPES].sort());
    for (const type of PROVIDER_TYPES) {
      expect(DESCRIPTORS[type].type).toBe(type);
      expect(existsSync(new URL(`../../src/providers/${type}/index.ts`, import.meta.url)), `${type}/index.ts`).toBe(true);
      const own = (await import(`../../src/providers/${type}/descriptor.ts`)) as Record<string, unknown>;
      expect(Object.values(own), `${type}/descriptor.ts exports its descriptor`).toContain(DESCRIPTORS[type]);
    }
  });

  it('are SDK-free: a descriptor imports types only, the list only the descriptors, and neither loads anything', () => {
    for (const type of PROVIDER_TYPES) {
      const text = source(`${type}/descriptor.ts`);
      for (const { typeOnly, from } of staticImports(text)) expect(typeOnly, `${type}/descriptor.ts imports ${from}`).toBe(true);
      expect(text).not.toMatch(/import\(\s*['"`]/);
    }
    const list = source('descriptors.ts');
    for (const { typeOnly, from } of staticImports(list)) expect(typeOnly || /^\.\/[a-z-]+\/descriptor\.js$/.test(from), `descriptors.ts imports ${from}`).toBe(true);
    expect(list).not.toMatch(/import\(\s*['"`]/);
    // What config reads beside them: no SDK, no provider folder's code.
    for (const file of ['key-hints.ts', 'pricing.ts', 'capabilities.ts']) {
      for (const { typeOnly, from } of staticImports(source(file))) {
        expect(typeOnly || from.startsWith('../core/') || from === './descriptors.js' || from === './key-hints.js', `${file} imports ${from}`).toBe(true);
      }
    }
  });

  it('hold the facts as they were: built-in providers, aliases, auto order, key and base-URL variables, default models', () => {
    expect(BUILTIN_PROVIDERS).toEqual({
      openai: { type: 'openai', model: 'gpt-5.4-mini' },
      anthropic: { type: 'anthropic', model: 'claude-sonnet-5-5' },
      gemini: { type: 'gemini', model: 'gemini-3.5-flash' },
      ollama: { type: 'openai-compatible', baseUrl: 'http://localhost:11434/v1', model: 'llama3.2' },
      lmstudio: { type: 'openai-compatible', baseUrl: 'http://localhost:1234/v1' },
      huggingface: { type: 'openai-compatible', baseUrl: 'https://router.huggingface.co/v1', apiKey: '${HF_TOKEN}' },
      mock: { type: 'mock', model: 'mock' },
    });
    // The order `loom providers` lists them in.
    expect(Object.keys(BUILTIN_PROVIDERS)).toEqual(['openai', 'anthropic', 'gemini', 'ollama', 'lmstudio', 'huggingface', 'mock']);
    expect(PROVIDER_ALIASES).toEqual({ chatgpt: 'openai', gpt: 'openai', claude: 'anthropic', google: 'gemini' });
    expect(AUTO_ORDER).toEqual(['anthropic', 'openai', 'gemini']);
    const facts = Object.fromEntries(PROVIDER_TYPES.map((type) => {
      const { keyVariables, needsKey, baseUrlVariable, defaultModel } = DESCRIPTORS[type];
      return [type, { keyVariables, needsKey, baseUrlVariable, defaultModel }];
    }));
    expect(facts).toEqual({
      openai: { keyVariables: ['OPENAI_API_KEY'], needsKey: true, baseUrlVariable: 'OPENAI_BASE_URL', defaultModel: 'gpt-5.4-mini' },
      anthropic: { keyVariables: ['ANTHROPIC_API_KEY'], needsKey: true, baseUrlVariable: 'ANTHROPIC_BASE_URL', defaultModel: 'claude-sonnet-5-5' },
      gemini: { keyVariables: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'], needsKey: true, baseUrlVariable: undefined, defaultModel: 'gemini-3.5-flash' },
      'openai-compatible': { keyVariables: [], needsKey: false, baseUrlVariable: undefined, defaultModel: undefined },
      mock: { keyVariables: [], needsKey: false, baseUrlVariable: undefined, defaultModel: 'mock' },
    });
    expect(PRESETS.filter((preset) => preset.free).map((preset) => preset.name)).toEqual(['ollama', 'lmstudio']);
  });

  it('every variable a descriptor reads a key from is a standard key variable, known as a secret before anything is printed', () => {
    const variables = PROVIDER_TYPES.flatMap((type) => DESCRIPTORS[type].keyVariables);
    const presetVariables = PRESETS.flatMap((preset) => [...(preset.entry.apiKey ?? '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]!));
    expect(STANDARD_KEY_VARIABLES).toEqual(expect.arrayContaining([...variables, ...presetVariables]));
  });
});

describe('the README cannot drift from the descriptors', () => {
  it('its table of built-in providers says what the presets are', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('| name | aliases | type | default model | key |')).split('\n\n')[0]!.split('\n').slice(2);
    const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
    const rows = table.map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
    expect(rows.map(([name]) => ticked(name!)[0])).toEqual(PRESETS.map((preset) => preset.name));
    for (const [name, aliases, type, model, key] of rows as string[][]) {
      const preset = PRESETS.find((candidate) => candidate.name === ticked(name!)[0])!;
      const descriptor = DESCRIPTORS[preset.type];
      expect(ticked(aliases!), `${preset.name} aliases`).toEqual([...(preset.aliases ?? [])]);
      expect(type!.startsWith(preset.type), `${preset.name} type`).toBe(true);
      expect(ticked(type!), `${preset.name} baseUrl`).toEqual(preset.entry.baseUrl ? [preset.entry.baseUrl] : []);
      const defaultModel = preset.entry.model ?? descriptor.defaultModel;
      expect(model, `${preset.name} model`).toBe(defaultModel ? `\`${defaultModel}\`` : 'set `model`');
      const variable = /^\$\{([A-Z_]+)\}$/.exec(preset.entry.apiKey ?? '')?.[1];
      expect(ticked(key!), `${preset.name} key`).toEqual(variable ? [variable] : [...descriptor.keyVariables]);
    }
  });
});

describe('what Loom says about a missing key, in one place', () => {
  it('names the variables to set, or the field', () => {
    expect(keyFix({ name: 'gemini', keyVariables: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'] })).toBe('set GEMINI_API_KEY or GOOGLE_API_KEY');
    expect(keyFix({ name: 'proxy', keyVariables: [] })).toBe('set "apiKey" in providers.proxy');
    expect(missingKeyError({ name: 'oai', keyVariables: ['OPENAI_TEST_KEY'] })).toMatchObject({
      code: 'missing_api_key',
      message: 'provider "oai" has no API key',
      hint: 'set OPENAI_TEST_KEY (in the environment or in .env)',
      provider: 'oai',
    });
    expect(missingKeyError({ name: 'proxy', keyVariables: [] }).hint).toBe('set "apiKey" in providers.proxy');
    expect(autoKeyVariables()).toBe('ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY');
  });

  it('suggests the type\'s own variable for a literal key, else one named after the provider', () => {
    expect(suggestedKeyVariable('work', 'openai')).toBe('OPENAI_API_KEY');
    expect(suggestedKeyVariable('work', 'gemini')).toBe('GEMINI_API_KEY');
    expect(suggestedKeyVariable('my-groq', 'openai-compatible')).toBe('MY_GROQ_API_KEY');
  });
});
