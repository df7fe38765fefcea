/**
 * A batch's MCP servers (CONTRACT §14): started once, when the first item needs them, and
 * shared by every item — not a server start per item — then stopped with whatever they left
 * running when the batch ends. They see the environment every tool sees: no known secret.
 */
import { realpath } from 'node:fs/promises';
import type { RunPlan } from '../core/plan.js';
import { withoutSecrets, type KnownSecrets } from '../core/secrets.js';
import type { McpSession } from '../tools/mcp/session.js';
import { startRun } from '../tools/processes.js';

export interface SharedMcp {
  session: McpSession;
  close(): Promise<void>;
}

export async function startSharedMcp(plan: RunPlan, options: { env: NodeJS.ProcessEnv; secrets: KnownSecrets; signal: AbortSignal }): Promise<SharedMcp | undefined> {
  const tools = plan.tools;
  if (!tools || Object.keys(tools.mcpServers).length === 0) return undefined;
  const { startMcpServers } = await import('../tools/mcp/session.js');
  const processes = startRun();
  const session = await startMcpServers(tools.mcpServers, {
    configDir: tools.configDir,
    workspace: await realpath(tools.workspace),
    env: withoutSecrets(options.env, options.secrets),
    redact: (text) => options.secrets.redact(text),
    signal: options.signal,
    callTimeoutMs: tools.mcpTimeoutMs,
    processes,
  }).catch(async (error: unknown) => {
    await processes.end();
    throw error;
  });
  return {
    session,
    async close() {
      await session.close();
      await processes.end();
    },
  };
}
