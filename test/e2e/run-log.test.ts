/**
 * The run log `.loom/runs.jsonl` (CONTRACT §8, §10) and `loom logs`.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeProviderServer, openaiWire } from '../support/fake-provider-server.js';
import { makeWorkspace } from '../support/workspace.js';
import { KEYS, logLines, logText, loom, OPENAI_PATH, workspace } from './run-helpers.js';
import { useFakeProviderServer } from '../support/fake-server-hooks.js';

let server!: FakeProviderServer;
useFakeProviderServer((started) => (server = started));

const LINE_KEYS = ['time', 'agent', 'provider', 'model', 'input', 'text', 'usage', 'costUsd', 'durationMs', 'attempts', 'ok', 'error'];

describe('.loom/runs.jsonl', () => {
  it('gets one line per run with the keys of CONTRACT §8, successes and failures alike', async () => {
    const cwd = await workspace(server);
    server.enqueue(OPENAI_PATH, openaiWire.sse(openaiWire.chunks({ text: ['Hi!'], usage: openaiWire.usage(12, 5) })));
    expect((await loom(['ask', '-p', 'oai', 'hello', 'there'], cwd)).code).toBe(0);
    server.enqueue(OPENAI_PATH, openaiWire.error(401, 'Incorrect API key provided'));
    expect((await loom(['ask', '-p', 'oai', 'again'], cwd)).code).toBe(1);

    const [ok, failed] = await logLines(cwd);
    for (const line of [ok!, failed!]) for (const key of LINE_KEYS) expect(line).toHaveProperty(key);
    expect(new Date(ok!.time).toISOString()).toBe(ok!.time);
    expect(ok).toMatchObject({
      agent: null,
      provider: 'oai',
      model: 'gpt-5.4-mini',
      input: 'hello there',
      text: 'Hi!',
      usage: { inputTokens: 12, outputTokens: 5 },
      costUsd: (12 * 0.75 + 5 * 4.5) / 1e6,
      durationMs: expect.any(Number),
      attempts: 1,
      ok: true,
      error: null,
      fallbackFrom: [],
    });
    expect(failed).toMatchObject({
      provider: 'oai',
      input: 'again',
      ok: false,
      attempts: 1,
      error: { code: 'auth_failed', message: expect.stringContaining('401') },
    });
    expect(Object.keys(failed!.error).sort()).toEqual(['code', 'message']);
  });

  it('"log": false keeps input and text out (the agent over the project); the rest is logged', async () => {
    const cwd = await makeWorkspace({
      'loom.config.json': { defaultProvider: 'mock', log: false },
      'agents/open/config.json': { prompt: 'say', log: true },
      'agents/closed/config.json': { prompt: 'say' },
    });
    await loom(['ask', 'private words'], cwd);
    await loom(['run', 'open', 'public words'], cwd);
    await loom(['run', 'closed', 'secret words'], cwd);
    const [ask, open, closed] = await logLines(cwd);
    expect(ask).toMatchObject({ agent: null, provider: 'mock', input: null, text: null, ok: true, usage: { inputTokens: 2, outputTokens: 2 } });
    expect(open).toMatchObject({ agent: 'open', input: 'public words', text: 'say\n\npublic words' });
    expect(closed).toMatchObject({ agent: 'closed', input: null, text: null, ok: true, costUsd: 0 });
    expect(await logText(cwd)).not.toContain('private words');
    expect(await logText(cwd)).not.toContain('secret words');

    const agentOff = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' }, 'agents/quiet/config.json': { prompt: 'x', log: false } });
    await loom(['run', 'quiet', 'hidden'], agentOff);
    expect(await logLines(agentOff)).toMatchObject([{ agent: 'quiet', input: null, text: null }]);
  });

  it('usage and config errors (exit 2) and --dry-run write no line', async () => {
    const cwd = await workspace(server, {}, { 'agents/v/config.json': { provider: 'mock', prompt: '{{missing}}' } });
    expect((await loom(['run', 'v'], cwd)).code).toBe(2);
    expect((await loom(['ask', '-p', 'nope', 'x'], cwd)).code).toBe(2);
    expect((await loom(['ask', '-p', 'oai', 'x'], cwd, { env: { OPENAI_TEST_KEY: undefined } })).code).toBe(2);
    expect((await loom(['run', 'v', '--var', 'missing=1', '--dry-run'], cwd)).code).toBe(0);
    expect(await logText(cwd)).toBe('');
  });

  it('with no config file, the log goes to the user state folder, or LOOM_HOME', async () => {
    const cwd = await makeWorkspace();
    await loom(['ask', '-p', 'mock', 'hi'], cwd);
    expect((await readFile(`${cwd}/.xdg-state/loom/runs.jsonl`, 'utf8')).split('\n').filter(Boolean)).toHaveLength(1);
    await loom(['ask', '-p', 'mock', 'hi'], cwd, { env: { LOOM_HOME: `${cwd}/home` } });
    expect((await readFile(`${cwd}/home/runs.jsonl`, 'utf8')).split('\n').filter(Boolean)).toHaveLength(1);
  });
});

describe('loom logs', () => {
  it('shows the last 10 runs by default, newest last; -n changes the count; --json is an array of log lines', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' } });
    for (let i = 1; i <= 12; i++) expect((await loom(['ask', `question number ${i}`], cwd)).code).toBe(0);

    const json = await loom(['logs', '--json'], cwd);
    expect(json.code).toBe(0);
    const entries = JSON.parse(json.stdout) as Record<string, any>[];
    expect(entries).toHaveLength(10);
    expect(entries.map((e) => e.input)).toEqual(Array.from({ length: 10 }, (_, i) => `question number ${i + 3}`));
    expect(entries).toEqual((await logLines(cwd)).slice(-10));

    const one = JSON.parse((await loom(['logs', '-n', '1', '--json'], cwd)).stdout);
    expect(one).toHaveLength(1);
    expect(one[0].input).toBe('question number 12');

    const table = await loom(['logs'], cwd);
    expect(table.code).toBe(0);
    expect(table.stderr).toBe('');
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(11); // a header and 10 runs
    expect(rows[0]).toMatch(/^TIME\s+AGENT\s+PROVIDER\/MODEL\s+STATUS/);
    expect(rows[10]).toContain('question number 12');
    expect(rows[1]).toContain('question number 3');
    expect(rows[10]).toContain('mock/mock');

    const last = await loom(['logs', '-n', '1'], cwd);
    expect(last.stdout.trimEnd().split('\n')).toHaveLength(2);
  });

  it('with no runs yet: an empty array, or a notice on stderr', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' } });
    expect(await loom(['logs', '--json'], cwd)).toMatchObject({ code: 0, stdout: '[]\n' });
    const text = await loom(['logs'], cwd);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe('');
  });

  it('never shows a key', async () => {
    const cwd = await workspace(server);
    server.enqueue(OPENAI_PATH, openaiWire.sse(openaiWire.chunks({ text: [`you said ${KEYS.OPENAI_TEST_KEY}`] })));
    await loom(['ask', '-p', 'oai', `my key is ${KEYS.OPENAI_TEST_KEY}`], cwd);
    expect(await logText(cwd)).not.toContain(KEYS.OPENAI_TEST_KEY);
    const shown = await loom(['logs', '--json'], cwd);
    expect(shown.stdout).not.toContain(KEYS.OPENAI_TEST_KEY);
    expect(JSON.parse(shown.stdout)[0].input).toBe('my key is [redacted]');
  });
});

describe('lines stay whole and small', () => {
  it('20 concurrent runs with large texts: every line parses, input and text are cut at 32,768 characters, no line passes 256 KiB', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' } });
    // Each run's input is 600 KB of its own letter: a line written in pieces would mix letters.
    const letters = 'abcdefghijklmnopqrst'.split('');
    await Promise.all(letters.map(async (letter) => {
      const result = await runLoomWithInput(cwd, letter.repeat(600_000));
      expect(result.code, result.stderr).toBe(0);
    }));
    const text = await logText(cwd);
    const lines = text.split('\n').filter(Boolean);
    expect(lines).toHaveLength(20);
    for (const line of lines) {
      expect(Buffer.byteLength(line)).toBeLessThan(256 * 1024);
      const entry = JSON.parse(line);
      expect(entry.input).toHaveLength(32_768);
      expect(entry).toMatchObject({ inputTruncated: true, textTruncated: true, ok: true });
      expect(new Set(entry.input)).toEqual(new Set([entry.input[0]]));
    }
    expect(new Set(lines.map((line) => JSON.parse(line).input[0]))).toEqual(new Set(letters));
  });

  it('a key across the cut is redacted before the cut: no part of it is kept', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' } });
    const key = KEYS.OPENAI_TEST_KEY;
    const input = `${'x'.repeat(32_768 - 10)}${key} tail`;
    expect((await runLoomWithInput(cwd, input, { OPENAI_API_KEY: key })).code).toBe(0);
    const [entry] = await logLines(cwd);
    expect(entry!.input).toBe(`${'x'.repeat(32_758)}[redacted]`);
    expect(await logText(cwd)).not.toContain(key.slice(0, 10));
  });

  it('`loom logs` skips lines that are not run entries and says how many', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' } });
    expect((await loom(['ask', 'first'], cwd)).code).toBe(0);
    await appendFile(join(cwd, '.loom', 'runs.jsonl'), 'not json\n{"some":"object"}\n{"time":"x","ok":tr');
    await appendFile(join(cwd, '.loom', 'runs.jsonl'), '\n');
    expect((await loom(['ask', 'second'], cwd)).code).toBe(0);
    const shown = await loom(['logs', '--json'], cwd);
    expect(JSON.parse(shown.stdout).map((entry: { input: string }) => entry.input)).toEqual(['first', 'second']);
    expect(shown.stderr).toBe('loom: warning: skipped 3 lines of the run log that are not run entries\n');
  });
});

/** `loom ask` with its input on stdin (too long for an argument list). */
function runLoomWithInput(cwd: string, input: string, env: Record<string, string> = {}) {
  return loom(['ask'], cwd, { input, env });
}
