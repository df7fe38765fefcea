/**
 * search_files and list_files cannot hang the run and cannot be used as a secret oracle
 * (CONTRACT §11): their walk and matching run in a worker thread that is stopped at the call's
 * time limit or on abort; a file holding a known secret is skipped whole (and counted), `.env*`
 * and `.loom/` are never read nor listed; every folder and file the walk opens is judged by the
 * real path of its descriptor, so links swapped while it runs cannot lead it out
 * (file-search-race.test.ts).
 *
 * Real files, real worker threads; nothing is mocked.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KnownSecrets } from '../../src/core/secrets.js';
import { LIMITS } from '../../src/tools/limits.js';
import { call, makeSandbox, tools } from './helpers.js';

/** Takes exponential time on a line of many `a`s that does not end in one. */
const REDOS = '(a+)+$';
const REDOS_LINE = `${'a'.repeat(40)}b`;
/** A glob whose regular expression backtracks for ages on a long name of `a`s. */
const GLOB_BOMB = '*a*a*a*a*a*a*a*a*a*a*a*a*b';
const A_NAME = 'a'.repeat(200);

const stoppedSearch = (limit: string) => `search_files: stopped after ${limit} (the pattern or the search is too slow); narrow "path" or simplify the pattern`;
const stoppedList = (limit: string) => `list_files: stopped after ${limit} (the pattern or the listing is too slow); narrow "path" or simplify the pattern`;

async function timed<T>(promise: Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await promise;
  return { value, ms: performance.now() - start };
}

describe('a pattern that would run for ever is stopped at the time limit', () => {
  it('search_files with a catastrophic regular expression returns "stopped" in time, and the tool set still works', async () => {
    const { workspace } = await makeSandbox({ 'src/long.txt': `${REDOS_LINE}\n`, 'src/ok.txt': 'fine b\n' });
    const set = await tools(workspace, { fileSearchTimeoutMs: 300 });
    const { value, ms } = await timed(call(set, 'search_files', { pattern: REDOS }));
    expect(value).toEqual({ ok: false, output: stoppedSearch('300 ms') });
    expect(ms).toBeLessThan(1500);
    expect(await call(set, 'search_files', { pattern: 'b$', path: 'src' })).toEqual({ ok: true, output: `src/long.txt:1: ${REDOS_LINE}\nsrc/ok.txt:1: fine b` });
  });

  it('list_files with a glob bomb returns "stopped" in time, over a folder and over one file, and the tool set still works', async () => {
    const { workspace } = await makeSandbox({ [`names/${A_NAME}`]: '', 'names/b.txt': '' });
    const set = await tools(workspace, { fileSearchTimeoutMs: 300 });
    for (const path of ['.', `names/${A_NAME}`]) {
      const { value, ms } = await timed(call(set, 'list_files', { path, pattern: GLOB_BOMB }));
      expect(value, path).toEqual({ ok: false, output: stoppedList('300 ms') });
      expect(ms).toBeLessThan(1500);
    }
    expect(await call(set, 'list_files', { pattern: '*.txt' })).toEqual({ ok: true, output: 'names/b.txt' });
  });

  it('the main thread stays free while a pattern runs: timers fire on time', async () => {
    const { workspace } = await makeSandbox({ 'long.txt': REDOS_LINE });
    const set = await tools(workspace, { fileSearchTimeoutMs: 1000 });
    let last = performance.now();
    let longestGap = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 10);
    try {
      expect(await call(set, 'search_files', { pattern: REDOS })).toEqual({ ok: false, output: stoppedSearch('1 s') });
    } finally {
      clearInterval(ticker);
    }
    expect(longestGap).toBeLessThan(250);
  });

  it(`the limit is ${LIMITS.fileSearchTimeoutMs / 1000} s by default, and the tools say so`, async () => {
    expect(LIMITS.fileSearchTimeoutMs).toBe(10_000);
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { builtins: ['search_files', 'list_files'] });
    for (const spec of set.specs) expect(spec.description).toContain('stopped after 10 s');
  });

  it('an abort mid-search returns at once, not at the time limit, and a later call works', async () => {
    const { workspace } = await makeSandbox({ 'long.txt': REDOS_LINE });
    const set = await tools(workspace);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const { value, ms } = await timed(call(set, 'search_files', { pattern: REDOS }, controller.signal));
    expect(value).toEqual({ ok: false, output: 'the tool call was aborted' });
    expect(ms).toBeLessThan(700);
    expect(await call(set, 'list_files', {})).toEqual({ ok: true, output: 'long.txt' });
  });

  it('closing the tool set stops a search that is running', async () => {
    const { workspace } = await makeSandbox({ 'long.txt': REDOS_LINE });
    const set = await tools(workspace);
    const running = timed(call(set, 'search_files', { pattern: REDOS }));
    await new Promise((resolve) => setTimeout(resolve, 150));
    await set.close();
    const { value, ms } = await running;
    expect(value).toEqual({ ok: false, output: 'the tool call was aborted' });
    expect(ms).toBeLessThan(700);
  });
});

