/**
 * The files below a directory of the workspace, in a stable order, for list_files and
 * search_files. `.git`, `node_modules` and `.loom` are skipped. A symbolic link is listed only when its
 * real path is inside the workspace, and only a link to a file (links to directories are not
 * entered: no loops, no second copy of a tree).
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LIMITS } from './limits.js';
import { isInside } from './workspace.js';

// `.loom` holds Loom's own run log (past inputs and answers) and cache: not the project's files.
export const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules', '.loom']);

export interface WalkedFile {
  /** Real path to open. */
  real: string;
  /** Workspace-relative path with `/` separators, as listed (a link by its own name). */
  display: string;
}

export interface WalkState {
  /** Set when the walk stopped early at LIMITS.walkEntries. */
  truncated: boolean;
}

/** `dir` must be a real path inside `workspace`; `display` is its workspace-relative path (`.` for the root). */
export async function* walkFiles(workspace: string, dir: string, display: string, state: WalkState, signal?: AbortSignal): AsyncGenerator<WalkedFile> {
  let visited = 0;
  const prefix = (base: string, name: string) => (base === '.' ? name : `${base}/${name}`);

  async function* visit(realDir: string, displayDir: string): AsyncGenerator<WalkedFile> {
    let entries: Dirent[];
    try {
      entries = await readdir(realDir, { withFileTypes: true });
    } catch {
      return; // unreadable directory: skip it
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      signal?.throwIfAborted();
      if (++visited > LIMITS.walkEntries) {
        state.truncated = true;
        return;
      }
      const realEntry = join(realDir, entry.name);
      const shown = prefix(displayDir, entry.name);
      if (entry.isDirectory()) {
        if (SKIPPED_DIRECTORIES.has(entry.name)) continue;
        yield* visit(realEntry, shown);
        if (state.truncated) return;
      } else if (entry.isFile()) {
        yield { real: realEntry, display: shown };
      } else if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(realEntry);
          if (!isInside(workspace, target) || !(await stat(target)).isFile()) continue;
        } catch {
          continue; // dangling
        }
        yield { real: target, display: shown };
      }
    }
  }

  yield* visit(dir, display);
}
