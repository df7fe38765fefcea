import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_TOOLS } from '../../src/core/config.js';
import { LoomError } from '../../src/core/errors.js';
import { LIMITS } from '../../src/tools/limits.js';
import { call, makeSandbox, tools } from './helpers.js';

describe('the tool set', () => {
  it('offers the agent\'s built-ins, in its order, with JSON Schema parameters', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { builtins: ['write_file', 'read_file'] });
    expect(set.specs.map((spec) => spec.name)).toEqual(['write_file', 'read_file']);
    expect(set.specs[1]).toMatchObject({
      name: 'read_file',
      parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false },
    });
    const all = await tools(workspace);
    expect(all.specs.map((spec) => spec.name)).toEqual([...BUILTIN_TOOLS]);
    for (const spec of all.specs) expect(spec.description.length).toBeGreaterThan(20);
  });

  it('refuses an unknown built-in name and a workspace that does not exist as config errors', async () => {
    const { workspace } = await makeSandbox();
    await expect(tools(workspace, { builtins: ['read_fil'] })).rejects.toMatchObject({ code: 'config_invalid', message: 'unknown tool "read_fil"' });
    const missing = tools(join(workspace, 'nope'));
    await expect(missing).rejects.toBeInstanceOf(LoomError);
    await expect(missing).rejects.toMatchObject({ code: 'config_invalid' });
  });

  it('answers a call of a tool it does not have with an error result naming the tools it has', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { builtins: ['read_file'] });
    expect(await call(set, 'write_file', { path: 'a', content: 'b' })).toEqual({ ok: false, output: 'unknown tool "write_file"; the tools available are: read_file' });
  });
});

