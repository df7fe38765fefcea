import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { McpServerConfig } from '../../src/core/config.js';
import { LoomError } from '../../src/core/errors.js';
import { mcpProcessIds } from '../../src/tools/index.js';
import { LIMITS } from '../../src/tools/limits.js';
import { MARKER_VARIABLE } from '../../src/tools/processes.js';
import { newTag, tagged } from './command-helpers.js';
import { alive, call, exists, makeSandbox, tools, waitFor } from './helpers.js';

const EVERYTHING = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url));
const FILESYSTEM = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/server-filesystem/dist/index.js', import.meta.url));
const CUSTOM = fileURLToPath(new URL('../fixtures/tools/custom-mcp-server.mjs', import.meta.url));

const everything: McpServerConfig = { command: process.execPath, args: [EVERYTHING, 'stdio'] };
const custom = (flags: string[] = [], env: Record<string, string> = {}): McpServerConfig => ({ command: process.execPath, args: [CUSTOM, ...flags], env });

const readPid = async (file: string) => Number(await readFile(file, 'utf8'));

describe('MCP over stdio: server-everything', () => {
  it('lists its tools as <server>__<tool> after the built-ins, and calls echo end to end', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { builtins: ['read_file'], mcpServers: { everything } });
    const names = set.specs.map((spec) => spec.name);
    expect(names[0]).toBe('read_file');
    expect(names).toEqual(expect.arrayContaining(['everything__echo', 'everything__get-sum', 'everything__get-env']));
    expect(names.slice(1).every((name) => name.startsWith('everything__'))).toBe(true);
    const echo = set.specs.find((spec) => spec.name === 'everything__echo')!;
    expect(echo.description).toBe('Echoes back the input string');
    expect(echo.parameters).toMatchObject({ type: 'object', properties: { message: { type: 'string' } }, required: ['message'] });
    expect(echo.parameters).not.toHaveProperty('$schema');

    expect(await call(set, 'everything__echo', { message: 'hello MCP' })).toEqual({ ok: true, output: 'Echo: hello MCP' });
    expect(await call(set, 'everything__get-sum', { a: 2, b: 40 })).toEqual({ ok: true, output: 'The sum of 2 and 40 is 42.' });
  });

  it('turns invalid arguments, non-text content and structured content into text', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { builtins: [], mcpServers: { everything } });
    const invalid = await call(set, 'everything__echo', { text: 'wrong name' });
    expect(invalid.ok).toBe(false);
    expect(invalid.output).toContain('Invalid arguments for tool echo');
    expect(await call(set, 'everything__echo', 'not an object')).toEqual({ ok: false, output: 'the arguments must be a JSON object' });
    expect((await call(set, 'everything__get-tiny-image', {})).output).toMatch(/^Here's the image you requested:\n\[image: image\/png, \d+ bytes, not shown\]\n/);
    expect((await call(set, 'everything__get-resource-links', { count: 1 })).output).toContain('[resource link: demo://resource/');
  });

  it('gives the server a minimal environment plus its own env, never Loom\'s keys', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, {
      builtins: [],
      mcpServers: { everything: { ...everything, env: { SERVER_SETTING: 'on' } } },
      env: { PATH: process.env.PATH, HOME: '/home/someone', OPENAI_API_KEY: 'sk-do-not-leak', ANTHROPIC_API_KEY: 'sk-ant-do-not-leak' },
    });
    const env = JSON.parse((await call(set, 'everything__get-env', {})).output) as Record<string, string>;
    expect(env).toMatchObject({ SERVER_SETTING: 'on', HOME: '/home/someone', PATH: process.env.PATH });
    expect(JSON.stringify(env)).not.toContain('do-not-leak');
  });

  it('close() stops the server: its process is gone when close resolves', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { builtins: [], mcpServers: { everything } });
    const pid = mcpProcessIds(set).everything!;
    expect(exists(pid)).toBe(true);
    await set.close();
    expect(exists(pid)).toBe(false);
    expect(await call(set, 'everything__echo', { message: 'late' })).toEqual({ ok: false, output: 'the tool call was aborted' });
    await set.close(); // twice is fine
  });

  it('aborting the run stops the server without close(), and an aborted call returns at once', async () => {
    const { workspace } = await makeSandbox();
    const run = new AbortController();
    const set = await tools(workspace, { builtins: [], mcpServers: { everything }, signal: run.signal });
    const pid = mcpProcessIds(set).everything!;

    const one = new AbortController();
    const started = Date.now();
    const slow = call(set, 'everything__trigger-long-running-operation', { duration: 10, steps: 2 }, one.signal);
    setTimeout(() => one.abort(), 100);
    expect(await slow).toEqual({ ok: false, output: 'the tool call was aborted' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await call(set, 'everything__echo', { message: 'still here' })).toEqual({ ok: true, output: 'Echo: still here' });

    run.abort();
    expect(await waitFor(() => !exists(pid))).toBe(true);
    expect(await call(set, 'everything__echo', { message: 'after' })).toEqual({ ok: false, output: 'the tool call was aborted' });
  });
});

