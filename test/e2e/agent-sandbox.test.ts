/**
 * Issue 5 end to end: what the model may not do. Failing tools, arguments that fail the schema,
 * paths that leave the workspace (`..`, absolute, symlinks) and calls that need approval all go
 * back to the model as error results, and the run goes on. Nothing outside the workspace is read
 * (its content never reaches the next request) or written. On a terminal, the y/n question.
 */
import { spawn, spawnSync } from 'node:child_process';
import { lstat, readdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOOM_BIN } from '../support/cli.js';
import { FakeProviderServer } from '../support/fake-provider-server.js';
import { makeWorkspace } from '../support/workspace.js';
import { DIALECTS, agentWorkspace, dialect, type Call } from './agent-helpers.js';
import { jsonLines, loom, OPENAI_PATH, projectConfig } from './run-helpers.js';
import { useFakeProviderServer } from '../support/fake-server-hooks.js';

let server!: FakeProviderServer;
useFakeProviderServer((started) => (server = started));

const oai = dialect('oai');
const SECRET = 'TOP-SECRET-VALUE-7f3a';

/** Every entry below `dir` with its size: compared before and after, to prove nothing was written. */
async function snapshot(dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const entry of await readdir(dir, { recursive: true })) out[entry] = (await lstat(join(dir, entry))).size;
  return out;
}

/** A folder holding the project in `proj/` and, beside it, `outside/` with a secret and a folder. */
async function sandbox(agent: Record<string, unknown>, files: Record<string, string> = {}) {
  const root = await makeWorkspace({
    'proj/loom.config.json': projectConfig(server),
    'proj/agents/bot/config.json': { prompt: 'Do the task.', ...agent },
    'proj/notes.md': 'inside notes\n',
    'outside/secret.txt': `${SECRET}\n`,
    'outside/dir/other.txt': `${SECRET} again\n`,
    ...Object.fromEntries(Object.entries(files).map(([path, content]) => [`proj/${path}`, content])),
  });
  const proj = join(root, 'proj');
  const outside = join(root, 'outside');
  await symlink(join(outside, 'secret.txt'), join(proj, 'link-to-secret'));
  await symlink(outside, join(proj, 'link-to-outside'));
  await symlink('../outside/dir', join(proj, 'relative-link'));
  return { root, proj, outside };
}

/** The results the second request carried, with the --json tool call summary. */
async function runOneTurn(cwd: string, calls: Call[], args: string[] = []) {
  server.enqueue(OPENAI_PATH, oai.toolTurn(calls), oai.textTurn('Carrying on.'));
  const result = await loom(['run', 'bot', '--json', ...args], cwd);
  const requests = server.requestsTo(OPENAI_PATH);
  return { result, doc: JSON.parse(result.stdout), second: requests[1], results: requests[1] ? oai.sentResults(requests[1].body) : [] };
}