describe('no result depends on a secret', () => {
  const KEY = 'sk-proj-Oracle0123456789abcdefXYZ';
  const files = {
    '.env': `OPENAI_API_KEY=${KEY}\n`,
    'config/settings.txt': `# copied by hand\nOPENAI_API_KEY=${KEY}\nmode=fast\n`,
    'config/encoded.txt': `token: ${Buffer.from(KEY).toString('base64')}\n`,
    'config/.env.local': `OPENAI_API_KEY=${KEY}\n`,
    'deep/er/.env.production': 'OPENAI_API_KEY=placeholder-but-still-an-env-file\n',
    '.loom/runs.jsonl': `{"input":"OPENAI_API_KEY=${KEY}"}\n`,
    'notes.md': 'OPENAI_API_KEY=<put yours in .env>\nmode=slow\n',
  };
  const secrets = () => {
    const known = new KnownSecrets();
    known.add(KEY);
    return known;
  };

  it('the oracle attack learns nothing: the result is the same whatever the guess, and never a match', async () => {
    const { workspace } = await makeSandbox(files);
    const set = await tools(workspace, { secrets: secrets() });
    const outputs = new Set<string>();
    for (let i = 0; i < 6; i++) {
      for (const guess of new Set([KEY[i + 8]!, 'x', 'Q', '0'])) {
        const pattern = `^OPENAI_API_KEY=.{${i + 8}}${guess}`;
        const result = await call(set, 'search_files', { pattern });
        expect(result.ok).toBe(true);
        outputs.add(result.output.replace(`/${pattern}/`, '/<pattern>/'));
      }
    }
    expect([...outputs]).toEqual(['no matches for /<pattern>/ in .\n[search_files: 2 files were skipped because they hold a secret Loom knows]']);
  });

  it('skips files holding a secret (as is or encoded) and says how many; other files are searched as before', async () => {
    const { workspace } = await makeSandbox(files);
    const set = await tools(workspace, { secrets: secrets() });
    expect(await call(set, 'search_files', { pattern: '^mode=|^OPENAI' })).toEqual({
      ok: true,
      output: 'notes.md:1: OPENAI_API_KEY=<put yours in .env>\nnotes.md:2: mode=slow\n[search_files: 2 files were skipped because they hold a secret Loom knows]',
    });
    expect(await call(set, 'search_files', { pattern: 'mode', path: 'config/settings.txt' })).toEqual({
      ok: true,
      output: 'no matches for /mode/ in config/settings.txt\n[search_files: 1 file was skipped because it holds a secret Loom knows]',
    });
    // Without a known secret, nothing is skipped: the skip is the secret's doing, not the file's.
    const plain = await tools(workspace);
    expect((await call(plain, 'search_files', { pattern: '^mode=' })).output).toBe('config/settings.txt:3: mode=fast\nnotes.md:2: mode=slow');
  });

  it('never reads .env files (at any depth) nor .loom/, also through a link or when asked by name', async () => {
    const { workspace } = await makeSandbox(files);
    await symlink('.env', join(workspace, 'env-link.txt'));
    await symlink('.loom/runs.jsonl', join(workspace, 'log-link.txt'));
    const set = await tools(workspace, { secrets: secrets() });
    expect((await call(set, 'search_files', { pattern: 'OPENAI_API_KEY' })).output).toBe(
      'notes.md:1: OPENAI_API_KEY=<put yours in .env>\n[search_files: 2 files were skipped because they hold a secret Loom knows]',
    );
    for (const [path, why] of [
      ['.env', '.env files hold credentials and are never read by tools'],
      ['config/.env.local', '.env.local files hold credentials and are never read by tools'],
      ['.loom', ".loom/ holds Loom's own state and is never read by tools"],
      ['env-link.txt', '.env files hold credentials and are never read by tools'],
    ]) {
      expect(await call(set, 'search_files', { pattern: 'KEY', path }), path).toEqual({ ok: false, output: `refused: "${path}": ${why}` });
      expect(await call(set, 'list_files', { path }), path).toEqual({ ok: false, output: `refused: "${path}": ${why}` });
    }
  });

  it('list_files leaves .env files and .loom out by name, and links to them too', async () => {
    const { workspace } = await makeSandbox(files);
    await symlink('.env', join(workspace, 'env-link.txt'));
    await writeFile(join(workspace, '.ENV'), 'x');
    const set = await tools(workspace);
    expect((await call(set, 'list_files', {})).output.split('\n')).toEqual(['config/encoded.txt', 'config/settings.txt', 'notes.md']);
    expect(await call(set, 'list_files', { pattern: '.env*' })).toEqual({ ok: true, output: 'no files match ".env*" in .' });
  });
});

