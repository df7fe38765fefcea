/**
 * SIGTERM and SIGHUP end a run exactly as Ctrl-C does (CONTRACT §4, §11): requests aborted, the
 * tools' processes stopped — a command, a daemon it detached with setsid, an MCP server that
 * ignores SIGTERM — the log line written, and exit 143 / 129.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FakeProviderServer, hang } from '../support/fake-provider-server.js';
import { makeWorkspace } from '../support/workspace.js';
import { logLines, spawnLoom, workspace } from './run-helpers.js';
import { useFakeProviderServer } from '../support/fake-server-hooks.js';

let server!: FakeProviderServer;
useFakeProviderServer((started) => (server = started));

const CUSTOM_MCP = fileURLToPath(new URL('../fixtures/tools/custom-mcp-server.mjs', import.meta.url));

/** Process ids whose command line holds `token` (a unique sleep duration), found in /proc. */
function processesWith(token: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (cmdline.includes(token) && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function until(condition: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const EXIT = { SIGTERM: 143, SIGHUP: 129 } as const;

describe.each(['SIGTERM', 'SIGHUP'] as const)('%s', (signal) => {
  it('while waiting for the server: the request is aborted, the log line written, exit code of the signal', async () => {
    const cwd = await workspace(server);
    server.route('/v1/chat/completions', () => hang());
    const live = spawnLoom(['ask', '-p', 'oai', '--json', 'hi'], cwd);
    await until(() => server.requests.length === 1);
    live.child.kill(signal);
    const result = await live.done;
    expect(result.code).toBe(EXIT[signal]);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'interrupted' } });
    expect(await logLines(cwd)).toMatchObject([{ ok: false, error: { code: 'interrupted' } }]);
  });

  it('mid-tool: the command and the daemon it detached are stopped, and so is an MCP server that ignores SIGTERM', async () => {
    const token = `31${signal === 'SIGTERM' ? 1 : 2}.${Math.floor(Math.random() * 1e6)}`;
    const cwd = await makeWorkspace({
      'loom.config.json': { defaultProvider: 'scripted', providers: { scripted: { type: 'mock', script: 'replies.json' } } },
      'agents/bot/config.json': {
        prompt: 'Go.',
        tools: ['run_command'],
        allow: ['run_command'],
        mcpServers: { stubborn: { command: process.execPath, args: [CUSTOM_MCP, '--ignore-sigterm', '--linger', `--token=${token}`] } },
      },
      'replies.json': [{ toolCalls: [{ id: 'r1', name: 'run_command', input: { command: `sh -c "setsid -f sleep ${token}1; sleep ${token}2"` } }] }, 'Done.'],
    });
    const live = spawnLoom(['run', 'bot'], cwd);
    await until(() => processesWith(`${token}1`).length > 0 && processesWith(`${token}2`).length > 0 && processesWith(`--token=${token}`).length > 0);
    const started = Date.now();
    live.child.kill(signal);
    const result = await live.done;
    expect(result.code, result.stderr).toBe(EXIT[signal]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.stderr).toContain('loom: error: interrupted');
    expect(await logLines(cwd)).toMatchObject([{ ok: false, agent: 'bot', error: { code: 'interrupted' } }]);
    // Nothing the run started outlives it.
    await until(() => processesWith(token).length === 0, 3000).catch(() => undefined);
    expect(processesWith(token)).toEqual([]);
  });
});
