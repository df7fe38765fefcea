/**
 * Paths an agent may not write without an explicit approval (CONTRACT §11, §19): what would
 * widen its own permissions (Loom's config, the agents folder), plant credentials (`.env`) or
 * plant code that later runs (`.git/` hooks and config, CI workflows, `package.json` scripts,
 * editor tasks). `write_file` refuses them unless an `allow` entry names the path; an argument
 * of `run_command` that names one makes the call need approval; the command sandbox binds them
 * read-only.
 *
 * Names are compared without regard to case: on a case-insensitive file system `.GIT/config` is
 * `.git/config`.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';

/** Protected wherever they appear, as any component of the path. */
const PROTECTED_NAMES = new Set([
  '.git',
  '.github',
  '.gitlab-ci.yml',
  '.husky',
  '.gitignore',
  'package.json',
  '.npmrc',
  '.vscode',
  '.idea',
  '.loom',
  'loom.config.json',
  '.loomrc',
  '.loomrc.json',
]);

/** `.env` and `.env.<anything>`. */
export const isEnvFileName = (name: string): boolean => {
  const lower = name.toLowerCase();
  return lower === '.env' || lower.startsWith('.env.');
};

/** What protects a name (`.env file`, `.git/`), or undefined. */
function protectedName(name: string, last: boolean): string | undefined {
  if (isEnvFileName(name)) return `${name} file`;
  if (PROTECTED_NAMES.has(name.toLowerCase())) return last ? name : `${name}/`;
  return undefined;
}

/** Whether a file or folder of this name is protected wherever it is (the command sandbox binds it read-only). */
export const isProtectedName = (name: string): boolean => protectedName(name, true) !== undefined;

export interface ProtectedPathOptions {
  /** Real path of the workspace. */
  workspace: string;
  /** Absolute folders protected with all they hold: the agents folder, the fixtures folder. */
  folders: readonly string[];
  /** Absolute files: the config file in use. */
  files: readonly string[];
}

export interface ProtectedPaths {
  /** What protects `real` (an absolute path): `.git/`, `.env file`, `agents/`; undefined when nothing does. */
  reason(real: string): string | undefined;
  /** The folders and files protected by location (not by name), as given. */
  readonly folders: readonly string[];
  readonly files: readonly string[];
}

const within = (parent: string, child: string): boolean => {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};

/** The real path of `path`, or of its nearest existing ancestor with the rest appended (it may not exist yet). */
export function realish(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realish(parent), basename(path));
  }
}

export function protectedPaths(given: ProtectedPathOptions): ProtectedPaths {
  // Compared with real paths of what the tools open: symlinked folders must not hide a match.
  const options = { workspace: given.workspace, folders: given.folders.map(realish), files: given.files.map(realish) };
  const shown = (path: string) => (within(options.workspace, path) ? relative(options.workspace, path).split(sep).join('/') : path);
  return {
    folders: options.folders,
    files: options.files,
    reason(real) {
      for (const folder of options.folders) if (within(folder, real)) return `${shown(folder)}/`;
      for (const file of options.files) if (real === file) return shown(file);
      const rel = relative(options.workspace, real);
      if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
      const parts = rel.split(sep);
      for (const [index, part] of parts.entries()) {
        const why = protectedName(part, index === parts.length - 1);
        if (why) return why;
      }
      return undefined;
    },
  };
}

/**
 * Files the file tools never read (CONTRACT §11): `.env` and `.env.*` at any depth, anything in a
 * `.loom` folder (Loom's run log, cache and conversations). `rel` is workspace-relative.
 */
export function unreadableReason(rel: string): string | undefined {
  for (const part of rel.split(/[\\/]/)) {
    if (isEnvFileName(part)) return `${part} files hold credentials and are never read by tools`;
    if (part.toLowerCase() === '.loom') return `.loom/ holds Loom's own state and is never read by tools`;
  }
  return undefined;
}
