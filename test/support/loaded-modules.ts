/**
 * Which of Loom's bundle files a `loom …` run loads: a module-loader hook appends every URL it
 * loads to a file. For tests that assert what a command must not pay for (an SDK in a dry run,
 * the meta-schema validator in a run).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOOM_BIN } from './cli.js';

export interface LoadedFile {
  url: string;
  source: string;
}

/** Runs each argument list in `cwd` and returns the dist/ files they loaded, with their text. */
export async function loadedBundleFiles(cwd: string, runs: string[][], env: Record<string, string> = {}): Promise<LoadedFile[]> {
  const dir = await mkdtemp(join(tmpdir(), 'loom-loaded-'));
  try {
    const hooks = join(dir, 'hooks.mjs');
    const log = join(dir, 'loaded.txt');
    await writeFile(hooks, `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }\n`);
    await writeFile(log, '');
    const register = `data:text/javascript,import{register}from"node:module";register(${JSON.stringify(new URL(`file://${hooks}`).href)})`;
    for (const args of runs) {
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['--import', register, LOOM_BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env }, stdio: 'ignore' });
        child.on('close', resolve);
      });
      if (code !== 0) throw new Error(`loom ${args.join(' ')} exited ${code}`);
    }
    const urls = [...new Set((await readFile(log, 'utf8')).split('\n').filter((url) => url.startsWith('file:') && url.includes('/dist/')))];
    return Promise.all(urls.map(async (url) => ({ url, source: await readFile(new URL(url), 'utf8') })));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
