/**
 * Installing Loom (CONTRACT §10, "Installing Loom is quick and quiet"): `npm pack` makes a tarball
 * of the built CLI; `npm install -g <tarball>` into a fresh prefix, offline and with an empty
 * cache, installs that one package — no runtime dependencies, so no install scripts to run or warn
 * about — in under 40 MB; and the installed `loom` works from another folder with nothing from
 * this checkout's node_modules. The README's way into another project (`npm install --save-dev
 * <tarball>`, then `npx loom`) is checked the same way.
 *
 * The tarball is packed once, from a copy of this checkout (its node_modules linked), so the
 * `prepack` build never swaps dist/ under the tests running beside this one.
 */
import { execFile } from 'node:child_process';
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL_ERROR } from '../../src/cli/report-error.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const MAX_INSTALLED_BYTES = 40 * 1024 * 1024;
/** Not copied for packing: installed, built or local state. */
const NOT_COPIED = new Set(['node_modules', 'dist', '.git', '.loom', 'coverage']);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let root: string;
/** An environment without the developer's npm settings (no npm_config_* from `npm test` either), a user config of our own, and an empty cache. */
let npmEnv: Record<string, string>;

/** Runs a command with stdin empty and closed (as in CI), collecting its output. */
function run(command: string, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { cwd: options.cwd, env: options.env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end();
  });
}

const npm = (args: string[], cwd: string): Promise<Result> => run('npm', args, { cwd, env: npmEnv });

/** The installed `loom`, as a user runs it from their project: HOME is the project, no keys. */
const loom = (bin: string, args: string[], cwd: string): Promise<Result> =>
  run(bin, args, { cwd, env: { PATH: npmEnv.PATH ?? '', HOME: cwd, XDG_CONFIG_HOME: join(cwd, '.xdg-config'), XDG_STATE_HOME: join(cwd, '.xdg-state') } });

