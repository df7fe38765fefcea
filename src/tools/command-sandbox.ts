/**
 * The `run_command` sandbox (CONTRACT §11 "Commands", §19): on Linux, where bubblewrap (`bwrap`)
 * is on PATH and can create its namespaces, a command runs with
 *
 * - the whole filesystem read-only, except the workspace and the system temp dir (`os.tmpdir()`);
 * - the protected paths that exist bound read-only again over the writable workspace, and other
 *   programs' Unix sockets hidden (command-mounts.ts);
 * - no network (its own network namespace, with only a loopback of its own), unless the agent
 *   has `"sandbox": {"network": true}`;
 * - its own PID namespace: when the command's first process ends, or bwrap is killed (the call
 *   ended, timed out or was aborted, or Loom died: `--die-with-parent`), the kernel kills every
 *   process of the namespace — `setsid` daemons and double forks included, with certainty;
 * - a new session (`--new-session`): no controlling terminal, so no TIOCSTI typing into the
 *   user's shell; no capabilities (`--cap-drop ALL`: run as root, the command could otherwise
 *   remount `/` writable), `/proc/sys` read-only, System V IPC of its own.
 *
 * `"sandbox": false` runs commands unsandboxed; so does a machine without a usable bwrap, and a
 * run whose agent has `run_command` then warns once (`unsandboxedWarning`).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { SandboxConfig } from '../core/config.js';
import { sandboxMounts } from './command-mounts.js';
import { ToolError } from './define-tool.js';
import type { ProtectedPaths } from './protected-paths.js';
import { isInside } from './workspace.js';

export interface Sandbox {
  /** Absolute path of the bwrap that passed the probe. */
  bwrap: string;
  network: boolean;
}

export type SandboxChoice = { sandbox: Sandbox; unavailable?: undefined } | { sandbox: undefined; unavailable?: string };

/** What every sandboxed command gets, and what the probe checks bwrap can do. */
const ISOLATION = ['--unshare-pid', '--unshare-ipc', '--die-with-parent', '--new-session', '--cap-drop', 'ALL'];
const SYSTEM = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--ro-bind-try', '/proc/sys', '/proc/sys', '--ro-bind-try', '/proc/sysrq-trigger', '/proc/sysrq-trigger'];

/** Why each bwrap cannot run (undefined: it can), probed once per process. */
const probes = new Map<string, string | undefined>();

function probe(bwrap: string): string | undefined {
  if (!probes.has(bwrap)) {
    const result = spawnSync(bwrap, [...SYSTEM, '--unshare-net', ...ISOLATION, '--', '/bin/sh', '-c', ':'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 5000,
      env: { PATH: '/usr/bin:/bin' },
    });
    const said = result.stderr?.toString('utf8').trim().split('\n')[0];
    probes.set(bwrap, result.status === 0 ? undefined : said || result.error?.message || `it ended with ${result.signal ?? `exit code ${result.status}`}`);
  }
  return probes.get(bwrap);
}

const isExecutableFile = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/**
 * bwrap on PATH, looked up in absolute folders outside the workspace only: a `bwrap` the agent
 * wrote into `node_modules/.bin` must not stand in for the sandbox in the next run.
 */
function findBwrap(env: NodeJS.ProcessEnv, workspace: string | undefined): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!isAbsolute(dir) || (workspace !== undefined && isInside(workspace, resolve(dir)))) continue;
    const candidate = join(dir, 'bwrap');
    if (isExecutableFile(candidate)) return realpathSync(candidate);
  }
  return undefined;
}

/** The sandbox commands of this agent run in, or why there is none (undefined when it is turned off). */
export function chooseSandbox(setting: SandboxConfig | undefined, env: NodeJS.ProcessEnv, workspace?: string): SandboxChoice {
  if (setting === false) return { sandbox: undefined };
  if (process.platform !== 'linux') return { sandbox: undefined, unavailable: `there is no command sandbox on ${process.platform} (bubblewrap needs Linux)` };
  const bwrap = findBwrap(env, workspace);
  if (bwrap === undefined) return { sandbox: undefined, unavailable: 'bubblewrap (bwrap) is not installed' };
  const problem = probe(bwrap);
  if (problem !== undefined) return { sandbox: undefined, unavailable: `bubblewrap (${bwrap}) cannot create its namespaces here: ${problem}` };
  return { sandbox: { bwrap, network: typeof setting === 'object' && setting.network === true } };
}

