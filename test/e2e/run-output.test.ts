/**
 * Issue 3 end to end: where prompts and inputs come from, templates, provider precedence,
 * --dry-run, missing keys, and the --json / --jsonl documents of CONTRACT §4 and §10.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LOOM_BIN } from '../support/cli.js';
import { anthropicWire, FakeProviderServer, openaiWire } from '../support/fake-provider-server.js';
import { makeWorkspace } from '../support/workspace.js';
import { jsonLines, KEYS, logLines, loom, OPENAI_PATH, workspace } from './run-helpers.js';
import { useFakeProviderServer } from '../support/fake-server-hooks.js';

let server!: FakeProviderServer;
useFakeProviderServer((started) => (server = started));

/** Mock providers under different names: which one answered shows in --json, with no server. */
const MOCKS = {
  defaultProvider: 'm-default',
  providers: {
    'm-default': { type: 'mock', model: 'model-default' },
    'm-agent': { type: 'mock', model: 'model-agent-provider' },
    'm-env': { type: 'mock', model: 'model-env' },
    'm-flag': { type: 'mock', model: 'model-flag' },
  },
};

describe('prompts and inputs', () => {
  it('ask: the prompt from the arguments, piped stdin appended after a blank line; an empty stdin adds nothing', async () => {
    const cwd = await workspace(server);
    const piped = await loom(['ask', '-p', 'mock', '--json', 'summarise', 'this'], cwd, { input: 'line one\nline two\n' });
    expect(JSON.parse(piped.stdout).text).toBe('summarise this\n\nline one\nline two');
    const empty = await loom(['ask', '-p', 'mock', '--json', 'just this'], cwd, { input: '' });
    expect(JSON.parse(empty.stdout).text).toBe('just this');
    const onlyStdin = await loom(['ask', '-p', 'mock', '--json'], cwd, { input: 'from stdin\n' });
    expect(JSON.parse(onlyStdin.stdout).text).toBe('from stdin');
  });

  it('ask with no prompt at all is a usage error (exit 2), nothing sent, no log line', async () => {
    const cwd = await workspace(server);
    const result = await loom(['ask', '-p', 'oai'], cwd);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^loom: error: no prompt given\nhint: /);
    expect(server.requests).toHaveLength(0);
    expect(await logLines(cwd)).toEqual([]);
  });

  it('the prompt reaches the server as given', async () => {
    const cwd = await workspace(server);
    server.enqueue(OPENAI_PATH, openaiWire.sse(openaiWire.chunks({ text: ['ok'] })));
    await loom(['ask', '-p', 'compat', 'first', 'part'], cwd, { input: 'piped part' });
    expect(server.requests[0]!.body.messages).toEqual([{ role: 'user', content: 'first part\n\npiped part' }]);
  });

  it('run: input from the arguments (piped stdin appended), else --input, else stdin; appended after a blank line when the prompt has no {{input}}', async () => {
    const cwd = await workspace(server, {}, {
      'agents/sum/config.json': { provider: 'mock', prompt: 'Summarise:' },
      'agents/placed/config.json': { provider: 'mock', prompt: 'Before {{input}} after' },
      'input.txt': 'file input\n',
    });
    const text = async (args: string[], input?: string) => JSON.parse((await loom(['run', ...args, '--json'], cwd, { input })).stdout).text;
    expect(await text(['sum', 'from', 'args'], 'piped stdin')).toBe('Summarise:\n\nfrom args\n\npiped stdin');
    expect(await text(['sum', 'from', 'args'])).toBe('Summarise:\n\nfrom args');
    expect(await text(['sum', '--input', 'input.txt'], 'ignored stdin')).toBe('Summarise:\n\nfile input\n');
    expect(await text(['sum'], 'from stdin')).toBe('Summarise:\n\nfrom stdin');
    expect(await text(['sum'])).toBe('Summarise:');
    expect(await text(['placed', 'X'])).toBe('Before X after');
  });

  it('run: --var name=value and name=@file, over the inputs defaults', async () => {
    const cwd = await workspace(server, {}, {
      'agents/t/config.json': { provider: 'mock', prompt: 'For {{audience}} in {{tone}}: {{notes}}', inputs: { audience: { default: 'engineers' }, tone: { default: 'plain words' }, notes: { description: 'notes' } } },
      'notes.md': '<b>bold & "quoted"</b>',
    });
    const defaults = await loom(['run', 't', '--var', 'notes=n', '--json'], cwd);
    expect(JSON.parse(defaults.stdout).text).toBe('For engineers in plain words: n');
    const vars = await loom(['run', 't', '--var', 'audience=managers', '--var', 'notes=@notes.md', '--json'], cwd);
    // Values are inserted verbatim: no HTML escaping.
    expect(JSON.parse(vars.stdout).text).toBe('For managers in plain words: <b>bold & "quoted"</b>');
  });

  it('run: a variable with no value and no default is missing_variable (exit 2), naming it; nothing sent, no log line', async () => {
    const cwd = await workspace(server, {}, { 'agents/t/config.json': { provider: 'compat', prompt: 'For {{audience}}' } });
    const result = await loom(['run', 't'], cwd);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('audience');
    expect(result.stderr).toMatch(/^loom: error: /);
    const asJson = await loom(['run', 't', '--json'], cwd);
    expect(asJson.code).toBe(2);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ ok: false, error: { code: 'missing_variable' } });
    expect(server.requests).toHaveLength(0);
    expect(await logLines(cwd)).toEqual([]);
  });

  it('run: an unknown agent is unknown_agent (exit 2); under --json it still gets its one document', async () => {
    const cwd = await workspace(server);
    const result = await loom(['run', 'nobody', 'x'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^loom: error: unknown agent "nobody"/);
    const asJson = await loom(['run', 'nobody', '--json'], cwd);
    expect(asJson.code).toBe(2);
    expect(JSON.parse(asJson.stdout)).toEqual({ ok: false, agent: 'nobody', error: { code: 'unknown_agent', message: expect.stringContaining('nobody'), provider: null, status: null }, replayed: false });
    expect(await logLines(cwd)).toEqual([]);
  });

  it('every usage error before the run gives the --json document: a bad --var, a missing --input or --schema file', async () => {
    const cwd = await workspace(server, {}, { 'agents/a/config.json': { provider: 'mock', prompt: 'x' } });
    for (const args of [['run', 'a', '--var', 'no-equals'], ['run', 'a', '--input', 'missing.txt'], ['ask', '-p', 'mock', '--schema', 'missing.json', 'hi']]) {
      const result = await loom([...args, '--json'], cwd);
      expect(result.code).toBe(2);
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'usage' } });
      expect(result.stderr).toMatch(/^loom: error: /);
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe('provider precedence: -p > LOOM_PROVIDER > agent > defaultProvider', () => {
  it('picks the provider, and drops the agent model when another provider is chosen', async () => {
    const cwd = await makeWorkspace({
      'loom.config.json': MOCKS,
      'agents/a/config.json': { provider: 'm-agent', model: 'agent-model', prompt: 'hi' },
    });
    const pick = async (args: string[], env: Record<string, string> = {}) => {
      const doc = JSON.parse((await loom([...args, '--json'], cwd, { env })).stdout);
      return `${doc.provider}/${doc.model}`;
    };
    expect(await pick(['ask', 'hi'])).toBe('m-default/model-default');
    expect(await pick(['run', 'a'])).toBe('m-agent/agent-model');
    expect(await pick(['run', 'a'], { LOOM_PROVIDER: 'm-env' })).toBe('m-env/model-env');
    expect(await pick(['run', 'a', '-p', 'm-flag'], { LOOM_PROVIDER: 'm-env' })).toBe('m-flag/model-flag');
    expect(await pick(['ask', 'hi', '-p', 'm-flag'], { LOOM_PROVIDER: 'm-env' })).toBe('m-flag/model-flag');
    expect(await pick(['run', 'a', '-p', 'm-flag', '-m', 'flag-model'])).toBe('m-flag/flag-model');
    expect(await pick(['run', 'a'], { LOOM_MODEL: 'env-model' })).toBe('m-agent/env-model');
    // -p naming the agent's own provider keeps the agent's model.
    expect(await pick(['run', 'a', '-p', 'm-agent'])).toBe('m-agent/agent-model');
  });

  it('with no config, `auto` picks the first of anthropic, openai, gemini whose key is set; none is a config error', async () => {
    const cwd = await makeWorkspace();
    server.enqueue(OPENAI_PATH, openaiWire.sse(openaiWire.chunks({ text: ['from openai'] })));
    const openai = await loom(['ask', '--json', 'hi'], cwd, { env: { OPENAI_API_KEY: 'sk-test-auto-openai-000', OPENAI_BASE_URL: `${server.url}/v1` } });
    expect(JSON.parse(openai.stdout)).toMatchObject({ ok: true, provider: 'openai', model: 'gpt-5.4-mini', text: 'from openai' });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-test-auto-openai-000');

    server.enqueue('/v1/messages', anthropicWire.sse(anthropicWire.events({ blocks: [{ type: 'text', text: ['from claude'] }] })));
    const both = await loom(['ask', '--json', 'hi'], cwd, {
      env: { OPENAI_API_KEY: 'sk-test-auto-openai-000', ANTHROPIC_API_KEY: 'sk-test-auto-anthropic-000', ANTHROPIC_BASE_URL: server.url },
    });
    expect(JSON.parse(both.stdout)).toMatchObject({ ok: true, provider: 'anthropic', model: 'claude-sonnet-5-5', text: 'from claude' });

    const none = await loom(['ask', 'hi'], cwd);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^loom: error: .*\nhint: /);
    expect(server.requests).toHaveLength(2);
  });

  it('an unknown provider is unknown_provider (exit 2) with a suggestion', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': MOCKS });
    const result = await loom(['ask', '-p', 'm-flg', 'hi'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown provider "m-flg"');
    expect(result.stderr).toContain('m-flag');
  });
});

describe('--dry-run', () => {
  it('prints the provider chain and the request, sends nothing, shows no key and writes no log line', async () => {
    const cwd = await workspace(server, { fallback: ['claude', 'mock'] }, {
      'agents/a/config.json': { provider: 'oai', system: 'Be {{tone}}.', prompt: 'Tell {{who}}.', inputs: { tone: { default: 'brief' } }, temperature: 0.2, maxTokens: 99 },
    });
    const result = await loom(['run', 'a', '--dry-run', '--var', 'who=me', 'extra'], cwd);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const doc = JSON.parse(result.stdout);
    expect(doc.providers.map((p: any) => [p.name, p.type, p.model])).toEqual([
      ['oai', 'openai', 'gpt-5.4-mini'],
      ['claude', 'anthropic', 'claude-sonnet-5-5'],
      ['mock', 'mock', 'mock'],
    ]);
    expect(doc.providers[0]).toMatchObject({ keySet: true, keySource: 'OPENAI_TEST_KEY', baseUrl: `${server.url}/v1` });
    expect(doc.request).toMatchObject({ model: 'gpt-5.4-mini', system: 'Be brief.', messages: [{ role: 'user', content: 'Tell me.\n\nextra' }], temperature: 0.2, maxTokens: 99, stream: true });
    for (const key of Object.values(KEYS)) expect(result.stdout).not.toContain(key);
    expect(server.requests).toHaveLength(0);
    expect(await logLines(cwd)).toEqual([]);
  });

  it('works without the key, saying it is not set: nothing is sent anyway', async () => {
    const cwd = await workspace(server, {}, { 'agents/a/config.json': { provider: 'oai', prompt: 'hi' } });
    const result = await loom(['run', 'a', '--dry-run'], cwd, { env: { OPENAI_TEST_KEY: undefined } });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).providers[0]).toMatchObject({ name: 'oai', keySet: false, keySource: null });
    expect(server.requests).toHaveLength(0);
  });

  it('redacts a key written literally into a header of the config', async () => {
    const cwd = await workspace(server, { providers: { oai: { type: 'openai', baseUrl: `${server.url}/v1`, model: 'gpt-5.4-mini', apiKey: 'sk-test-literal-key-in-config-000' } } }, {
      'agents/a/config.json': { provider: 'oai', prompt: 'hi' },
    });
    const result = await loom(['run', 'a', '--dry-run'], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('sk-test-literal-key-in-config-000');
    expect(server.requests).toHaveLength(0);
  });
});