describe('arguments are checked against the schema before a tool runs', () => {
  it.each([
    ['read_file', {}, 'missing required argument "path"'],
    ['read_file', { path: 7 }, '"path" must be string'],
    ['read_file', { path: 'a', extra: 1 }, 'unknown argument "extra"'],
    ['read_file', 'a.txt', 'arguments must be object'],
    ['write_file', { path: 'a.txt' }, 'missing required argument "content"'],
    ['list_files', { pattern: ['*.ts'] }, '"pattern" must be string'],
    ['search_files', { path: '.' }, 'missing required argument "pattern"'],
    ['run_command', { command: '' }, '"command" must NOT have fewer than 1 characters'],
    ['fetch_url', { url: 42 }, '"url" must be string'],
  ])('%s %j', async (name, input, message) => {
    const { workspace } = await makeSandbox({ 'a.txt': 'x' });
    const result = await call(await tools(workspace, { yes: true }), name, input);
    expect(result.ok).toBe(false);
    expect(result.output).toContain(`invalid arguments for ${name}:`);
    expect(result.output).toContain(`- ${message}`);
  });

  it('reports every problem at once', async () => {
    const { workspace } = await makeSandbox();
    const result = await call(await tools(workspace, { yes: true }), 'write_file', { path: 3, colour: 'red' });
    expect(result.output.split('\n')).toEqual([
      'invalid arguments for write_file:',
      '- missing required argument "content"',
      '- unknown argument "colour"',
      '- "path" must be string',
    ]);
  });

  it('does not write when the arguments are invalid, even with approval', async () => {
    const { workspace } = await makeSandbox();
    await call(await tools(workspace, { yes: true }), 'write_file', { path: 'new.txt', content: 5 });
    await expect(readFile(join(workspace, 'new.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('treats null for an optional argument as left out, and no arguments at all as {}', async () => {
    const { workspace } = await makeSandbox({ 'a.txt': 'x' });
    const set = await tools(workspace);
    expect(await call(set, 'list_files', { path: null, pattern: null })).toEqual({ ok: true, output: 'a.txt' });
    expect(await call(set, 'list_files', undefined)).toEqual({ ok: true, output: 'a.txt' });
    expect(await call(set, 'read_file', { path: null })).toEqual({ ok: false, output: 'invalid arguments for read_file:\n- "path" must be string' });
  });
});

describe('read_file', () => {
  it('returns a text file, also by an absolute path inside the workspace', async () => {
    const { workspace } = await makeSandbox({ 'src/a.ts': 'export const a = 1;\n' });
    const set = await tools(workspace);
    expect(await call(set, 'read_file', { path: 'src/a.ts' })).toEqual({ ok: true, output: 'export const a = 1;\n' });
    expect(await call(set, 'read_file', { path: './src/../src/a.ts' })).toEqual({ ok: true, output: 'export const a = 1;\n' });
    expect(await call(set, 'read_file', { path: join(workspace, 'src/a.ts') })).toEqual({ ok: true, output: 'export const a = 1;\n' });
  });

  it('cuts a large file at the cap with a note, never splitting a character', async () => {
    const { workspace } = await makeSandbox();
    const big = `${'a'.repeat(LIMITS.readFileBytes - 1)}é${'b'.repeat(1000)}`;
    await writeFile(join(workspace, 'big.txt'), big);
    const result = await call(await tools(workspace), 'read_file', { path: 'big.txt' });
    expect(result.ok).toBe(true);
    const [text, note] = result.output.split('\n[read_file: ');
    expect(text).toBe('a'.repeat(LIMITS.readFileBytes - 1));
    expect(note).toBe(`"big.txt" is 257 KB; only its first 256 KB are shown]`);
  });

  it('refuses binary files, directories and missing files with a clear message', async () => {
    const { workspace } = await makeSandbox({ 'dir/x.txt': 'x' });
    await writeFile(join(workspace, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
    const set = await tools(workspace);
    expect(await call(set, 'read_file', { path: 'image.png' })).toEqual({ ok: false, output: '"image.png" is a binary file (6 bytes); read_file only reads text' });
    expect(await call(set, 'read_file', { path: 'dir' })).toEqual({ ok: false, output: '"dir" is a directory; use list_files to see what it holds' });
    expect(await call(set, 'read_file', { path: 'nope.txt' })).toEqual({ ok: false, output: '"nope.txt" does not exist' });
    expect(await call(set, 'read_file', { path: 'dir/x.txt/y' })).toEqual({ ok: false, output: '"dir/x.txt/y": a part of this path is not a directory' });
  });
});

describe('list_files', () => {
  const files = {
    'README.md': '#',
    'src/a.ts': '',
    'src/b.js': '',
    'src/deep/c.ts': '',
    'src/deep/c.test.ts': '',
    '.github/workflows/ci.yml': '',
    '.git/HEAD': 'ref',
    'node_modules/x/index.js': '',
    'src/node_modules/y.js': '',
  };

  it('lists files recursively, sorted, workspace-relative, without .git and node_modules', async () => {
    const { workspace } = await makeSandbox(files);
    const set = await tools(workspace);
    expect((await call(set, 'list_files', {})).output.split('\n')).toEqual([
      '.github/workflows/ci.yml',
      'README.md',
      'src/a.ts',
      'src/b.js',
      'src/deep/c.test.ts',
      'src/deep/c.ts',
    ]);
    expect((await call(set, 'list_files', { path: 'src/deep' })).output.split('\n')).toEqual(['src/deep/c.test.ts', 'src/deep/c.ts']);
    // Asked for explicitly, node_modules itself can be listed.
    expect(await call(set, 'list_files', { path: 'node_modules' })).toEqual({ ok: true, output: 'node_modules/x/index.js' });
  });

  it('filters with a glob: names at any depth, or paths below "path"', async () => {
    const { workspace } = await makeSandbox(files);
    const set = await tools(workspace);
    const list = async (input: object) => (await call(set, 'list_files', input)).output.split('\n');
    expect(await list({ pattern: '*.ts' })).toEqual(['src/a.ts', 'src/deep/c.test.ts', 'src/deep/c.ts']);
    expect(await list({ pattern: '**/*.test.ts' })).toEqual(['src/deep/c.test.ts']);
    expect(await list({ pattern: 'src/*.{ts,js}' })).toEqual(['src/a.ts', 'src/b.js']);
    expect(await list({ path: 'src', pattern: 'deep/*.ts' })).toEqual(['src/deep/c.test.ts', 'src/deep/c.ts']);
    expect(await list({ pattern: '*.py' })).toEqual(['no files match "*.py" in .']);
    expect(await call(set, 'list_files', { pattern: 'src/{a' })).toEqual({ ok: false, output: 'unclosed "{" in pattern "src/{a"' });
  });

  it(`lists at most ${LIMITS.listFiles} files, saying how many there are`, async () => {
    const { workspace } = await makeSandbox();
    await mkdir(join(workspace, 'many'));
    await Promise.all(Array.from({ length: LIMITS.listFiles + 5 }, (_, i) => writeFile(join(workspace, 'many', `f${String(i).padStart(4, '0')}.txt`), '')));
    const lines = (await call(await tools(workspace), 'list_files', {})).output.split('\n');
    expect(lines).toHaveLength(LIMITS.listFiles + 1);
    expect(lines.at(-1)).toBe(`[list_files: showing ${LIMITS.listFiles} of ${LIMITS.listFiles + 5} files; narrow the listing with "path" or "pattern"]`);
  });
});

describe('search_files', () => {
  it('finds matching lines as file:line: text, skipping binary files, .git and node_modules', async () => {
    const { workspace } = await makeSandbox({
      'src/a.ts': 'const x = 1;\n// TODO: fix\nconst y = 2;\n',
      'src/b.ts': 'nothing here\r\n  // FIXME later\r\n',
      '.git/config': 'TODO in git',
      'node_modules/m/index.js': '// TODO in a dependency',
    });
    await writeFile(join(workspace, 'bin.dat'), Buffer.concat([Buffer.from('TODO'), Buffer.from([0, 1, 2])]));
    const set = await tools(workspace);
    expect(await call(set, 'search_files', { pattern: 'TODO|FIXME' })).toEqual({ ok: true, output: 'src/a.ts:2: // TODO: fix\nsrc/b.ts:2:   // FIXME later' });
    expect(await call(set, 'search_files', { pattern: 'const \\w = 2', path: 'src/a.ts' })).toEqual({ ok: true, output: 'src/a.ts:3: const y = 2;' });
    expect(await call(set, 'search_files', { pattern: 'absent' })).toEqual({ ok: true, output: 'no matches for /absent/ in .' });
  });

  it('refuses an invalid regular expression', async () => {
    const { workspace } = await makeSandbox();
    const result = await call(await tools(workspace), 'search_files', { pattern: 'a(' });
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/^invalid regular expression: /);
  });

  it(`reports at most ${LIMITS.searchMatches} matches and cuts long lines`, async () => {
    const { workspace } = await makeSandbox({ 'many.txt': `${'hit\n'.repeat(LIMITS.searchMatches + 10)}`, 'long.txt': `hit ${'x'.repeat(1000)}` });
    const set = await tools(workspace);
    const lines = (await call(set, 'search_files', { pattern: 'hit' })).output.split('\n');
    expect(lines).toHaveLength(LIMITS.searchMatches + 1);
    expect(lines.at(-1)).toBe(`[search_files: showing ${LIMITS.searchMatches} of ${LIMITS.searchMatches + 11} matching lines; narrow the search with "path" or a more precise pattern]`);
    const long = (await call(set, 'search_files', { pattern: 'hit', path: 'long.txt' })).output;
    expect(long).toBe(`long.txt:1: hit ${'x'.repeat(LIMITS.searchLineChars - 4)}…`);
  });
});

describe('write_file', () => {
  it('writes a file, creating its folders, and replaces an existing one', async () => {
    const { workspace } = await makeSandbox({ 'old.txt': 'old' });
    const set = await tools(workspace, { yes: true });
    expect(await call(set, 'write_file', { path: 'a/b/c.txt', content: 'héllo\n' })).toEqual({ ok: true, output: 'wrote 7 bytes to a/b/c.txt' });
    expect(await readFile(join(workspace, 'a/b/c.txt'), 'utf8')).toBe('héllo\n');
    expect(await call(set, 'write_file', { path: 'old.txt', content: 'new' })).toEqual({ ok: true, output: 'wrote 3 bytes to old.txt' });
    expect(await readFile(join(workspace, 'old.txt'), 'utf8')).toBe('new');
  });

  it('refuses to write over a folder or below a file', async () => {
    const { workspace } = await makeSandbox({ 'dir/x': '', 'file.txt': '' });
    const set = await tools(workspace, { yes: true });
    expect(await call(set, 'write_file', { path: 'dir', content: '' })).toEqual({ ok: false, output: '"dir" is a directory' });
    expect(await call(set, 'write_file', { path: 'file.txt/x', content: '' })).toEqual({ ok: false, output: '"file.txt/x": a part of this path is not a directory' });
  });
});
