/**
 * The checks and sums before a provider batch is submitted (CONTRACT §15): whether the agent can
 * run as one call at all, the items split into as few provider batches as the provider's limits
 * allow, and the cost estimated at the batch price — all before anything is sent.
 */
import type { ModelPrice } from '../core/config.js';
import { LoomError } from '../core/errors.js';
import type { ChatRequest } from '../core/messages.js';
import type { RunPlan } from '../core/plan.js';

/** The provider types with a batch engine. */
export const BATCH_ENGINE_TYPES = ['openai', 'anthropic', 'gemini'] as const;
export type BatchEngineType = (typeof BATCH_ENGINE_TYPES)[number];

const CHARS_PER_TOKEN = 4;
/** The answer length assumed when a request sets no `maxTokens`: an estimate must say something. */
const DEFAULT_OUTPUT_TOKENS = 1024;

/** Throws a usage error (exit 2) saying why this plan cannot be a provider batch. */
export function refuseUnbatchable(plan: RunPlan): BatchEngineType {
  const tools = plan.tools;
  if (tools && (tools.builtins.length > 0 || Object.keys(tools.mcpServers).length > 0)) {
    const names = [...tools.builtins, ...Object.keys(tools.mcpServers).map((server) => `MCP server "${server}"`)];
    throw new LoomError('usage', `agent "${plan.agent}" uses tools (${names.join(', ')}): a provider batch runs each item as one model call, with no turn to answer a tool call`, {
      hint: 'run it without --provider-batch (loom batch calls the provider once per item and runs the tools)',
    });
  }
  const { provider } = plan.chain[0]!;
  if (!(BATCH_ENGINE_TYPES as readonly string[]).includes(provider.type)) {
    throw new LoomError('usage', `provider "${provider.name}" (${provider.type}) has no batch engine: --provider-batch works with openai, anthropic and gemini providers`, {
      hint: 'run it without --provider-batch, or choose another provider with -p',
    });
  }
  return provider.type as BatchEngineType;
}

/** Items into provider batches, in order: each within the request count and the byte size the provider allows. */
export function splitIntoParts(items: readonly { index: number; bytes: number }[], limits: { maxRequests: number; maxBytes: number }): number[][] {
  const parts: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const item of items) {
    if (item.bytes > limits.maxBytes) {
      throw new LoomError('usage', `item ${item.index} alone is ${item.bytes} bytes, more than a provider batch may hold (${limits.maxBytes})`, { hint: 'shorten it, or run it without --provider-batch' });
    }
    if (current.length > 0 && (current.length >= limits.maxRequests || bytes + item.bytes > limits.maxBytes)) {
      parts.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item.index);
    bytes += item.bytes;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

/** What a request will likely cost at `price`: its size at about four characters a token, and its `maxTokens` (else 1024) of answer. */
export function estimateRequestCost(request: ChatRequest, price: ModelPrice): number {
  const characters = (request.system?.length ?? 0) + request.messages.reduce((sum, message) => sum + message.content.length, 0) + (request.responseSchema ? JSON.stringify(request.responseSchema).length : 0);
  return ((characters / CHARS_PER_TOKEN) * price.input + (request.maxTokens ?? DEFAULT_OUTPUT_TOKENS) * price.output) / 1_000_000;
}