describe('missing keys', () => {
  it('a missing key for the provider is missing_api_key, exit 2, naming the variable; nothing sent, no log line', async () => {
    const cwd = await workspace(server);
    const result = await loom(['ask', '-p', 'oai', 'hi'], cwd, { env: { OPENAI_TEST_KEY: undefined } });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^loom: error: provider "oai" has no API key\nhint: set OPENAI_TEST_KEY/);
    const asJson = await loom(['ask', '-p', 'claude', '--json', 'hi'], cwd, { env: { ANTHROPIC_TEST_KEY: undefined } });
    expect(asJson.code).toBe(2);
    expect(JSON.parse(asJson.stdout)).toEqual({ ok: false, agent: null, error: { code: 'missing_api_key', message: 'provider "claude" has no API key', provider: 'claude', status: null }, replayed: false });
    expect(server.requests).toHaveLength(0);
    expect(await logLines(cwd)).toEqual([]);
  });

  it('a built-in provider reads its standard variable', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': { providers: { openai: { baseUrl: `${server.url}/v1` } } } });
    const missing = await runWithout(cwd);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('OPENAI_API_KEY');
    server.enqueue(OPENAI_PATH, openaiWire.sse(openaiWire.chunks({ text: ['fine'] })));
    const ok = await loom(['ask', '-p', 'openai', 'hi'], cwd, { env: { OPENAI_API_KEY: 'sk-test-standard-variable-0000' } });
    expect(ok).toMatchObject({ code: 0, stdout: 'fine\n' });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-test-standard-variable-0000');
    expect(server.requests[0]!.body.model).toBe('gpt-5.4-mini');
  });
});

