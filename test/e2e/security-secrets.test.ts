/**
 * Secrets cannot be observed or sent (CONTRACT §11): a tool call whose arguments carry a known
 * secret — as is, URL-encoded, base64 or hex, anywhere in an argument — is refused before it runs,
 * whatever the tool; no file holding one is read; and what a model could see never holds one.
 * The "model" is the fake provider server, asking for exactly the calls an attacker would.
 */
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeProviderServer } from '../support/fake-provider-server.js';
import { agentWorkspace, dialect, everythingServer, type Call } from './agent-helpers.js';
import { KEYS, loom, OPENAI_PATH } from './run-helpers.js';
import { useFakeProviderServer } from '../support/fake-server-hooks.js';

let server!: FakeProviderServer;
useFakeProviderServer((started) => (server = started));

const oai = dialect('oai');
/** The key of the provider the run talks to (configured as `"apiKey": "${OPENAI_TEST_KEY}"`). */
const KEY = KEYS.OPENAI_TEST_KEY;

const ENCODINGS: Record<string, string> = {
  'as is': KEY,
  'URL-encoded': encodeURIComponent(KEY).replace(/-/g, '%2D'),
  base64: Buffer.from(`k=${KEY}`).toString('base64'),
  hex: Buffer.from(KEY).toString('hex'),
};

/** One turn of `calls`, then a final answer; the tool results the model got back. */
async function attack(cwd: string, calls: Call[], args: string[] = []) {
  server.enqueue(OPENAI_PATH, oai.toolTurn(calls), oai.textTurn('Done.'));
  const result = await loom(['run', 'bot', '--json', ...args], cwd);
  const second = server.requestsTo(OPENAI_PATH)[1];
  return { result, results: second ? oai.sentResults(second.body) : [] };
}

describe('a tool call that carries a known secret is refused before it runs', () => {
  it.each(Object.entries(ENCODINGS))('%s, in run_command, write_file and an MCP tool, even with --yes', async (_form, encoded) => {
    const cwd = await agentWorkspace(server, { tools: ['run_command', 'write_file'], mcpServers: { everything: everythingServer() } });
    const { result, results } = await attack(
      cwd,
      [
        { id: 'c1', name: 'run_command', input: { command: `touch leaked-${encoded.slice(0, 40).replace(/[^A-Za-z0-9]/g, '')} ${encoded}` } },
        { id: 'c2', name: 'write_file', input: { path: 'exfil.txt', content: `see ${encoded}\n` } },
        { id: 'c3', name: 'everything__echo', input: { message: `x${encoded}` } },
      ],
      ['--yes'],
    );
    expect(result.code, result.stderr).toBe(0);
    expect(results.map((r) => r.content)).toEqual([
      expect.stringMatching(/^refused: the arguments of run_command carry a secret Loom knows \((as is|URL-encoded|base64|hex)\); no tool call may send a key anywhere$/),
      expect.stringMatching(/^refused: the arguments of write_file carry a secret/),
      expect.stringMatching(/^refused: the arguments of everything__echo carry a secret/),
    ]);
    await expect(lstat(join(cwd, 'exfil.txt'))).rejects.toThrow();
    // Nothing a tool produced, and nothing the user sees, holds the key (the model's own calls are
    // sent back to it as it made them).
    expect(JSON.stringify(results)).not.toContain(KEY);
    expect(result.stdout + result.stderr).not.toContain(KEY);
  });
});

describe('files holding a secret', () => {
  it('.env, .env.* and any file holding a key are not read; the refusal does not depend on the key', async () => {
    const cwd = await agentWorkspace(server, { tools: ['read_file'] }, {
      '.env': `OPENAI_TEST_KEY=${KEY}\n`,
      'config/.env.production': 'X=1\n',
      'config/settings.txt': `api_key = ${KEY}\n`,
      'config/ok.txt': 'nothing to hide\n',
    });
    const { results } = await attack(cwd, [
      { id: 'c1', name: 'read_file', input: { path: '.env' } },
      { id: 'c2', name: 'read_file', input: { path: 'config/.env.production' } },
      { id: 'c3', name: 'read_file', input: { path: 'config/settings.txt' } },
      { id: 'c4', name: 'read_file', input: { path: 'config/ok.txt' } },
    ]);
    expect(results.map((r) => r.content)).toEqual([
      'refused: ".env": .env files hold credentials and are never read by tools',
      'refused: "config/.env.production": .env.production files hold credentials and are never read by tools',
      'refused: "config/settings.txt" holds a secret Loom knows (an API key or token); tools never read such a file',
      'nothing to hide\n',
    ]);
    expect(JSON.stringify(server.requests.map((r) => r.body))).not.toContain(KEY);
  });

  it('a key the run only knows by a name with no secret word ("apiKey": "${MY_LLM_CRED}") is a known secret too', async () => {
    const cred = 'cred-9f8e7d6c5b4a39281706';
    const cwd = await agentWorkspace(
      server,
      { tools: ['read_file', 'run_command'], sandbox: false },
      { 'notes.txt': `token: ${cred}\n` },
      { providers: { oai: { type: 'openai', baseUrl: `${server.url}/v1`, model: 'gpt-5.4-mini', apiKey: '${MY_LLM_CRED}' } } },
    );
    server.enqueue(
      OPENAI_PATH,
      oai.toolTurn([
        { id: 'c1', name: 'read_file', input: { path: 'notes.txt' } },
        { id: 'c2', name: 'run_command', input: { command: 'node -e "process.stdout.write(require(\'fs\').readFileSync(\'/proc/self/environ\'))"' } },
      ]),
      oai.textTurn('Done.'),
    );
    const result = await loom(['run', 'bot', '--json', '--yes'], cwd, { env: { MY_LLM_CRED: cred } });
    expect(result.code, result.stderr).toBe(0);
    const results = oai.sentResults(server.requestsTo(OPENAI_PATH)[1]!.body);
    expect(results[0]!.content).toMatch(/^refused: "notes.txt" holds a secret Loom knows/);
    // The command's own environment holds the key under no name.
    expect(results[1]!.content).toMatch(/^exit code: 0/);
    expect(results[1]!.content).not.toContain('MY_LLM_CRED');
    expect(JSON.stringify(server.requests.map((r) => r.body))).not.toContain(cred);
    expect(await readFile(join(cwd, 'notes.txt'), 'utf8')).toContain(cred);
  });
});
