import { defineTool, FREE, ToolError } from '../define-tool.js';
import { formatBytes, LIMITS } from '../limits.js';
import { decodeUtf8, isBinary } from '../text.js';
import { openForRead } from '../workspace-open.js';

/** Refused for a file holding a known secret: the model must not see it, nor learn it piece by piece. */
export const holdsSecretRefusal = (display: string) =>
  `refused: "${display}" holds a secret Loom knows (an API key or token); tools never read such a file`;

export const readFile = defineTool<{ path: string }>({
  name: 'read_file',
  description: `Read a text file of the workspace. Paths are relative to the workspace root. Returns the file's text (at most ${formatBytes(LIMITS.readFileBytes)}; a longer file is cut, with a note). Binary files are refused, and so are .env files, .loom/ and files holding a secret.`,
  parameters: {
    type: 'object',
    properties: { path: { type: 'string', minLength: 1, description: 'File path, relative to the workspace root' } },
    required: ['path'],
    additionalProperties: false,
  },
  prepare: () => FREE,
  async execute(ctx, { path }) {
    const { handle, display } = await openForRead(ctx, path);
    try {
      const stats = await handle.stat();
      if (stats.isDirectory()) throw new ToolError(`"${display}" is a directory; use list_files to see what it holds`);
      if (!stats.isFile()) throw new ToolError(`"${display}" is not a regular file`);
      const cap = LIMITS.readFileBytes;
      // Past the cap by the longest secret's length, so a secret across the cut is still seen whole.
      const buffer = Buffer.alloc(Math.min(stats.size, cap + ctx.secrets.longest) + 1);
      let length = 0;
      while (length < buffer.length) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      const read = buffer.subarray(0, length);
      if (ctx.secrets.find(read.toString('utf8')) !== undefined) throw new ToolError(holdsSecretRefusal(display));
      const cut = length > cap;
      const bytes = read.subarray(0, Math.min(length, cap));
      if (isBinary(bytes)) throw new ToolError(`"${display}" is a binary file (${formatBytes(stats.size)}); read_file only reads text`);
      const text = decodeUtf8(bytes, cut);
      if (!cut) return text;
      return `${text}\n[read_file: "${display}" is ${formatBytes(Math.max(stats.size, length))}; only its first ${formatBytes(cap)} are shown]`;
    } finally {
      await handle.close();
    }
  },
});
