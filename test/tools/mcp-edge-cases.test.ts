/** MCP servers that misbehave — crash, hang, ignore signals, fail to start — and the processes they leave. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoomError } from '../../src/core/errors.js';
import { LIMITS } from '../../src/tools/limits.js';
import { MARKER_VARIABLE } from '../../src/tools/processes.js';
import { markedEnv, markedWith, newTag, tagged } from './command-helpers.js';
import { alive, call, exists, makeSandbox, parentOf, tools, waitFor } from './helpers.js';
import { CUSTOM, custom, everything, onlyProcess, readPid, withTag } from './mcp-helpers.js';

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
    const tag = newTag();
    const set = await tools(workspace, { builtins: [], mcpServers: { flaky: withTag(custom(), tag), everything } });
    const pid = onlyProcess(tag);
    expect(await call(set, 'flaky__crash', {})).toEqual({ ok: false, output: 'MCP server "flaky" stopped while running "crash"; its stderr ended with:\npanic: out of cheese' });
    expect(await call(set, 'flaky__dotted_name', {})).toEqual({ ok: false, output: 'MCP server "flaky" has stopped; its tools cannot be used in this run; its stderr ended with:\npanic: out of cheese' });
    expect(exists(pid)).toBe(false);
    expect(tagged(tag)).toEqual([]);
    expect(await call(set, 'everything__echo', { message: 'fine' })).toEqual({ ok: true, output: 'Echo: fine' });
  });

  it('a server killed from outside is reported when its tools are called', async () => {
    const { workspace } = await makeSandbox();
    const tag = newTag();
    const set = await tools(workspace, { builtins: [], mcpServers: { c: withTag(custom(), tag) } });
    const pid = onlyProcess(tag);
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
    // The server is not the process Loom started: the wrapper is.
    expect(parentOf(server)).not.toBe(process.pid);
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
    const tag = newTag();
    const set = await tools(workspace, { builtins: [], mcpServers: { c: withTag(custom(['--ignore-sigterm']), tag) } });
    const pid = onlyProcess(tag);
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

  it('inside another run, a server carries the outer marker too, and is found by it', async () => {
    const { workspace } = await makeSandbox();
    const outer = newTag();
    const tag = newTag();
    const set = await tools(workspace, { builtins: [], mcpServers: { c: withTag(custom(), tag), d: custom() }, env: markedEnv(outer) });
    expect((await call(set, 'c__env', { name: MARKER_VARIABLE })).output).toMatch(new RegExp(`(^|,)${outer},[0-9a-f]{24}/mcp-\\d+$`));
    const found = markedWith(outer);
    expect(found).toHaveLength(2);
    expect(found).toContain(onlyProcess(tag));
    await set.close();
    expect(markedWith(outer)).toEqual([]);
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