describe.each(DIALECTS)('a tool that fails, on $type', (d) => {
  it('goes back to the model as an error result (flagged where the API has a flag) and the run goes on', async () => {
    const cwd = await agentWorkspace(server, { provider: d.name, tools: ['read_file'] }, { 'notes.md': 'inside\n' });
    server.enqueue(d.path, d.toolTurn([{ id: 'call_1', name: 'read_file', input: { path: 'missing.md' } }, { id: 'call_2', name: 'read_file', input: { path: 'notes.md' } }]), d.textTurn('No such file, but notes are fine.'));
    const result = await loom(['run', 'bot'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('No such file, but notes are fine.\n');
    expect(result.stderr).toContain('loom: read_file failed: "missing.md" does not exist');
    const results = d.sentResults(server.requestsTo(d.path)[1]!.body);
    expect(results.map((r) => r.content)).toEqual(['"missing.md" does not exist', 'inside\n']);
    if (d.name === 'claude' || d.name === 'gem') expect(results.map((r) => r.isError)).toEqual([true, false]);
  });
});

describe('arguments the model gets wrong', () => {
  it('arguments failing the schema, arguments that are not JSON and an unknown tool each come back as an error result', async () => {
    const cwd = await agentWorkspace(server, { tools: ['read_file', 'list_files'] }, { 'notes.md': 'inside\n' });
    const calls: Call[] = [
      { id: 'c1', name: 'read_file', input: {} },
      { id: 'c2', name: 'read_file', input: { path: 42 } },
      { id: 'c3', name: 'list_files', input: { path: '.', colour: 'blue' } },
      { id: 'c4', name: 'write_file', input: { path: 'x.md', content: 'x' } },
      { id: 'c5', name: 'read_file', input: { path: 'notes.md' } },
    ];
    const { result, doc, results } = await runOneTurn(cwd, calls);
    expect(result.code, result.stderr).toBe(0);
    expect(results.map((r) => r.content)).toEqual([
      'invalid arguments for read_file:\n- missing required argument "path"',
      'invalid arguments for read_file:\n- "path" must be string',
      'invalid arguments for list_files:\n- unknown argument "colour"',
      'unknown tool "write_file"; the tools available are: read_file, list_files',
      'inside\n',
    ]);
    expect(doc.toolCalls).toEqual([
      { name: 'read_file', ok: false },
      { name: 'read_file', ok: false },
      { name: 'list_files', ok: false },
      { name: 'write_file', ok: false },
      { name: 'read_file', ok: true },
    ]);
    expect(doc.text).toBe('Carrying on.');
    // write_file was not the agent's: nothing was written.
    await expect(lstat(join(cwd, 'x.md'))).rejects.toThrow();
  });

  it('arguments streamed as broken JSON are refused by the schema check, not a crash', async () => {
    const cwd = await agentWorkspace(server, { tools: ['read_file'] });
    const { openaiWire } = await import('../support/fake-provider-server.js');
    server.enqueue(OPENAI_PATH, openaiWire.sse(openaiWire.chunks({ toolCalls: [{ id: 'c1', name: 'read_file', args: ['{"path": "notes', '.md'] }] })), oai.textTurn('ok'));
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    const [sent] = oai.sentResults(server.requestsTo(OPENAI_PATH)[1]!.body);
    expect(sent!.content).toMatch(/^invalid arguments for read_file:\n- arguments must be object/);
    // The malformed call goes back to the API as the model sent it.
    expect(server.requestsTo(OPENAI_PATH)[1]!.body.messages[1].tool_calls[0].function.arguments).toBe('{"path": "notes.md');
  });
});

describe('confinement to the workspace', () => {
  it('refuses reads by "..", by absolute path, through symlinks (file, folder, relative) and searches that would leave; the secret never reaches the model', async () => {
    const { proj, outside } = await sandbox({ tools: ['read_file', 'list_files', 'search_files'] });
    const calls: Call[] = [
      { id: 'c1', name: 'read_file', input: { path: '../outside/secret.txt' } },
      { id: 'c2', name: 'read_file', input: { path: join(outside, 'secret.txt') } },
      { id: 'c3', name: 'read_file', input: { path: 'link-to-secret' } },
      { id: 'c4', name: 'read_file', input: { path: 'link-to-outside/secret.txt' } },
      { id: 'c5', name: 'read_file', input: { path: 'relative-link/other.txt' } },
      { id: 'c6', name: 'list_files', input: { path: 'link-to-outside' } },
      { id: 'c7', name: 'list_files', input: { path: '..' } },
      { id: 'c8', name: 'search_files', input: { pattern: 'TOP-SECRET', path: '../outside' } },
      { id: 'c9', name: 'read_file', input: { path: 'agents/../../outside/secret.txt' } },
      { id: 'c10', name: 'read_file', input: { path: '/etc/passwd' } },
    ];
    const { result, doc, second, results } = await runOneTurn(proj, calls);
    expect(result.code, result.stderr).toBe(0);
    expect(doc.toolCalls.map((c: { ok: boolean }) => c.ok)).toEqual(calls.map(() => false));
    for (const sent of results) expect(sent.content).toMatch(/^refused: /);
    expect(results[0]!.content).toContain('outside the workspace');
    expect(results[2]!.content).toContain('symbolic link');
    expect(second!.rawBody).not.toContain(SECRET);
    expect(second!.rawBody).not.toContain('root:x:0:0');
    expect(result.stdout).not.toContain(SECRET);
    expect(doc.text).toBe('Carrying on.');
  });

  it('a search or listing of the whole workspace does not follow symlinks out', async () => {
    const { proj } = await sandbox({ tools: ['list_files', 'search_files'] });
    const { result, second, results } = await runOneTurn(proj, [
      { id: 'c1', name: 'search_files', input: { pattern: 'TOP-SECRET' } },
      { id: 'c2', name: 'list_files', input: { pattern: '**/*.txt' } },
      { id: 'c3', name: 'search_files', input: { pattern: 'inside' } },
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(second!.rawBody).not.toContain(SECRET);
    expect(results[2]!.content).toBe('notes.md:1: inside notes');
    expect(results[1]!.content).not.toContain('secret.txt');
  });

  it('refuses writes that would leave the workspace, even with --yes: nothing outside changes', async () => {
    const { proj, outside } = await sandbox({ tools: ['write_file'] });
    const before = await snapshot(outside);
    const calls: Call[] = [
      { id: 'c1', name: 'write_file', input: { path: '../outside/pwned.txt', content: 'x' } },
      { id: 'c2', name: 'write_file', input: { path: join(outside, 'pwned.txt'), content: 'x' } },
      { id: 'c3', name: 'write_file', input: { path: 'link-to-secret', content: 'overwritten' } },
      { id: 'c4', name: 'write_file', input: { path: 'link-to-outside/pwned.txt', content: 'x' } },
      { id: 'c5', name: 'write_file', input: { path: 'relative-link/new/deep.txt', content: 'x' } },
      { id: 'c6', name: 'write_file', input: { path: 'inside.txt', content: 'fine' } },
    ];
    const { result, doc, results } = await runOneTurn(proj, calls, ['--yes']);
    expect(result.code, result.stderr).toBe(0);
    expect(doc.toolCalls.map((c: { ok: boolean }) => c.ok)).toEqual([false, false, false, false, false, true]);
    for (const sent of results.slice(0, 5)) expect(sent.content).toMatch(/^refused: /);
    expect(await snapshot(outside)).toEqual(before);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe(`${SECRET}\n`);
    expect(await readFile(join(proj, 'inside.txt'), 'utf8')).toBe('fine');
  });

  it('--workspace moves the root the file tools are confined to', async () => {
    const { root, proj } = await sandbox({ tools: ['read_file', 'write_file'] }, { 'sub/inner.md': 'inner text\n' });
    const { result, results } = await runOneTurn(proj, [
      { id: 'c1', name: 'read_file', input: { path: 'inner.md' } },
      { id: 'c2', name: 'read_file', input: { path: '../notes.md' } },
      { id: 'c3', name: 'write_file', input: { path: 'made.md', content: 'made' } },
    ], ['--workspace', 'sub', '--yes']);
    expect(result.code, result.stderr).toBe(0);
    expect(results[0]!.content).toBe('inner text\n');
    expect(results[1]!.content).toMatch(/^refused: .*outside the workspace/);
    expect(await readFile(join(proj, 'sub', 'made.md'), 'utf8')).toBe('made');
    await expect(lstat(join(proj, 'made.md'))).rejects.toThrow();

    // A workspace that does not exist is a config error before anything is sent.
    server.reset();
    const missing = await loom(['run', 'bot', '--workspace', join(root, 'nope')], proj);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('loom: error: the workspace');
    expect(server.requests).toHaveLength(0);
  });
});

describe('approval of write_file and run_command', () => {
  const WRITE: Call = { id: 'w1', name: 'write_file', input: { path: 'out.md', content: 'written by the model\n' } };

  it('without --yes, allow or a terminal: refused, the refusal reaches the model, the run goes on, nothing is written or run', async () => {
    const cwd = await agentWorkspace(server, { tools: ['write_file', 'run_command'] });
    const { result, doc, results } = await runOneTurn(cwd, [WRITE, { id: 'r1', name: 'run_command', input: { command: 'touch ran.txt' } }]);
    expect(result.code, result.stderr).toBe(0);
    expect(results[0]!.content).toMatch(/^refused: write_file: out\.md .*needs approval and there is no terminal to ask \(add "write_file" or "write_file:<path or glob>" to the agent's "allow" list, or run with --yes\)/);
    expect(results[1]!.content).toMatch(/^refused: run_command: 'touch' 'ran\.txt' needs approval/);
    expect(doc).toMatchObject({ ok: true, text: 'Carrying on.', toolCalls: [{ name: 'write_file', ok: false }, { name: 'run_command', ok: false }] });
    await expect(lstat(join(cwd, 'out.md'))).rejects.toThrow();
    await expect(lstat(join(cwd, 'ran.txt'))).rejects.toThrow();
    expect(result.stderr).toContain('loom: write_file failed: refused');
  });

  it('--yes approves: the file is written and the command runs', async () => {
    const cwd = await agentWorkspace(server, { tools: ['write_file', 'run_command'] });
    const { result, results } = await runOneTurn(cwd, [WRITE, { id: 'r1', name: 'run_command', input: { command: 'echo hi there' } }], ['--yes']);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(join(cwd, 'out.md'), 'utf8')).toBe('written by the model\n');
    expect(results[0]!.content).toMatch(/out\.md/);
    expect(results[1]!.content).toContain('hi there');
  });

  it('allow: ["write_file"] approves writes, not commands', async () => {
    const cwd = await agentWorkspace(server, { tools: ['write_file', 'run_command'], allow: ['write_file'] });
    const { result, doc } = await runOneTurn(cwd, [WRITE, { id: 'r1', name: 'run_command', input: { command: 'touch ran.txt' } }]);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(join(cwd, 'out.md'), 'utf8')).toBe('written by the model\n');
    expect(doc.toolCalls).toEqual([{ name: 'write_file', ok: true }, { name: 'run_command', ok: false }]);
    await expect(lstat(join(cwd, 'ran.txt'))).rejects.toThrow();
  });

  it('allow: ["run_command:echo hi"] approves "echo hi there" but not "echo hix" or "echo"', async () => {
    const cwd = await agentWorkspace(server, { tools: ['run_command'], allow: ['run_command:echo hi'] });
    const { result, doc, results } = await runOneTurn(cwd, [
      { id: 'r1', name: 'run_command', input: { command: 'echo hi there' } },
      { id: 'r2', name: 'run_command', input: { command: 'echo hix' } },
      { id: 'r3', name: 'run_command', input: { command: 'echo' } },
      { id: 'r4', name: 'run_command', input: { command: 'echo hi' } },
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(doc.toolCalls).toEqual([
      { name: 'run_command', ok: true },
      { name: 'run_command', ok: false },
      { name: 'run_command', ok: false },
      { name: 'run_command', ok: true },
    ]);
    expect(results[0]!.content).toContain('hi there');
    expect(results[1]!.content).toMatch(/^refused: run_command: 'echo' 'hix' needs approval/);
    expect(results[2]!.content).toMatch(/^refused: /);
  });

  it('--jsonl shows the refusal as a tool_result with ok false', async () => {
    const cwd = await agentWorkspace(server, { tools: ['write_file'] });
    server.enqueue(OPENAI_PATH, oai.toolTurn([WRITE]), oai.textTurn('ok'));
    const result = await loom(['run', 'bot', '--jsonl'], cwd);
    expect(result.code).toBe(0);
    const refusal = jsonLines(result.stdout).find((e) => e.type === 'tool_result');
    expect(refusal).toMatchObject({ id: 'w1', name: 'write_file', ok: false });
    expect(refusal!.output).toMatch(/^refused: /);
  });
});

/** util-linux `script` runs the CLI on a pseudo-terminal; its stdin is typed into the terminal. */
const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs `loom run bot` on a terminal; types `keys` once the question shows. Resolves with the screen, ANSI codes removed. */
function onTerminal(cwd: string, keys: string): Promise<{ screen: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    // The shell ignores Ctrl-C (a no-op trap, reset for the CLI it starts), so it still prints EXIT.
    const child = spawn('script', ['-qec', 'trap : INT; stty cols 120; "$LOOM_BIN" run bot; echo "EXIT=$?"', '/dev/null'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, XDG_CONFIG_HOME: `${cwd}/.xdg-config`, XDG_STATE_HOME: `${cwd}/.xdg-state`, LOOM_BIN },
    });
    let screen = '';
    let typed = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.setEncoding('utf8').on('data', (data: string) => {
      screen += data;
      if (!typed && screen.includes('[y/N] ')) {
        typed = true;
        // Give the spinner time to redraw over the question, were it still running.
        setTimeout(() => child.stdin.write(keys), 300);
      }
    });
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      child.stdin.destroy();
      const plain = screen.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
      resolve({ screen: plain, code: Number(/EXIT=(\d+)/.exec(plain)?.[1] ?? NaN) });
    });
  });
}

describe.skipIf(!hasScript)('approval on a terminal', () => {
  /** A scripted mock asking to write out.md, then answering. */
  const scripted = () =>
    makeWorkspace({
      'loom.config.json': { defaultProvider: 'scripted', providers: { scripted: { type: 'mock', script: 'replies.json' } } },
      'agents/bot/config.json': { prompt: 'Write it.', tools: ['write_file'] },
      'replies.json': [{ toolCalls: [{ id: 'w1', name: 'write_file', input: { path: 'out.md', content: 'hi\n' } }] }, 'Done.'],
    });

  it('asks after the call\'s notice, with no spinner drawn over the question; y writes the file', async () => {
    const cwd = await scripted();
    const { screen, code } = await onTerminal(cwd, 'y\n');
    expect(code).toBe(0);
    expect(await readFile(join(cwd, 'out.md'), 'utf8')).toBe('hi\n');
    const notice = screen.indexOf('loom: write_file {"path":"out.md","content":"hi\\n"}');
    const question = screen.indexOf('loom: allow write_file: out.md (3 bytes)? [y/N] ');
    expect(notice).toBeGreaterThanOrEqual(0);
    expect(question).toBeGreaterThan(notice);
    // Nothing between the question and the typed answer: the spinner was held still.
    expect(screen.slice(question)).toMatch(/^loom: allow write_file: out\.md \(3 bytes\)\? \[y\/N\] y\n/);
    expect(screen).toContain('Done.');
  });

  it('n refuses: the refusal goes to the model, the run goes on, nothing is written', async () => {
    const cwd = await scripted();
    const { screen, code } = await onTerminal(cwd, 'n\n');
    expect(code).toBe(0);
    expect(screen).toContain('loom: write_file failed: refused: the user did not approve write_file: out.md (3 bytes)');
    expect(screen).toContain('Done.');
    await expect(lstat(join(cwd, 'out.md'))).rejects.toThrow();
  });

  it('Ctrl-C at the question interrupts the run: exit 130, nothing written', async () => {
    const cwd = await scripted();
    const { screen, code } = await onTerminal(cwd, '\u0003');
    expect(code, screen).toBe(130);
    expect(screen).toContain('loom: error: interrupted');
    expect(screen).not.toContain('Done.');
    await expect(lstat(join(cwd, 'out.md'))).rejects.toThrow();
  });
});

describe('keys in what tools read', () => {
  it('.env is never read (a key in it reaches neither the model nor the terminal); .loom/ is not listed', async () => {
    const planted = 'sk-test-planted-in-dotenv-42';
    const cwd = await agentWorkspace(server, { tools: ['read_file', 'list_files'] }, { '.env': `MY_SERVICE_TOKEN=${planted}\n`, '.loom/runs.jsonl': '{}\n' });
    const { result, results } = await runOneTurn(cwd, [
      { id: 'call_1', name: 'read_file', input: { path: '.env' } },
      { id: 'call_2', name: 'list_files', input: {} },
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(results[0]?.content).toBe('refused: ".env": .env files hold credentials and are never read by tools');
    expect(results[1]?.content).not.toContain('.loom');
    expect(JSON.stringify(server.requests.map((request) => request.body))).not.toContain(planted);
    expect(result.stdout + result.stderr).not.toContain(planted);
  });
});
