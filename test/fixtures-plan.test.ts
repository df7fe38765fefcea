/**
 * CONTRACT §19 planning under replay: whether a key is set never changes the plan — no
 * missing_api_key, no fallback skipped for its key, and `auto` offers every preset (in the order
 * anthropic, openai, gemini) for the fixtures to pick from.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPlan, type RunFlags } from '../src/config/build-plan.js';
import { loadProject } from '../src/config/load.js';
import { makeWorkspace } from './support/workspace.js';

async function project(config: Record<string, unknown>, env: Record<string, string> = {}) {
  const root = await makeWorkspace({ 'loom.config.json': config });
  return loadProject({ cwd: root, env: { HOME: root, XDG_CONFIG_HOME: join(root, '.xdg'), ...env } });
}

const flags = (overrides: Partial<RunFlags> = {}): RunFlags => ({ vars: {}, input: 'hi', stream: true, ...overrides });

describe('a plan under replay', () => {
  it('needs no key for the primary, and skips no fallback for a missing one', async () => {
    const loaded = await project({ defaultProvider: 'openai', fallback: ['anthropic'] });
    await expect(buildPlan(loaded, undefined, flags())).rejects.toMatchObject({ code: 'missing_api_key' });
    const plan = await buildPlan(loaded, undefined, flags({ replay: true }));
    expect(plan.chain.map((entry) => [entry.provider.name, entry.unusable])).toEqual([['openai', undefined], ['anthropic', undefined]]);
  });

  it('auto: every preset is a candidate, whichever key is set; live, the key decides', async () => {
    const withGemini = await project({}, { GEMINI_API_KEY: 'gemini-key-0123456789' });
    const live = await buildPlan(withGemini, undefined, flags());
    expect(live.chain[0]?.provider.name).toBe('gemini');
    expect(live.auto).toBeUndefined();
    const replay = await buildPlan(withGemini, undefined, flags({ replay: true }));
    expect(replay.chain[0]?.provider.name).toBe('anthropic');
    expect(replay.auto?.map((entry) => [entry.provider.name, entry.model])).toEqual([
      ['anthropic', replay.chain[0]!.model],
      ['openai', expect.any(String)],
      ['gemini', expect.any(String)],
    ]);
    // A --model given applies to each of them.
    const modelled = await buildPlan(withGemini, undefined, flags({ replay: true, model: 'm-1' }));
    expect(modelled.auto?.map((entry) => entry.model)).toEqual(['m-1', 'm-1', 'm-1']);
    // With no key at all, auto is not an error under replay.
    const bare = await buildPlan(await project({}), undefined, flags({ replay: true }));
    expect(bare.auto).toHaveLength(3);
  });
});