/** Lines npm printed as warnings (`npm warn …`, `npm WARN …`). */
const npmWarnings = (result: Result): string[] => `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => /^npm warn/i.test(line));

/** Bytes on disk under `path`, links not followed (as `du` counts). */
async function diskUsage(path: string): Promise<number> {
  const stats = await lstat(path);
  if (!stats.isDirectory()) return stats.blocks * 512;
  const entries = await readdir(path);
  const sizes = await Promise.all(entries.map((entry) => diskUsage(join(path, entry))));
  return sizes.reduce((sum, size) => sum + size, stats.blocks * 512);
}

async function emptyProject(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  return dir;
}

let tarball: string;
let packed: { files: string[]; manifest: Record<string, unknown> };
let prefix: string;
let globalInstall: Result;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'loom-install-'));
  await writeFile(join(root, 'user.npmrc'), '');
  await writeFile(join(root, 'global.npmrc'), '');
  npmEnv = {
    PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(':'),
    HOME: root,
    npm_config_userconfig: join(root, 'user.npmrc'),
    npm_config_globalconfig: join(root, 'global.npmrc'),
    npm_config_cache: join(root, 'npm-cache'),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_loglevel: 'notice',
  };

  // A copy of the checkout to pack (its prepack builds dist/ there), node_modules linked.
  const source = join(root, 'source');
  await cp(REPO, source, {
    recursive: true,
    filter: (path) => {
      const top = path.slice(REPO.length).split('/').filter(Boolean)[0] ?? '';
      return !NOT_COPIED.has(top) && !/^dist\.(building|old)-/.test(top);
    },
  });
  await symlink(join(REPO, 'node_modules'), join(source, 'node_modules'));
  const pack = await npm(['pack', '--json', '--pack-destination', root], source);
  expect(pack.code, `npm pack failed:\n${pack.stderr}`).toBe(0);
  const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarball = join(root, info?.filename ?? '');
  const manifest = JSON.parse(await readFile(join(source, 'package.json'), 'utf8')) as Record<string, unknown>;
  packed = { files: (info?.files ?? []).map((file) => file.path), manifest };

  prefix = join(root, 'prefix');
  globalInstall = await npm(['install', '--global', '--prefix', prefix, '--offline', tarball], root);
}, 120_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('holds the built CLI, the schemas and the README, and no sources', () => {
    for (const file of ['package.json', 'README.md', 'bin/loom', 'bin/package.json', 'dist/main.cjs', 'config.schema.json', 'agent.schema.json']) {
      expect(packed.files).toContain(file);
    }
    expect(packed.files.filter((file) => /^(src|test|scripts|bench|node_modules)\//.test(file))).toEqual([]);
  });

  it('declares no runtime dependencies and no script that runs on install', () => {
    // The bundle holds every dependency: a `dependencies` entry would be downloaded (needing the
    // network) and installed again, and its install scripts would run or warn.
    expect(packed.manifest.dependencies ?? {}).toEqual({});
    expect(packed.manifest.optionalDependencies ?? {}).toEqual({});
    expect(packed.manifest.peerDependencies ?? {}).toEqual({});
    // npm lists these as install scripts to approve for a tarball, though it runs `prepare` only for git and folder installs.
    const scripts = Object.keys((packed.manifest.scripts ?? {}) as Record<string, string>);
    expect(scripts.filter((name) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(name))).toEqual([]);
  });
});

describe('npm install -g <tarball>, offline, into an empty prefix', () => {
  it('installs Loom alone, quietly', () => {
    // Offline with an empty cache: anything to download fails the install (ENOTCACHED).
    expect(globalInstall.code, `the install failed (did it need the network?):\n${globalInstall.stderr}`).toBe(0);
    expect(npmWarnings(globalInstall)).toEqual([]);
    expect(globalInstall.stdout).toMatch(/added 1 package\b/);
  });

  it('takes under 40 MB, with no node_modules of its own', async () => {
    const size = await diskUsage(prefix);
    expect(size, `the installed prefix holds ${(size / 1024 / 1024).toFixed(1)} MB`).toBeLessThan(MAX_INSTALLED_BYTES);
    await expect(lstat(join(prefix, 'lib/node_modules/loom/node_modules'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('gives a `loom` that works from another folder: --version, init, run, config validate', async () => {
    const bin = join(prefix, 'bin/loom');
    const project = await emptyProject('global-user');

    const version = await loom(bin, ['--version'], project);
    expect(version.stdout.trim()).toBe(packed.manifest.version);
    expect(version.code).toBe(0);

    const init = await loom(bin, ['init'], project);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);

    const hello = await loom(bin, ['run', 'hello', '-p', 'mock'], project);
    expect(hello.stderr).toBe('');
    expect(hello.stdout).toBe('Say hello to world in one short, friendly sentence.\n');
    expect(hello.code).toBe(0);

    const valid = await loom(bin, ['config', 'validate', '--no-keys'], project);
    expect(valid.stdout).toContain('0 errors, 0 warnings in 2 files');
    expect(valid.code).toBe(0);
  });

  it('reports a JSON syntax error and a broken output schema with their places (code loaded on demand)', async () => {
    const bin = join(prefix, 'bin/loom');
    const project = await emptyProject('global-broken');
    await writeFile(join(project, 'loom.config.json'), '{\n  "defaultProvider": "mock",\n}\n');
    // Not a plain schema: ajv compiles it, and finds the `$ref` that leads nowhere.
    await mkdir(join(project, 'agents/shape'), { recursive: true });
    await writeFile(
      join(project, 'agents/shape/config.json'),
      `${JSON.stringify({ prompt: 'Describe {{input}}', output: { schema: { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } } } }, null, 2)}\n`,
    );

    const result = await loom(bin, ['config', 'validate', '--no-keys'], project);
    const output = `${result.stdout}${result.stderr}`;
    expect(output).toMatch(/^loom\.config\.json:2:28: Trailing comma/m);
    expect(output).toMatch(/^agents\/shape\/config\.json:\d+:\d+: .*\$ref/m);
    expect(output).not.toMatch(/Cannot find module|MODULE_NOT_FOUND/);
    expect(output).not.toContain(INTERNAL_ERROR);
    expect(result.code).toBe(1);
  });
});

describe('npm install --save-dev <tarball> in a project, then npm ci, offline', () => {
  it('installs quietly; `npx loom` runs it, and `loom init` points "$schema" into node_modules/loom', async () => {
    const project = await emptyProject('project');
    await writeFile(join(project, 'package.json'), `${JSON.stringify({ name: 'some-project', private: true }, null, 2)}\n`);
    await cp(tarball, join(project, 'loom.tgz'));
    const install = await npm(['install', '--save-dev', '--offline', './loom.tgz'], project);
    expect(install.code, `the install failed (did it need the network?):\n${install.stderr}`).toBe(0);
    expect(npmWarnings(install)).toEqual([]);
    // As CI installs it: from the lockfile, into no node_modules.
    await rm(join(project, 'node_modules'), { recursive: true });
    const ci = await npm(['ci', '--offline'], project);
    expect(ci.code, `npm ci failed:\n${ci.stderr}`).toBe(0);
    expect(npmWarnings(ci)).toEqual([]);

    const version = await run('npx', ['--offline', 'loom', '--version'], { cwd: project, env: npmEnv });
    expect(version.stdout.trim()).toBe(packed.manifest.version);

    const init = await loom(join(project, 'node_modules/.bin/loom'), ['init'], project);
    expect(init.code).toBe(0);
    const config = JSON.parse(await readFile(join(project, 'loom.config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.$schema).toBe('./node_modules/loom/config.schema.json');
    await expect(lstat(join(project, 'node_modules/loom/config.schema.json'))).resolves.toBeTruthy();

    const valid = await loom(join(project, 'node_modules/.bin/loom'), ['config', 'validate', '--no-keys'], project);
    expect(valid.stdout).toContain('0 errors');
    expect(valid.code).toBe(0);
  });
});
