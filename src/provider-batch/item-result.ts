/**
 * One provider-batch item's result line (CONTRACT §15): the answer the provider's batch returned,
 * read by the same engine a live run reads a live answer with — so text, structured output (an
 * invalid answer is `output_invalid`: a batch has no repair turn), refusals, usage and the result
 * line's shape are exactly a run's. The item's recorded events are served by a provider of their
 * own; the price is the batch price; there is one step, no tools, no fallback and no retry.
 */
import type { ModelPrice } from '../core/config.js';
import type { Provider, ProviderEvent } from '../core/messages.js';
import type { RunPlan } from '../core/plan.js';
import type { KnownSecrets } from '../core/secrets.js';
import { runOnce } from '../engine/run-once.js';
import { failedLine, runResultLine, type ResultLine } from '../batch/result-line.js';
import type { ItemOutcome } from './engine.js';

export interface ItemContext {
  /** The item's plan, as `loom batch` built it from its variables. */
  plan: RunPlan;
  id: string | undefined;
  /** The price in the provider's batch engine (null: unknown, so the cost is too). */
  batchPrice: ModelPrice | null;
  /** `{id, remoteId}`: the manifest's and the provider's batch ids. */
  batch: { id: string; remoteId: string };
  secrets?: KnownSecrets;
}

/** A provider that answers once, with what the batch returned. */
function answered(name: string, type: string, events: readonly ProviderEvent[]): Provider {
  return {
    name,
    type,
    async *stream() {
      yield* events;
    },
  };
}

export async function itemResultLine(outcome: ItemOutcome, context: ItemContext): Promise<ResultLine> {
  const { plan } = context;
  const entry = plan.chain[0]!;
  const batch = { batch: context.batch, durationMs: null };
  if (!outcome.ok) {
    const line = failedLine(outcome.index, context.id, { code: outcome.error.code, message: outcome.error.message, provider: entry.provider.name, status: outcome.error.status });
    return { ...line, model: entry.model, ...batch };
  }
  const single: RunPlan = {
    ...plan,
    maxSteps: 1,
    tools: null,
    chain: [{ ...entry, price: context.batchPrice, retry: { ...entry.retry, retries: 0 } }],
  };
  const { final } = await runOnce(single, {
    textReachesUser: false,
    createProvider: async () => answered(entry.provider.name, entry.provider.type, outcome.events),
    ...(context.secrets ? { secrets: context.secrets } : {}),
  });
  return { ...runResultLine(outcome.index, context.id, final), attempts: 1, ...batch };
}
