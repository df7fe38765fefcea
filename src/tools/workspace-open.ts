/**
 * Opening workspace files so that what is checked is what is used (CONTRACT §11): the path is
 * checked first (resolveInWorkspace, for clear refusals), then the file is opened, and on Linux
 * the real path of the open file descriptor (`/proc/self/fd/N`) is checked again. A symlink or a
 * folder swapped between the check and the open therefore cannot lead out: whatever was opened
 * is what is judged, before a byte is read or written.
 *
 * Writes go one folder at a time, each opened and checked before the next name is looked up in
 * it (through `/proc/self/fd/N/<name>`, Linux's way to say `openat`), and the file itself is
 * opened with O_NOFOLLOW: never through a symlink as its last component, never through a hard link.
 */
import { constants, existsSync } from 'node:fs';
import { mkdir, open, readlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { ToolError } from './define-tool.js';
import { unreadableReason } from './protected-paths.js';
import { describeFsError, isInside, lexicalPath, resolveInWorkspace, toDisplay, type WorkspaceRef } from './workspace.js';

/** Whether open descriptors can be named (`/proc/self/fd`): Linux with /proc mounted. */
const NAMED_DESCRIPTORS = process.platform === 'linux' && existsSync('/proc/self/fd');

const { O_RDONLY, O_WRONLY, O_CREAT, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY, O_NOCTTY } = constants;

/** The real path of what `handle` has open, or undefined where that cannot be known. */
async function descriptorPath(handle: FileHandle): Promise<string | undefined> {
  if (!NAMED_DESCRIPTORS) return undefined;
  const path = await readlink(`/proc/self/fd/${handle.fd}`);
  // A file or folder removed after it was opened: nothing sensible to use.
  if (path.endsWith(' (deleted)') || !path.startsWith('/')) throw new ToolError('refused: the file was removed while it was being opened');
  return path;
}

const swapped = (given: string) =>
  new ToolError(`refused: "${given}" leads outside the workspace (it changed while it was being opened); file tools only use paths inside it`);

const code = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

export interface OpenedFile {
  handle: FileHandle;
  /** Real absolute path of what was opened. */
  real: string;
  /** Workspace-relative, `/`-separated. */
  display: string;
}

/** Refuses `.env` files and `.loom/`, by the name given and by the real name. */
function refuseUnreadable(given: string, ...displays: string[]): void {
  for (const display of [given, ...displays]) {
    const why = unreadableReason(display);
    if (why) throw new ToolError(`refused: "${given}": ${why}`);
  }
}

/** Opens a workspace file for reading (a FIFO never blocks: it is opened non-blocking, and callers refuse what is not a regular file). */
export async function openForRead(ref: WorkspaceRef, given: string): Promise<OpenedFile> {
  const resolved = await resolveInWorkspace(ref, given);
  refuseUnreadable(given, resolved.display);
  let handle: FileHandle;
  try {
    handle = await open(resolved.real, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  } catch (error) {
    throw describeFsError(error, given);
  }
  try {
    const real = (await descriptorPath(handle)) ?? resolved.real;
    if (!isInside(ref.workspace, real)) throw swapped(given);
    const display = toDisplay(ref.workspace, real);
    refuseUnreadable(given, display);
    return { handle, real, display };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

export interface WriteTarget {
  /** Real absolute path the file will have (its folder is real; the name is not a link). */
  real: string;
  display: string;
}

/**
 * Opens (creating it, and any missing folders, when needed) a workspace file for writing, without
 * truncating it. `check` sees the real target before anything is created there, and may refuse by
 * throwing. Refuses a symlink as the last component, anything but a regular file, and a file with
 * more than one hard link.
 */
export async function openForWrite(ref: WorkspaceRef, given: string, check: (target: WriteTarget) => void): Promise<OpenedFile> {
  if (!NAMED_DESCRIPTORS) return openForWriteByPath(ref, given, check);
  const lexical = lexicalPath(ref, given);
  const parts = relative(ref.workspace, lexical).split(sep).filter(Boolean);
  const name = parts.pop();
  if (name === undefined) throw new ToolError(`"${given}" is a directory`);

  let dir = await open(ref.workspace, O_RDONLY | O_DIRECTORY);
  try {
    for (const part of parts) {
      const next = await openFolder(dir, part, given);
      await dir.close();
      dir = next;
      const real = await descriptorPath(dir);
      if (real === undefined || !isInside(ref.workspace, real)) throw swapped(given);
    }
    const folder = (await descriptorPath(dir))!;
    const target = { real: join(folder, name), display: toDisplay(ref.workspace, join(folder, name)) };
    check(target);
    let handle: FileHandle;
    try {
      handle = await open(`/proc/self/fd/${dir.fd}/${name}`, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0o666);
    } catch (error) {
      throw describeWriteError(error, given);
    }
    return await checkedForWrite(handle, ref, given);
  } finally {
    await dir.close();
  }
}

/** `name` inside the open folder `dir`, created when missing. A link is followed; the caller checks where it led. */
async function openFolder(dir: FileHandle, name: string, given: string): Promise<FileHandle> {
  const path = `/proc/self/fd/${dir.fd}/${name}`;
  for (let attempt = 0; ; attempt++) {
    try {
      return await open(path, O_RDONLY | O_DIRECTORY);
    } catch (error) {
      if (code(error) === 'ENOTDIR') throw new ToolError(`"${given}": a part of this path is not a directory`);
      if (code(error) !== 'ENOENT' || attempt > 0) throw describeFsError(error, given);
    }
    try {
      // mkdir never follows a link in the last component: a dangling link here fails with EEXIST.
      await mkdir(path);
    } catch (error) {
      if (code(error) === 'EEXIST') throw new ToolError(`refused: "${given}" goes through a symbolic link whose target does not exist`);
      throw describeFsError(error, given);
    }
  }
}

async function checkedForWrite(handle: FileHandle, ref: WorkspaceRef, given: string): Promise<OpenedFile> {
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new ToolError(`"${given}" is a directory`);
    if (!stats.isFile()) throw new ToolError(`"${given}" is not a regular file`);
    if (stats.nlink > 1) throw new ToolError(`refused: "${given}" has ${stats.nlink} hard links; write_file does not write through a hard link (it could be a file outside the workspace)`);
    const real = await descriptorPath(handle);
    if (real !== undefined && !isInside(ref.workspace, real)) throw swapped(given);
    return { handle, real: real ?? '', display: real === undefined ? given : toDisplay(ref.workspace, real) };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function describeWriteError(error: unknown, given: string): ToolError {
  if (code(error) === 'ELOOP') return new ToolError(`refused: "${given}" is a symbolic link; write_file does not write through links`);
  if (code(error) === 'ENXIO') return new ToolError(`"${given}" is not a regular file`);
  return describeFsError(error, given);
}

/** Where descriptors cannot be named: the path is checked, then opened without following a final link. */
async function openForWriteByPath(ref: WorkspaceRef, given: string, check: (target: WriteTarget) => void): Promise<OpenedFile> {
  const target = await resolveInWorkspace(ref, given, { allowMissing: true });
  check(target);
  if (!target.exists) await mkdir(dirname(target.real), { recursive: true }).catch((error: unknown) => Promise.reject(describeFsError(error, given)));
  let handle: FileHandle;
  try {
    handle = await open(target.real, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0o666);
  } catch (error) {
    throw describeWriteError(error, given);
  }
  const opened = await checkedForWrite(handle, ref, given);
  return { ...opened, real: target.real, display: target.display };
}
