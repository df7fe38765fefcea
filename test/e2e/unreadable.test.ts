/**
 * Files that exist but cannot be read are errors that name them, never silently skipped
 * (CONTRACT §10): a project config (exit 2 for every command), an agent's folder or file (a
 * problem of that agent: `validate` reports it, `agents` lists it, running it exits 2).
 *
 * Permissions mean nothing to root, so as root the CLI runs as `nobody` (setpriv); the tests skip
 * only where neither is possible.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOOM_BIN, runLoom, type CliResult } from '../support/cli.js';
import { makeWorkspace } from '../support/workspace.js';

const isRoot = process.getuid?.() === 0;
const canDropPrivileges = isRoot && spawnSync('setpriv', ['--version']).status === 0;
const canTest = process.platform !== 'win32' && (!isRoot || canDropPrivileges);

/** The workspace readable by everyone, as a user's own checkout would be readable by them. */
async function openUp(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await openUp(path);
    else await chmod(path, 0o644);
  }
}

/** Runs bin/loom as a user that file permissions apply to. */
function loomAsUser(args: string[], cwd: string): Promise<CliResult> {
  if (!isRoot) return runLoom(args, { cwd });
  const env = { PATH: process.env.PATH ?? '', HOME: cwd, XDG_CONFIG_HOME: `${cwd}/.xdg-config`, XDG_STATE_HOME: `${cwd}/.xdg-state`, LOOM_HOME: `${cwd}/.state` };
  return new Promise((resolve, reject) => {
    const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, LOOM_BIN, ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end('');
  });
}

async function project(files: Record<string, string | Record<string, unknown>> = {}) {
  const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' }, 'agents/hello/config.json': { prompt: 'Hello {{input}}' }, ...files });
  await openUp(cwd);
  // nobody writes its state beside the project: give it a folder it may write.
  await mkdir(join(cwd, '.state'), { mode: 0o777 });
  await chmod(join(cwd, '.state'), 0o777);
  return cwd;
}

describe.skipIf(!canTest)('a project config that cannot be read', () => {
  it('permissions: every command stops with exit 2 naming the file; nothing is sent elsewhere', async () => {
    const cwd = await project();
    await chmod(join(cwd, 'loom.config.json'), 0o000);
    for (const args of [['ask', 'hi'], ['run', 'hello', 'x'], ['agents'], ['providers'], ['config', 'show'], ['config', 'validate']]) {
      const result = await loomAsUser(args, cwd);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe('loom: error: cannot read loom.config.json: permission denied');
      expect(result.stdout).toBe('');
    }
  });

  it('a folder in its place, and bytes that are not UTF-8', async () => {
    const folder = await makeWorkspace({ 'loom.config.json/x': '' });
    const asFolder = await runLoom(['ask', 'hi'], { cwd: folder });
    expect(asFolder.code).toBe(2);
    expect(asFolder.stderr).toMatch(/^loom: error: cannot read loom\.config\.json: it is a folder, not a file\n/);

    const binary = await makeWorkspace();
    await writeFile(join(binary, 'loom.config.json'), Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]));
    for (const args of [['ask', 'hi'], ['config', 'validate']]) {
      const result = await runLoom(args, { cwd: binary });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^loom: error: cannot read loom\.config\.json: it is not UTF-8 text\n/);
    }
  });
});

describe.skipIf(!canTest)('an agent that cannot be read', () => {
  it('an unreadable config.json or agent folder is that agent\'s problem: validate reports it, agents lists it, running it exits 2', async () => {
    const cwd = await project({ 'agents/secret/config.json': { prompt: 'x' }, 'agents/locked/config.json': { prompt: 'y' } });
    await chmod(join(cwd, 'agents/secret/config.json'), 0o000);
    await chmod(join(cwd, 'agents/locked'), 0o000);
    try {
      const validate = await loomAsUser(['config', 'validate', '--json'], cwd);
      expect(validate.code, validate.stderr).toBe(1);
      const report = JSON.parse(validate.stdout) as { files: { path: string; problems: { message: string }[] }[] };
      const problem = (name: string) => report.files.find((file) => file.path === `agents/${name}/config.json`)?.problems[0]?.message;
      expect(problem('secret')).toBe('cannot read agents/secret/config.json: permission denied');
      expect(problem('locked')).toBe('cannot read the agent folder locked/: permission denied');
      expect(report.files.find((file) => file.path === 'agents/hello/config.json')?.problems).toEqual([]);

      const agents = await loomAsUser(['agents', '--json'], cwd);
      expect(agents.code, agents.stderr).toBe(0);
      expect(JSON.parse(agents.stdout).map((a: { name: string; problem: string | null }) => [a.name, a.problem])).toEqual([
        ['hello', null],
        ['locked', 'agent "locked": cannot read the agent folder locked/: permission denied'],
        ['secret', 'cannot read agents/secret/config.json: permission denied'],
      ]);

      for (const name of ['secret', 'locked']) {
        const run = await loomAsUser(['run', name, 'x'], cwd);
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toMatch(/^loom: error: .*permission denied\n/);
      }
      expect((await loomAsUser(['run', 'hello', 'x'], cwd)).code).toBe(0);
    } finally {
      await chmod(join(cwd, 'agents/locked'), 0o755);
    }
  });
});

describe('config validate with nothing to validate', () => {
  it('exits 2, saying no config was found and how to make one', async () => {
    const cwd = await makeWorkspace();
    const result = await runLoom(['config', 'validate'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^loom: error: no loom\.config\.json found in .* or any folder above it, and no user config\nhint: run `loom init` to create one, or pass --config <path>\n$/);
    expect((await stat(cwd)).isDirectory()).toBe(true);
  });
});

describe.skipIf(!canTest)('a .env that cannot be read', () => {
  it('is an error naming it, not keys silently missing', async () => {
    const cwd = await project({ '.env': 'OPENAI_API_KEY=sk-test-0123456789\n' });
    await chmod(join(cwd, '.env'), 0o000);
    const result = await loomAsUser(['ask', 'hi'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(`loom: error: cannot read ${join(cwd, '.env')}: permission denied`);
  });
});
