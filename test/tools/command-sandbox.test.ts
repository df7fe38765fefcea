/**
 * CONTRACT §11 "Commands", §19: in the bubblewrap sandbox a command — approved, even with --yes —
 * writes only the workspace and the temp dir, not a protected path, and has no network; with
 * `{"network": true}` it has network, with `false` no sandbox at all. Where bubblewrap cannot run,
 * the sandbox tests are skipped with the reason, and the choice of no sandbox is tested instead.
 *
 * Layout: `root/workspace`, `root/outside` beside it, and `root/tmp` as the temp dir (TMPDIR), so
 * that "outside the workspace" is not also inside the writable temp dir.
 */
import { createServer as createNetServer, type Server } from 'node:net';
import { chmod, mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILTIN_TOOLS } from '../../src/core/config.js';
import { chooseSandbox, sandboxKind } from '../../src/tools/command-sandbox.js';
import { createToolSet } from '../../src/tools/index.js';
import { noSandbox, sandboxTitle } from './command-helpers.js';
import { call, snapshot, tools } from './helpers.js';

let root: string;
let workspace: string;
let outside: string;
let temp: string;
const savedTmp = process.env.TMPDIR;

beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'loom-sandbox-')));
  [workspace, outside, temp] = ['workspace', 'outside', 'tmp'].map((name) => join(root, name)) as [string, string, string];
  for (const dir of [workspace, outside, temp]) await mkdir(dir);
  process.env.TMPDIR = temp;
});

afterEach(async () => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  await rm(root, { recursive: true, force: true });
});

const exists = (path: string) => stat(path).then(() => true, () => false);

async function files(entries: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(entries)) {
    await mkdir(join(workspace, path, '..'), { recursive: true });
    await writeFile(join(workspace, path), content);
  }
}

