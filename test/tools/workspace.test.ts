import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, makeSandbox, snapshot, tools } from './helpers.js';

/**
 * Every way out of the workspace, for every file tool. Each case must be refused, the refusal must
 * be returned as an error result (the run goes on), and nothing outside may be read or written.
 */
async function escapes() {
  const sandbox = await makeSandbox({ 'inside.txt': 'inside\n', 'src/a.ts': 'a\n' });
  const { workspace, outside, root } = sandbox;
  await symlink(join(outside, 'secret.txt'), join(workspace, 'link-to-secret.txt'));
  await symlink(outside, join(workspace, 'link-to-outside'));
  await symlink('../../outside', join(workspace, 'src', 'relative-link'));
  await symlink(join(outside, 'missing.txt'), join(workspace, 'dangling.txt'));
  await symlink(join(outside, 'missing-dir'), join(workspace, 'dangling-dir'));
  return { ...sandbox, root };
}

const readPaths = (outside: string) => [
  ['..', '../outside/secret.txt'],
  ['.. after a folder', 'src/../../outside/secret.txt'],
  ['absolute', join(outside, 'secret.txt')],
  ['absolute root file', '/etc/passwd'],
  ['symlink to a file', 'link-to-secret.txt'],
  ['symlink to a folder', 'link-to-outside/secret.txt'],
  ['relative symlink in a subfolder', 'src/relative-link/secret.txt'],
];

