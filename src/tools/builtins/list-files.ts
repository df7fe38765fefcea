import { stat } from 'node:fs/promises';
import { defineTool, FREE, ToolError } from '../define-tool.js';
import { compileGlob, GlobError } from '../glob.js';
import { LIMITS } from '../limits.js';
import { resolveInWorkspace } from '../workspace.js';
import { walkFiles, type WalkState } from '../walk.js';

export const listFiles = defineTool<{ path?: string; pattern?: string }>({
  name: 'list_files',
  description: `List the files below a folder of the workspace (recursively; .git, node_modules and .loom are skipped), one workspace-relative path per line, at most ${LIMITS.listFiles}. "pattern" is a glob: "*.ts" matches file names at any depth, "src/**/*.test.ts" matches paths below "path".`,
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
    let matches: ((path: string) => boolean) | undefined;
    try {
      matches = pattern === undefined || pattern.trim() === '' ? undefined : compileGlob(pattern);
    } catch (error) {
      if (error instanceof GlobError) throw new ToolError(error.message);
      throw error;
    }
    const base = await resolveInWorkspace(ctx, path === '' ? '.' : path);
    if (!(await stat(base.real)).isDirectory()) {
      if (matches && !matches(base.display.slice(base.display.lastIndexOf('/') + 1))) return `no files match "${pattern}"`;
      return base.display;
    }
    const strip = base.display === '.' ? 0 : base.display.length + 1;
    const state: WalkState = { truncated: false };
    const listed: string[] = [];
    let total = 0;
    for await (const file of walkFiles(ctx.workspace, base.real, base.display, state, ctx.signal)) {
      if (matches && !matches(file.display.slice(strip))) continue;
      total++;
      if (listed.length < LIMITS.listFiles) listed.push(file.display);
    }
    if (total === 0) return pattern ? `no files match "${pattern}" in ${base.display}` : `${base.display} holds no files`;
    const notes: string[] = [];
    if (total > listed.length) notes.push(`[list_files: showing ${listed.length} of ${total} files; narrow the listing with "path" or "pattern"]`);
    if (state.truncated) notes.push(`[list_files: stopped after ${LIMITS.walkEntries} entries; the listing is incomplete]`);
    return [...listed, ...notes].join('\n');
  },
});