/** A loopback TCP server counting the connections it gets. */
async function loopback(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server: Server = createNetServer((socket) => {
    count++;
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { port, connections: () => count, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const connect = (target: string) =>
  `node -e 'const s = require("net").connect(${target}); s.on("connect", () => { console.log("connected"); s.destroy(); }); s.on("error", (e) => { console.log("failed: " + e.code); process.exitCode = 1; })'`;

describe.skipIf(noSandbox)(sandboxTitle('a sandboxed command'), () => {
  it('cannot write outside the workspace and the temp dir, however the path is written', async () => {
    const set = await tools(workspace, { yes: true, shell: true });
    const elsewhere = `/var/tmp/loom-sandbox-escape-${process.pid}`;
    try {
      for (const target of [join(outside, 'x'), `${temp}/../outside/y`, join(root, 'z'), elsewhere]) {
        const result = await call(set, 'run_command', { command: `touch '${target}'` });
        expect(result.ok, result.output).toBe(false);
        expect(result.output).toContain('Read-only file system');
        expect(await exists(target)).toBe(false);
      }
    } finally {
      await rm(elsewhere, { force: true });
    }
  });

  it('can write workspace files and the temp dir', async () => {
    await files({ 'notes.txt': 'old\n' });
    const set = await tools(workspace, { yes: true, shell: true });
    const result = await call(set, 'run_command', { command: `echo new > notes.txt && mkdir -p build && touch build/out.js && echo t > '${temp}/t.txt'` });
    expect(result).toEqual({ ok: true, output: 'exit code: 0\nstdout: (empty)\nstderr: (empty)' });
    expect(await readFile(join(workspace, 'notes.txt'), 'utf8')).toBe('new\n');
    expect(await exists(join(workspace, 'build', 'out.js'))).toBe(true);
    expect(await readFile(join(temp, 't.txt'), 'utf8')).toBe('t\n');
  });

  it('cannot write a protected path inside the workspace, even with --yes', async () => {
    await files({
      '.git/config': '[core]\n',
      '.git/hooks/pre-commit.sample': '#!/bin/sh\n',
      'package.json': '{"scripts":{"test":"vitest"}}\n',
      'packages/a/package.json': '{}\n',
      '.env': 'A=1\n',
      'agents/bot/config.json': '{}\n',
      'loom.config.json': '{}\n',
      '.github/workflows/ci.yml': 'on: push\n',
      'src/index.ts': 'export {};\n',
    });
    const before = await snapshot(workspace);
    const set = await tools(workspace, { yes: true, shell: true, protect: { folders: [join(workspace, 'agents')], files: [join(workspace, 'loom.config.json')] } });
    const attempts = [
      'echo "[alias] x = !evil" >> .git/config',
      'echo "#!/bin/sh" > .git/hooks/pre-commit',
      'echo \'{"scripts":{"test":"evil"}}\' > package.json',
      'echo {} > packages/a/package.json',
      'echo KEY=planted >> .env',
      'echo x > agents/x',
      'echo {} > agents/bot/config.json',
      'echo {} > loom.config.json',
      'echo evil > .github/workflows/evil.yml',
      'rm -rf .git',
      'mv package.json package.old',
    ];
    for (const command of attempts) {
      const result = await call(set, 'run_command', { command });
      expect(result.ok, `${command}\n${result.output}`).toBe(false);
    }
    expect(await snapshot(workspace)).toEqual(before);
    // The rest of the workspace stays writable.
    expect((await call(set, 'run_command', { command: 'echo more >> src/index.ts' })).ok).toBe(true);
  });

  it('has no network: a loopback server of the machine cannot be reached, and neither can its Unix sockets', async () => {
    const server = await loopback();
    const socketPath = join(temp, 'daemon.sock');
    let unixConnections = 0;
    const unix = createNetServer((socket) => {
      unixConnections++;
      socket.end();
    });
    await new Promise<void>((resolve) => unix.listen(socketPath, resolve));
    try {
      const set = await tools(workspace, { yes: true });
      const tcp = await call(set, 'run_command', { command: connect(`${server.port}, "127.0.0.1"`) });
      expect(tcp.output).toContain('failed: ECONNREFUSED');
      const local = await call(set, 'run_command', { command: connect(JSON.stringify(socketPath)) });
      expect(local.output).toContain('failed: ECONNREFUSED');
      expect([server.connections(), unixConnections]).toEqual([0, 0]);
    } finally {
      await server.close();
      await new Promise<void>((resolve) => unix.close(() => resolve()));
    }
  });

  it('with "sandbox": {"network": true}, can reach the network but still not write outside', async () => {
    const server = await loopback();
    try {
      const set = await tools(workspace, { yes: true, sandbox: { network: true } });
      const result = await call(set, 'run_command', { command: connect(`${server.port}, "127.0.0.1"`) });
      expect(result.output).toContain('connected');
      expect(server.connections()).toBe(1);
      expect((await call(set, 'run_command', { command: `touch ${join(outside, 'x')}` })).ok).toBe(false);
      expect(await exists(join(outside, 'x'))).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('runs without capabilities, without a terminal of its own and with /proc/sys read-only', async () => {
    const set = await tools(workspace, { yes: true, shell: true });
    const result = await call(set, 'run_command', { command: `grep CapEff /proc/self/status; grep ' /proc/sys ' /proc/self/mounts | cut -d' ' -f4 | cut -d, -f1; sh -c ': < /dev/tty' 2>/dev/null || echo 'no tty'` });
    expect(result.output).toMatch(/CapEff:\s+0+\nro\nno tty\n/);
  });

  it('says when a program does not exist or cannot run, as without the sandbox', async () => {
    await files({ 'script.sh': '#!/bin/sh\necho hi\n' });
    const set = await tools(workspace, { yes: true });
    expect(await call(set, 'run_command', { command: 'loom-no-such-program --flag' })).toEqual({ ok: false, output: 'command not found: "loom-no-such-program"' });
    expect(await call(set, 'run_command', { command: './script.sh' })).toEqual({ ok: false, output: 'cannot run "./script.sh": permission denied' });
    await chmod(join(workspace, 'script.sh'), 0o755);
    expect(await call(set, 'run_command', { command: './script.sh' })).toEqual({ ok: true, output: 'exit code: 0\n--- stdout ---\nhi\nstderr: (empty)' });
  });

  it('--dry-run calls it "bwrap"', () => {
    expect(sandboxKind({ builtins: ['run_command'], sandbox: true, workspace })).toBe('bwrap');
    expect(sandboxKind({ builtins: ['run_command'], sandbox: { network: true }, workspace })).toBe('bwrap');
  });
});

describe('without the sandbox', () => {
  it('"sandbox": false runs commands unsandboxed: outside the workspace and the network are reachable', async () => {
    const server = await loopback();
    try {
      const set = await tools(workspace, { yes: true, sandbox: false });
      expect((await call(set, 'run_command', { command: `touch ${join(outside, 'x')}` })).ok).toBe(true);
      expect(await exists(join(outside, 'x'))).toBe(true);
      expect((await call(set, 'run_command', { command: connect(`${server.port}, "127.0.0.1"`) })).output).toContain('connected');
    } finally {
      await server.close();
    }
  });

  it('bubblewrap counts as absent when it is not on PATH, or cannot create its namespaces, or is in the workspace', async () => {
    const bin = join(root, 'bin');
    await mkdir(bin);
    expect(chooseSandbox(true, { PATH: bin })).toEqual({ sandbox: undefined, unavailable: 'bubblewrap (bwrap) is not installed' });
    await writeFile(join(bin, 'bwrap'), '#!/bin/sh\necho "bwrap: No permissions to create new namespace, likely because the kernel does not allow non-privileged user namespaces." >&2\nexit 1\n', { mode: 0o755 });
    expect(chooseSandbox(true, { PATH: bin })).toEqual({
      sandbox: undefined,
      unavailable: `bubblewrap (${bin}/bwrap) cannot create its namespaces here: bwrap: No permissions to create new namespace, likely because the kernel does not allow non-privileged user namespaces.`,
    });
    // A `bwrap` an agent could have written into the workspace is never taken for the sandbox.
    const planted = join(workspace, 'node_modules', '.bin');
    await mkdir(planted, { recursive: true });
    await writeFile(join(planted, 'bwrap'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    expect(chooseSandbox(true, { PATH: planted }, workspace)).toEqual({ sandbox: undefined, unavailable: 'bubblewrap (bwrap) is not installed' });
    expect(chooseSandbox(false, { PATH: bin })).toEqual({ sandbox: undefined });
  });

  it("run_command's description states the configured sandbox, the same on a machine without bubblewrap (fixture keys hold it)", async () => {
    const describe = async (sandbox: boolean | { network: boolean }, PATH: string | undefined) => {
      const set = await createToolSet({ builtins: ['run_command'], mcpServers: {}, workspace, allow: [], yes: true, shell: false, configDir: workspace, env: { ...process.env, PATH }, sandbox });
      try {
        return set.specs.find((spec) => spec.name === 'run_command')?.description;
      } finally {
        await set.close();
      }
    };
    const here = await describe(true, process.env.PATH);
    expect(here).toContain('Sandboxed: only the workspace');
    expect(await describe(true, join(root, 'empty'))).toBe(here);
    expect(await describe({ network: true }, join(root, 'empty'))).toContain('there is network access');
    expect(await describe(false, process.env.PATH)).not.toContain('Sandboxed');
  });

  it('--dry-run calls it "none": sandbox false, no bubblewrap, or no run_command', () => {
    expect(sandboxKind({ builtins: ['run_command'], sandbox: false, workspace })).toBe('none');
    expect(sandboxKind({ builtins: ['run_command'], sandbox: true, workspace }, { PATH: join(root, 'empty') })).toBe('none');
    expect(sandboxKind({ builtins: ['read_file'], sandbox: true, workspace })).toBe('none');
    expect(sandboxKind(null)).toBe('none');
  });

  it('a run whose agent has run_command warns once that commands run unsandboxed; not with "sandbox": false or without run_command', async () => {
    const warnings: string[] = [];
    const make = (options: { builtins: readonly string[]; sandbox?: boolean }) =>
      createToolSet({ mcpServers: {}, workspace, allow: [], yes: true, shell: false, configDir: workspace, env: { PATH: join(root, 'empty') }, warn: (message) => warnings.push(message), ...options });
    const sets = [await make({ builtins: BUILTIN_TOOLS }), await make({ builtins: BUILTIN_TOOLS, sandbox: false }), await make({ builtins: ['read_file'] })];
    await Promise.all(sets.map((set) => set.close()));
    expect(warnings).toEqual([
      'commands run unsandboxed: bubblewrap (bwrap) is not installed. They can write outside the workspace and use the network, and processes they detach are stopped on a best-effort basis. Install bubblewrap, or set "sandbox": false in the agent to run its commands unsandboxed without this warning.',
    ]);
  });
});