describe('MCP over stdio: server-filesystem', () => {
  it('works on a temporary folder', async () => {
    const { workspace } = await makeSandbox({ 'notes/todo.md': '- write tests\n' });
    const set = await tools(workspace, { builtins: [], mcpServers: { fs: { command: process.execPath, args: [FILESYSTEM, '.'] } } });
    const names = set.specs.map((spec) => spec.name);
    expect(names).toEqual(expect.arrayContaining(['fs__read_text_file', 'fs__list_directory', 'fs__write_file']));
    // A relative path in args is relative to the workspace, the server's default cwd.
    expect(await call(set, 'fs__read_text_file', { path: join(workspace, 'notes/todo.md') })).toEqual({ ok: true, output: '- write tests\n' });
    expect(await call(set, 'fs__list_directory', { path: join(workspace, 'notes') })).toEqual({ ok: true, output: '[FILE] todo.md' });
    const outside = await call(set, 'fs__read_text_file', { path: '/etc/hostname' });
    expect(outside.ok).toBe(false);
    expect(outside.output).toMatch(/Access denied/);
    const pid = mcpProcessIds(set).fs!;
    await set.close();
    expect(exists(pid)).toBe(false);
  });
});

describe('MCP edge cases', () => {
  it('makes tool names providers accept, unique, and keeps calling the real name', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { builtins: [], mcpServers: { 'my.server': custom(), my_server: custom(['--linger']) } });
    const names = ['dotted_name', 'fail', 'crash', 'wait', 'env', 'cwd'];
    expect(set.specs.map((spec) => spec.name)).toEqual([...names.map((name) => `my_server__${name}`), ...names.map((name) => `my_server__${name}_2`)]);
    expect(await call(set, 'my_server__dotted_name', {})).toEqual({ ok: true, output: 'dotted ok' });
    expect(await call(set, 'my_server__dotted_name_2', undefined)).toEqual({ ok: true, output: 'dotted ok' });
  });

  it('an error message shows the command or URL, never the arguments, headers or query that may hold a key', async () => {
    const { workspace } = await makeSandbox();
    const stdio = await tools(workspace, { builtins: [], mcpServers: { s: { command: 'loom-no-such-mcp-server', args: ['--token', 'sk-secret-arg'] } } }).catch((e: Error) => e);
    expect((stdio as Error).message).not.toContain('sk-secret');
    const http = await tools(workspace, { builtins: [], mcpServers: { h: { url: 'http://user:sk-secret-pass@127.0.0.1:1/mcp?key=sk-secret-query', headers: { authorization: 'Bearer sk-secret-header' } } } }).catch((e: Error) => e);
    expect(http).toMatchObject({ code: 'config_invalid', message: expect.stringMatching(/^MCP server "h" \(http:\/\/127\.0\.0\.1:1\/mcp\) failed to start: /) });
    expect((http as Error).message).not.toContain('sk-secret');
    const invalid = await tools(workspace, { builtins: [], mcpServers: { u: { url: 'not a url sk-secret' } } }).catch((e: Error) => e);
    expect(invalid).toMatchObject({ code: 'config_invalid', message: 'MCP server "u": "url" is not a valid URL' });
  });

  it('a tool\'s isError is a failed result with its text', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { builtins: [], mcpServers: { c: custom() } });
    expect(await call(set, 'c__fail', { why: 'disk full' })).toEqual({ ok: false, output: 'failed: disk full' });
  });

  it('runs the server in the workspace, or in `cwd` relative to the config folder', async () => {
    const { workspace, root } = await makeSandbox();
    const set = await tools(workspace, { builtins: [], mcpServers: { a: custom(), b: { ...custom(), cwd: '..' } }, configDir: join(workspace, 'agents') });
    await expect(call(set, 'a__cwd', {})).resolves.toEqual({ ok: true, output: workspace });
    await expect(call(set, 'b__cwd', {})).resolves.toEqual({ ok: true, output: workspace });
    const other = await tools(workspace, { builtins: [], mcpServers: { b: { ...custom(), cwd: root } } });
    await expect(call(other, 'b__cwd', {})).resolves.toEqual({ ok: true, output: root });
  });

  it('a server that crashes during a call: that call and later ones fail clearly, the others go on', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { builtins: [], mcpServers: { flaky: custom(), everything } });
    const pid = mcpProcessIds(set).flaky!;
    expect(await call(set, 'flaky__crash', {})).toEqual({ ok: false, output: 'MCP server "flaky" stopped while running "crash"; its stderr ended with:\npanic: out of cheese' });
    expect(await call(set, 'flaky__dotted_name', {})).toEqual({ ok: false, output: 'MCP server "flaky" has stopped; its tools cannot be used in this run; its stderr ended with:\npanic: out of cheese' });
    expect(exists(pid)).toBe(false);
    expect(mcpProcessIds(set)).not.toHaveProperty('flaky');
    expect(await call(set, 'everything__echo', { message: 'fine' })).toEqual({ ok: true, output: 'Echo: fine' });
  });

  it('a server killed from outside is reported when its tools are called', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { builtins: [], mcpServers: { c: custom() } });
    const pid = mcpProcessIds(set).c!;
    process.kill(pid, 'SIGKILL');
    expect(await waitFor(() => !exists(pid))).toBe(true);
    expect((await call(set, 'c__dotted_name', {})).output).toBe('MCP server "c" has stopped; its tools cannot be used in this run');
  });

  it('a command that does not exist: a config error naming the server and the command', async () => {
    const { workspace } = await makeSandbox();
    const error = await tools(workspace, { builtins: [], mcpServers: { search: { command: 'loom-no-such-mcp-server', args: ['--port', '1'] } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoomError);
    expect(error).toMatchObject({
      code: 'config_invalid',
      message: 'MCP server "search" ("loom-no-such-mcp-server") failed to start: command not found: "loom-no-such-mcp-server"',
      hint: 'check "command" of mcpServers.search: it must be a program on PATH or a path to one',
    });
  });

  it('a cwd that does not exist is named as such, not as a missing command', async () => {
    const { workspace } = await makeSandbox();
    await expect(tools(workspace, { builtins: [], mcpServers: { c: { ...custom(), cwd: 'nope' } } })).rejects.toMatchObject({
      code: 'config_invalid',
      message: `MCP server "c": its "cwd" ${join(workspace, 'nope')} is not a folder that exists`,
    });
  });

  it('a server that exits at start: the error carries its stderr', async () => {
    const { workspace } = await makeSandbox();
    await expect(tools(workspace, { builtins: [], mcpServers: { db: custom(['--exit-at-start']) } })).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringMatching(/^MCP server "db" \(".*node"\) failed to start: it exited before it was ready; its stderr ended with:\nfatal: cannot open the database$/),
    });
  });

  it('when one server fails to start, the ones that started are stopped', async () => {
    const { workspace, root } = await makeSandbox();
    const pidFile = join(root, 'good.pid');
    const error = await tools(workspace, { builtins: [], mcpServers: { good: custom([], { LOOM_PID_FILE: pidFile }), bad: { command: 'loom-no-such-mcp-server' } } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'config_invalid', message: expect.stringContaining('MCP server "bad"') });
    expect(exists(await readPid(pidFile))).toBe(false);
  });

  it('a server that never answers times out at start and is killed, even when it ignores SIGTERM', async () => {
    const { workspace, root } = await makeSandbox();
    const pidFile = join(root, 'silent.pid');
    const started = Date.now();
    const error = await tools(workspace, { builtins: [], mcpStartTimeoutMs: 300, mcpServers: { mute: custom(['--silent', '--ignore-sigterm'], { LOOM_PID_FILE: pidFile }) } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'config_invalid', message: expect.stringContaining('MCP server "mute" (') });
    expect((error as Error).message).toContain('failed to start: it did not answer within 0.3 s; its stderr ended with:\nignoring SIGTERM');
    expect(exists(await readPid(pidFile))).toBe(false);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('a server started through a wrapper is stopped with the wrapper, also when it ignores stdin and SIGTERM', async () => {
    const { workspace, root } = await makeSandbox();
    const pidFile = join(root, 'wrapped.pid');
    // `; true` keeps sh waiting as the parent instead of exec-ing the server: a real wrapper, like npx.
    const wrapped = (flags: string) => ({ command: '/bin/sh', args: ['-c', `"${process.execPath}" "${CUSTOM}" ${flags}; true`], env: { LOOM_PID_FILE: pidFile } });

    const set = await tools(workspace, { builtins: [], mcpServers: { w: wrapped('--ignore-sigterm') } });
    expect(await call(set, 'w__dotted_name', {})).toEqual({ ok: true, output: 'dotted ok' });
    const server = await readPid(pidFile);
    expect(server).not.toBe(mcpProcessIds(set).w);
    await set.close();
    expect(await waitFor(() => !alive(server), 2000)).toBe(true);

    const error = await tools(workspace, { builtins: [], mcpStartTimeoutMs: 300, mcpServers: { w: wrapped('--silent --ignore-sigterm') } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'config_invalid' });
    expect(await waitFor(() => !alive(server) && readFile(pidFile, 'utf8').then(Number).then((pid) => pid !== server && !alive(pid)), 2000)).toBe(true);
  });

  it('aborting while servers start stops them', async () => {
    const { workspace, root } = await makeSandbox();
    const pidFile = join(root, 'silent.pid');
    const controller = new AbortController();
    const pending = tools(workspace, { builtins: [], signal: controller.signal, mcpServers: { mute: custom(['--silent'], { LOOM_PID_FILE: pidFile }) } });
    expect(await waitFor(() => readFile(pidFile, 'utf8').then(() => true, () => false))).toBe(true);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'interrupted' });
    expect(exists(await readPid(pidFile))).toBe(false);
  });

  it('a call aborted by its signal is cancelled on the server, which goes on', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { builtins: [], mcpServers: { c: custom() } });
    const controller = new AbortController();
    const waiting = call(set, 'c__wait', {}, controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect(await waiting).toEqual({ ok: false, output: 'the tool call was aborted' });
    expect(await call(set, 'c__dotted_name', {})).toEqual({ ok: true, output: 'dotted ok' });
  });

  it('a call has its time limit in all: no answer times out, and progress does not extend it', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { builtins: [], mcpCallTimeoutMs: 400, mcpServers: { c: custom(), everything } });
    expect(await call(set, 'c__wait', {})).toEqual({ ok: false, output: 'MCP server "c", tool "wait": no answer within 0.4 s; the call was cancelled' });
    expect(await call(set, 'c__dotted_name', {})).toEqual({ ok: true, output: 'dotted ok' });
    // Reports progress every 0.2 s for 1.2 s.
    const started = Date.now();
    const long = await call(set, 'everything__trigger-long-running-operation', { duration: 1.2, steps: 6 });
    expect(long).toEqual({ ok: false, output: 'MCP server "everything", tool "trigger-long-running-operation": no answer within 0.4 s; the call was cancelled' });
    expect(Date.now() - started).toBeLessThan(1100);
  });

  it('the default limit is 60 s (CONTRACT §19)', () => {
    expect(LIMITS.mcpCallTimeoutMs).toBe(60_000);
  });

  it('close() while a call is running ends the call and the server', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { builtins: [], mcpServers: { c: custom(['--ignore-sigterm']) } });
    const pid = mcpProcessIds(set).c!;
    const waiting = call(set, 'c__wait', {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    await set.close();
    expect((await waiting).ok).toBe(false);
    expect(exists(pid)).toBe(false);
  });
});

