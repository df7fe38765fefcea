/**
 * search_files and list_files end to end (CONTRACT §11), through the built `bin/loom` and a fake
 * provider scripted to ask for exactly the calls an attacker would: a pattern that would run for
 * ever is stopped at 10 s and the run goes on; Ctrl-C / SIGTERM during one ends the run within
 * about a second; the search oracle learns nothing about a key (judged on what the model was
 * sent); a walk stopped at its cap says so.
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeProviderServer } from '../support/fake-provider-server.js';
import { agentWorkspace, dialect, type Call } from './agent-helpers.js';
import { jsonLines, loom, OPENAI_PATH, spawnLoom, until } from './run-helpers.js';
import { useFakeProviderServer } from '../support/fake-server-hooks.js';

let server!: FakeProviderServer;
useFakeProviderServer((started) => (server = started));

const oai = dialect('oai');
const TOOLS = ['read_file', 'list_files', 'search_files'];
const REDOS_LINE = `${'a'.repeat(40)}b`;
const A_NAME = 'a'.repeat(200);

/** The tool results the model was sent in the run's second request. */
const sentResults = () => oai.sentResults(server.requestsTo(OPENAI_PATH)[1]!.body).map((result) => result.content);

describe('a pattern that would run for ever', () => {
  it('is stopped after 10 s with a result saying so, and the run goes on to its next turn', async () => {
    const cwd = await agentWorkspace(server, { tools: TOOLS }, { 'src/long.txt': `${REDOS_LINE}\n`, [`names/${A_NAME}`]: '' });
    server.enqueue(
      OPENAI_PATH,
      oai.toolTurn([
        { id: 's1', name: 'search_files', input: { pattern: '(a+)+$' } },
        { id: 'l1', name: 'list_files', input: { pattern: '*a*a*a*a*a*a*a*a*a*a*a*a*b' } },
      ]),
      oai.textTurn('Both were too slow; moving on.'),
    );
    const started = Date.now();
    const result = await loom(['run', 'bot', '--json'], cwd);
    const elapsed = Date.now() - started;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, text: 'Both were too slow; moving on.', toolCalls: [{ name: 'search_files', ok: false }, { name: 'list_files', ok: false }] });
    expect(sentResults()).toEqual([
      'search_files: stopped after 10 s (the pattern or the search is too slow); narrow "path" or simplify the pattern',
      'list_files: stopped after 10 s (the pattern or the listing is too slow); narrow "path" or simplify the pattern',
    ]);
    // The two calls ran side by side, each stopped at its own limit.
    expect(elapsed).toBeGreaterThanOrEqual(10_000);
    expect(elapsed).toBeLessThan(17_000);
  }, 30_000);

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s during it ends the run within about a second, with exit %i', async (signal, code) => {
    const cwd = await agentWorkspace(server, { tools: TOOLS }, { 'src/long.txt': `${REDOS_LINE}\n` });
    server.enqueue(OPENAI_PATH, oai.toolTurn([{ id: 's1', name: 'search_files', input: { pattern: '(a+)+$' } }]), oai.textTurn('never sent'));
    const live = spawnLoom(['run', 'bot', '--jsonl'], cwd);
    await live.waitFor('"type":"tool_call"');
    // Well into the search: the worker has started and is stuck in the pattern.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const signalled = Date.now();
    live.child.kill(signal);
    const result = await live.done;
    expect(Date.now() - signalled).toBeLessThan(1500);
    expect(result.code, result.stderr).toBe(code);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ type: 'error', error: { code: 'interrupted' } });
    expect(server.requestsTo(OPENAI_PATH)).toHaveLength(1);
  });
});

describe('the search oracle', () => {
  const KEY = 'sk-proj-E2eOracleKey0123456789abcdefXY';

  it('learns nothing: every guess at the key in .env and in a copy gets the same result, never a match', async () => {
    const cwd = await agentWorkspace(server, { tools: TOOLS }, {
      '.env': `OPENAI_API_KEY=${KEY}\n`,
      'config/settings.txt': `# for the deploy script\nOPENAI_API_KEY=${KEY}\n`,
      'README.md': 'Put OPENAI_API_KEY in .env\n',
    });
    // Position by position, the right character and wrong ones: ~1,300 such calls would rebuild a key.
    const calls: Call[] = [];
    for (const i of [0, 1, 2, 8, 20]) {
      for (const guess of new Set([KEY[i]!, 'x', '7'])) calls.push({ id: `g${calls.length}`, name: 'search_files', input: { pattern: `^OPENAI_API_KEY=.{${i}}${guess}` } });
    }
    calls.push({ id: 'list', name: 'list_files', input: {} });
    server.enqueue(OPENAI_PATH, oai.toolTurn(calls), oai.textTurn('Nothing to see.'));
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);

    const sent = sentResults();
    const searches = sent.slice(0, -1).map((output, index) => output.replace(`/${(calls[index]!.input as { pattern: string }).pattern}/`, '/<pattern>/'));
    expect(new Set(searches)).toEqual(new Set(['no matches for /<pattern>/ in .\n[search_files: 1 file was skipped because it holds a secret Loom knows]']));
    // list_files names files (never .env) and reads none.
    expect(sent.at(-1)).toBe('README.md\nagents/bot/config.json\nconfig/settings.txt\nloom.config.json');
    for (const output of sent) expect(output).not.toContain(KEY.slice(8, 20));
  });
});

describe(`a walk stopped at 100000 entries`, () => {
  it('says it is incomplete instead of "no matches" or "no files"', async () => {
    const cwd = await agentWorkspace(server, { tools: TOOLS });
    await mkdir(join(cwd, 'many'));
    execFileSync('sh', ['-c', 'seq -f "f%06g" 1 100001 | xargs touch'], { cwd: join(cwd, 'many') });
    server.enqueue(
      OPENAI_PATH,
      oai.toolTurn([
        { id: 's', name: 'search_files', input: { pattern: 'absent' } },
        { id: 'l', name: 'list_files', input: { pattern: '*.md' } },
      ]),
      oai.textTurn('Too big.'),
    );
    const result = await loom(['run', 'bot'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(sentResults()).toEqual([
      'incomplete: stopped after 100000 entries without a match for /absent/ in .; narrow "path" to search the rest',
      'incomplete: stopped after 100000 entries without a file matching "*.md" in .; narrow "path" to list the rest',
    ]);
  }, 60_000);
});

describe('a search that finishes', () => {
  it('is answered as before, by the worker of the built CLI', async () => {
    const cwd = await agentWorkspace(server, { tools: TOOLS }, { 'src/a.ts': 'const x = 1;\n// TODO: fix\n' });
    server.enqueue(OPENAI_PATH, oai.toolTurn([{ id: 's', name: 'search_files', input: { pattern: 'TODO' } }]), oai.textTurn('Found it.'));
    const result = await loom(['run', 'bot'], cwd);
    expect(result.code, result.stderr).toBe(0);
    await until(() => server.requestsTo(OPENAI_PATH).length === 2);
    expect(sentResults()).toEqual(['src/a.ts:2: // TODO: fix']);
  });
});