function runWithout(cwd: string) {
  return loom(['ask', '-p', 'openai', 'hi'], cwd);
}

const RESULT_KEYS = ['ok', 'agent', 'provider', 'model', 'text', 'output', 'usage', 'costUsd', 'attempts', 'fallbackFrom', 'steps', 'toolCalls', 'durationMs', 'replayed'].sort();

describe('--json', () => {
  it('prints exactly one document with the keys of CONTRACT §4, nothing streamed', async () => {
    const cwd = await workspace(server);
    server.enqueue(OPENAI_PATH, openaiWire.sse(openaiWire.chunks({ text: ['Hel', 'lo'], usage: openaiWire.usage(12, 5) })));
    const result = await loom(['ask', '-p', 'oai', '--json', 'hi'], cwd);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const doc = JSON.parse(result.stdout);
    expect(Object.keys(doc).sort()).toEqual(RESULT_KEYS);
    expect(doc).toEqual({
      ok: true,
      agent: null,
      provider: 'oai',
      model: 'gpt-5.4-mini',
      text: 'Hello',
      output: null,
      usage: { inputTokens: 12, outputTokens: 5, cachedInputTokens: 0, cacheWriteTokens: 0 },
      // gpt-5.4-mini: $0.75 in, $4.50 out per 1M tokens.
      costUsd: (12 * 0.75 + 5 * 4.5) / 1e6,
      attempts: 1,
      fallbackFrom: [],
      steps: 1,
      toolCalls: [],
      durationMs: expect.any(Number),
      replayed: false,
    });
  });

  it('a run names its agent', async () => {
    const cwd = await workspace(server, {}, { 'agents/a/config.json': { provider: 'mock', prompt: 'hi' } });
    const doc = JSON.parse((await loom(['run', 'a', '--json'], cwd)).stdout);
    expect(doc).toMatchObject({ ok: true, agent: 'a', provider: 'mock' });
  });

  it('a failure is one document with ok:false and the error object, on stdout; the one-line error on stderr', async () => {
    const cwd = await workspace(server);
    server.enqueue(OPENAI_PATH, openaiWire.error(404, 'The model `gpt-nope` does not exist', { code: 'model_not_found' }));
    const result = await loom(['ask', '-p', 'oai', '-m', 'gpt-nope', '--json', 'hi'], cwd);
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: expect.stringContaining('gpt-nope'), provider: 'oai', status: 404 },
      agent: null,
      provider: 'oai',
      model: 'gpt-nope',
      attempts: 1,
      fallbackFrom: [],
    });
    expect(Object.keys(doc.error).sort()).toEqual(['code', 'message', 'provider', 'status']);
    expect(result.stderr).toMatch(/^loom: error: oai: model "gpt-nope" not found \(404\)/);
    expect(result.stderr.trim().split('\n')).toHaveLength(2); // the error and its hint
  });

  it('usage a server does not send is unknown: costUsd null, never 0', async () => {
    const cwd = await workspace(server, { providers: { compat: { type: 'openai-compatible', baseUrl: `${server.url}/v1`, model: 'llama3.2', pricing: { 'llama3.2': { input: 1, output: 2 } } } } });
    server.enqueue(OPENAI_PATH, openaiWire.sse(openaiWire.chunks({ text: ['no usage'], usage: null })));
    const doc = JSON.parse((await loom(['ask', '-p', 'compat', '--json', 'hi'], cwd)).stdout);
    expect(doc).toMatchObject({ ok: true, text: 'no usage', usage: null, costUsd: null });
    expect(await logLines(cwd)).toMatchObject([{ ok: true, usage: null, costUsd: null }]);
    server.enqueue(OPENAI_PATH, openaiWire.sse(openaiWire.chunks({ text: ['no usage'], usage: null })));
    const events = jsonLines((await loom(['ask', '-p', 'compat', '--jsonl', 'hi'], cwd)).stdout);
    expect(events.map((e) => e.type)).toEqual(['start', 'delta', 'done']);
    expect(events[2]).toMatchObject({ usage: null, costUsd: null });
    // With usage, the same priced model has a cost.
    server.enqueue(OPENAI_PATH, openaiWire.sse(openaiWire.chunks({ text: ['usage'], usage: openaiWire.usage(1000, 500) })));
    const priced = JSON.parse((await loom(['ask', '-p', 'compat', '--json', 'hi'], cwd)).stdout);
    expect(priced.costUsd).toBeCloseTo((1000 * 1 + 500 * 2) / 1e6, 12);
  });
});

