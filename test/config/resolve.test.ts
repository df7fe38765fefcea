import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolate, interpolateString } from '../../src/config/interpolate.js';
import { loadAgent, loadProject } from '../../src/config/load.js';
import { readCredentials, resolveProvider } from '../../src/config/resolve-provider.js';
import { resolveLimits, resolveSelection } from '../../src/config/resolve-settings.js';
import { LoomError } from '../../src/core/errors.js';
import { makeWorkspace, type FileContent } from '../support/workspace.js';

async function project(files: Record<string, FileContent>, env: Record<string, string> = {}) {
  const root = await makeWorkspace(files);
  return loadProject({ cwd: root, env: { HOME: root, XDG_CONFIG_HOME: join(root, '.xdg'), ...env } });
}

describe('interpolation', () => {
  it('replaces ${VAR} and ${VAR:-default}, treating empty as unset', () => {
    const env = { A: 'alpha', EMPTY: '' };
    expect(interpolateString('x-${A}-y', env)).toBe('x-alpha-y');
    expect(interpolateString('${B:-bee}', env)).toBe('bee');
    expect(interpolateString('${EMPTY:-fallback}', env)).toBe('fallback');
    expect(interpolateString('${MISSING}', env)).toBe('');
    expect(interpolate({ list: ['${A}', 3, true], nested: { value: '${A}' } }, env)).toEqual({ list: ['alpha', 3, true], nested: { value: 'alpha' } });
  });
});

