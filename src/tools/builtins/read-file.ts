import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { defineTool, ToolError } from '../define-tool.js';
import { formatBytes, LIMITS } from '../limits.js';
import { describeFsError, resolveInWorkspace } from '../sandbox.js';
import { decodeUtf8, isBinary } from '../text.js';

export const readFile = defineTool<{ path: string }>({
  name: 'read_file',
  description: `Read a text file of the workspace. Paths are relative to the workspace root. Returns the file's text (at most ${formatBytes(LIMITS.readFileBytes)}; a longer file is cut, with a note). Binary files are refused.`,
  parameters: {
    type: 'object',
    properties: { path: { type: 'string', minLength: 1, description: 'File path, relative to the workspace root' } },
    required: ['path'],
    additionalProperties: false,
  },
  needsApproval: false,
  summarize: ({ path }) => `read_file: ${path}`,
  async execute(ctx, { path }) {
    const { real, display } = await resolveInWorkspace(ctx, path);
    let handle;
    try {
      // Non-blocking: opening a FIFO never waits for a writer; it is refused below as not a file.
      handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      throw describeFsError(error, path);
    }
    try {
      const stats = await handle.stat();
      if (stats.isDirectory()) throw new ToolError(`"${display}" is a directory; use list_files to see what it holds`);
      if (!stats.isFile()) throw new ToolError(`"${display}" is not a regular file`);
      const cap = LIMITS.readFileBytes;
      const buffer = Buffer.alloc(Math.min(stats.size, cap) + 1);
      let length = 0;
      // Read at most cap + 1 bytes: enough to know the file is longer, never the whole of a large one.
      while (length < buffer.length) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      const cut = length > cap;
      const bytes = buffer.subarray(0, Math.min(length, cap));
      if (isBinary(bytes)) throw new ToolError(`"${display}" is a binary file (${formatBytes(stats.size)}); read_file only reads text`);
      const text = decodeUtf8(bytes, cut);
      if (!cut) return text;
      return `${text}\n[read_file: "${display}" is ${formatBytes(Math.max(stats.size, length))}; only its first ${formatBytes(cap)} are shown]`;
    } finally {
      await handle.close();
    }
  },
});
