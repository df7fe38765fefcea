import type { ResolvedProvider } from '../core/config.js';
import type { HttpExchange, Provider } from '../core/messages.js';
import type { ToolSet } from '../tools/index.js';
import { runAgentLoop, type LoopProgress } from './agent-loop.js';
import { Channel } from './channel.js';
import type { RunEvent, RunResult } from '../core/events.js';
import type { RunPlan } from '../core/plan.js';
import { TurnRunner, toLoomError, type RunCounters } from './turn.js';

export { droppedSettingsWarning } from './turn.js';

export interface EngineOptions {
  signal?: AbortSignal;
  /**
   * True when text reaches the user as it arrives (text output, `--jsonl`): a stream that
   * breaks after that cannot be retried without duplicating it. False under `--json`.
   */
  streamsToUser: boolean;
  /** The agent's tools (built-ins and MCP servers), started by the caller, closed by it too. */
  tools?: ToolSet;
  createProvider?: (config: ResolvedProvider) => Promise<Provider>;
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
  | ({ type: 'http'; provider: string; attempt: number } & HttpExchange);

/** Runs a plan: the agent loop over the provider chain, yielding events as things happen. */
export function runPlan(plan: RunPlan, options: EngineOptions): AsyncIterable<EngineEvent> {
  const channel = new Channel<EngineEvent>();
  execute(plan, options, (event) => channel.push(event)).then(
    () => channel.close(),
    (error: unknown) => channel.fail(error),
  );
  return channel;
}

async function execute(plan: RunPlan, options: EngineOptions, emit: (event: EngineEvent) => void): Promise<void> {
  const now = options.now ?? Date.now;
  const started = now();
  const [primary] = plan.chain;
  if (!primary) throw new Error('a run plan needs a provider');
  emit({ type: 'start', agent: plan.agent, provider: primary.provider.name, model: primary.model });

  const counters: RunCounters = { attempts: 0, fallbackFrom: [], text: '' };
  const turns = new TurnRunner(plan, options, counters, emit);
  const progress: LoopProgress = { text: '', lastText: '', output: null, usage: null, costUsd: 0, steps: 0, toolCalls: [] };
  const summary = (answered: boolean): Omit<RunResult, 'text' | 'output'> => {
    // Success names who answered; failure names who failed last.
    const step = (answered ? progress.step : turns.lastTried) ?? turns.current;
    return {
      agent: plan.agent,
      provider: step.provider.name,
      model: step.model,
      usage: progress.usage,
      costUsd: progress.steps > 0 ? progress.costUsd : null,
      attempts: counters.attempts,
      fallbackFrom: counters.fallbackFrom,
      steps: progress.steps,
      toolCalls: progress.toolCalls,
      durationMs: Math.round(now() - started),
    };
  };

  try {
    await runAgentLoop(plan, turns, options.tools, emit, progress, options.signal);
    if (progress.usage) emit({ type: 'usage', ...progress.usage });
    emit({ type: 'done', ...summary(true), text: progress.text, output: progress.output });
  } catch (caught) {
    const error = toLoomError(caught, (turns.lastTried ?? turns.current).provider.name);
    // The partial answer: what the failing turn had produced, else the last text a turn gave
    // (a run stopped by max_steps or a budget keeps `text`, empty if the model never said anything).
    const text = counters.text || progress.lastText;
    emit({
      type: 'error',
      error: { code: error.code, message: error.message, provider: error.provider ?? (turns.lastTried ?? turns.current).provider.name, status: error.status ?? null, ...(error.hint ? { hint: error.hint } : {}) },
      ...summary(false),
      ...(text || progress.steps > 0 ? { text } : {}),
    });
  }
}