describe(`a walk stopped at ${LIMITS.walkEntries} entries says so`, () => {
  it('instead of "no matches" or "no files", and under results', async () => {
    const { workspace } = await makeSandbox({ 'a-first.txt': 'needle\n' });
    await mkdir(join(workspace, 'many'));
    // touch in bulk: 100,001 files in about as many seconds as it takes to say it.
    execFileSync('sh', ['-c', `seq -f 'f%06g' 1 ${LIMITS.walkEntries + 1} | xargs touch`], { cwd: join(workspace, 'many') });
    // The cap is what is tested, not the clock: on a loaded machine four walks of 100,000 entries
    // at once may take longer than the 10 s a call gets.
    const set = await tools(workspace, { fileSearchTimeoutMs: 55_000 });
    const [search, found, listing, none] = await Promise.all([
      call(set, 'search_files', { pattern: 'absent' }),
      call(set, 'search_files', { pattern: 'needle' }),
      call(set, 'list_files', {}),
      call(set, 'list_files', { pattern: '*.md' }),
    ]);
    expect(search).toEqual({ ok: true, output: `incomplete: stopped after ${LIMITS.walkEntries} entries without a match for /absent/ in .; narrow "path" to search the rest` });
    expect(found).toEqual({ ok: true, output: `a-first.txt:1: needle\n[search_files: incomplete: stopped after ${LIMITS.walkEntries} entries; narrow "path" to search the rest]` });
    expect(none).toEqual({ ok: true, output: `incomplete: stopped after ${LIMITS.walkEntries} entries without a file matching "*.md" in .; narrow "path" to list the rest` });
    const lines = listing.output.split('\n');
    expect(lines).toHaveLength(LIMITS.listFiles + 2);
    // Entries: a-first.txt, many, then many/f000001 … up to the cap: one folder, the rest files.
    expect(lines.slice(-2)).toEqual([
      `[list_files: showing ${LIMITS.listFiles} of ${LIMITS.walkEntries - 1} files; narrow the listing with "path" or "pattern"]`,
      `[list_files: incomplete: stopped after ${LIMITS.walkEntries} entries; narrow "path" to list the rest]`,
    ]);
  }, 60_000);
});
