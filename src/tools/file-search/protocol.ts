/**
 * What the main thread sends the file-search worker (as `workerData`) and what it posts back.
 * Plain data only: it crosses the thread boundary by structured clone.
 */

interface JobBase {
  /** Real path of the workspace. */
  workspace: string;
  /** Real path of the folder or file to walk, resolved and checked on the main thread (and checked again once opened). */
  real: string;
  /** Its workspace-relative path, for results (`.` for the root). */
  display: string;
  /** The walk stops after this many entries (LIMITS.walkEntries). */
  walkEntries: number;
}

export interface SearchJob extends JobBase {
  tool: 'search_files';
  /** A regular expression already known to compile. */
  pattern: string;
  /** The values of every known secret: a file holding one is skipped whole. */
  secrets: string[];
}

export interface ListJob extends JobBase {
  tool: 'list_files';
  /** A glob already known to compile. */
  pattern?: string;
}

export type FileJob = SearchJob | ListJob;

export interface FileJobResult {
  ok: boolean;
  output: string;
}
