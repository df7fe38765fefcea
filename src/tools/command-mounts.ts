/**
 * What the command sandbox mounts over the read-only root besides the workspace and the temp dir
 * (command-sandbox.ts), found fresh for every call since a previous command may have changed it:
 *
 * - protected paths (CONTRACT §19) that exist: the agents and fixtures folders and the config file,
 *   and every protected name in the workspace (`.git`, `package.json` at any depth, `.env*`, …),
 *   bound read-only over the writable workspace. A protected path that does not exist yet cannot
 *   be mounted over without creating it in the real workspace, which Loom never does.
 * - Unix sockets of other programs under the temp dir, /run and the workspace, each hidden behind
 *   /dev/null: without this a command could talk to a tmux or screen server, an ssh-agent, an X
 *   server or the Docker daemon and have them act outside the sandbox for it (no network is not
 *   enough: these are files).
 *
 * The walks are bounded (LIMITS.sandboxWalkEntries each), skip `node_modules` and never follow a
 * symbolic link; a protected folder is bound whole and not entered.
 */
import { readdirSync, realpathSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { LIMITS } from './limits.js';
import { isProtectedName, type ProtectedPaths } from './protected-paths.js';

export interface SandboxMounts {
  /** Absolute real paths to bind read-only over themselves. */
  readOnly: string[];
  /** Sockets to hide behind /dev/null. */
  masked: string[];
}

const realOrUndefined = (path: string): string | undefined => {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
};

/** Socket roots beyond the workspace: the temp dir, /run (/var/run is normally a link to it). */
function socketRoots(tmp: string | undefined): string[] {
  const roots = new Set<string>();
  for (const root of [tmp, '/run', '/var/run']) {
    const real = root === undefined ? undefined : realOrUndefined(root);
    if (real !== undefined && real !== '/') roots.add(real);
  }
  return [...roots];
}

/**
 * A breadth-first walk of `root`, calling `visit` for each entry; `visit` returns whether to
 * enter a folder. Unreadable folders are skipped; the walk stops after `limit` entries.
 */
function walk(root: string, maxDepth: number, visit: (path: string, entry: Dirent) => boolean): void {
  let seen = 0;
  let level = [root];
  for (let depth = 0; depth <= maxDepth && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        if (++seen > LIMITS.sandboxWalkEntries) return;
        const path = join(dir, entry.name);
        if (visit(path, entry) && entry.isDirectory()) next.push(path);
      }
    }
    level = next;
  }
}

export function sandboxMounts(workspace: string, protectedPaths: ProtectedPaths, tmp: string | undefined): SandboxMounts {
  const readOnly = new Set<string>();
  const masked = new Set<string>();
  for (const path of [...protectedPaths.folders, ...protectedPaths.files]) {
    const real = realOrUndefined(path);
    if (real !== undefined && real !== workspace) readOnly.add(real);
  }

  walk(workspace, 64, (path, entry) => {
    if (entry.isSocket()) masked.add(path);
    if (isProtectedName(entry.name)) {
      // A link named like a protected path leads elsewhere: protect where it leads, if that is
      // writable at all (inside the workspace or the temp dir; the rest is read-only anyway).
      const real = entry.isSymbolicLink() ? realOrUndefined(path) : path;
      if (real !== undefined) readOnly.add(real);
      return false;
    }
    return entry.isDirectory() && entry.name !== 'node_modules' && !readOnly.has(path);
  });

  for (const root of socketRoots(tmp)) {
    walk(root, 4, (path, entry) => {
      if (entry.isSocket()) masked.add(path);
      return entry.isDirectory() && !path.startsWith(`${workspace}/`) && path !== workspace;
    });
  }
  return { readOnly: [...readOnly], masked: [...masked] };
}
