/**
 * Issue 5 end to end: an agent's MCP server (the real `@modelcontextprotocol/server-everything`
 * over stdio) called by the model through the built CLI, its result in the next request, and the
 * server process gone after the run — after a success, an error, Ctrl-C, and a server that fails
 * to start. The server's pid is found by a marker variable in its environment (/proc/<pid>/environ).
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FakeProviderServer, hang, openaiWire } from '../support/fake-provider-server.js';
import { makeWorkspace } from '../support/workspace.js';
import { DIALECTS, agentWorkspace, alive, dialect, everythingServer } from './agent-helpers.js';
import { jsonLines, logLines, loom, OPENAI_PATH, spawnLoom, until } from './run-helpers.js';
import { useFakeProviderServer } from '../support/fake-server-hooks.js';

let server!: FakeProviderServer;
useFakeProviderServer((started) => (server = started));

const oai = dialect('oai');
const CUSTOM = fileURLToPath(new URL('../fixtures/tools/custom-mcp-server.mjs', import.meta.url));

/** Processes whose environment holds LOOM_TEST_MARKER=<marker>. */
function pidsWithMarker(marker: string): number[] {
  const needle = `LOOM_TEST_MARKER=${marker}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(needle)) pids.push(Number(entry));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

/** An agent using server-everything with a fresh marker in the server's environment. */
function marked() {
  const marker = randomUUID();
  return { marker, mcpServers: { everything: everythingServer({ LOOM_TEST_MARKER: marker }) } };
}

/** Records the MCP server's pids when the model is first asked (the server is running by then). */
function pidsAtFirstRequest(marker: string): number[] {
  const seen: number[] = [];
  server.route(OPENAI_PATH, (request) => {
    if (seen.length === 0) seen.push(...pidsWithMarker(marker));
    const results = oai.sentResults(request.body);
    return results.length === 0 ? oai.toolTurn([{ id: 'call_echo', name: 'everything__echo', input: { message: 'hello MCP' } }]) : oai.textTurn(`The server said: ${results[0]!.content}`);
  });
  return seen;
}

describe.each(DIALECTS)('an MCP tool on $type', (d) => {
  it('everything__echo is declared, called, and its result reaches the next request', async () => {
    const { mcpServers } = marked();
    const cwd = await agentWorkspace(server, { provider: d.name, tools: ['read_file'], mcpServers });
    server.enqueue(d.path, d.toolTurn([{ id: 'call_echo', name: 'everything__echo', input: { message: 'hello MCP' } }]), d.textTurn('Echoed.'));
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    const [first, second] = server.requestsTo(d.path);
    const names = d.toolNames(first!.body);
    expect(names[0]).toBe('read_file');
    expect(names).toEqual(expect.arrayContaining(['everything__echo', 'everything__get-sum']));
    expect(d.sentResults(second!.body).map((r) => r.content)).toEqual(['Echo: hello MCP']);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, text: 'Echoed.', toolCalls: [{ name: 'everything__echo', ok: true }] });
  });
});

describe('MCP servers live only as long as the run', () => {
  it('after a successful run the server process is gone; the run log records the MCP call', async () => {
    const { marker, mcpServers } = marked();
    const cwd = await agentWorkspace(server, { mcpServers });
    const seen = pidsAtFirstRequest(marker);
    const result = await loom(['run', 'bot'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('The server said: Echo: hello MCP\n');
    expect(seen).toHaveLength(1);
    expect(alive(seen[0]!)).toBe(false);
    expect(pidsWithMarker(marker)).toEqual([]);
    expect((await logLines(cwd))[0]).toMatchObject({ ok: true, toolCalls: [{ name: 'everything__echo', ok: true }] });
  });

  it('after a run that fails (the model\'s server says 401) the server process is gone', async () => {
    const { marker, mcpServers } = marked();
    const cwd = await agentWorkspace(server, { mcpServers });
    const seen: number[] = [];
    server.route(OPENAI_PATH, () => {
      seen.push(...pidsWithMarker(marker));
      return openaiWire.error(401, 'bad key');
    });
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'auth_failed' } });
    expect(seen).toHaveLength(1);
    expect(alive(seen[0]!)).toBe(false);
    expect(pidsWithMarker(marker)).toEqual([]);
  });

  it('after Ctrl-C (SIGINT → exit 130) while the model is thinking, the server process is gone', async () => {
    const { marker, mcpServers } = marked();
    const cwd = await agentWorkspace(server, { mcpServers });
    let pid: number | undefined;
    server.route(OPENAI_PATH, (request) => {
      if (oai.sentResults(request.body).length === 0) {
        pid = pidsWithMarker(marker)[0];
        return oai.toolTurn([{ id: 'call_echo', name: 'everything__echo', input: { message: 'hello' } }], 'Echoing.');
      }
      return hang();
    });
    const live = spawnLoom(['run', 'bot'], cwd);
    await until(() => server.requestsTo(OPENAI_PATH).length === 2);
    expect(pid).toBeDefined();
    expect(alive(pid!)).toBe(true);
    live.child.kill('SIGINT');
    const result = await live.done;
    expect(result.code).toBe(130);
    expect(result.stdout).toBe('Echoing.\n');
    expect(alive(pid!)).toBe(false);
    expect(pidsWithMarker(marker)).toEqual([]);
    expect((await logLines(cwd))[0]).toMatchObject({ ok: false, error: { code: 'interrupted' } });
  });

  it('after Ctrl-C during a long MCP call, the call is abandoned and the server is gone', async () => {
    const marker = randomUUID();
    const cwd = await agentWorkspace(server, { mcpServers: { slow: { command: process.execPath, args: [CUSTOM], env: { LOOM_TEST_MARKER: marker } } } });
    server.enqueue(OPENAI_PATH, oai.toolTurn([{ id: 'w', name: 'slow__wait', input: {} }]));
    const live = spawnLoom(['run', 'bot'], cwd);
    await live.waitFor('slow__wait', 'stderr');
    const [pid] = pidsWithMarker(marker);
    expect(pid).toBeDefined();
    live.child.kill('SIGINT');
    const result = await live.done;
    expect(result.code).toBe(130);
    expect(alive(pid!)).toBe(false);
    expect(server.requestsTo(OPENAI_PATH)).toHaveLength(1);
  });

  it('after Ctrl-C while a server is still starting: exit 130, nothing sent, the server gone, the run logged as interrupted', async () => {
    const marker = randomUUID();
    const cwd = await agentWorkspace(server, { mcpServers: { mute: { command: process.execPath, args: [CUSTOM, '--silent'], env: { LOOM_TEST_MARKER: marker } } } });
    const live = spawnLoom(['run', 'bot', '--json'], cwd);
    await until(() => pidsWithMarker(marker).length === 1);
    const [pid] = pidsWithMarker(marker);
    live.child.kill('SIGINT');
    const result = await live.done;
    expect(result.code).toBe(130);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, agent: 'bot', error: { code: 'interrupted' } });
    expect(server.requests).toHaveLength(0);
    expect(alive(pid!)).toBe(false);
    expect((await logLines(cwd))[0]).toMatchObject({ ok: false, agent: 'bot', provider: 'oai', error: { code: 'interrupted' }, steps: 0 });
  });

  it('a server that crashes during a call: the failure goes back to the model and the run goes on', async () => {
    const cwd = await agentWorkspace(server, { mcpServers: { custom: { command: process.execPath, args: [CUSTOM] } } });
    server.enqueue(OPENAI_PATH, oai.toolTurn([{ id: 'c', name: 'custom__crash', input: {} }]), oai.toolTurn([{ id: 'd', name: 'custom__dotted_name', input: {} }]), oai.textTurn('Coped.'));
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    const [, second, third] = server.requestsTo(OPENAI_PATH);
    expect(oai.sentResults(second!.body)[0]!.content).toMatch(/^MCP server "custom" stopped while running "crash"; its stderr ended with:\npanic: out of cheese/);
    expect(oai.sentResults(third!.body)[1]!.content).toMatch(/^MCP server "custom" has stopped/);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, text: 'Coped.', toolCalls: [{ name: 'custom__crash', ok: false }, { name: 'custom__dotted_name', ok: false }] });
  });
});

describe('MCP servers that cannot start', () => {
  it('a command that does not exist: exit 2 config_invalid naming the server, nothing sent, nothing left running', async () => {
    const marker = randomUUID();
    const cwd = await agentWorkspace(server, { mcpServers: { ok: everythingServer({ LOOM_TEST_MARKER: marker }), broken: { command: 'loom-no-such-mcp-server', args: ['--token', 'sk-secret-arg'] } } });
    const result = await loom(['run', 'bot'], cwd);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('loom: error: MCP server "broken" ("loom-no-such-mcp-server") failed to start: command not found: "loom-no-such-mcp-server"\nhint: check "command" of mcpServers.broken: it must be a program on PATH or a path to one\n');
    expect(server.requests).toHaveLength(0);
    // The server that did start was stopped with the run.
    expect(pidsWithMarker(marker)).toEqual([]);
    // A config error writes no log line.
    expect(await logLines(cwd)).toEqual([]);

    const json = await loom(['run', 'bot', '--json'], cwd);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, agent: 'bot', error: { code: 'config_invalid', provider: null } });
    expect(json.stdout).not.toContain('sk-secret-arg');
  });

  it('a server that exits before the handshake: its stderr is shown, exit 2', async () => {
    const cwd = await agentWorkspace(server, { mcpServers: { db: { command: process.execPath, args: [CUSTOM, '--exit-at-start'] } } });
    const result = await loom(['run', 'bot'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('loom: error: MCP server "db"');
    expect(result.stderr).toContain('fatal: cannot open the database');
    expect(server.requests).toHaveLength(0);
  });
});

describe('MCP configuration', () => {
  it('project and agent servers merge by name: the agent\'s entry wins over the project\'s broken one', async () => {
    const { marker, mcpServers } = marked();
    const cwd = await agentWorkspace(server, { mcpServers }, {}, { mcpServers: { everything: { command: 'loom-no-such-mcp-server' } } });
    const seen = pidsAtFirstRequest(marker);
    const result = await loom(['run', 'bot'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(seen).toHaveLength(1);
  });

  it('the mock provider with a script calls the MCP tool too (--jsonl shows its result)', async () => {
    const { marker, mcpServers } = marked();
    const cwd = await makeWorkspace({
      'loom.config.json': { defaultProvider: 'scripted', providers: { scripted: { type: 'mock', script: 'replies.json' } } },
      'agents/bot/config.json': { prompt: 'Echo something.', mcpServers },
      'replies.json': [{ toolCalls: [{ id: 'e1', name: 'everything__get-sum', input: { a: 2, b: 40 } }] }, 'The sum is 42.'],
    });
    const result = await loom(['run', 'bot', '--jsonl'], cwd);
    expect(result.code, result.stderr).toBe(0);
    const events = jsonLines(result.stdout);
    expect(events.find((e) => e.type === 'tool_result')).toEqual({ type: 'tool_result', id: 'e1', name: 'everything__get-sum', ok: true, output: 'The sum of 2 and 40 is 42.' });
    expect(events.at(-1)).toMatchObject({ type: 'done', text: 'The sum is 42.' });
    expect(pidsWithMarker(marker)).toEqual([]);
  });
});
