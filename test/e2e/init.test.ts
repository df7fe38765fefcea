import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runLoom } from '../support/cli.js';
import { makeWorkspace } from '../support/workspace.js';

describe('loom init', () => {
  it('scaffolds a project that validates, and ignores .loom/ and .env in a new .gitignore', async () => {
    const cwd = await makeWorkspace();
    const result = await runLoom(['init'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('created  loom.config.json');
    expect(result.stdout).toContain('created  agents/hello/config.json');
    expect(result.stdout).toContain('created  .gitignore');
    expect(await readFile(join(cwd, '.gitignore'), 'utf8')).toBe('.loom/\n.env\n');

    const validate = await runLoom(['config', 'validate', '--no-keys'], { cwd });
    expect(validate.stdout).toContain('0 errors, 0 warnings in 2 files');
    expect(validate.code).toBe(0);
  });

  it('writes "$schema" only as a path inside the project; outside it, says how to get completion', async () => {
    // This checkout's Loom is not inside the temporary project: no path into it is written.
    const cwd = await makeWorkspace();
    const result = await runLoom(['init'], { cwd });
    const config = JSON.parse(await readFile(join(cwd, 'loom.config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).not.toHaveProperty('$schema');
    expect(JSON.parse(await readFile(join(cwd, 'agents/hello/config.json'), 'utf8'))).not.toHaveProperty('$schema');
    expect(result.stdout).toContain('"./node_modules/loom/config.schema.json"');
  });

  it('never overwrites, says what it skipped, and appends what an existing .gitignore lacks', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': '{"defaultProvider":"mock"}\n', '.gitignore': 'node_modules\n/.loom' });
    const result = await runLoom(['init'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('skipped  loom.config.json (exists)');
    expect(result.stdout).toContain('updated  .gitignore (added .env)');
    expect(await readFile(join(cwd, 'loom.config.json'), 'utf8')).toBe('{"defaultProvider":"mock"}\n');
    expect(await readFile(join(cwd, '.gitignore'), 'utf8')).toBe('node_modules\n/.loom\n.env\n');

    const again = await runLoom(['init'], { cwd });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('skipped  agents/hello/prompt.md (exists)');
    expect(again.stdout).toContain('skipped  .gitignore (already ignores .loom/ and .env)');
    expect(await readFile(join(cwd, '.gitignore'), 'utf8')).toBe('node_modules\n/.loom\n.env\n');
  });

  it('never writes through a symbolic link that leads out of the project (.gitignore, the agents folder)', async () => {
    const root = await makeWorkspace({ 'outside/gitignore': 'keep me\n', 'outside/agents/.keep': '' });
    const cwd = join(root, 'project');
    await mkdir(cwd);
    await symlink(join(root, 'outside', 'gitignore'), join(cwd, '.gitignore'));
    await symlink(join(root, 'outside', 'agents'), join(cwd, 'agents'));
    const result = await runLoom(['init'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('loom: warning: skipped .gitignore: it is a symbolic link that leads outside the project');
    expect(result.stderr).toContain('loom: warning: skipped agents/hello/config.json: it leads outside the project through a symbolic link');
    expect(await readFile(join(root, 'outside', 'gitignore'), 'utf8')).toBe('keep me\n');
    await expect(readFile(join(root, 'outside', 'agents', 'hello', 'config.json'))).rejects.toThrow();
    expect(result.stdout).toContain('created  loom.config.json');
    await writeFile(join(cwd, 'x'), '');
  });
});

describe('loom init in a project that has Loom installed', () => {
  it('points "$schema" at node_modules/loom, also when that is a link to a checkout', async () => {
    const cwd = await makeWorkspace({ 'package.json': '{"name":"p","private":true}\n' });
    await mkdir(join(cwd, 'node_modules'));
    await symlink(fileURLToPath(new URL('../..', import.meta.url)), join(cwd, 'node_modules', 'loom'));
    const result = await runLoom(['init'], { cwd });
    expect(result.code).toBe(0);
    expect(JSON.parse(await readFile(join(cwd, 'loom.config.json'), 'utf8')).$schema).toBe('./node_modules/loom/config.schema.json');
    expect(JSON.parse(await readFile(join(cwd, 'agents/hello/config.json'), 'utf8')).$schema).toBe('../../node_modules/loom/agent.schema.json');
    expect(result.stdout).not.toContain('for editor completion');
  });
});
