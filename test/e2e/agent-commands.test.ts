/**
 * CONTRACT §11 "Commands" end to end, through the built CLI: a model (the fake provider server)
 * asks for exactly the commands an attacker would, and the user approved everything with --yes.
 * In the bubblewrap sandbox they cannot write outside the workspace or a protected path, reach the
 * network or leave a daemon behind, and their environment holds no key. `--dry-run` says whether
 * commands are sandboxed; without bubblewrap a run warns once.
 *
 * Layout: `proj/` (the workspace), `outside/` beside it, and `tmp/` as the run's TMPDIR, so that
 * "outside the workspace" is not also inside the writable temp dir.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeProviderServer } from '../support/fake-provider-server.js';
import { makeWorkspace } from '../support/workspace.js';
import { newTag, noSandbox, sandboxTitle, tagged } from '../tools/command-helpers.js';
import { dialect, type Call } from './agent-helpers.js';
import { loom, OPENAI_PATH, projectConfig } from './run-helpers.js';

let server: FakeProviderServer;
let listener: Server;
let port: number;
let connections = 0;
beforeAll(async () => {
  server = await FakeProviderServer.start();
  // A service on the machine's loopback that no sandboxed command may reach.
  listener = createServer((socket) => {
    connections++;
    socket.end();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
});
afterAll(async () => {
  await server.close();
  await new Promise((resolve) => listener.close(resolve));
});
afterEach(() => {
  server.reset();
  connections = 0;
});

const oai = dialect('oai');
/** A provider key held in a variable whose name says nothing of a secret. */
const CRED = 'cred-9f8e7d6c5b4a39281706';
const OPENAI_KEY = 'sk-openai-standard-variable-0123';

async function project(agent: Record<string, unknown>) {
  const root = await makeWorkspace({
    'proj/loom.config.json': projectConfig(server, { providers: { oai: { type: 'openai', baseUrl: `${server.url}/v1`, model: 'gpt-5.4-mini', apiKey: '${MY_LLM_CRED}' } } }),
    'proj/agents/bot/config.json': { prompt: 'Do the task.', tools: ['run_command'], ...agent },
    'proj/notes.md': 'evil\n',
    'proj/package.json': '{"scripts":{"test":"vitest"}}\n',
    'proj/.git/config': '[core]\n',
    'outside/keep.txt': 'keep\n',
  });
  await mkdir(join(root, 'tmp'));
  const tag = newTag();
  const env = { MY_LLM_CRED: CRED, OPENAI_API_KEY: OPENAI_KEY, COPY_OF_CRED: `prefix-${CRED}`, VISIBLE_SETTING: 'on', TMPDIR: join(root, 'tmp'), LOOM_TEST_TAG: tag };
  return { root, proj: join(root, 'proj'), env, tag };
}

/** One turn of `calls`, then an answer; the results the second request carried. */
async function attack(cwd: string, env: Record<string, string>, calls: Call[], args: string[] = ['--yes']) {
  server.enqueue(OPENAI_PATH, oai.toolTurn(calls), oai.textTurn('Done.'));
  const result = await loom(['run', 'bot', ...args], cwd, { env });
  const second = server.requestsTo(OPENAI_PATH)[1];
  return { result, results: second ? oai.sentResults(second.body).map((r) => r.content) : [] };
}

const exists = (path: string) => stat(path).then(() => true, () => false);
const run = (id: string, command: string): Call => ({ id, name: 'run_command', input: { command } });
/** A command that connects to the loopback service and says how that went. */
const connect = () => `node -e 'require("net").connect(${port}, "127.0.0.1").on("connect", () => console.log("connected")).on("error", (e) => console.log("failed: " + e.code))'`;