/** The sandbox a config asks for (default: one without network), whether or not this machine can give it. */
export function declaredSandbox(setting: SandboxConfig | undefined): { network: boolean } | null {
  if (setting === false) return null;
  return { network: typeof setting === 'object' && setting.network === true };
}

/** For `--dry-run`: how this agent's commands would run. */
export function sandboxKind(tools: { builtins: readonly string[]; sandbox?: SandboxConfig; workspace?: string } | null | undefined, env: NodeJS.ProcessEnv = process.env): 'bwrap' | 'none' {
  if (!tools?.builtins.includes('run_command')) return 'none';
  return chooseSandbox(tools.sandbox, env, tools.workspace).sandbox ? 'bwrap' : 'none';
}

/**
 * The sandbox of a tool set's `run_command` (undefined without run_command, with `"sandbox": false`
 * or where none can run); in the last case `warn` is told so, once for the run.
 */
export function sandboxForTools(
  options: { builtins: readonly string[]; sandbox?: SandboxConfig; env: NodeJS.ProcessEnv; warn?: (message: string) => void },
  workspace: string,
): Sandbox | undefined {
  if (!options.builtins.includes('run_command')) return undefined;
  const choice = chooseSandbox(options.sandbox, options.env, workspace);
  if (choice.unavailable !== undefined) options.warn?.(unsandboxedWarning(choice.unavailable));
  return choice.sandbox;
}

export const unsandboxedWarning = (why: string): string =>
  `commands run unsandboxed: ${why}. They can write outside the workspace and use the network, and processes they detach are stopped on a best-effort basis. Install bubblewrap, or set "sandbox": false in the agent to run its commands unsandboxed without this warning.`;

/**
 * Checks that `file` is a program that can run, as execvp would find it (PATH folders relative to
 * the workspace, where the command runs): inside the sandbox a missing program would only be
 * bwrap's own error message.
 */
export function checkProgram(file: string, env: NodeJS.ProcessEnv, workspace: string): void {
  const candidates = file.includes('/') ? [resolve(workspace, file)] : (env.PATH ?? '/usr/bin:/bin').split(delimiter).map((dir) => resolve(workspace, dir || '.', file));
  let found = false;
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue;
    } catch {
      continue;
    }
    found = true;
    if (isExecutableFile(candidate)) return;
  }
  if (found) throw new ToolError(`cannot run "${file}": permission denied`);
  throw new ToolError(`command not found: "${file}"`);
}

/** The temp dir as a real path, unless it is `/` (which would make the whole filesystem writable). */
function writableTemp(): string | undefined {
  try {
    const real = realpathSync(tmpdir());
    return real === '/' ? undefined : real;
  } catch {
    return undefined;
  }
}

/** The bwrap command line that runs `file args` in the sandbox, in the workspace. */
export function sandboxed(sandbox: Sandbox, workspace: string, protectedPaths: ProtectedPaths, file: string, args: readonly string[]): { file: string; args: string[] } {
  const tmp = writableTemp();
  const { readOnly, masked } = sandboxMounts(workspace, protectedPaths, tmp);
  // Order matters: later mounts cover earlier ones (a workspace inside the temp dir, protected
  // paths inside the workspace).
  const flags = [...SYSTEM];
  if (tmp !== undefined) flags.push('--bind', tmp, tmp);
  flags.push('--bind', workspace, workspace);
  for (const path of readOnly) flags.push('--ro-bind-try', path, path);
  for (const socket of masked) flags.push('--ro-bind-try', '/dev/null', socket);
  if (!sandbox.network) flags.push('--unshare-net');
  flags.push(...ISOLATION, '--chdir', workspace, '--', file, ...args);
  return { file: sandbox.bwrap, args: flags };
}
