import { compileGlob } from '../glob.js';
import { defineTool, ToolError, type Gate } from '../define-tool.js';
import { formatBytes, LIMITS } from '../limits.js';
import { describeFsError, resolveInWorkspace } from '../workspace.js';
import { openForWrite } from '../workspace-open.js';
import { quoteArgv } from '../command-line.js';

const PREFIX = 'write_file:';

/** Whether an `allow` entry `write_file:<path or glob>` names the workspace-relative `display`. */
function namedBy(entry: string, display: string): boolean {
  if (!entry.startsWith(PREFIX)) return false;
  try {
    return compileGlob(entry.slice(PREFIX.length))(display);
  } catch {
    return false; // config validate reports a bad pattern
  }
}

const isProtectedGate = (gate: Gate) => gate.kind === 'approval' && gate.because?.startsWith('protected') === true;

export const writeFile = defineTool<{ path: string; content: string }>({
  name: 'write_file',
  description:
    "Write a text file in the workspace, replacing it if it exists and creating missing parent folders. Paths are relative to the workspace root. Needs the user's approval; protected paths (.env files, .git/, Loom's config and agents, package.json, CI files) are refused unless the user allows them.",
  parameters: {
    type: 'object',
    properties: {
      path: { type: 'string', minLength: 1, description: 'File path, relative to the workspace root' },
      content: { type: 'string', description: 'The whole new content of the file' },
    },
    required: ['path', 'content'],
    additionalProperties: false,
  },
  async prepare(ctx, { path, content }) {
    const bytes = Buffer.byteLength(content);
    if (bytes > LIMITS.writeFileBytes) throw new ToolError(`refused: the content is ${formatBytes(bytes)}; write_file writes at most ${formatBytes(LIMITS.writeFileBytes)}`);
    const target = await resolveInWorkspace(ctx, path, { allowMissing: true });
    const question = `write_file: ${quoteArgv([target.display])} (${formatBytes(bytes)})`;
    const protection = ctx.protectedPaths.reason(target.real);
    if (protection !== undefined) {
      // Neither --yes nor a plain "write_file" entry: only an entry naming the path, or the user, once.
      return {
        kind: 'approval',
        by: ['allow', 'user'],
        allows: (entry) => namedBy(entry, target.display),
        question,
        because: `protected: ${protection}`,
        howToAllow: `a protected path is written only when the agent's "allow" list names it: add "write_file:${target.display}"`,
      };
    }
    return {
      kind: 'approval',
      by: ['yes', 'allow', 'user'],
      allows: (entry) => entry === 'write_file' || namedBy(entry, target.display),
      question,
      howToAllow: 'add "write_file" or "write_file:<path or glob>" to the agent\'s "allow" list, or run with --yes',
    };
  },
  async execute(ctx, { path, content }, gate) {
    const file = await openForWrite(ctx, path, (target) => {
      // The path checked before approval may have changed since (a link swapped in): judge the real target.
      const protection = ctx.protectedPaths.reason(target.real);
      if (protection !== undefined && !isProtectedGate(gate)) {
        throw new ToolError(`refused: "${path}" now leads to ${target.display} (protected: ${protection}), which was not approved`);
      }
    });
    try {
      await file.handle.truncate(0);
      await file.handle.writeFile(content, { signal: ctx.signal });
    } catch (error) {
      throw describeFsError(error, path);
    } finally {
      await file.handle.close();
    }
    return `wrote ${formatBytes(Buffer.byteLength(content))} to ${file.display}`;
  },
});