describe.skipIf(noSandbox)(sandboxTitle('commands an attacker asks for, approved with --yes, in the sandbox'), () => {
  it('cannot write outside the workspace or a protected path, reach the network, or leave a daemon; the environment holds no key', async () => {
    const { root, proj, env, tag } = await project({});
    const { result, results } = await attack(proj, env, [
      run('r1', 'touch ../outside/pwned'),
      run('r2', 'cp notes.md .git/config'),
      run('r3', 'cp notes.md package.json'),
      run('r4', connect()),
      run('r5', 'setsid -f sleep 300'),
      run('r6', 'cp /proc/self/environ env.bin'),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('unsandboxed');
    expect(results).toHaveLength(6);
    for (const written of results.slice(0, 3)) expect(written).toMatch(/^exit code: 1\n[\s\S]*Read-only file system/);
    expect(results[3]).toContain('failed: ECONNREFUSED');
    expect(results[4]).toBe('exit code: 0\nstdout: (empty)\nstderr: (empty)');
    expect(results[5]).toBe('exit code: 0\nstdout: (empty)\nstderr: (empty)');

    expect(await exists(join(root, 'outside', 'pwned'))).toBe(false);
    expect(await readFile(join(proj, '.git', 'config'), 'utf8')).toBe('[core]\n');
    expect(await readFile(join(proj, 'package.json'), 'utf8')).toBe('{"scripts":{"test":"vitest"}}\n');
    expect(connections).toBe(0);
    expect(tagged(tag)).toEqual([]);

    // The command's own /proc/self/environ, as written (not its redacted output).
    const environ = (await readFile(join(proj, 'env.bin'), 'utf8')).split('\0');
    expect(environ).toContain('VISIBLE_SETTING=on');
    expect(environ.some((entry) => /^LOOM_PROCESS_MARKER=[0-9a-f]{24}\/command-\d+$/.test(entry))).toBe(true);
    for (const entry of environ) {
      expect(entry).not.toContain(CRED);
      expect(entry).not.toContain(OPENAI_KEY);
    }
    expect(environ.some((entry) => entry.startsWith('COPY_OF_CRED=') || entry.startsWith('OPENAI_API_KEY='))).toBe(false);
  });

  it('with "sandbox": {"network": true} the loopback service is reachable; writing outside still is not', async () => {
    const { root, proj, env } = await project({ sandbox: { network: true } });
    const { result, results } = await attack(proj, env, [run('r1', connect()), run('r2', 'touch ../outside/pwned')]);
    expect(result.code, result.stderr).toBe(0);
    expect(results[0]).toContain('connected');
    expect(connections).toBe(1);
    expect(results[1]).toMatch(/Read-only file system/);
    expect(await exists(join(root, 'outside', 'pwned'))).toBe(false);
  });

  it('--dry-run shows "sandbox": "bwrap"', async () => {
    const { proj, env } = await project({});
    const result = await loom(['run', 'bot', '--dry-run'], proj, { env });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ sandbox: 'bwrap', tools: { sandbox: true } });
  });
});

describe('commands without the sandbox', () => {
  it('"sandbox": false: they run unsandboxed, without a warning, and the daemon they detach is still stopped', async () => {
    const { root, proj, env, tag } = await project({ sandbox: false });
    const { result, results } = await attack(proj, env, [run('r1', 'touch ../outside/made'), run('r2', 'setsid -f sleep 300')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('unsandboxed');
    expect(results[0]).toBe('exit code: 0\nstdout: (empty)\nstderr: (empty)');
    expect(await exists(join(root, 'outside', 'made'))).toBe(true);
    expect(tagged(tag)).toEqual([]);
    const dry = await loom(['run', 'bot', '--dry-run'], proj, { env });
    expect(JSON.parse(dry.stdout)).toMatchObject({ sandbox: 'none', tools: { sandbox: false } });
  });

  it('without bubblewrap on PATH: one warning that commands run unsandboxed, and --dry-run says "none"', async () => {
    const { root, proj, env } = await project({});
    const noBwrap = { ...env, PATH: join(root, 'tmp') };
    server.enqueue(OPENAI_PATH, oai.textTurn('Hi.'));
    const result = await loom(['run', 'bot'], proj, { env: noBwrap });
    expect(result.code, result.stderr).toBe(0);
    const warnings = result.stderr.split('\n').filter((line) => line.includes('unsandboxed'));
    expect(warnings).toEqual([
      'loom: warning: commands run unsandboxed: bubblewrap (bwrap) is not installed. They can write outside the workspace and use the network, and processes they detach are stopped on a best-effort basis. Install bubblewrap, or set "sandbox": false in the agent to run its commands unsandboxed without this warning.',
    ]);
    const dry = await loom(['run', 'bot', '--dry-run'], proj, { env: noBwrap });
    expect(JSON.parse(dry.stdout)).toMatchObject({ sandbox: 'none' });
  });
});
