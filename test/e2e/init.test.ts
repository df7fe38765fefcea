import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLoom } from '../support/cli.js';
import { makeWorkspace } from '../support/workspace.js';

describe('loom init', () => {
  it('scaffolds a project that validates, and adds .loom/ to .gitignore', async () => {
    const cwd = await makeWorkspace();
    const result = await runLoom(['init'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('created  loom.config.json');
    expect(result.stdout).toContain('created  agents/hello/config.json');
    expect(result.stdout).toContain('created  .gitignore');
    expect(await readFile(join(cwd, '.gitignore'), 'utf8')).toBe('.loom/\n');
    const config = JSON.parse(await readFile(join(cwd, 'loom.config.json'), 'utf8')) as { $schema: string };
    expect(config.$schema).toMatch(/config\.schema\.json$/);

    const validate = await runLoom(['config', 'validate', '--no-keys'], { cwd });
    expect(validate.stdout).toContain('0 errors, 0 warnings in 2 files');
    expect(validate.code).toBe(0);
  });

  it('never overwrites, says what it skipped, and appends to an existing .gitignore', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': '{"defaultProvider":"mock"}\n', '.gitignore': 'node_modules' });
    const result = await runLoom(['init'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('skipped  loom.config.json (exists)');
    expect(await readFile(join(cwd, 'loom.config.json'), 'utf8')).toBe('{"defaultProvider":"mock"}\n');
    expect(await readFile(join(cwd, '.gitignore'), 'utf8')).toBe('node_modules\n.loom/\n');

    const again = await runLoom(['init'], { cwd });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('skipped  agents/hello/prompt.md (exists)');
    expect(again.stdout).toContain('skipped  .gitignore (already ignores .loom/)');
    expect(await readFile(join(cwd, '.gitignore'), 'utf8')).toBe('node_modules\n.loom/\n');
    await writeFile(join(cwd, 'x'), '');
  });
});
