/**
 * Issue 10 end to end: `--dry-run` shows the wire body for the first provider (equal to what a
 * real run then sends), needs no key and loads no SDK; a setting the provider's API does not take
 * is a `config validate` warning and one warning per run (none under --quiet); `--verbose` prints
 * one line per HTTP request and never a header, a body or a key.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runLoom } from '../support/cli.js';
import { anthropicWire, FakeProviderServer, geminiWire, openaiWire, type FakeResponse } from '../support/fake-provider-server.js';
import { agentWorkspace } from './agent-helpers.js';
import { ANTHROPIC_PATH, geminiStream, KEYS, loom, OPENAI_PATH, workspace } from './run-helpers.js';
import { loadedBundleFiles } from '../support/loaded-modules.js';
import { useFakeProviderServer } from '../support/fake-server-hooks.js';

let server!: FakeProviderServer;
useFakeProviderServer((started) => (server = started));

/** Every test key unset: a dry run must not need one. */
const NO_KEYS = Object.fromEntries(Object.keys(KEYS).map((name) => [name, undefined]));

const PROVIDERS: { name: string; path: string; answer: () => FakeResponse }[] = [
  { name: 'oai', path: OPENAI_PATH, answer: () => openaiWire.sse(openaiWire.chunks({ text: ['ok'] })) },
  { name: 'compat', path: OPENAI_PATH, answer: () => openaiWire.sse(openaiWire.chunks({ text: ['ok'] })) },
  { name: 'claude', path: ANTHROPIC_PATH, answer: () => anthropicWire.sse(anthropicWire.events({ blocks: [{ type: 'text', text: ['ok'] }] })) },
  { name: 'gem', path: geminiStream('gemini-3.5-flash'), answer: () => geminiWire.sse(geminiWire.chunks([[{ text: 'ok' }]])) },
];

const AGENT = { system: 'Be brief.', temperature: 0.2, maxTokens: 99, tools: ['read_file'], params: { seed: 7 } };
const TEMPERATURE_WARNING = 'loom: warning: claude does not take "temperature" (the Anthropic Messages API version 2026-10-21 has no sampling parameters), so it is not sent\n';

describe('--dry-run shows the wire body', () => {
  it.each(PROVIDERS)('$name: beside the normalized request, with no key set, and equal to what a real run sends', async ({ name, path, answer }) => {
    const cwd = await agentWorkspace(server, { ...AGENT, provider: name }, { 'a.txt': 'notes\n' });
    const dry = await loom(['run', 'bot', '--dry-run', 'the input'], cwd, { env: NO_KEYS });
    expect(dry.code, dry.stderr).toBe(0);
    expect(server.requests).toHaveLength(0);
    const view = JSON.parse(dry.stdout);
    expect(view.providers[0]).toMatchObject({ name, keySet: false });
    expect(view.request).toMatchObject({ temperature: 0.2, maxTokens: 99, system: 'Be brief.' });
    expect(view.wire).toEqual(expect.any(Object));

    server.enqueue(path, answer());
    const live = await loom(['run', 'bot', '--json', 'the input'], cwd);
    expect(live.code, live.stderr).toBe(0);
    expect(server.requests[0]!.body).toEqual(view.wire);
    // What the API does not take is left out, and said so on stderr, once, in the dry run and the run.
    if (name === 'claude') {
      expect(view.wire).not.toHaveProperty('temperature');
      expect(dry.stderr).toBe(TEMPERATURE_WARNING);
      expect(live.stderr).toBe(TEMPERATURE_WARNING);
    } else {
      expect(JSON.stringify(view.wire)).toContain('0.2');
      expect(live.stderr).toBe('');
    }
  });

  it('ask --dry-run too, and a --no-stream wire has no stream fields', async () => {
    const cwd = await workspace(server);
    const dry = await loom(['ask', '--dry-run', '--no-stream', '-p', 'oai', '--max-tokens', '50', 'hello'], cwd, { env: NO_KEYS });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).wire).toEqual({ max_completion_tokens: 50, model: 'gpt-5.4-mini', messages: [{ role: 'user', content: 'hello' }] });
  });

  it('loads no SDK: no module it loads holds an SDK client', async () => {
    const cwd = await workspace(server, {}, { 'schema.json': { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } });
    const files = await loadedBundleFiles(cwd, ['oai', 'claude', 'gem'].map((provider) => ['ask', '--dry-run', '-p', provider, '--schema', 'schema.json', 'hi']));
    expect(files.some((file) => file.url.includes('wire'))).toBe(true);
    for (const { url, source } of files) {
      // The three SDK clients' own constants: none may be loaded by a dry run.
      for (const marker of ['anthropic-version', 'https://api.openai.com/v1', 'generativelanguage.googleapis.com']) expect(source.includes(marker), `${url} holds ${marker}`).toBe(false);
    }
  }, 30_000);
});

