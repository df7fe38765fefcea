/**
 * write_file cannot buy persistent escalation (CONTRACT §11, §19): protected paths need an allow
 * entry naming them (or the user, once) even with --yes or `allow: ["write_file"]`; it never writes
 * through a symlink as the last component or through a hard link; and what is checked is what is
 * opened, so a link swapped in a race cannot lead a read or a write outside.
 */
import { spawn } from 'node:child_process';
import { link, lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../src/tools/index.js';
import { call, makeSandbox, snapshot, tools } from './helpers.js';

const exists = (path: string) => lstat(path).then(() => true, () => false);

const PROTECTED = [
  '.env',
  'sub/.env.local',
  '.git/config',
  '.git/hooks/pre-commit',
  'lib/.git/config',
  '.github/workflows/ci.yml',
  '.gitlab-ci.yml',
  '.husky/pre-commit',
  'package.json',
  'packages/a/package.json',
  '.npmrc',
  '.vscode/tasks.json',
  '.idea/workspace.xml',
  'loom.config.json',
  '.loomrc',
  '.loomrc.json',
  '.gitignore',
  '.loom/runs.jsonl',
  'agents/bot/config.json',
  'loom-fixtures/bot/abc.json',
  '.GIT/config',
];

async function protectedSet(workspace: string, options: Parameters<typeof tools>[1] = {}) {
  return tools(workspace, { protect: { folders: [join(workspace, 'agents'), join(workspace, 'loom-fixtures')], files: [join(workspace, 'loom.config.json')] }, ...options });
}

describe('protected paths', () => {
  it.each(PROTECTED)('%s is refused with --yes and with allow: ["write_file"]', async (path) => {
    const { workspace } = await makeSandbox();
    for (const options of [{ yes: true }, { allow: ['write_file'] }]) {
      const set = await protectedSet(workspace, options);
      const result = await call(set, 'write_file', { path, content: 'planted' });
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(/^refused: write_file: .* \(protected: .+\) needs approval and there is no terminal to ask \(a protected path is written only when the agent's "allow" list names it: add "write_file:/);
      expect(await exists(join(workspace, path))).toBe(false);
    }
  });

  it('an allow entry naming the path (or a glob) lifts the protection and approves the write', async () => {
    const { workspace } = await makeSandbox();
    const set = await protectedSet(workspace, { allow: ['write_file:.github/workflows/ci.yml', 'write_file:docs/**', 'write_file:*.env.example'] });
    expect(await call(set, 'write_file', { path: '.github/workflows/ci.yml', content: 'on: push\n' })).toEqual({ ok: true, output: 'wrote 9 bytes to .github/workflows/ci.yml' });
    expect((await call(set, 'write_file', { path: 'docs/a/b.md', content: 'x' })).ok).toBe(true);
    // The glob names other paths only: another protected file stays refused.
    expect((await call(set, 'write_file', { path: '.github/workflows/other.yml', content: 'x' })).ok).toBe(false);
    expect((await call(set, 'write_file', { path: 'package.json', content: '{}' })).ok).toBe(false);
  });

  it('on a terminal the question says "(protected)", and the user may approve it once', async () => {
    const { workspace } = await makeSandbox();
    const asked: ApprovalRequest[] = [];
    const set = await protectedSet(workspace, { yes: true, approve: async (request) => (asked.push(request), true) });
    expect((await call(set, 'write_file', { path: '.git/config', content: '[core]\n' })).ok).toBe(true);
    expect(asked).toEqual([{ tool: 'write_file', question: 'write_file: .git/config (7 bytes)', because: 'protected: .git/', input: { path: '.git/config', content: '[core]\n' } }]);
    // --yes approved the ordinary write without asking.
    expect((await call(set, 'write_file', { path: 'notes.md', content: 'x' })).ok).toBe(true);
    expect(asked).toHaveLength(1);
  });

  it('judges the real path: a link inside the workspace that leads into .git is protected too', async () => {
    const { workspace } = await makeSandbox({ '.git/config': '[core]\n' });
    await symlink('.git', join(workspace, 'docs'));
    const set = await protectedSet(workspace, { yes: true });
    const result = await call(set, 'write_file', { path: 'docs/config', content: '[core]\n\tfsmonitor = evil\n' });
    expect(result.output).toMatch(/\(protected: \.git\/\)/);
    expect(await readFile(join(workspace, '.git/config'), 'utf8')).toBe('[core]\n');
  });
});

describe('links', () => {
  it('never writes through a symlink as its last component, even one that stays inside', async () => {
    const { workspace, outside } = await makeSandbox({ 'target.md': 'inside\n' });
    await symlink('target.md', join(workspace, 'inside-link.md'));
    await symlink(join(outside, 'secret.txt'), join(workspace, 'dangling-out.md'));
    const set = await tools(workspace, { yes: true });
    expect(await call(set, 'write_file', { path: 'inside-link.md', content: 'x' })).toEqual({ ok: false, output: 'refused: "inside-link.md" is a symbolic link; write_file does not write through links' });
    expect((await call(set, 'write_file', { path: 'dangling-out.md', content: 'x' })).ok).toBe(false);
    expect(await readFile(join(workspace, 'target.md'), 'utf8')).toBe('inside\n');
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('TOP-SECRET-VALUE\n');
  });

  it('never writes through a hard link (a file with more than one link)', async () => {
    const { workspace, outside } = await makeSandbox();
    await link(join(outside, 'secret.txt'), join(workspace, 'innocent.txt'));
    const set = await tools(workspace, { yes: true });
    const result = await call(set, 'write_file', { path: 'innocent.txt', content: 'overwritten' });
    expect(result).toEqual({ ok: false, output: 'refused: "innocent.txt" has 2 hard links; write_file does not write through a hard link (it could be a file outside the workspace)' });
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('TOP-SECRET-VALUE\n');
  });
});

/**
 * A second process swaps `workspace/flip` between a folder inside and a link to a folder outside,
 * as fast as it can, while the tools read and write through it.
 */
function startFlipper(workspace: string, outside: string) {
  const script = `
    const fs = require('node:fs');
    const [ws, out] = process.argv.slice(1);
    const flip = ws + '/flip', inside = ws + '/inside-dir', tmp = ws + '/.flip-tmp';
    for (;;) {
      try { fs.rmSync(tmp, { force: true }); fs.symlinkSync(out, tmp); fs.renameSync(tmp, flip); } catch {}
      try { fs.rmSync(tmp, { force: true }); fs.symlinkSync(inside, tmp); fs.renameSync(tmp, flip); } catch {}
    }`;
  return spawn(process.execPath, ['-e', script, workspace, outside], { stdio: 'ignore' });
}

describe('a symlink swapped between check and use', () => {
  it('leads no read and no write outside the workspace (a second process flipping it in a loop)', async () => {
    const { workspace, outside } = await makeSandbox({ 'inside-dir/secret.txt': 'inside\n' });
    await mkdir(join(outside, 'written'), { recursive: true });
    await writeFile(join(outside, 'notes.md'), 'outside\n');
    const before = await snapshot(outside);
    const set = await tools(workspace, { yes: true });
    const flipper = startFlipper(workspace, outside);
    const seen = { reads: 0, outsideReads: 0, writes: 0 };
    try {
      // Until the swapper has made its first link, `flip` is simply missing (and a write would make it a folder).
      while (!(await lstat(join(workspace, 'flip')).then((stats) => stats.isSymbolicLink(), () => false))) await new Promise((resolve) => setTimeout(resolve, 10));
      for (let i = 0; i < 500; i++) {
        const read = await call(set, 'read_file', { path: 'flip/secret.txt' });
        if (read.ok) seen.reads++;
        if (read.output.includes('TOP-SECRET-VALUE')) seen.outsideReads++;
        const written = await call(set, 'write_file', { path: `flip/notes-${i}.md`, content: 'from the model\n' });
        if (written.ok) seen.writes++;
      }
    } finally {
      flipper.kill('SIGKILL');
    }
    expect(seen.outsideReads).toBe(0);
    expect(await snapshot(outside)).toEqual(before);
    // The race was real: some calls went through while the link pointed inside.
    expect(seen.reads + seen.writes).toBeGreaterThan(0);
  }, 60_000);
});
