/**
 * search_files and list_files judge every folder and file the walk opens by the real path of its
 * descriptor, so links swapped while the walk runs cannot lead it out (CONTRACT §11). Real files,
 * a real racing process; nothing is mocked. (file-search.test.ts: time limits, secrets, entry limits.)
 */
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { realpath, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childPath, FOLDER_FLAGS, openInside, READ_FLAGS } from '../../src/tools/file-search/descriptor.js';
import { call, makeSandbox, tools } from './helpers.js';

/**
 * A child process swaps, as fast as it can: a folder `sub` for a link to outside (and back), a
 * link `link` between an inside folder and outside, and `file-link` between an inside file and
 * the outside secret. Whatever the timing, nothing of outside may ever appear.
 */
const FLIPPER = `
const fs = require('node:fs');
const [ws, outside] = process.argv.slice(1);
const at = (name) => ws + '/' + name;
const relink = (name, target) => { fs.symlinkSync(target, at('.tmp-' + name)); fs.renameSync(at('.tmp-' + name), at(name)); };
let flips = 0;
process.on('SIGTERM', () => { process.stdout.write(String(flips)); process.exit(0); });
// Batches between turns of the event loop, so that SIGTERM is seen.
(function batch() {
  for (let i = 0; i < 50; i++) {
    try {
      fs.renameSync(at('sub'), at('.parked'));
      fs.renameSync(at('.sub-link'), at('sub'));
      relink('link', outside);
      relink('file-link', outside + '/secret.txt');
      fs.renameSync(at('sub'), at('.sub-link'));
      fs.renameSync(at('.parked'), at('sub'));
      relink('link', 'inside-dir');
      relink('file-link', 'inside-dir/inside.txt');
      flips++;
    } catch {}
  }
  setImmediate(batch);
})();
`;

describe('links and folders swapped while the walk runs never lead it out', () => {
  it('search_files and list_files, run again and again against a racing swapper, return nothing from outside', async () => {
    const { workspace, outside } = await makeSandbox({ 'sub/inside.txt': 'inside TOP\n', 'inside-dir/inside.txt': 'inside TOP\n' });
    await writeFile(join(outside, 'only-outside.txt'), 'TOP-SECRET-VALUE, outside\n');
    await symlink(outside, join(workspace, '.sub-link'));
    await symlink('inside-dir', join(workspace, 'link'));
    await symlink('inside-dir/inside.txt', join(workspace, 'file-link'));
    const flipper = spawn(process.execPath, ['-e', FLIPPER, workspace, outside], { stdio: ['ignore', 'pipe', 'inherit'] });
    let flipped = '';
    flipper.stdout.on('data', (chunk: Buffer) => (flipped += chunk.toString()));
    const exited = new Promise((resolve) => flipper.on('exit', resolve));
    const set = await tools(workspace);
    const outputs: string[] = [];
    try {
      for (let round = 0; round < 40; round++) {
        const results = await Promise.all([
          call(set, 'search_files', { pattern: 'TOP|outside' }),
          call(set, 'list_files', {}),
          call(set, 'search_files', { pattern: 'TOP', path: 'sub' }),
          call(set, 'list_files', { path: 'sub' }),
          call(set, 'search_files', { pattern: 'TOP', path: 'link' }),
          call(set, 'list_files', { path: 'link' }),
          call(set, 'search_files', { pattern: 'TOP', path: 'file-link' }),
          call(set, 'search_files', { pattern: 'TOP', path: '.' }),
        ]);
        outputs.push(...results.map((result) => result.output));
      }
    } finally {
      flipper.kill('SIGTERM');
      const killer = setTimeout(() => flipper.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    expect(Number(flipped)).toBeGreaterThan(100); // the swapper really raced the walks
    for (const output of outputs) {
      expect(output).not.toMatch(/TOP-SECRET|secret\.txt|only-outside/);
    }
    // …and the walks did their work meanwhile.
    expect(outputs.some((output) => output.includes('sub/inside.txt:1: inside TOP'))).toBe(true);
  }, 60_000);

  it('every open is judged by what was opened: names below an open folder stay in it after a swap', async () => {
    const { workspace: given, outside } = await makeSandbox({ 'sub/inside.txt': 'inside\n' });
    const workspace = await realpath(given);
    await symlink(outside, join(workspace, 'out'));
    // A path that leads out once opened is refused, whatever it looked like.
    expect(openInside(workspace, join(workspace, 'out', 'secret.txt'), READ_FLAGS)).toBeUndefined();
    const folder = openInside(workspace, join(workspace, 'sub'), FOLDER_FLAGS)!;
    expect(folder.real).toBe(join(workspace, 'sub'));
    try {
      // The folder is swapped for a link to outside after it was opened and checked…
      await rename(join(workspace, 'sub'), join(workspace, 'parked'));
      await symlink(outside, join(workspace, 'sub'));
      // …and names looked up through its descriptor still find what it holds, never outside.
      const inside = openInside(workspace, childPath(folder.fd, folder.real, 'inside.txt'), READ_FLAGS)!;
      expect(inside.real).toBe(join(workspace, 'parked', 'inside.txt'));
      closeSync(inside.fd);
      expect(openInside(workspace, childPath(folder.fd, folder.real, 'secret.txt'), READ_FLAGS)).toBeUndefined();
      // A folder opened without following links cannot be a link at all.
      expect(openInside(workspace, join(workspace, 'sub'), FOLDER_FLAGS)).toBeUndefined();
    } finally {
      closeSync(folder.fd);
    }
  });
});
