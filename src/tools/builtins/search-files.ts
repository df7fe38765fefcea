import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { defineTool, FREE, ToolError } from '../define-tool.js';
import { LIMITS } from '../limits.js';
import { resolveInWorkspace } from '../workspace.js';
import { isBinary } from '../text.js';
import { walkFiles, type WalkedFile, type WalkState } from '../walk.js';

/** The file's text, or undefined for a binary, oversized or unreadable file. */
async function readText(real: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile() || stats.size > LIMITS.searchFileBytes) return undefined;
    const bytes = await handle.readFile();
    if (isBinary(bytes.subarray(0, 8192))) return undefined;
    return bytes.toString('utf8');
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

const cutLine = (line: string): string =>
  line.length > LIMITS.searchLineChars ? `${line.slice(0, LIMITS.searchLineChars)}…` : line;

export const searchFiles = defineTool<{ pattern: string; path?: string }>({
  name: 'search_files',
  description: `Search the text files below a folder (or one file) of the workspace for a regular expression (JavaScript syntax), line by line. Returns "file:line: text" for each matching line, at most ${LIMITS.searchMatches}. Binary files, files over 1 MB, .git, node_modules and .loom are skipped.`,
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
    let regexp: RegExp;
    try {
      regexp = new RegExp(pattern);
    } catch (error) {
      throw new ToolError(`invalid regular expression: ${(error as Error).message}`);
    }
    const base = await resolveInWorkspace(ctx, path === '' ? '.' : path);
    const state: WalkState = { truncated: false };
    const files: AsyncIterable<WalkedFile> | WalkedFile[] = (await stat(base.real)).isDirectory()
      ? walkFiles(ctx.workspace, base.real, base.display, state, ctx.signal)
      : [{ real: base.real, display: base.display }];
    const found: string[] = [];
    let total = 0;
    for await (const file of files) {
      const text = await readText(file.real);
      if (text === undefined) continue;
      const lines = text.split(/\r?\n/);
      for (let i = 0; i < lines.length; i++) {
        if (!regexp.test(lines[i]!)) continue;
        total++;
        if (found.length < LIMITS.searchMatches) found.push(`${file.display}:${i + 1}: ${cutLine(lines[i]!)}`);
      }
      ctx.signal.throwIfAborted();
    }
    if (total === 0) return `no matches for /${pattern}/ in ${base.display}`;
    if (total > found.length) found.push(`[search_files: showing ${found.length} of ${total} matching lines; narrow the search with "path" or a more precise pattern]`);
    if (state.truncated) found.push(`[search_files: stopped after ${LIMITS.walkEntries} entries; the search is incomplete]`);
    return found.join('\n');
  },
});
