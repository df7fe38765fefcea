/**
 * The files below a folder of the workspace, in a stable order, for list_files and search_files
 * (run in the file-search worker thread). `.git`, `node_modules` and `.loom` are skipped, and so is
 * every `.env` / `.env.*` name (CONTRACT §11: never read, and left out of listings by name).
 *
 * Every folder is opened and checked on the real path of its descriptor before its names are
 * read, and the names are looked up through that descriptor (descriptor.ts): a folder swapped for
 * a link to outside between the listing and the use cannot lead the walk out. Linked folders are
 * never entered (no loops, no second copy of a tree); a symbolic link is listed only when it leads
 * to a file inside the workspace, by its own name.
 */
import { closeSync, constants, fstatSync, readdirSync, realpathSync, type Dirent } from 'node:fs';
import { childPath, FOLDER_FLAGS, openInside, READ_FLAGS, selfPath, type Opened } from './file-search/descriptor.js';
import { unreadableReason } from './protected-paths.js';
import { isInside } from './workspace.js';

export const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules', '.loom']);

export interface WalkedFile {
  /** Workspace-relative path with `/` separators, as listed (a link by its own name). */
  display: string;
  /** How to open it; valid only until the walk moves on (its folder is open until then). */
  path: string;
  /** A symbolic link rather than a regular file: usable only when it leads to a file inside the workspace. */
  link: boolean;
}

export interface WalkState {
  /** The most entries to visit (LIMITS.walkEntries). */
  limit: number;
  /** Set when the walk stopped early at `limit`. */
  truncated: boolean;
}

const byName = (a: Dirent, b: Dirent) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const prefix = (base: string, name: string) => (base === '.' ? name : `${base}/${name}`);

/**
 * `root` is an open folder inside `workspace` (checked by openInside), shown as `display` (`.`
 * for the workspace itself). The caller keeps and closes `root`; the walk closes what it opens.
 */
export function* walkFiles(workspace: string, root: Opened, display: string, state: WalkState): Generator<WalkedFile> {
  let visited = 0;

  function* visit(dir: Opened, shownDir: string): Generator<WalkedFile> {
    let entries: Dirent[];
    try {
      entries = readdirSync(selfPath(dir.fd, dir.real), { withFileTypes: true });
    } catch {
      return; // unreadable folder: skipped
    }
    entries.sort(byName);
    for (const entry of entries) {
      if (++visited > state.limit) {
        state.truncated = true;
        return;
      }
      // `.env*` and `.loom` (any case) are left out by name: never opened, never listed.
      if (unreadableReason(entry.name)) continue;
      const path = childPath(dir.fd, dir.real, entry.name);
      const shown = prefix(shownDir, entry.name);
      if (entry.isDirectory()) {
        if (SKIPPED_DIRECTORIES.has(entry.name)) continue;
        const child = openInside(workspace, path, FOLDER_FLAGS);
        if (child === undefined) continue;
        try {
          yield* visit(child, shown);
        } finally {
          closeSync(child.fd);
        }
        if (state.truncated) return;
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        yield { display: shown, path, link: entry.isSymbolicLink() };
      }
    }
  }

  yield* visit(root, display);
}

/**
 * Opens a walked file for reading when it is a regular file inside the workspace (checked on the
 * descriptor), else undefined. A link's target is looked up first, so a link leading out is not
 * even opened (a FIFO out there would be harmless — opened non-blocking — but is never touched);
 * a name that was a file when listed and is a link now is not followed (O_NOFOLLOW).
 */
export function openWalked(workspace: string, file: WalkedFile): Opened | undefined {
  if (file.link) {
    try {
      if (!isInside(workspace, realpathSync.native(file.path))) return undefined;
    } catch {
      return undefined; // dangling
    }
  }
  const opened = openInside(workspace, file.path, file.link ? READ_FLAGS : READ_FLAGS | constants.O_NOFOLLOW);
  if (opened === undefined) return undefined;
  try {
    if (fstatSync(opened.fd).isFile()) return opened;
  } catch {
    // fall through
  }
  closeSync(opened.fd);
  return undefined;
}
