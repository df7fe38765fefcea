import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowsCommand } from '../../src/tools/command-approval.js';
import type { ApprovalRequest } from '../../src/tools/index.js';
import { call, makeSandbox, tools } from './helpers.js';

const exists = (path: string) => readFile(path).then(() => true, () => false);

describe('approval of write_file and run_command', () => {
  it('refuses without approval when there is no terminal to ask, and the refusal says how to approve', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace);
    expect(await call(set, 'write_file', { path: 'a.txt', content: 'hello' })).toEqual({
      ok: false,
      output: `refused: write_file: a.txt (5 bytes) needs approval and there is no terminal to ask (add "write_file" or "write_file:<path or glob>" to the agent's "allow" list, or run with --yes)`,
    });
    expect(await exists(join(workspace, 'a.txt'))).toBe(false);
    expect(await call(set, 'run_command', { command: 'touch ran.txt' })).toEqual({
      ok: false,
      output: `refused: run_command: 'touch' 'ran.txt' needs approval and there is no terminal to ask (add "run_command" or "run_command:<command prefix>" to the agent's "allow" list, or run with --yes)`,
    });
    expect(await exists(join(workspace, 'ran.txt'))).toBe(false);
  });

  it('tools that only read need no approval', async () => {
    const { workspace } = await makeSandbox({ 'a.txt': 'a' });
    const asked: ApprovalRequest[] = [];
    const set = await tools(workspace, { approve: async (request) => (asked.push(request), false) });
    expect((await call(set, 'read_file', { path: 'a.txt' })).ok).toBe(true);
    expect((await call(set, 'list_files', {})).ok).toBe(true);
    expect((await call(set, 'search_files', { pattern: 'a' })).ok).toBe(true);
    expect(asked).toEqual([]);
  });

  it('--yes approves everything without asking', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { yes: true, approve: async () => { throw new Error('must not ask'); } });
    expect((await call(set, 'write_file', { path: 'a.txt', content: 'x' })).ok).toBe(true);
    expect((await call(set, 'run_command', { command: 'touch ran.txt' })).ok).toBe(true);
    expect(await exists(join(workspace, 'ran.txt'))).toBe(true);
  });

  it('the allow list approves a tool by name, and run_command by a prefix of whole arguments', async () => {
    const { workspace } = await makeSandbox();
    const asked: string[] = [];
    const set = await tools(workspace, {
      allow: ['write_file', 'run_command:touch made', 'run_command:node -e'],
      approve: async (request) => (asked.push(request.question), false),
    });
    expect((await call(set, 'write_file', { path: 'a.txt', content: 'x' })).ok).toBe(true);
    expect((await call(set, 'run_command', { command: 'touch made' })).ok).toBe(true);
    expect((await call(set, 'run_command', { command: `touch  'made' second` })).ok).toBe(true);
    expect((await call(set, 'run_command', { command: 'node -e "process.exit(0)"' })).ok).toBe(true);
    // Not whole arguments, or another command: the user is asked (and says no).
    expect(await call(set, 'run_command', { command: 'touch madex' })).toEqual({ ok: false, output: "refused: the user did not approve run_command: 'touch' 'madex'" });
    expect((await call(set, 'run_command', { command: 'touch' })).ok).toBe(false);
    expect((await call(set, 'run_command', { command: 'node --eval 1' })).ok).toBe(false);
    expect(asked).toEqual(["run_command: 'touch' 'madex'", "run_command: 'touch'", "run_command: 'node' '--eval' '1'"]);
    expect(await exists(join(workspace, 'made'))).toBe(true);
    expect(await exists(join(workspace, 'second'))).toBe(true);
    expect(await exists(join(workspace, 'madex'))).toBe(false);
  });

  it('"run_command" alone approves any command; "write_file" does not approve commands', async () => {
    const { workspace } = await makeSandbox();
    const commands = await tools(workspace, { allow: ['run_command'] });
    expect((await call(commands, 'run_command', { command: 'touch any' })).ok).toBe(true);
    expect((await call(commands, 'write_file', { path: 'a', content: '' })).ok).toBe(false);
    const writes = await tools(workspace, { allow: ['write_file'] });
    expect((await call(writes, 'run_command', { command: 'touch other' })).ok).toBe(false);
    expect(await exists(join(workspace, 'other'))).toBe(false);
  });

  it('asks the approve callback, with the exact argument vector, and follows its answer', async () => {
    const { workspace } = await makeSandbox();
    const asked: ApprovalRequest[] = [];
    let answer = true;
    const set = await tools(workspace, { approve: async (request) => (asked.push(request), answer) });
    expect(await call(set, 'write_file', { path: 'yes.txt', content: 'line 1\nline 2\n' })).toEqual({ ok: true, output: 'wrote 14 bytes to yes.txt' });
    answer = false;
    expect(await call(set, 'write_file', { path: 'no.txt', content: 'x' })).toEqual({ ok: false, output: 'refused: the user did not approve write_file: no.txt (1 bytes)' });
    expect(await call(set, 'run_command', { command: 'touch\n  no-run' })).toEqual({ ok: false, output: "refused: the user did not approve run_command: 'touch' 'no-run'" });
    expect(asked).toEqual([
      { tool: 'write_file', question: 'write_file: yes.txt (14 bytes)', input: { path: 'yes.txt', content: 'line 1\nline 2\n' } },
      { tool: 'write_file', question: 'write_file: no.txt (1 bytes)', input: { path: 'no.txt', content: 'x' } },
      { tool: 'run_command', question: "run_command: 'touch' 'no-run'", input: { command: 'touch\n  no-run' } },
    ]);
    expect(await exists(join(workspace, 'yes.txt'))).toBe(true);
    expect(await exists(join(workspace, 'no.txt'))).toBe(false);
    expect(await exists(join(workspace, 'no-run'))).toBe(false);
  });

  it('a callback that fails counts as a refusal', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { approve: async () => { throw new Error('stdin closed'); } });
    expect(await call(set, 'write_file', { path: 'a', content: '' })).toEqual({ ok: false, output: 'refused: write_file: a (0 bytes) was not approved (stdin closed)' });
  });

  it('asks one question at a time when calls run concurrently', async () => {
    const { workspace } = await makeSandbox();
    let open = 0;
    let most = 0;
    const set = await tools(workspace, {
      approve: async () => {
        most = Math.max(most, ++open);
        await new Promise((resolve) => setTimeout(resolve, 20));
        open--;
        return true;
      },
    });
    const results = await Promise.all(['a', 'b', 'c'].map((name) => call(set, 'write_file', { path: name, content: name })));
    expect(results.every((result) => result.ok)).toBe(true);
    expect(most).toBe(1);
  });

  it('does not ask about a command that cannot run (unsplittable, or with shell operators)', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { approve: async () => { throw new Error('must not ask'); } });
    expect(await call(set, 'run_command', { command: `echo 'oops` })).toEqual({ ok: false, output: 'cannot run this command: unterminated single quote at character 6' });
    expect((await call(set, 'run_command', { command: 'npm test && rm -rf x' })).output).toMatch(/^cannot run this command: "&&" is a shell operator/);
  });
});