describe('MCP stdio servers and their processes', () => {
  it('a server carries the run\'s process marker, one of its own', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { builtins: [], mcpServers: { c: custom(), d: custom() } });
    const [c, d] = [await call(set, 'c__env', { name: MARKER_VARIABLE }), await call(set, 'd__env', { name: MARKER_VARIABLE })];
    expect(c.output).toMatch(/^[0-9a-f]{24}\/mcp-\d+$/);
    expect(d.output).toMatch(/^[0-9a-f]{24}\/mcp-\d+$/);
    expect(c.output.split('/')[0]).toBe(d.output.split('/')[0]);
    expect(c.output).not.toBe(d.output);
  });

  it('a stubborn server (ignoring SIGTERM) and the daemon it detached are gone after close()', async () => {
    const { workspace } = await makeSandbox();
    const tag = newTag();
    const wrapper = `setsid -f sleep 300; exec "${process.execPath}" "${CUSTOM}" --ignore-sigterm --linger`;
    const set = await tools(workspace, { builtins: [], mcpServers: { s: { command: '/bin/sh', args: ['-c', wrapper], env: { LOOM_TEST_TAG: tag } } } });
    expect(await call(set, 's__dotted_name', {})).toEqual({ ok: true, output: 'dotted ok' });
    expect(tagged(tag).length).toBe(2);
    await set.close();
    expect(tagged(tag)).toEqual([]);
  });
});

