/**
 * Opening during a walk so that what is checked is what is used (CONTRACT §11, "checked on what
 * is opened"): every folder and file the walk uses is opened first, and the real path of the open
 * descriptor (`/proc/self/fd/N` on Linux) must be inside the workspace and readable by tools
 * before anything is listed or read through it. Names inside an open folder are looked up
 * through `/proc/self/fd/N/<name>` (Linux's way to say `openat`), so a folder swapped for a link
 * after it was checked cannot redirect the names below it.
 *
 * Synchronous on purpose: this runs in the file-search worker thread, where blocking is what a
 * worker is for and sync calls are several times faster than promises over 100,000 entries.
 */
import { closeSync, constants, existsSync, openSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { unreadableReason } from '../protected-paths.js';
import { isInside, toDisplay } from '../workspace.js';

/** Whether open descriptors can be named (`/proc/self/fd`): Linux with /proc mounted. */
export const NAMED_DESCRIPTORS = process.platform === 'linux' && existsSync('/proc/self/fd');

const { O_RDONLY, O_NONBLOCK, O_NOCTTY, O_DIRECTORY, O_NOFOLLOW } = constants;

/** Read-only, never blocking on a FIFO, never taking a terminal. */
export const READ_FLAGS = O_RDONLY | O_NONBLOCK | O_NOCTTY;
/** A folder, not through a link: the walk never enters linked folders (no loops, no second copy of a tree). */
export const FOLDER_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK;

/** How to name `name` inside the open folder `dirFd` (whose real path is `dirReal`). */
export const childPath = (dirFd: number, dirReal: string, name: string): string =>
  NAMED_DESCRIPTORS ? `/proc/self/fd/${dirFd}/${name}` : join(dirReal, name);

/** How to name an open folder itself, for readdir. */
export const selfPath = (fd: number, real: string): string => (NAMED_DESCRIPTORS ? `/proc/self/fd/${fd}` : real);

export interface Opened {
  fd: number;
  /** Real absolute path of what is open: inside the workspace. */
  real: string;
}

/**
 * Opens `path` and returns it only when what was opened is inside `workspace` and is not a file
 * tools never read (`.env*`, `.loom/`); otherwise closes it and returns undefined. Without named
 * descriptors (not Linux) the path's real path is checked after the open: racy, the best there is.
 */
export function openInside(workspace: string, path: string, flags: number): Opened | undefined {
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch {
    return undefined; // gone, a link into a folder, a link loop, no permission: skipped
  }
  try {
    const real = NAMED_DESCRIPTORS ? readlinkSync(`/proc/self/fd/${fd}`) : realpathSync(path);
    // A file removed after it was opened reads as "… (deleted)": nothing sensible to use.
    const usable = real.startsWith('/') && !real.endsWith(' (deleted)') && isInside(workspace, real) && !unreadableReason(toDisplay(workspace, real));
    if (usable) return { fd, real };
  } catch {
    // fall through: close and skip
  }
  closeSync(fd);
  return undefined;
}
