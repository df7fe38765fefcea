import { describe, expect, it } from 'vitest';
import { runLoom } from '../support/cli.js';
import { makeWorkspace } from '../support/workspace.js';

const SECRET = 'sk-test-9f8e7d6c5b4a39281706';

const project = () =>
  makeWorkspace({
    'loom.config.json': {
      defaultProvider: 'claude',
      providers: {
        claude: { type: 'anthropic', model: 'claude-haiku-5-5', apiKey: '${ANTHROPIC_API_KEY}' },
        local: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.2' },
        inline: { type: 'openai', apiKey: 'sk-test-literal-1234567890' },
      },
    },
    'agents/summarize/config.json': { description: 'Summarise a document', provider: 'local', tools: ['read_file'] },
    'agents/hello/config.json': { prompt: 'hi' },
    'agents/broken/config.json': { prompt: 'hi', maxSteps: 'many' },
  });

describe('loom agents', () => {
  it('lists agents as a table: the provider and model a run would use, inherited ones included; a broken agent with its problem', async () => {
    const result = await runLoom(['agents'], { cwd: await project() });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+DESCRIPTION\s+PROVIDER\s+MODEL\s+TOOLS$/);
    expect(lines[1]).toMatch(/^broken\s+\(broken: agents\/broken\/config\.json:\d+:\d+: \/maxSteps: must be an integer \(got a string\)\)$/);
    expect(lines[2]).toMatch(/^hello\s+claude\s+claude-haiku-5-5$/);
    expect(lines[3]).toMatch(/^summarize\s+Summarise a document\s+local\s+llama3\.2\s+read_file$/);
    expect(result.stderr).toContain('run `loom config validate` to see every problem');
  });

  it('--json prints the contract shape, null where nothing sets a value', async () => {
    const result = await runLoom(['agents', '--json'], { cwd: await project() });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      { name: 'broken', description: null, provider: null, model: null, tools: null, problem: expect.stringContaining('/maxSteps: must be an integer') },
      { name: 'hello', description: null, provider: 'claude', model: 'claude-haiku-5-5', tools: null, problem: null },
      { name: 'summarize', description: 'Summarise a document', provider: 'local', model: 'llama3.2', tools: ['read_file'], problem: null },
    ]);
  });
});

describe('loom providers', () => {
  it('--json lists built-ins and configured providers with where the key comes from, never the key', async () => {
    const result = await runLoom(['providers', '--json'], { cwd: await project(), env: { ANTHROPIC_API_KEY: SECRET, HF_TOKEN: 'hf_test_0123456789' } });
    expect(result.code).toBe(0);
    const listing = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    const byName = Object.fromEntries(listing.map((entry) => [entry.name, entry]));
    expect(Object.keys(byName)).toEqual(['openai', 'anthropic', 'gemini', 'ollama', 'lmstudio', 'huggingface', 'mock', 'claude', 'local', 'inline']);
    expect(byName.anthropic).toEqual({ name: 'anthropic', type: 'anthropic', model: 'claude-sonnet-5-5', baseUrl: null, keySet: true, keySource: 'ANTHROPIC_API_KEY' });
    expect(byName.claude).toMatchObject({ keySet: true, keySource: 'ANTHROPIC_API_KEY', model: 'claude-haiku-5-5' });
    expect(byName.openai).toMatchObject({ keySet: false, keySource: null });
    expect(byName.ollama).toEqual({ name: 'ollama', type: 'openai-compatible', model: 'llama3.2', baseUrl: 'http://localhost:11434/v1', keySet: false, keySource: null });
    expect(byName.huggingface).toMatchObject({ keySet: true, keySource: 'HF_TOKEN', model: null });
    expect(byName.inline).toMatchObject({ keySet: true, keySource: 'config' });
    expect(result.stdout + result.stderr).not.toContain(SECRET);
    expect(result.stdout + result.stderr).not.toContain('sk-test-literal-1234567890');
  });

  it('prints a table saying whether each key is set', async () => {
    const result = await runLoom(['providers'], { cwd: await project(), env: { ANTHROPIC_API_KEY: SECRET } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^anthropic\s+anthropic\s+claude-sonnet-5-5\s+\(SDK default\)\s+set \(ANTHROPIC_API_KEY\)$/m);
    expect(result.stdout).toMatch(/^openai\s+openai\s+gpt-5\.4-mini\s+\(SDK default\)\s+missing \(OPENAI_API_KEY\)$/m);
    expect(result.stdout).toMatch(/^ollama\s+openai-compatible\s+llama3\.2\s+http:\/\/localhost:11434\/v1\s+not needed$/m);
    expect(result.stdout).not.toContain(SECRET);
  });
});

describe('loom config show', () => {
  it('shows resolved values with their sources, keys redacted', async () => {
    const cwd = await project();
    const result = await runLoom(['config', 'show', '--agent', 'summarize', '--json'], { cwd, env: { ANTHROPIC_API_KEY: SECRET, LOOM_MODEL: 'llama3.3' } });
    expect(result.code).toBe(0);
    const shown = JSON.parse(result.stdout) as { agent: string; values: Array<{ key: string; value: unknown; source: string }> };
    const value = (key: string) => shown.values.find((entry) => entry.key === key);
    expect(shown.agent).toBe('summarize');
    expect(value('defaultProvider')).toEqual({ key: 'defaultProvider', value: 'claude', source: 'project' });
    expect(value('providers.claude.apiKey')).toEqual({ key: 'providers.claude.apiKey', value: '[redacted]', source: 'env ANTHROPIC_API_KEY' });
    expect(value('providers.inline.apiKey')?.value).toBe('[redacted]');
    expect(value('run.provider')).toEqual({ key: 'run.provider', value: 'local', source: 'agent summarize' });
    expect(value('run.model')).toEqual({ key: 'run.model', value: 'llama3.3', source: 'env LOOM_MODEL' });
    expect(value('run.retry')?.value).toEqual({ retries: 3, minDelayMs: 500, maxDelayMs: 30000 });
    expect(result.stdout).not.toContain(SECRET);
    expect(result.stdout).not.toContain('sk-test-literal-1234567890');
  });

  it('prints a readable table and names the config file', async () => {
    const result = await runLoom(['config', 'show'], { cwd: await project(), env: { ANTHROPIC_API_KEY: SECRET } });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('# config: loom.config.json');
    expect(result.stdout).toMatch(/^run\.provider\s+claude\s+project$/m);
    expect(result.stdout).not.toContain(SECRET);
  });

  it('an unknown agent is exit 2 with a did-you-mean', async () => {
    const result = await runLoom(['config', 'show', '--agent', 'sumarize'], { cwd: await project() });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('loom: error: unknown agent "sumarize"\nhint: did you mean "summarize"? `loom agents` lists them\n');
  });
});

describe('keys in the environment', () => {
  it('never appear in config show, providers or config validate --json, whatever the output', async () => {
    const cwd = await project();
    const env = { ANTHROPIC_API_KEY: SECRET, OPENAI_API_KEY: 'sk-test-openai-in-env-0123456789', GEMINI_API_KEY: 'g-test-gemini-in-env-0123', HF_TOKEN: 'hf_test_token_in_env_0123' };
    for (const args of [['config', 'show'], ['config', 'show', '--json', '--agent', 'summarize'], ['providers'], ['providers', '--json'], ['config', 'validate'], ['config', 'validate', '--json'], ['agents', '--json']]) {
      const result = await runLoom(args, { cwd, env });
      for (const value of [...Object.values(env), 'sk-test-literal-1234567890']) expect(result.stdout + result.stderr, args.join(' ')).not.toContain(value);
    }
  });
});
