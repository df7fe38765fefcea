import { defineTool, FREE, ToolError } from '../define-tool.js';
import { refuseUnreadable, runFileJob } from '../file-search/run-job.js';
import { formatDuration } from '../file-search/messages.js';
import { LIMITS } from '../limits.js';
import { resolveInWorkspace } from '../workspace.js';

export interface SearchFilesOptions {
  /** The call's time limit (default LIMITS.fileSearchTimeoutMs). */
  timeoutMs?: number;
}

/**
 * search_files: the path is resolved and checked here, on the main thread (clear refusals); the
 * walk, the reading and the matching run in a worker thread that is stopped at the time limit
 * or on abort (file-search/run-job.ts), so no pattern can hang the run.
 */
export function createSearchFiles({ timeoutMs = LIMITS.fileSearchTimeoutMs }: SearchFilesOptions = {}) {
  return defineTool<{ pattern: string; path?: string }>({
    name: 'search_files',
    description: `Search the text files below a folder (or one file) of the workspace for a regular expression (JavaScript syntax), line by line. Returns "file:line: text" for each matching line, at most ${LIMITS.searchMatches}. Binary files, files over 1 MB, .git, node_modules, .loom, .env files and files holding a secret are skipped. A search is stopped after ${formatDuration(timeoutMs)}.`,
    parameters: {
      type: 'object',
      properties: {
        pattern: { type: 'string', minLength: 1, description: 'Regular expression, e.g. "TODO|FIXME" or "function\\\\s+main"' },
        path: { type: 'string', description: 'Folder or file to search, relative to the workspace root (default: the root)' },
      },
      required: ['pattern'],
      additionalProperties: false,
    },
    prepare: () => FREE,
    async execute(ctx, { pattern, path = '.' }) {
      try {
        // Compiling is quick whatever the pattern; only running it can take exponential time.
        new RegExp(pattern);
      } catch (error) {
        throw new ToolError(`invalid regular expression: ${(error as Error).message}`);
      }
      const given = path === '' ? '.' : path;
      const base = await resolveInWorkspace(ctx, given);
      refuseUnreadable(given, base.display);
      return runFileJob(
        { tool: 'search_files', workspace: ctx.workspace, real: base.real, display: base.display, walkEntries: LIMITS.walkEntries, pattern, secrets: ctx.secrets.values() },
        { timeoutMs, signal: ctx.signal },
      );
    },
  });
}

export const searchFiles = createSearchFiles();
