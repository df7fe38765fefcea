/**
 * `--dry-run`'s `wire` (CONTRACT §10): the JSON body the run's first request would carry to the
 * first provider of its chain, built as a run builds it (the plan's request, that provider's
 * model and params, the agent's built-in tool definitions). Nothing is sent, no SDK client is
 * built and no key is needed. MCP servers are not started by a dry run, so their tools cannot be
 * in the body: `wireOmits` says so when the agent has any.
 */
import type { ChatRequest, ToolSpec } from '../core/messages.js';
import type { AnyTool } from '../tools/define-tool.js';
import type { RunPlan } from '../core/plan.js';

export interface DryRunWire {
  /** null for a provider that sends nothing (mock). */
  wire: Record<string, unknown> | null;
  wireOmits?: string;
}

export async function dryRunWire(plan: RunPlan): Promise<DryRunWire> {
  const [first] = plan.chain;
  if (!first) return { wire: null };
  const [{ wireBody }, tools] = await Promise.all([import('../providers/wire.js'), builtinSpecs(plan)]);
  const request: ChatRequest = { ...plan.request, model: first.model };
  if (tools.length > 0) request.tools = tools;
  if (first.params) request.params = first.params;
  const servers = Object.keys(plan.tools?.mcpServers ?? {});
  return {
    wire: wireBody(first.provider.type, request, plan.stream),
    ...(servers.length > 0 ? { wireOmits: `the tools of MCP servers ${servers.join(', ')} (not started by --dry-run)` } : {}),
  };
}

/** The agent's built-in tools as a run declares them to the model (tools/index.ts `specs`). */
async function builtinSpecs(plan: RunPlan): Promise<ToolSpec[]> {
  const names = plan.tools?.builtins ?? [];
  if (names.length === 0) return [];
  const { builtinTools } = await import('../tools/builtins/index.js');
  const available: Partial<Record<string, AnyTool>> = builtinTools();
  return names.flatMap((name) => {
    const tool = available[name];
    return tool ? [{ name: tool.name, description: tool.description, parameters: tool.parameters }] : [];
  });
}
