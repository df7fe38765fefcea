/**
 * The engine: a run plan in, events out — the agent loop over the provider chain, each turn
 * through fallback and retries. `executePlan` reports events to a callback and returns the last
 * one (`done` or `error`); `planEvents` is the same as an AsyncIterable, for whoever prefers to
 * iterate. Nothing here prints or knows about a terminal.
 */
import type { CredentialReader } from '../core/config.js';
import type { FixtureEvent, RunEvent } from '../core/events.js';
import type { HttpExchange } from '../core/messages.js';
import type { RunPlan } from '../core/plan.js';
import type { ProviderFactory } from '../providers/registry.js';
import type { ToolSet } from '../tools/index.js';
import type { FixtureSession } from '../fixtures/session.js';
import { runAgentLoop } from './agent-loop.js';
import { Channel } from './channel.js';
import { ProviderChain } from './fallback.js';
import { RunState } from './run-state.js';

export { droppedSettingsWarning } from './fallback.js';

export interface EngineOptions {
  signal?: AbortSignal;
  /**
   * True when text reaches a reader as it arrives (text output, `--jsonl`): a stream that breaks
   * after that cannot be retried without duplicating it. False under `--json`.
   */
  textReachesUser: boolean;
  /** The agent's tools (built-ins and MCP servers), started and closed by the caller. */
  tools?: ToolSet;
  /**
   * Each provider's key and header values, read when the provider builds its client (the plan holds
   * none): the caller closes it over the loaded config and environment. Absent: no provider has a key.
   */
  credentials?: CredentialReader;
  /** Makes the providers of the chain; default: the registry's (each type's folder loaded on first use). */
  createProvider?: ProviderFactory;
  /**
   * The run's fixtures (CONTRACT §12), when a mode is on: each chain entry's provider is wrapped
   * by them, and under replay `createProvider` is never called. runOnce makes it from `deps.fixtures`.
   */
  fixtures?: FixtureSession;
  /** Waits between attempts; injectable so tests need not sleep. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/**
 * Everything the engine says that is not a RunEvent of the contract, all for stderr: notices,
 * warnings, and one `http` event per request (printed under `--verbose` only).
 */
export type EngineEvent =
  | RunEvent
  | { type: 'notice'; message: string }
  | { type: 'warning'; message: string }
  | FixtureEvent
  | ({ type: 'http'; provider: string; attempt: number } & HttpExchange);

/** The last event of a run: its result, or its failure with the partial result. */
export type FinalEvent = Extract<RunEvent, { type: 'done' } | { type: 'error' }>;

/** Runs a plan, reporting each event as it happens; resolves with the final one (never rejects for a run's failure). */
export async function executePlan(plan: RunPlan, options: EngineOptions, emit: (event: EngineEvent) => void): Promise<FinalEvent> {
  const now = options.now ?? Date.now;
  const [primary] = plan.chain;
  if (!primary) throw new Error('a run plan needs a provider');
  const state = new RunState(plan, now());
  emit({ type: 'start', agent: plan.agent, provider: primary.provider.name, model: primary.model });
  let final: FinalEvent;
  try {
    await runAgentLoop(state, new ProviderChain(plan, options, state, emit), options.tools, emit, options.signal);
    if (state.usage) emit({ type: 'usage', ...state.usage });
    final = { type: 'done', ...state.result(now()) };
  } catch (caught) {
    final = { type: 'error', ...state.failure(caught, now()) };
  }
  emit(final);
  return final;
}

/** `executePlan` as an AsyncIterable of its events. */
export function planEvents(plan: RunPlan, options: EngineOptions): AsyncIterable<EngineEvent> {
  const channel = new Channel<EngineEvent>();
  executePlan(plan, options, (event) => channel.push(event)).then(
    () => channel.close(),
    (error: unknown) => channel.fail(error),
  );
  return channel;
}
