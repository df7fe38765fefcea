/**
 * The plan carries no key (DESIGN principle 3): for every provider type, with every key set — in
 * the environment, by a `${VAR}`, literally in the config, in a header — no RunPlan holds a key's
 * value, in any entry of its chain; the providers read them when they build their clients,
 * through the credential reader closed over the loaded config.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPlan, type RunFlags } from '../../src/config/build-plan.js';
import { loadAgent, loadProject } from '../../src/config/load.js';
import { credentialReader } from '../../src/config/resolve-provider.js';
import { PROVIDER_TYPES } from '../../src/core/config.js';
import { makeWorkspace } from '../support/workspace.js';

/** Every value a key or a credential header holds in this workspace. */
const SECRETS = {
  OPENAI_API_KEY: 'sk-plan-openai-env-0001',
  ANTHROPIC_API_KEY: 'sk-plan-anthropic-env-0002',
  GOOGLE_API_KEY: 'plan-google-env-0003',
  HF_TOKEN: 'hf_plan_token_0004',
  OAI_KEY: 'sk-plan-oai-ref-0005',
  OAI_HEADER: 'plan-header-token-0006',
  MOCK_KEY: 'plan-mock-key-0007',
  GEM_KEY: 'plan-gem-ref-0008',
};
const LITERAL_KEY = 'sk-plan-literal-in-config-0009';

const PROVIDERS = {
  oai: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: '${OAI_KEY}', headers: { 'X-Api-Token': 'Bearer ${OAI_HEADER}' } },
  compat: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', model: 'llama3.2', apiKey: LITERAL_KEY },
  gem: { type: 'gemini', apiKey: '${GEM_KEY}' },
  scripted: { type: 'mock', apiKey: '${MOCK_KEY}' },
  huggingface: { model: 'meta-llama/Llama-3.1-8B-Instruct' },
};

async function project() {
  const root = await makeWorkspace({
    'loom.config.json': { providers: PROVIDERS, fallback: ['openai', 'anthropic', 'gemini', 'huggingface', 'oai', 'compat', 'gem', 'scripted', 'mock'] },
    'agents/bot/config.json': { provider: 'oai', prompt: 'hi {{input}}', timeoutMs: 9000 },
  });
  return loadProject({ cwd: root, env: { HOME: root, XDG_CONFIG_HOME: join(root, '.xdg'), ...SECRETS } });
}

const flags = (provider?: string): RunFlags => ({ ...(provider ? { provider } : {}), vars: {}, input: 'x', stream: true });

describe('a RunPlan holds no key', () => {
  it('for every provider type and every way a key is set, in every entry of the chain', async () => {
    const loaded = await project();
    const names = ['openai', 'anthropic', 'gemini', 'huggingface', 'oai', 'compat', 'gem', 'scripted', 'mock'];
    const plans = [
      ...(await Promise.all(names.map((name) => buildPlan(loaded, undefined, flags(name))))),
      await buildPlan(loaded, await loadAgent(loaded, 'bot', loaded.rootDir), flags()),
      await buildPlan(loaded, undefined, { ...flags('oai'), dryRun: true }),
    ];
    // Every type is in the chain, each entry with a key set (the plan says where from, not what).
    const types = new Set(plans.flatMap((plan) => plan.chain.map((entry) => entry.provider.type)));
    expect([...types].sort()).toEqual([...PROVIDER_TYPES].sort());
    const first = plans[0]!;
    expect(first.chain.map((entry) => [entry.provider.name, entry.provider.keySource])).toEqual([
      ['openai', 'OPENAI_API_KEY'],
      ['anthropic', 'ANTHROPIC_API_KEY'],
      ['gemini', 'GOOGLE_API_KEY'],
      ['huggingface', 'HF_TOKEN'],
      ['oai', 'OAI_KEY'],
      ['compat', 'config'],
      ['gem', 'GEM_KEY'],
      ['scripted', 'MOCK_KEY'],
      ['mock', null],
    ]);
    for (const plan of plans) {
      const text = JSON.stringify(plan);
      for (const value of [...Object.values(SECRETS), LITERAL_KEY]) expect(text, `the plan holds ${value}`).not.toContain(value);
      for (const entry of plan.chain) {
        expect(entry.provider).not.toHaveProperty('apiKey');
        expect(entry.provider).not.toHaveProperty('headers');
      }
    }
  });

  it('the credential reader, closed over the loaded config, is where the providers read them', async () => {
    const loaded = await project();
    const read = credentialReader(loaded.raw, loaded.env);
    expect(read('oai')).toEqual({ apiKey: SECRETS.OAI_KEY, headers: { 'X-Api-Token': `Bearer ${SECRETS.OAI_HEADER}` } });
    expect(read('compat')).toEqual({ apiKey: LITERAL_KEY, headers: {} });
    expect(read('claude').apiKey).toBe(SECRETS.ANTHROPIC_API_KEY);
    expect(read('gemini').apiKey).toBe(SECRETS.GOOGLE_API_KEY);
    expect(read('huggingface').apiKey).toBe(SECRETS.HF_TOKEN);
    expect(read('mock')).toEqual({ headers: {} });
    expect(read('no-such-provider')).toEqual({ headers: {} });
  });

  it('carries each entry\'s price and its one merged timeout', async () => {
    const loaded = await project();
    const plan = await buildPlan(loaded, await loadAgent(loaded, 'bot', loaded.rootDir), { ...flags(), maxCost: 100 });
    const byName = Object.fromEntries(plan.chain.map((entry) => [entry.provider.name, entry]));
    // The agent's timeoutMs is every entry's, the SDK's bound included.
    expect(plan.chain.every((entry) => entry.timeoutMs === 9000)).toBe(true);
    expect(byName.openai?.price).toEqual({ input: 0.75, output: 4.5 });
    expect(byName.mock?.price).toEqual({ input: 0, output: 0 });
    // A budget skips what it cannot price: the unpriced entries say why.
    expect(byName.compat).toMatchObject({ price: null, unusable: expect.stringContaining('no price known for llama3.2') });
  });
});