describe('--jsonl', () => {
  it('prints start, deltas, usage and done, one per line, done last', async () => {
    const cwd = await workspace(server);
    server.enqueue(OPENAI_PATH, openaiWire.sse(openaiWire.chunks({ text: ['Hel', 'lo'], usage: openaiWire.usage(12, 5) })));
    const result = await loom(['ask', '-p', 'oai', '--jsonl', 'hi'], cwd);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const events = jsonLines(result.stdout);
    expect(events.map((e) => e.type)).toEqual(['start', 'delta', 'delta', 'usage', 'done']);
    expect(events[0]).toEqual({ type: 'start', agent: null, provider: 'oai', model: 'gpt-5.4-mini' });
    expect(events[1]).toEqual({ type: 'delta', text: 'Hel' });
    expect(events[3]).toEqual({ type: 'usage', inputTokens: 12, outputTokens: 5, cachedInputTokens: 0, cacheWriteTokens: 0 });
    const { type, ...done } = events[4]!;
    expect(type).toBe('done');
    expect(Object.keys(done).sort()).toEqual(RESULT_KEYS.filter((k) => k !== 'ok'));
    expect(done).toMatchObject({ text: 'Hello', provider: 'oai', attempts: 1 });
  });

  it('ends with an error event on failure', async () => {
    const cwd = await workspace(server);
    server.enqueue(OPENAI_PATH, openaiWire.error(400, 'bad things'));
    const result = await loom(['ask', '-p', 'oai', '--jsonl', 'hi'], cwd);
    expect(result.code).toBe(1);
    const events = jsonLines(result.stdout);
    expect(events.map((e) => e.type)).toEqual(['start', 'error']);
    expect(events[1]).toEqual({ type: 'error', error: { code: 'bad_request', message: expect.stringContaining('bad things'), provider: 'oai', status: 400 } });
  });
});