describe('file tools are confined to the workspace', () => {
  it.each(['read_file', 'search_files', 'list_files'])('%s refuses every way out and reads nothing outside', async (tool) => {
    const { workspace, outside } = await escapes();
    const set = await tools(workspace);
    for (const [how, path] of readPaths(outside)) {
      const input = tool === 'search_files' ? { pattern: 'SECRET|root', path } : { path };
      const result = await call(set, tool, input);
      expect(result.ok, `${tool} ${how}`).toBe(false);
      expect(result.output, `${tool} ${how}`).toMatch(/^refused: ".*" (is outside the workspace|leads outside the workspace through a symbolic link)/);
      expect(result.output).not.toContain('TOP-SECRET');
      expect(result.output).not.toContain('secret.txt\n');
    }
    const folder = await call(set, tool, tool === 'search_files' ? { pattern: '.', path: 'link-to-outside' } : { path: 'link-to-outside' });
    expect(folder).toEqual({ ok: false, output: 'refused: "link-to-outside" leads outside the workspace through a symbolic link; file tools only use paths inside it' });
  });

  it('the refusal names the path as given and says what to do', async () => {
    const { workspace } = await escapes();
    expect(await call(await tools(workspace), 'read_file', { path: '../outside/secret.txt' })).toEqual({
      ok: false,
      output: 'refused: "../outside/secret.txt" is outside the workspace; file tools only use paths inside it (give a path relative to the workspace)',
    });
  });

  it('a walk of the whole workspace neither lists nor searches what links lead to outside', async () => {
    const { workspace } = await escapes();
    const set = await tools(workspace);
    expect((await call(set, 'list_files', {})).output.split('\n')).toEqual(['inside.txt', 'src/a.ts']);
    expect(await call(set, 'search_files', { pattern: 'SECRET' })).toEqual({ ok: true, output: 'no matches for /SECRET/ in .' });
    expect(await call(set, 'list_files', { pattern: '**/secret.txt' })).toEqual({ ok: true, output: 'no files match "**/secret.txt" in .' });
  });

  it('links that stay inside the workspace work', async () => {
    const { workspace } = await makeSandbox({ 'docs/guide.md': 'guide text\n' });
    await symlink(join(workspace, 'docs', 'guide.md'), join(workspace, 'guide-link.md'));
    await symlink('docs', join(workspace, 'docs-link'));
    const set = await tools(workspace, { yes: true });
    expect(await call(set, 'read_file', { path: 'guide-link.md' })).toEqual({ ok: true, output: 'guide text\n' });
    expect(await call(set, 'read_file', { path: 'docs-link/guide.md' })).toEqual({ ok: true, output: 'guide text\n' });
    expect(await call(set, 'search_files', { pattern: 'guide' })).toEqual({ ok: true, output: 'docs/guide.md:1: guide text\nguide-link.md:1: guide text' });
    expect(await call(set, 'write_file', { path: 'docs-link/new.md', content: 'n' })).toEqual({ ok: true, output: 'wrote 1 bytes to docs/new.md' });
    expect(await readFile(join(workspace, 'docs', 'new.md'), 'utf8')).toBe('n');
  });

  it('write_file refuses every way out, through existing and missing paths, and writes nothing outside', async () => {
    const { workspace, outside, root } = await escapes();
    const before = await snapshot(root);
    const set = await tools(workspace, { yes: true });
    const cases = [
      ['..', '../outside/new.txt'],
      ['.. to a missing folder', '../elsewhere/deep/new.txt'],
      ['.. over an existing file', '../outside/secret.txt'],
      ['absolute', join(outside, 'new.txt')],
      ['absolute to the temp folder', join(root, 'new.txt')],
      ['symlink to a file', 'link-to-secret.txt'],
      ['symlink to a folder', 'link-to-outside/new.txt'],
      ['symlink to a folder, missing subfolders', 'link-to-outside/a/b/new.txt'],
      ['relative symlink', 'src/relative-link/new.txt'],
      ['dangling symlink to a file', 'dangling.txt'],
      ['dangling symlink to a folder', 'dangling-dir/new.txt'],
    ];
    for (const [how, path] of cases) {
      const result = await call(set, 'write_file', { path, content: 'PWNED' });
      expect(result.ok, how).toBe(false);
      expect(result.output, how).toMatch(/^refused: /);
    }
    expect(await snapshot(root)).toEqual(before);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('TOP-SECRET-VALUE\n');
    expect(await readdir(outside)).toEqual(['secret.txt']);
  });

  it('a workspace given through a symlinked path works, and its given absolute path counts as inside', async () => {
    const { root, workspace } = await makeSandbox({ 'a.txt': 'A' });
    const alias = join(root, 'alias');
    await symlink(workspace, alias);
    const set = await tools(alias, { yes: true });
    expect(await call(set, 'read_file', { path: join(alias, 'a.txt') })).toEqual({ ok: true, output: 'A' });
    expect(await call(set, 'read_file', { path: join(workspace, 'a.txt') })).toEqual({ ok: true, output: 'A' });
    expect(await call(set, 'write_file', { path: join(alias, 'b.txt'), content: 'B' })).toEqual({ ok: true, output: 'wrote 1 bytes to b.txt' });
    expect((await call(set, 'read_file', { path: join(root, 'outside/secret.txt') })).output).toMatch(/^refused: /);
  });

  it('never opens a file outside: a FIFO there, which would block any reader, is refused at once', async () => {
    const { workspace, outside } = await makeSandbox({ 'a.txt': 'a' });
    execFileSync('mkfifo', [join(outside, 'pipe')]);
    await symlink(join(outside, 'pipe'), join(workspace, 'pipe-link'));
    await symlink(outside, join(workspace, 'outside-link'));
    const set = await tools(workspace, { yes: true });
    const inTime = <T>(promise: Promise<T>) =>
      Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the tool blocked: it opened the FIFO')), 2000))]);
    for (const path of ['../outside/pipe', join(outside, 'pipe'), 'pipe-link', 'outside-link/pipe']) {
      for (const [tool, input] of [
        ['read_file', { path }],
        ['search_files', { pattern: 'x', path }],
        ['list_files', { path }],
        ['write_file', { path, content: 'x' }],
      ] as const) {
        const result = await inTime(call(set, tool, input));
        expect(result.output, `${tool} ${path}`).toMatch(/^refused: /);
      }
    }
  });

  it('a FIFO inside the workspace is not waited on either', async () => {
    const { workspace } = await makeSandbox({ 'a.txt': 'a' });
    execFileSync('mkfifo', [join(workspace, 'pipe')]);
    const set = await tools(workspace);
    expect(await call(set, 'read_file', { path: 'pipe' })).toEqual({ ok: false, output: '"pipe" is not a regular file' });
    expect(await call(set, 'search_files', { pattern: 'a', path: 'pipe' })).toEqual({ ok: true, output: 'no matches for /a/ in pipe' });
    expect(await call(set, 'search_files', { pattern: 'a' })).toEqual({ ok: true, output: 'a.txt:1: a' });
    expect(await call(await tools(workspace, { yes: true }), 'write_file', { path: 'pipe', content: 'x' })).toEqual({ ok: false, output: '"pipe" is not a regular file' });
  });

  it('refuses a path with a NUL character', async () => {
    const { workspace } = await makeSandbox();
    await mkdir(join(workspace, 'x'));
    await writeFile(join(workspace, 'x', 'y'), '');
    expect(await call(await tools(workspace), 'read_file', { path: 'x\0/y' })).toEqual({ ok: false, output: 'refused: the path contains a NUL character' });
  });
});