describe('MCP over streamable HTTP: server-everything', () => {
  let server: ChildProcess | undefined;

  afterEach(async () => {
    if (server?.pid !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGKILL');
      await exited;
    }
    server = undefined;
  });

  const freePort = () =>
    new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });

  async function startHttpServer(): Promise<{ url: string; log: () => string }> {
    const port = await freePort();
    let output = '';
    server = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], { env: { PATH: process.env.PATH, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    expect(await waitFor(() => output.includes(`listening on port ${port}`), 10_000)).toBe(true);
    return { url: `http://127.0.0.1:${port}/mcp`, log: () => output };
  }

  it('connects with a url, lists and calls tools, and ends its session on close', async () => {
    const { url, log } = await startHttpServer();
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { builtins: [], mcpServers: { remote: { url, headers: { 'x-test': '1' } } } });
    expect(set.specs.map((spec) => spec.name)).toEqual(expect.arrayContaining(['remote__echo', 'remote__get-sum']));
    expect(await call(set, 'remote__echo', { message: 'over http' })).toEqual({ ok: true, output: 'Echo: over http' });
    expect(mcpProcessIds(set)).toEqual({});
    await set.close();
    expect(await waitFor(() => log().includes('Received session termination request'))).toBe(true);
  });

  it('an unreachable url: a config error naming the server', async () => {
    const port = await freePort();
    const { workspace } = await makeSandbox();
    await expect(tools(workspace, { builtins: [], mcpServers: { remote: { url: `http://127.0.0.1:${port}/mcp` } } })).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringMatching(new RegExp(`^MCP server "remote" \\(http://127\\.0\\.0\\.1:${port}/mcp\\) failed to start: `)),
    });
  });
});

describe('no MCP servers', () => {
  it('starts nothing and still works', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { builtins: ['read_file'] });
    expect(mcpProcessIds(set)).toEqual({});
    expect(alive(process.pid)).toBe(true);
  });
});