describe('built-in providers and aliases', () => {
  it('works with no providers block, with the contract default models', async () => {
    const loaded = await project({});
    const env = { OPENAI_API_KEY: 'sk-test-openai' };
    expect(resolveProvider('openai', loaded.raw, env)).toMatchObject({ type: 'openai', model: 'gpt-5.4-mini', keySource: 'OPENAI_API_KEY' });
    expect(readCredentials('openai', loaded.raw, env).apiKey).toBe('sk-test-openai');
    expect(resolveProvider('claude', loaded.raw, {})).toMatchObject({ name: 'anthropic', type: 'anthropic', model: 'claude-sonnet-5-5', keySource: null, needsKey: true });
    expect(resolveProvider('google', loaded.raw, { GOOGLE_API_KEY: 'g-test-key' })).toMatchObject({ name: 'gemini', model: 'gemini-3.5-flash', keySource: 'GOOGLE_API_KEY' });
    expect(resolveProvider('ollama', loaded.raw, {})).toMatchObject({ type: 'openai-compatible', baseUrl: 'http://localhost:11434/v1', model: 'llama3.2', needsKey: false });
    expect(resolveProvider('lmstudio', loaded.raw, {}).model).toBeUndefined();
    expect(resolveProvider('huggingface', loaded.raw, { HF_TOKEN: 'hf_test_token' })).toMatchObject({ keySource: 'HF_TOKEN', needsKey: true });
    expect(resolveProvider('gpt', loaded.raw, {}).name).toBe('openai');
    expect(resolveProvider('chatgpt', loaded.raw, {}).name).toBe('openai');
  });

  it('a providers entry extends the built-in of the same name, also through an alias', async () => {
    const loaded = await project({ 'loom.config.json': { providers: { anthropic: { model: 'claude-haiku-5-5', timeoutMs: 5000 } } } });
    expect(resolveProvider('claude', loaded.raw, {})).toMatchObject({ name: 'anthropic', type: 'anthropic', model: 'claude-haiku-5-5', timeoutMs: 5000 });
  });

  it('a providers entry named like an alias wins over the alias', async () => {
    const loaded = await project({ 'loom.config.json': { providers: { claude: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' } } } });
    expect(resolveProvider('claude', loaded.raw, {})).toMatchObject({ name: 'claude', type: 'openai-compatible' });
  });

  it('honours OPENAI_BASE_URL and ANTHROPIC_BASE_URL when the entry has no baseUrl', async () => {
    const loaded = await project({});
    expect(resolveProvider('openai', loaded.raw, { OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' }).baseUrl).toBe('http://127.0.0.1:1/v1');
    expect(resolveProvider('anthropic', loaded.raw, { ANTHROPIC_BASE_URL: 'http://127.0.0.1:2' }).baseUrl).toBe('http://127.0.0.1:2');
  });

  it('names the key source: a variable, config, or nothing', async () => {
    const loaded = await project({
      'loom.config.json': {
        providers: {
          literal: { type: 'openai-compatible', baseUrl: 'http://x/v1', apiKey: 'sk-test-literal' },
          groq: { type: 'openai-compatible', baseUrl: 'http://x/v1', apiKey: '${GROQ_API_KEY}' },
          open: { type: 'openai-compatible', baseUrl: 'http://x/v1' },
        },
      },
    });
    expect(resolveProvider('literal', loaded.raw, {})).toMatchObject({ keySource: 'config' });
    expect(readCredentials('literal', loaded.raw, {}).apiKey).toBe('sk-test-literal');
    expect(resolveProvider('groq', loaded.raw, {})).toMatchObject({ keySource: null, needsKey: true, keyVariables: ['GROQ_API_KEY'] });
    expect(resolveProvider('groq', loaded.raw, { GROQ_API_KEY: 'gsk-test' })).toMatchObject({ keySource: 'GROQ_API_KEY' });
    expect(readCredentials('groq', loaded.raw, { GROQ_API_KEY: 'gsk-test' }).apiKey).toBe('gsk-test');
    // openai-compatible sends a key only when its entry names one: never OPENAI_API_KEY.
    expect(resolveProvider('open', loaded.raw, { OPENAI_API_KEY: 'sk-test-openai' })).toMatchObject({ keySource: null, needsKey: false });
    expect(readCredentials('open', loaded.raw, { OPENAI_API_KEY: 'sk-test-openai' }).apiKey).toBeUndefined();
  });

  it("resolves a mock's script relative to the config file", async () => {
    const loaded = await project({ 'loom.config.json': { providers: { scripted: { type: 'mock', script: 'fixtures/replies.json' } } } });
    expect(resolveProvider('scripted', loaded.raw, {}, loaded.rootDir).script).toBe(join(loaded.rootDir, 'fixtures/replies.json'));
  });

  it('an unknown provider is unknown_provider with a did-you-mean', async () => {
    const loaded = await project({});
    const error = (() => {
      try {
        resolveProvider('anthropc', loaded.raw, {});
      } catch (caught) {
        return caught as LoomError;
      }
    })();
    expect(error?.code).toBe('unknown_provider');
    expect(error?.hint).toContain('did you mean "anthropic"?');
  });
});

describe('precedence: flags > LOOM_* > agent > project > built-in', () => {
  const files = {
    'loom.config.json': { defaultProvider: 'openai', retry: { retries: 5, minDelayMs: 100 }, timeoutMs: 1000, providers: { anthropic: { retry: { minDelayMs: 200 }, timeoutMs: 2000 } } },
    'agents/writer/config.json': { provider: 'claude', model: 'claude-haiku-5-5', retry: { maxDelayMs: 300 } },
    'agents/plain/config.json': {},
  };

  it('uses the project default for an agent that names no provider', async () => {
    const loaded = await project(files);
    const selection = resolveSelection(loaded, await loadAgent(loaded, 'plain', loaded.rootDir), {}, {});
    expect(selection.resolved.name).toBe('openai');
    expect(selection.provider.source).toBe('project');
    expect(selection.model).toEqual({ value: 'gpt-5.4-mini', source: 'built-in' });
  });

  it("uses the agent's provider and model over the project's", async () => {
    const loaded = await project(files);
    const selection = resolveSelection(loaded, await loadAgent(loaded, 'writer', loaded.rootDir), {}, {});
    expect(selection.resolved.name).toBe('anthropic');
    expect(selection.model).toEqual({ value: 'claude-haiku-5-5', source: 'agent writer' });
  });

  it("LOOM_PROVIDER beats the agent and drops the agent's model; LOOM_MODEL beats both", async () => {
    const loaded = await project(files);
    const agent = await loadAgent(loaded, 'writer', loaded.rootDir);
    const viaEnv = resolveSelection(loaded, agent, {}, { LOOM_PROVIDER: 'gemini' });
    expect(viaEnv.resolved.name).toBe('gemini');
    expect(viaEnv.model.value).toBe('gemini-3.5-flash');
    expect(resolveSelection(loaded, agent, {}, { LOOM_PROVIDER: 'gemini', LOOM_MODEL: 'gemini-3.5-pro' }).model.value).toBe('gemini-3.5-pro');
    // Picking the agent's own provider again keeps the agent's model.
    expect(resolveSelection(loaded, agent, {}, { LOOM_PROVIDER: 'anthropic' }).model.value).toBe('claude-haiku-5-5');
  });

  it('flags beat LOOM_* variables', async () => {
    const loaded = await project(files);
    const agent = await loadAgent(loaded, 'writer', loaded.rootDir);
    const selection = resolveSelection(loaded, agent, { provider: 'mock', model: 'echo' }, { LOOM_PROVIDER: 'gemini', LOOM_MODEL: 'x' });
    expect(selection.resolved.name).toBe('mock');
    expect(selection.provider.source).toBe('flag --provider');
    expect(selection.model).toEqual({ value: 'echo', source: 'flag --model' });
  });

  it('auto picks the first of anthropic, openai, gemini with a key, and never mock', async () => {
    const loaded = await project({}, { GEMINI_API_KEY: 'g-test', OPENAI_API_KEY: 'sk-test-o' });
    expect(resolveSelection(loaded, undefined, {}, {}).resolved.name).toBe('openai');
    const none = await project({});
    expect(() => resolveSelection(none, undefined, {}, {})).toThrow(/no provider is configured and no API key is set/);
  });

  it('a provider without a model is a config error naming the field', async () => {
    const loaded = await project({});
    expect(() => resolveSelection(loaded, undefined, { provider: 'lmstudio' }, {})).toThrow('provider "lmstudio" has no model');
  });

  it('merges retry and timeoutMs field by field: agent over provider over project over defaults', async () => {
    const loaded = await project(files);
    const agent = await loadAgent(loaded, 'writer', loaded.rootDir);
    const selection = resolveSelection(loaded, agent, {}, {});
    const limits = resolveLimits(loaded, selection.resolved, agent);
    expect(limits.retry.value).toEqual({ retries: 5, minDelayMs: 200, maxDelayMs: 300 });
    expect(limits.timeoutMs).toEqual({ value: 2000, source: 'provider anthropic' });
    const plainLimits = resolveLimits(loaded, resolveProvider('mock', loaded.raw, {}));
    expect(plainLimits.retry.value).toEqual({ retries: 5, minDelayMs: 100, maxDelayMs: 30000 });
    expect(plainLimits.timeoutMs.value).toBe(1000);
  });
});
