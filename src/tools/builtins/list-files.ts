import { defineTool, FREE, ToolError } from '../define-tool.js';
import { formatDuration } from '../file-search/messages.js';
import { refuseUnreadable, runFileJob } from '../file-search/run-job.js';
import { compileGlob, GlobError } from '../glob.js';
import { LIMITS } from '../limits.js';
import { resolveInWorkspace } from '../workspace.js';

export interface ListFilesOptions {
  /** The call's time limit (default LIMITS.fileSearchTimeoutMs). */
  timeoutMs?: number;
}

/**
 * list_files: the path is resolved and checked here, on the main thread; the walk and the glob
 * matching run in a worker thread that is stopped at the time limit or on abort
 * (file-search/run-job.ts): a glob is a regular expression, and can backtrack for ages.
 */
export function createListFiles({ timeoutMs = LIMITS.fileSearchTimeoutMs }: ListFilesOptions = {}) {
  return defineTool<{ path?: string; pattern?: string }>({
    name: 'list_files',
    description: `List the files below a folder of the workspace (recursively; .git, node_modules, .loom and .env files are left out), one workspace-relative path per line, at most ${LIMITS.listFiles}. "pattern" is a glob: "*.ts" matches file names at any depth, "src/**/*.test.ts" matches paths below "path". A listing is stopped after ${formatDuration(timeoutMs)}.`,
    parameters: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'Folder to list, relative to the workspace root (default: the root)' },
        pattern: { type: 'string', description: 'Glob the files must match, e.g. "*.md" or "src/**/*.ts"' },
      },
      additionalProperties: false,
    },
    prepare: () => FREE,
    async execute(ctx, { path = '.', pattern }) {
      const glob = pattern === undefined || pattern.trim() === '' ? undefined : pattern;
      try {
        // Compiled here for a clear error; matched only in the worker.
        if (glob !== undefined) compileGlob(glob);
      } catch (error) {
        if (error instanceof GlobError) throw new ToolError(error.message);
        throw error;
      }
      const given = path === '' ? '.' : path;
      const base = await resolveInWorkspace(ctx, given);
      refuseUnreadable(given, base.display);
      return runFileJob(
        { tool: 'list_files', workspace: ctx.workspace, real: base.real, display: base.display, walkEntries: LIMITS.walkEntries, ...(glob === undefined ? {} : { pattern: glob }) },
        { timeoutMs, signal: ctx.signal },
      );
    },
  });
}

export const listFiles = createListFiles();
