/**
 * MCP client: connects to an agent's MCP servers (stdio or streamable HTTP), lists their tools as
 * `<server>__<tool>`, calls them, and stops them.
 *
 * - Servers start together; if one fails, the others are stopped and the failure names the server,
 *   with the end of its stderr.
 * - A server that stops during the run fails the calls of its own tools; other servers go on.
 * - A call has 60 s (the agent's `mcpTimeoutMs`), progress notifications or not (CONTRACT §19).
 *
 * This folder is imported only when an agent has MCP servers: the SDK is not loaded otherwise.
 */
import type { McpServerConfig } from '../../core/config.js';
import { LoomError, isLoomError } from '../../core/errors.js';
import type { ToolSpec } from '../../core/messages.js';
import type { ToolResult } from '../define-tool.js';
import { startRun } from '../processes.js';
import { withoutSchemaKeyword } from './format.js';
import { McpServer, type McpOptions } from './server.js';

export type { McpOptions } from './server.js';

export interface McpSession {
  specs: ToolSpec[];
  has(name: string): boolean;
  call(name: string, input: unknown, signal?: AbortSignal): Promise<ToolResult>;
  close(): Promise<void>;
}

/** Tool names providers accept: OpenAI's rule, the strictest (`^[a-zA-Z0-9_-]{1,64}$`). */
const toToolName = (server: string, tool: string): string => `${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);

/** Starts every server, lists their tools; throws a LoomError naming the server that failed. */
export async function startMcpServers(configs: Record<string, McpServerConfig>, options: McpOptions): Promise<McpSession> {
  const processes = options.processes ?? startRun();
  const servers = Object.entries(configs).map(([name, config]) => new McpServer(name, config, options, processes));
  const closeAll = () => Promise.all(servers.map((server) => server.close())).then(() => undefined);
  const started = await Promise.allSettled(servers.map((server) => server.start(options.signal)));
  const failures = started.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
  if (failures.length > 0) {
    await closeAll();
    const first = failures[0];
    if (failures.length > 1 && isLoomError(first) && failures.every((f) => isLoomError(f))) {
      throw new LoomError(first.code, (failures as LoomError[]).map((f) => f.message).join('\n'), { hint: first.hint });
    }
    throw first;
  }

  const byName = new Map<string, { server: McpServer; tool: string }>();
  const specs: ToolSpec[] = [];
  for (const server of servers) {
    for (const tool of server.tools) {
      if (tool.execution?.taskSupport === 'required') continue; // needs the experimental tasks API
      let name = toToolName(server.name, tool.name);
      for (let n = 2; byName.has(name); n++) name = `${toToolName(server.name, tool.name).slice(0, 60)}_${n}`;
      byName.set(name, { server, tool: tool.name });
      specs.push({
        name,
        description: tool.description ?? tool.title ?? `${tool.name} (MCP server "${server.name}")`,
        parameters: withoutSchemaKeyword(tool.inputSchema),
      });
    }
  }

  options.signal?.addEventListener('abort', () => void closeAll(), { once: true });

  return {
    specs,
    has: (name) => byName.has(name),
    async call(name, input, signal) {
      const entry = byName.get(name);
      if (entry === undefined) return { ok: false, output: `unknown tool "${name}"` };
      return entry.server.call(entry.tool, input, signal);
    },
    close: closeAll,
  };
}