describe('a setting the provider does not take is never dropped silently', () => {
  it('config validate warns at the setting, for the agent\'s provider and its fallbacks; exit 0', async () => {
    const cwd = await agentWorkspace(server, { provider: 'claude', temperature: 0.2, fallback: ['oai'] }, {
      'agents/fine/config.json': { provider: 'oai', temperature: 0.2, prompt: 'hi' },
      'agents/params/config.json': { provider: 'claude', temperature: 0.2, params: { temperature: 0.2 }, prompt: 'hi' },
    });
    const result = await runLoom(['config', 'validate', '--json', '--no-keys'], { cwd });
    expect(result.code, result.stdout).toBe(0);
    const report = JSON.parse(result.stdout);
    const problems = (path: string) => report.files.find((file: { path: string }) => file.path === path).problems;
    expect(problems('agents/bot/config.json')).toEqual([
      { severity: 'warning', pointer: '/temperature', line: expect.any(Number), column: expect.any(Number), message: '"temperature" is not sent to provider "claude": the Anthropic Messages API version 2026-10-21 has no sampling parameters' },
    ]);
    expect(problems('agents/fine/config.json')).toEqual([]);
    expect(problems('agents/params/config.json')).toEqual([]);
  });

  it('a run warns once on stderr, --temperature included, and not under --quiet', async () => {
    const cwd = await workspace(server);
    server.enqueue(ANTHROPIC_PATH, PROVIDERS[2]!.answer(), PROVIDERS[2]!.answer());
    const loud = await loom(['ask', '-p', 'claude', '--temperature', '0.7', 'hi'], cwd);
    expect(loud).toMatchObject({ code: 0, stdout: 'ok\n', stderr: TEMPERATURE_WARNING });
    const quiet = await loom(['--quiet', 'ask', '-p', 'claude', '--temperature', '0.7', 'hi'], cwd);
    expect(quiet).toMatchObject({ code: 0, stdout: 'ok\n', stderr: '' });
    expect(server.requests.map((r) => r.body.temperature)).toEqual([undefined, undefined]);
  });
});

describe('--verbose', () => {
  const LINE = /^loom: (\S+) (POST) (\S+) (\d{3}|no response) (\d+)ms attempt (\d+)(?: request-id (\S+))?$/;
  const verboseLines = (stderr: string) => stderr.split('\n').filter((line) => LINE.test(line)).map((line) => LINE.exec(line)!.slice(1, 8).map((part, i) => (i === 4 ? 'ms' : part)));

  it('one line per request: provider, method, path without the query, status, time, attempt, request id', async () => {
    const cwd = await workspace(server);
    server.enqueue(OPENAI_PATH, openaiWire.error(503, 'busy'), openaiWire.sse(openaiWire.chunks({ text: ['ok'] })));
    const retried = await loom(['--verbose', 'ask', '-p', 'oai', 'hi'], cwd);
    expect(retried.code, retried.stderr).toBe(0);
    expect(verboseLines(retried.stderr)).toEqual([
      ['oai', 'POST', '/v1/chat/completions', '503', 'ms', '1', 'req_fake_openai'],
      ['oai', 'POST', '/v1/chat/completions', '200', 'ms', '2', 'req_fake_openai'],
    ]);
    server.enqueue(geminiStream('gemini-3.5-flash'), PROVIDERS[3]!.answer());
    const gemini = await loom(['--verbose', 'ask', '-p', 'gem', '--json', 'hi'], cwd);
    expect(verboseLines(gemini.stderr)).toEqual([['gem', 'POST', '/v1beta/models/gemini-3.5-flash:streamGenerateContent', '200', 'ms', '1', undefined]]);
    expect(server.requests.at(-1)!.query.get('alt')).toBe('sse');
    // Never a header, a body or a key.
    for (const stderr of [retried.stderr, gemini.stderr]) {
      for (const secret of [...Object.values(KEYS), 'authorization', 'x-goog-api-key', 'Bearer', 'messages', 'busy']) expect(stderr).not.toContain(secret);
    }
  });

  it('a connection that fails says "no response"; without --verbose nothing is printed', async () => {
    const cwd = await workspace(server, { providers: { dead: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1', model: 'm' } }, retry: { retries: 0 } });
    const dead = await loom(['--verbose', 'ask', '-p', 'dead', 'hi'], cwd);
    expect(dead.code).toBe(1);
    expect(verboseLines(dead.stderr)).toEqual([['dead', 'POST', '/v1/chat/completions', 'no response', 'ms', '1', undefined]]);
    server.enqueue(OPENAI_PATH, openaiWire.sse(openaiWire.chunks({ text: ['ok'] })));
    const plain = await loom(['ask', '-p', 'oai', 'hi'], cwd);
    expect(plain).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('what a run loads', () => {
  it('ask and run never load the meta-schema validator (only config validate checks schemas)', async () => {
    const cwd = await workspace(server, {}, {
      'agents/structured/config.json': { provider: 'mock', prompt: 'x', output: { schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } } },
      'schema.json': { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] },
    });
    const files = await loadedBundleFiles(cwd, [['ask', '-p', 'mock', 'hi'], ['ask', '-p', 'mock', '--schema', 'schema.json', 'hi'], ['run', 'structured', 'go']]);
    expect(files.length).toBeGreaterThan(3);
    // Each bundle file's source map names the sources it was built from.
    const sources = (await Promise.all(files.map(async ({ url }) => JSON.parse(await readFile(new URL(`${url}.map`), 'utf8')).sources as string[]))).flat();
    expect(sources.some((source) => source.includes('src/config/load.ts'))).toBe(true);
    expect(sources.filter((source) => source.includes('generated/json-schema-validator'))).toEqual([]);
  }, 30_000);
});
