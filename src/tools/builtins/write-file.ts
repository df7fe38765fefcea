import { mkdir, stat, writeFile as fsWriteFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { defineTool, ToolError } from '../define-tool.js';
import { formatBytes, LIMITS } from '../limits.js';
import { describeFsError, resolveInWorkspace } from '../sandbox.js';

export const writeFile = defineTool<{ path: string; content: string }>({
  name: 'write_file',
  description:
    'Write a text file in the workspace, replacing it if it exists and creating missing parent folders. Paths are relative to the workspace root. Needs the user\'s approval.',
  parameters: {
    type: 'object',
    properties: {
      path: { type: 'string', minLength: 1, description: 'File path, relative to the workspace root' },
      content: { type: 'string', description: 'The whole new content of the file' },
    },
    required: ['path', 'content'],
    additionalProperties: false,
  },
  needsApproval: true,
  summarize: ({ path, content }) => `write_file: ${path} (${formatBytes(Buffer.byteLength(content))})`,
  async execute(ctx, { path, content }) {
    const bytes = Buffer.byteLength(content);
    if (bytes > LIMITS.writeFileBytes) throw new ToolError(`refused: the content is ${formatBytes(bytes)}; write_file writes at most ${formatBytes(LIMITS.writeFileBytes)}`);
    const target = await resolveInWorkspace(ctx, path, { allowMissing: true });
    if (target.exists) {
      const stats = await stat(target.real);
      if (stats.isDirectory()) throw new ToolError(`"${target.display}" is a directory`);
      if (!stats.isFile()) throw new ToolError(`"${target.display}" is not a regular file`);
    }
    try {
      // Only folders below the real, checked parent are created: none of them exists yet.
      if (!target.exists) await mkdir(dirname(target.real), { recursive: true });
      await fsWriteFile(target.real, content, { signal: ctx.signal });
    } catch (error) {
      throw describeFsError(error, path);
    }
    return `wrote ${formatBytes(bytes)} to ${target.display}`;
  },
});
