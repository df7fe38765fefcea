/**
 * `--dry-run` never prints a key (CONTRACT §10, DESIGN principle 3): for every provider type with
 * its key set, the output says whether it is set and where from, and holds no key's value. Some
 * keys here are shorter than a known secret must be, so redaction on output cannot be what keeps
 * them out: the plan itself has none.
 */
import { describe, expect, it } from 'vitest';
import { runLoom } from '../support/cli.js';
import { makeWorkspace } from '../support/workspace.js';

const KEYS = {
  OAI_KEY: 'k7oai01',
  COMPAT_KEY: 'k7cmp02',
  CLAUDE_KEY: 'sk-dry-claude-0123456789',
  GEM_KEY: 'k7gem03',
  MOCK_KEY: 'k7mck04',
  HF_TOKEN: 'hf_dry_token_0123456789',
  HEADER_TOKEN: 'k7hdr05',
};

const config = {
  providers: {
    oai: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', model: 'gpt-5.4-mini', apiKey: '${OAI_KEY}', headers: { 'X-Token': '${HEADER_TOKEN}' } },
    compat: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', model: 'llama3.2', apiKey: '${COMPAT_KEY}' },
    claude: { type: 'anthropic', baseUrl: 'http://127.0.0.1:9', model: 'claude-sonnet-5-5', apiKey: '${CLAUDE_KEY}' },
    gem: { type: 'gemini', baseUrl: 'http://127.0.0.1:9', model: 'gemini-3.5-flash', apiKey: '${GEM_KEY}' },
    scripted: { type: 'mock', apiKey: '${MOCK_KEY}' },
    huggingface: { model: 'meta-llama/Llama-3.1-8B-Instruct' },
  },
  fallback: ['oai', 'compat', 'claude', 'gem', 'scripted', 'huggingface', 'openai'],
};

describe('--dry-run holds no key', () => {
  it.each(['oai', 'compat', 'claude', 'gem', 'scripted', 'huggingface'])('with %s first, for every provider of the chain: keySet and keySource, never the value', async (primary) => {
    const cwd = await makeWorkspace({ 'loom.config.json': config });
    const result = await runLoom(['ask', '--dry-run', '-p', primary, 'hi'], { cwd, env: KEYS });
    expect(result.code, result.stderr).toBe(0);
    for (const value of Object.values(KEYS)) {
      expect(result.stdout, `stdout holds ${value}`).not.toContain(value);
      expect(result.stderr, `stderr holds ${value}`).not.toContain(value);
    }
    const providers = JSON.parse(result.stdout).providers as Array<{ name: string; keySet: boolean; keySource: string | null }>;
    const keys = Object.fromEntries(providers.map(({ name, keySet, keySource }) => [name, { keySet, keySource }]));
    expect(keys).toEqual({
      oai: { keySet: true, keySource: 'OAI_KEY' },
      compat: { keySet: true, keySource: 'COMPAT_KEY' },
      claude: { keySet: true, keySource: 'CLAUDE_KEY' },
      gem: { keySet: true, keySource: 'GEM_KEY' },
      scripted: { keySet: true, keySource: 'MOCK_KEY' },
      huggingface: { keySet: true, keySource: 'HF_TOKEN' },
      // No OPENAI_API_KEY here: not set, and said so.
      openai: { keySet: false, keySource: null },
    });
    expect(providers[0]?.name).toBe(primary);
  }, 30_000);
});
