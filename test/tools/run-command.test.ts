import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/tools/limits.js';
import { alive, call, makeSandbox, tools, waitFor } from './helpers.js';

const node = (script: string) => `node -e '${script.replace(/'/g, `'\\''`)}'`;

describe('run_command', () => {
  it('runs in the workspace and returns exit code, stdout and stderr', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { yes: true });
    expect(await call(set, 'run_command', { command: node('console.log(process.cwd()); console.error("warn")') })).toEqual({
      ok: true,
      output: `exit code: 0\n--- stdout ---\n${workspace}\n--- stderr ---\nwarn`,
    });
    expect(await call(set, 'run_command', { command: node('process.exit(3)') })).toEqual({ ok: false, output: 'exit code: 3\nstdout: (empty)\nstderr: (empty)' });
  });

  it('without a shell, ; $(…) `…` $VAR and globs are plain arguments', async () => {
    const { workspace } = await makeSandbox({ 'a.txt': '' });
    const set = await tools(workspace, { yes: true });
    const result = await call(set, 'run_command', { command: 'echo one; touch pwned $(touch pwned2) `touch pwned3` $HOME *.txt' });
    expect(result).toEqual({ ok: true, output: 'exit code: 0\n--- stdout ---\none; touch pwned $(touch pwned2) `touch pwned3` $HOME *.txt\nstderr: (empty)' });
    for (const name of ['pwned', 'pwned2', 'pwned3']) await expect(readFile(join(workspace, name))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('with shell: true, the line runs through /bin/sh', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { yes: true, shell: true });
    expect(await call(set, 'run_command', { command: 'echo one; echo "$(echo two)" && echo three | tr a-z A-Z >&2' })).toEqual({
      ok: true,
      output: 'exit code: 0\n--- stdout ---\none\ntwo\n--- stderr ---\nTHREE',
    });
  });

  it('passes the environment it was given', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { yes: true, env: { PATH: process.env.PATH, LOOM_TOOL_TEST: 'hello' } });
    expect((await call(set, 'run_command', { command: node('console.log(process.env.LOOM_TOOL_TEST, process.env.HOME)') })).output).toContain('hello undefined');
  });

  it('a program that does not exist is an error result', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { yes: true });
    expect(await call(set, 'run_command', { command: 'loom-no-such-program --flag' })).toEqual({ ok: false, output: 'command not found: "loom-no-such-program"' });
  });

  it('stdin is closed: a program that reads it does not wait', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { yes: true });
    expect(await call(set, 'run_command', { command: 'cat' })).toEqual({ ok: true, output: 'exit code: 0\nstdout: (empty)\nstderr: (empty)' });
  });

  it('keeps the beginning and the end of a long output', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { yes: true });
    const result = await call(set, 'run_command', { command: node('for (let i = 0; i < 20000; i++) console.log("line " + i)') });
    expect(result.ok).toBe(true);
    expect(result.output.length).toBeLessThan(LIMITS.commandOutputBytes + 200);
    expect(result.output).toMatch(/^exit code: 0\n--- stdout ---\nline 0\nline 1\n/);
    expect(result.output).toMatch(/\n\[… \d+ bytes left out …\]\n/);
    expect(result.output).toMatch(/line 19999\nstderr: \(empty\)$/);
  });

  it('stops a command at the timeout, with everything it started', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { yes: true, shell: true, commandTimeoutMs: 500 });
    const started = Date.now();
    const result = await call(set, 'run_command', { command: 'echo started; sleep 30 & echo $! > child.pid; wait' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result).toEqual({ ok: false, output: 'timed out after 0.5 s and was stopped\n--- stdout ---\nstarted\nstderr: (empty)' });
    const pid = Number(await readFile(join(workspace, 'child.pid'), 'utf8'));
    expect(await waitFor(() => !alive(pid))).toBe(true);
  });

  it('does not wait for a background process that keeps the output open (nor call it a timeout)', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { yes: true, shell: true, commandTimeoutMs: 300 });
    const started = Date.now();
    const result = await call(set, 'run_command', { command: 'sleep 30 & echo $! > bg.pid; echo done' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result).toEqual({ ok: true, output: 'exit code: 0\n--- stdout ---\ndone\nstderr: (empty)' });
    const pid = Number(await readFile(join(workspace, 'bg.pid'), 'utf8'));
    expect(await waitFor(() => !alive(pid))).toBe(true);
  });

  it('an abort stops the command and its children; close() stops a command still running', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { yes: true, shell: true });
    const controller = new AbortController();
    const pending = call(set, 'run_command', { command: 'sleep 30 & echo $! > a.pid; wait' }, controller.signal);
    expect(await waitFor(() => readFile(join(workspace, 'a.pid'), 'utf8').then((text) => text.endsWith('\n'), () => false))).toBe(true);
    controller.abort();
    expect(await pending).toEqual({ ok: false, output: 'the tool call was aborted' });
    const aborted = Number(await readFile(join(workspace, 'a.pid'), 'utf8'));
    expect(await waitFor(() => !alive(aborted))).toBe(true);

    const running = call(set, 'run_command', { command: 'sleep 30 & echo $! > b.pid; wait' });
    expect(await waitFor(() => readFile(join(workspace, 'b.pid'), 'utf8').then((text) => text.endsWith('\n'), () => false))).toBe(true);
    await set.close();
    expect((await running).ok).toBe(false);
    const closed = Number(await readFile(join(workspace, 'b.pid'), 'utf8'));
    expect(await waitFor(() => !alive(closed))).toBe(true);
    expect(await call(set, 'run_command', { command: 'echo late' })).toEqual({ ok: false, output: 'the tool call was aborted' });
  });

  it('the run\'s signal, once aborted, refuses new calls', async () => {
    const { workspace } = await makeSandbox();
    const controller = new AbortController();
    const set = await tools(workspace, { yes: true, signal: controller.signal });
    controller.abort();
    expect(await call(set, 'run_command', { command: 'touch x' })).toEqual({ ok: false, output: 'the tool call was aborted' });
  });
});