describe('allow prefixes', () => {
  it('match whole arguments from the start', () => {
    expect(allowsCommand('run_command:npm test', 'npm test', false)).toBe(true);
    expect(allowsCommand('run_command:npm test', 'npm test -- --watch=false', false)).toBe(true);
    expect(allowsCommand('run_command:npm test', "'npm' \"test\"", false)).toBe(true);
    expect(allowsCommand('run_command:npm test', 'npm testx', false)).toBe(false);
    expect(allowsCommand('run_command:npm test', 'npm', false)).toBe(false);
    expect(allowsCommand('run_command:npm test', 'npx npm test', false)).toBe(false);
    expect(allowsCommand('run_command:', 'anything', false)).toBe(false);
    expect(allowsCommand('write_file', 'npm test', false)).toBe(false);
  });

  it('through a shell, approve only a command line with no shell syntax', () => {
    expect(allowsCommand('run_command:npm test', 'npm test --silent', true)).toBe(true);
    for (const line of ['npm test && rm -rf ~', 'npm test; rm -rf ~', 'npm test | sh', 'npm test $(rm -rf ~)', 'npm test `id`', 'npm test > /etc/x', 'npm test\nrm -rf ~', 'npm test *']) {
      expect(allowsCommand('run_command:npm test', line, true), line).toBe(false);
    }
    expect(allowsCommand('run_command', 'npm test && rm -rf ~', true)).toBe(true);
  });
});
