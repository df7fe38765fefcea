/**
 * Confinement of the file tools to the workspace, decided on real paths: a path is resolved
 * against the workspace, every symlink along it is followed (`realpath`), and only a result inside
 * the workspace's own real path is used. `..` escapes, absolute paths elsewhere and symlinks that
 * lead out are refused before anything outside is opened, read or written — at most its existence
 * is looked up (lstat/realpath) to follow a link.
 *
 * This is the check before use, with clear refusals; workspace-open.ts checks again what was
 * actually opened, so a link swapped between the two cannot lead out.
 */
import { lstat, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ToolError } from './define-tool.js';

export interface ResolvedPath {
  /** Real absolute path, inside the workspace. */
  real: string;
  /** Path relative to the workspace with `/` separators (`.` for the workspace itself), for messages. */
  display: string;
  /** false: nothing exists there yet (only for `allowMissing`). */
  exists: boolean;
}

export interface WorkspaceRef {
  /** Real absolute path of the workspace. */
  workspace: string;
  /** The workspace as configured, when that differs from its real path (a symlinked folder). */
  workspaceAsGiven?: string;
}

/** Whether `child` is `parent` or inside it; both absolute and normalized. */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

export const toDisplay = (workspace: string, real: string): string => relative(workspace, real).split(sep).join('/') || '.';

const outside = (given: string) =>
  new ToolError(`refused: "${given}" is outside the workspace; file tools only use paths inside it (give a path relative to the workspace)`);

const viaLink = (given: string) =>
  new ToolError(`refused: "${given}" leads outside the workspace through a symbolic link; file tools only use paths inside it`);

const code = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

/**
 * `given` resolved against the workspace without touching the disk (`..` applied), refused when it
 * is outside. An absolute path may name the workspace by the path it was given as.
 */
export function lexicalPath({ workspace, workspaceAsGiven: original }: WorkspaceRef, given: string): string {
  if (given.includes('\0')) throw new ToolError('refused: the path contains a NUL character');
  let lexical = resolve(workspace, given);
  if (!isInside(workspace, lexical) && original !== undefined && isInside(original, lexical)) {
    lexical = join(workspace, relative(original, lexical));
  }
  if (!isInside(workspace, lexical)) throw outside(given);
  return lexical;
}

/**
 * Resolves `given` (relative to the workspace, or absolute) to a real path inside the workspace. With `allowMissing` (writes), a path that does not exist yet is allowed
 * when its nearest existing ancestor really is inside the workspace, and is not a dangling link.
 */
export async function resolveInWorkspace(
  { workspace, workspaceAsGiven: original }: WorkspaceRef,
  given: string,
  { allowMissing = false }: { allowMissing?: boolean } = {},
): Promise<ResolvedPath> {
  const lexical = lexicalPath({ workspace, workspaceAsGiven: original }, given);

  try {
    const real = await realpath(lexical);
    if (!isInside(workspace, real)) throw viaLink(given);
    return { real, display: toDisplay(workspace, real), exists: true };
  } catch (error) {
    if (error instanceof ToolError) throw error;
    if (code(error) !== 'ENOENT' && code(error) !== 'ENOTDIR') throw describeFsError(error, given);
  }

  // Something along the path does not exist. Find the nearest entry that does (lstat: a link
  // counts as existing even when its target does not).
  let existing = lexical;
  const missing: string[] = [];
  for (;;) {
    try {
      const stats = await lstat(existing);
      if (stats.isSymbolicLink()) {
        // A link whose target is missing (else realpath above would have gone through it).
        let target: string | undefined;
        try {
          target = await realpath(existing);
        } catch {
          target = undefined;
        }
        if (target === undefined) {
          throw new ToolError(`refused: "${given}" goes through a symbolic link whose target does not exist`);
        }
      }
      break;
    } catch (error) {
      if (error instanceof ToolError) throw error;
      if (code(error) !== 'ENOENT') throw describeFsError(error, given);
    }
    missing.unshift(basename(existing));
    existing = dirname(existing);
  }
  const realParent = await realpath(existing);
  if (!isInside(workspace, realParent)) throw viaLink(given);
  if (missing.length === 0) {
    // lstat found it but realpath said ENOENT/ENOTDIR: a file used as a directory.
    throw new ToolError(`"${given}": a part of this path is not a directory`);
  }
  if (!allowMissing) throw new ToolError(`"${given}" does not exist`);
  const real = join(realParent, ...missing);
  return { real, display: toDisplay(workspace, real), exists: false };
}

/** A readable message for a file system error, naming the path as the model gave it. */
export function describeFsError(error: unknown, given: string): ToolError {
  switch (code(error)) {
    case 'ENOENT':
      return new ToolError(`"${given}" does not exist`);
    case 'EACCES':
    case 'EPERM':
      return new ToolError(`"${given}": permission denied`);
    case 'EISDIR':
      return new ToolError(`"${given}" is a directory`);
    case 'ENOTDIR':
      return new ToolError(`"${given}": a part of this path is not a directory`);
    case 'ELOOP':
      return new ToolError(`"${given}": too many levels of symbolic links`);
    case 'ENAMETOOLONG':
      return new ToolError(`"${given}": the name is too long`);
    default:
      return new ToolError(`"${given}": ${(error as Error).message}`);
  }
}
