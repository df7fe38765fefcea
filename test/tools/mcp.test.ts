import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { markedEnv, markedWith, newTag } from './command-helpers.js';
import { alive, call, exists, makeSandbox, tools, waitFor } from './helpers.js';
import { EVERYTHING, FILESYSTEM, everything, onlyProcess, withTag } from './mcp-helpers.js';

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
    const tag = newTag();
    const set = await tools(workspace, { builtins: [], mcpServers: { everything: withTag(everything, tag) } });
    const pid = onlyProcess(tag);
    expect(exists(pid)).toBe(true);
    await set.close();
    expect(exists(pid)).toBe(false);
    expect(await call(set, 'everything__echo', { message: 'late' })).toEqual({ ok: false, output: 'the tool call was aborted' });
    await set.close(); // twice is fine
  });

  it('aborting the run stops the server without close(), and an aborted call returns at once', async () => {
    const { workspace } = await makeSandbox();
    const run = new AbortController();
    const tag = newTag();
    const set = await tools(workspace, { builtins: [], mcpServers: { everything: withTag(everything, tag) }, signal: run.signal });
    const pid = onlyProcess(tag);

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
    const tag = newTag();
    const set = await tools(workspace, { builtins: [], mcpServers: { fs: withTag({ command: process.execPath, args: [FILESYSTEM, '.'] }, tag) } });
    const names = set.specs.map((spec) => spec.name);
    expect(names).toEqual(expect.arrayContaining(['fs__read_text_file', 'fs__list_directory', 'fs__write_file']));
    // A relative path in args is relative to the workspace, the server's default cwd.
    expect(await call(set, 'fs__read_text_file', { path: join(workspace, 'notes/todo.md') })).toEqual({ ok: true, output: '- write tests\n' });
    expect(await call(set, 'fs__list_directory', { path: join(workspace, 'notes') })).toEqual({ ok: true, output: '[FILE] todo.md' });
    const outside = await call(set, 'fs__read_text_file', { path: '/etc/hostname' });
    expect(outside.ok).toBe(false);
    expect(outside.output).toMatch(/Access denied/);
    const pid = onlyProcess(tag);
    await set.close();
    expect(exists(pid)).toBe(false);
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
    const outer = newTag();
    const set = await tools(workspace, { builtins: [], mcpServers: { remote: { url, headers: { 'x-test': '1' } } }, env: markedEnv(outer) });
    expect(set.specs.map((spec) => spec.name)).toEqual(expect.arrayContaining(['remote__echo', 'remote__get-sum']));
    expect(await call(set, 'remote__echo', { message: 'over http' })).toEqual({ ok: true, output: 'Echo: over http' });
    // No process started for it.
    expect(markedWith(outer)).toEqual([]);
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
    const outer = newTag();
    const set = await tools(workspace, { builtins: ['read_file'], env: markedEnv(outer) });
    expect(markedWith(outer)).toEqual([]);
    expect(alive(process.pid)).toBe(true);
  });
});
