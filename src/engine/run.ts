import pRetry from 'p-retry';
import type { ResolvedProvider } from '../config/types.js';
import { LoomError, isLoomError } from '../errors.js';
import { costUsd, priceFor } from '../providers/pricing.js';
import type { ChatRequest, Provider, Usage } from '../providers/types.js';
import { attemptTurn, type TurnOutput } from './attempt.js';
import { decideRetry } from './backoff.js';
import { Channel } from './channel.js';
import type { RunEvent, RunResult } from './events.js';
import type { PlannedProvider, RunPlan } from './plan.js';

export interface EngineOptions {
  signal?: AbortSignal;
  /**
   * True when text reaches the user as it arrives (text output, `--jsonl`): a stream that
   * breaks after that cannot be retried without duplicating it. False under `--json`.
   */
  streamsToUser: boolean;
  createProvider?: (config: ResolvedProvider) => Promise<Provider>;
  /** Waits between attempts; injectable so tests need not sleep. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** Everything the engine says that is not a RunEvent of the contract: stderr notices. */
export type EngineEvent = RunEvent | { type: 'notice'; message: string };

/** Runs a plan: the provider chain with retries and fallback, yielding events as things happen. */
export function runPlan(plan: RunPlan, options: EngineOptions): AsyncIterable<EngineEvent> {
  const channel = new Channel<EngineEvent>();
  execute(plan, options, (event) => channel.push(event)).then(
    () => channel.close(),
    (error: unknown) => channel.fail(error),
  );
  return channel;
}

interface RunState {
  attempts: number;
  fallbackFrom: string[];
  /** Text already handed to the user: once set, nothing may be retried. */
  textShown: boolean;
  /** The text of the latest attempt: on failure, the partial answer (what was printed, in text mode). */
  text: string;
}

async function execute(plan: RunPlan, options: EngineOptions, emit: (event: EngineEvent) => void): Promise<void> {
  const now = options.now ?? Date.now;
  const started = now();
  const createProvider = options.createProvider ?? (async (config) => (await import('../providers/registry.js')).createProvider(config));
  const state: RunState = { attempts: 0, fallbackFrom: [], textShown: false, text: '' };
  const [primary] = plan.chain;
  if (!primary) throw new Error('a run plan needs a provider');
  emit({ type: 'start', agent: plan.agent, provider: primary.provider.name, model: primary.model });

  let lastError: LoomError | undefined;
  let lastTried: PlannedProvider | undefined;
  for (const step of plan.chain) {
    if (step.unusable) {
      emit({ type: 'notice', message: `skipping fallback ${step.provider.name}: ${step.unusable}` });
      continue;
    }
    if (lastTried && lastError) {
      state.fallbackFrom.push(lastTried.provider.name);
      emit({ type: 'fallback', from: lastTried.provider.name, to: step.provider.name, code: lastError.code });
    }
    lastTried = step;
    try {
      const turn = await runOnProvider(step, plan, options, state, emit, createProvider);
      const result: RunResult = {
        agent: plan.agent,
        provider: step.provider.name,
        model: step.model,
        text: turn.text,
        output: null,
        usage: turn.usage,
        costUsd: cost(step, turn.usage),
        attempts: state.attempts,
        fallbackFrom: state.fallbackFrom,
        steps: 1,
        toolCalls: [],
        durationMs: Math.round(now() - started),
      };
      if (turn.usage) emit({ type: 'usage', ...turn.usage });
      emit({ type: 'done', ...result });
      return;
    } catch (error) {
      lastError = toLoomError(error, step.provider.name);
      // A bad request fails everywhere; an interrupt is the user's; shown text cannot be taken back.
      if (lastError.code === 'bad_request' || lastError.code === 'interrupted' || state.textShown) break;
    }
  }
  const error = lastError ?? new LoomError('provider_unavailable', 'no provider could be tried', { hint: 'every fallback was skipped' });
  emit({
    type: 'error',
    error: { code: error.code, message: error.message, provider: error.provider ?? lastTried?.provider.name ?? null, status: error.status ?? null, ...(error.hint ? { hint: error.hint } : {}) },
    agent: plan.agent,
    provider: lastTried?.provider.name ?? primary.provider.name,
    model: lastTried?.model ?? primary.model,
    ...(state.text ? { text: state.text } : {}),
    attempts: state.attempts,
    fallbackFrom: state.fallbackFrom,
    durationMs: Math.round(now() - started),
  });
}

/** One provider of the chain, with its retries. */
async function runOnProvider(
  step: PlannedProvider,
  plan: RunPlan,
  options: EngineOptions,
  state: RunState,
  emit: (event: EngineEvent) => void,
  createProvider: (config: ResolvedProvider) => Promise<Provider>,
): Promise<TurnOutput> {
  const provider = await createProvider(step.provider);
  const request: ChatRequest = { ...plan.request, model: step.model };
  if (step.params) request.params = step.params;
  const sleep = options.sleep ?? defaultSleep;
  let attempt = 0;
  return pRetry(
    async () => {
      attempt++;
      state.attempts++;
      state.text = '';
      let shownThisAttempt = false;
      try {
        return await attemptTurn(provider, request, {
          signal: options.signal,
          stream: plan.stream,
          timeoutMs: step.timeoutMs,
          onDelta: (text) => {
            state.text += text;
            if (options.streamsToUser) state.textShown = shownThisAttempt = true;
            emit({ type: 'delta', text });
          },
        });
      } catch (error) {
        const loomError = toLoomError(error, step.provider.name);
        if (shownThisAttempt) {
          throw new LoomError(loomError.code, `${loomError.message} (the answer broke off after part of it was printed)`, {
            provider: loomError.provider,
            status: loomError.status,
            hint: 'run again; use --json to get a complete answer or none',
          });
        }
        throw loomError;
      }
    },
    {
      retries: step.retry.retries,
      // Loom computes every delay itself (retry-after, jitter) and awaits it below.
      minTimeout: 0,
      maxTimeout: 0,
      randomize: false,
      signal: options.signal,
      onFailedAttempt: async ({ error }) => {
        const loomError = toLoomError(error, step.provider.name);
        if (state.textShown) throw loomError;
        const decision = decideRetry(loomError, attempt, step.retry, options.random);
        if (!decision.retry) {
          if (decision.reason === 'retry-after-too-long') {
            throw new LoomError(loomError.code, `${loomError.message} (asked to wait ${Math.ceil((loomError.retryAfterMs ?? 0) / 1000)}s, more than maxDelayMs)`, {
              provider: loomError.provider,
              status: loomError.status,
              hint: loomError.hint,
            });
          }
          throw loomError;
        }
        emit({ type: 'retry', provider: step.provider.name, attempt: attempt + 1, maxAttempts: step.retry.retries + 1, delayMs: decision.delayMs, code: loomError.code, status: loomError.status ?? null });
        await sleep(decision.delayMs, options.signal);
      },
    },
  ).catch((error: unknown) => {
    if (options.signal?.aborted) throw new LoomError('interrupted', 'interrupted', { provider: step.provider.name });
    throw error;
  });
}

/** null when the price or the usage is unknown: an unknown cost is never 0 (CONTRACT §8). */
function cost(step: PlannedProvider, usage: Usage | null): number | null {
  if (!usage) return null;
  return costUsd(usage, priceFor(step.provider.type, step.model, step.provider.pricing, step.provider.name));
}

function toLoomError(error: unknown, provider: string): LoomError {
  if (isLoomError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LoomError('internal', message, { provider, cause: error });
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    // The listener goes when the wait ends: a signal shared by many runs must not collect them.
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
