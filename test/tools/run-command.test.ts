import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KnownSecrets } from '../../src/core/secrets.js';
import { LIMITS } from '../../src/tools/limits.js';
import { HeadTailBuffer } from '../../src/tools/text.js';
import { allGone, newTag, taggedEnv } from './command-helpers.js';
import { call, makeSandbox, tools, waitFor } from './helpers.js';

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

  it('a secret across the head or the tail cut is redacted whole, never cut in two', async () => {
    const secret = 'sk-live-0123456789abcdefghijklmnop';
    // A command may read what file tools may not; the argument itself must not carry the key.
    const { workspace } = await makeSandbox({ 'key.txt': secret });
    const secrets = new KnownSecrets();
    secrets.add(secret);
    const set = await tools(workspace, { yes: true, secrets });
    // The head keeps the first quarter of the cap, the tail the last three quarters: a secret
    // starts 10 bytes before the head's cut, another ends 24 bytes after the tail's.
    const head = LIMITS.commandOutputBytes / 4;
    const tail = LIMITS.commandOutputBytes - head;
    const script = `const s = require("fs").readFileSync("key.txt", "utf8"); process.stdout.write("a".repeat(${head - 10}) + s + "b".repeat(100000) + s + "c".repeat(${tail - 10}))`;
    const result = await call(set, 'run_command', { command: node(script) });
    expect(result.output).toMatch(/\n\[… \d+ bytes left out …\]\n/);
    for (let length = 6; length <= secret.length; length++) {
      expect(result.output).not.toContain(secret.slice(0, length));
      expect(result.output).not.toContain(secret.slice(-length));
    }
    expect(result.output).toContain(`${'a'.repeat(20)}[redacted]\n[…`);
    expect(result.output).toContain(`…]\n[redacted]${'c'.repeat(20)}`);
  });

  it('the output cut never leaves part of a secret, wherever it falls and however the output arrives', () => {
    const secret = 'sk-live-0123456789abcdefghijklmnop';
    const secrets = new KnownSecrets();
    secrets.add(secret);
    // max 1024: the head cut at byte 256, the tail cut 768 bytes before the end.
    for (const total of [1100, 3000]) {
      for (let at = 0; at + secret.length <= total; at++) {
        const text = Buffer.from(`${'é'.repeat(at / 2)}${at % 2 ? 'x' : ''}${secret}`.padEnd(total - secret.length, 'y'));
        for (const chunk of [1, 100, 5000]) {
          const buffer = new HeadTailBuffer(1024, secrets);
          for (let i = 0; i < text.length; i += chunk) buffer.push(text.subarray(i, i + chunk));
          const output = buffer.toString();
          for (let length = 6; length <= secret.length; length++) {
            if (output.includes(secret.slice(0, length)) || output.includes(secret.slice(-length))) expect.fail(`at ${at} of ${total} (chunks of ${chunk}): ${output}`);
          }
          const [shown, omitted] = [output.replace(/\n\[… \d+ bytes left out …\]\n/, ''), Number(/\[… (\d+) bytes left out …\]/.exec(output)?.[1] ?? 0)];
          expect(Buffer.byteLength(shown.replace('[redacted]', secret)) + omitted).toBe(text.length);
        }
      }
    }
  });

  it('stops a command at the timeout, with everything it started', async () => {
    const { workspace } = await makeSandbox();
    const tag = newTag();
    const set = await tools(workspace, { yes: true, shell: true, commandTimeoutMs: 500, env: taggedEnv(tag) });
    const started = Date.now();
    const result = await call(set, 'run_command', { command: 'echo started; sleep 30 & touch child.started; wait' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result).toEqual({ ok: false, output: 'timed out after 0.5 s and was stopped\n--- stdout ---\nstarted\nstderr: (empty)' });
    await readFile(join(workspace, 'child.started'));
    expect(await allGone(tag)).toBe(true);
  });

  it('does not wait for a background process that keeps the output open (nor call it a timeout)', async () => {
    const { workspace } = await makeSandbox();
    const tag = newTag();
    const set = await tools(workspace, { yes: true, shell: true, commandTimeoutMs: 3000, env: taggedEnv(tag) });
    const started = Date.now();
    const result = await call(set, 'run_command', { command: 'sleep 30 & echo "background $!"; echo done' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.output).toMatch(/^exit code: 0\n--- stdout ---\nbackground \d+\ndone\nstderr: \(empty\)$/);
    expect(await allGone(tag)).toBe(true);
  });

  it('an abort stops the command and its children; close() stops a command still running', async () => {
    const { workspace } = await makeSandbox();
    const tag = newTag();
    const set = await tools(workspace, { yes: true, shell: true, env: taggedEnv(tag) });
    const controller = new AbortController();
    const pending = call(set, 'run_command', { command: 'sleep 30 & touch a.started; wait' }, controller.signal);
    expect(await waitFor(() => readFile(join(workspace, 'a.started')).then(() => true, () => false))).toBe(true);
    controller.abort();
    expect(await pending).toEqual({ ok: false, output: 'the tool call was aborted' });
    expect(await allGone(tag)).toBe(true);

    const running = call(set, 'run_command', { command: 'sleep 30 & touch b.started; wait' });
    expect(await waitFor(() => readFile(join(workspace, 'b.started')).then(() => true, () => false))).toBe(true);
    await set.close();
    expect((await running).ok).toBe(false);
    expect(await allGone(tag)).toBe(true);
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