/** util-linux `script` gives the CLI a pseudo-terminal (stdout and stderr both on it). */
const hasScript = spawnSync('script', ['--version']).status === 0;

function onTerminal(cwd: string, shell: string, env: Record<string, string> = {}): string {
  const result = spawnSync('script', ['-qec', shell, '/dev/null'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, XDG_CONFIG_HOME: `${cwd}/.xdg-config`, XDG_STATE_HOME: `${cwd}/.xdg-state`, LOOM_BIN, ...env },
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (result.error) throw result.error;
  return result.stdout;
}

const plain = (text: string) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

describe.skipIf(!hasScript)('on a terminal', () => {
  it('the answer, then one dim summary line: provider · model · tokens in/out · cost · duration', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' } });
    const screen = onTerminal(cwd, 'stty cols 100; "$LOOM_BIN" ask hello big world');
    expect(screen).toContain('\u001b[2m'); // dim
    expect(plain(screen)).toMatch(/hello big world\nmock · mock · 3 in \/ 3 out · \$0 · \d+\.\ds\n/);
    expect(plain(screen).match(/hello big world/g)).toHaveLength(1);
  });

  it('--quiet and CI print no spinner and no summary', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' } });
    expect(plain(onTerminal(cwd, 'stty cols 100; "$LOOM_BIN" --quiet ask hello'))).toBe('hello\n');
    const ci = onTerminal(cwd, 'stty cols 100; "$LOOM_BIN" ask hello', { CI: 'true' });
    expect(ci).not.toContain('waiting for');
  });

  it('a terminal that reports 0 columns does not hang the spinner', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' } });
    // Before the fix this looped for ever: the KILL bounds a regression.
    const screen = onTerminal(cwd, 'stty cols 0; timeout -s KILL 10 "$LOOM_BIN" ask hello there');
    expect(plain(screen)).toMatch(/^hello there\nmock · mock/);
  });
});
