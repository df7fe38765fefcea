/**
 * CONTRACT §12, §19 tools under replay, through the built CLI: write_file writes nothing and
 * run_command runs nothing, yet their recorded results come back; an MCP server is not started
 * (its tool list and results come from fixtures of kind `tool-list` and `tool`).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runLoom, type CliResult } from '../support/cli.js';
import { FakeProviderServer } from '../support/fake-provider-server.js';
import { agentWorkspace, dialect } from './agent-helpers.js';
import { loom } from './run-helpers.js';

const NO_NETWORK = fileURLToPath(new URL('../fixtures/replay/no-network.cjs', import.meta.url));
const CUSTOM = fileURLToPath(new URL('../fixtures/tools/custom-mcp-server.mjs', import.meta.url));
const offline = (args: string[], cwd: string): Promise<CliResult> => runLoom(args, { cwd, env: { NODE_OPTIONS: `--require ${NO_NETWORK}` } });
const oai = dialect('oai');

async function kinds(cwd: string): Promise<string[]> {
  const dir = join(cwd, 'loom-fixtures', 'bot');
  const names = await readdir(dir);
  return (await Promise.all(names.map(async (name) => JSON.parse(await readFile(join(dir, name), 'utf8')).kind as string))).sort();
}

describe('tools under replay', () => {
  it('write_file writes nothing and run_command runs nothing, but their recorded results come back', async () => {
    const server = await FakeProviderServer.start();
    let cwd: string;
    let recorded: CliResult;
    try {
      cwd = await agentWorkspace(server, { tools: ['write_file', 'run_command'], allow: ['write_file', 'run_command'], sandbox: false });
      server.enqueue(
        oai.path,
        oai.toolTurn([
          { id: 'w', name: 'write_file', input: { path: 'out.txt', content: 'written' } },
          { id: 'r', name: 'run_command', input: { command: "sh -c 'echo ran > ran.txt; echo command output'" } },
        ]),
        oai.textTurn('Wrote and ran.'),
      );
      recorded = await loom(['run', 'bot', '--record', '--jsonl'], cwd);
      expect(recorded.code, recorded.stderr).toBe(0);
      expect(await readFile(join(cwd, 'out.txt'), 'utf8')).toBe('written');
      expect(existsSync(join(cwd, 'ran.txt'))).toBe(true);
      expect(await kinds(cwd)).toEqual(['model', 'model', 'tool', 'tool']);
    } finally {
      await server.close();
    }
    await rm(join(cwd, 'out.txt'));
    await rm(join(cwd, 'ran.txt'));

    const replay = await offline(['run', 'bot', '--replay', '--jsonl'], cwd);
    expect(replay.code, replay.stderr).toBe(0);
    expect(existsSync(join(cwd, 'out.txt'))).toBe(false);
    expect(existsSync(join(cwd, 'ran.txt'))).toBe(false);
    const results = (out: string) => out.split('\n').filter(Boolean).map((line) => JSON.parse(line)).filter((e) => e.type === 'tool_result').map(({ name, ok, output }) => ({ name, ok, output })).sort((a, b) => a.name.localeCompare(b.name));
    expect(results(replay.stdout)).toEqual(results(recorded.stdout));
    expect(results(replay.stdout).find((r) => r.name === 'run_command')?.output).toContain('command output');
  });

  it('an MCP server is not started under --replay: its tool list and results are replayed', async () => {
    const server = await FakeProviderServer.start();
    let cwd: string;
    let recorded: CliResult;
    let pidFile: string;
    try {
      cwd = await agentWorkspace(server, {});
      pidFile = join(cwd, 'mcp.pid');
      await rm(join(cwd, 'agents/bot/config.json'));
      const { writeFiles } = await import('../support/workspace.js');
      await writeFiles(cwd, { 'agents/bot/config.json': { prompt: 'Do the task.', mcpServers: { custom: { command: process.execPath, args: [CUSTOM], env: { LOOM_PID_FILE: pidFile } } } } });
      server.enqueue(oai.path, oai.toolTurn([{ id: 'f', name: 'custom__fail', input: { why: 'because' } }]), oai.textTurn('The tool failed.'));
      recorded = await loom(['run', 'bot', '--record', '--json'], cwd);
      expect(recorded.code, recorded.stderr).toBe(0);
      expect(existsSync(pidFile)).toBe(true);
      const declared = server.requests[0]!.body.tools.map((t: any) => t.function.name);
      expect(declared).toContain('custom__fail');
      expect(await kinds(cwd)).toEqual(['model', 'model', 'tool', 'tool-list']);
    } finally {
      await server.close();
    }
    await rm(pidFile);

    const replay = await offline(['run', 'bot', '--replay', '--json'], cwd);
    expect(replay.code, replay.stderr).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
    const [live, served] = [JSON.parse(recorded.stdout), JSON.parse(replay.stdout)];
    expect(served).toMatchObject({ ok: true, text: 'The tool failed.', replayed: true, toolCalls: [{ name: 'custom__fail', ok: false }] });
    expect(served.toolCalls).toEqual(live.toolCalls);
  });
});
