import pRetry from 'p-retry';
import type { ResolvedProvider } from '../core/config.js';
import { LoomError, isLoomError } from '../core/errors.js';
import { droppedSettings } from '../providers/capabilities.js';
import type { ChatRequest, Message, Provider, ToolSpec } from '../core/messages.js';
import { attemptTurn, type TurnOutput } from './attempt.js';
import { decideRetry } from './backoff.js';
import type { EngineEvent, EngineOptions } from './run.js';
import type { PlannedProvider, RunPlan } from '../core/plan.js';

/** Counters of a whole run, shared by all its turns. */
export interface RunCounters {
  attempts: number;
  fallbackFrom: string[];
  /** The text of the latest attempt: on failure, the partial answer. */
  text: string;
}

/**
 * Runs model turns through the retry ▸ fallback layer. The chain position is kept between turns:
 * once a provider has failed over to the next, the rest of the run stays there.
 */
export class TurnRunner {
  private position = 0;
  private readonly providers = new Map<PlannedProvider, Promise<Provider>>();
  private readonly createProvider: (config: ResolvedProvider) => Promise<Provider>;
  /** The providers whose dropped settings the run has warned about. */
  private readonly warned = new Set<PlannedProvider>();

  constructor(
    private readonly plan: RunPlan,
    private readonly options: EngineOptions,
    private readonly counters: RunCounters,
    private readonly emit: (event: EngineEvent) => void,
  ) {
    this.createProvider = options.createProvider ?? (async (config) => (await import('../providers/registry.js')).createProvider(config));
  }

  /** The provider the latest request went to: after a failure, the one that failed last. */
  lastTried: PlannedProvider | undefined;

  /** The provider a turn goes to now (a fallback once the primary has failed). */
  get current(): PlannedProvider {
    return this.plan.chain[this.position] ?? (this.plan.chain[0] as PlannedProvider);
  }

  /** One model turn on the conversation so far; `showText` says whether its deltas reach the user. */
  async turn(messages: Message[], tools: ToolSpec[] | undefined, showText: boolean): Promise<{ output: TurnOutput; step: PlannedProvider }> {
    let lastError: LoomError | undefined;
    let lastTried: PlannedProvider | undefined;
    for (let index = this.position; index < this.plan.chain.length; index++) {
      const step = this.plan.chain[index] as PlannedProvider;
      if (step.unusable) {
        this.emit({ type: 'notice', message: `skipping fallback ${step.provider.name}: ${step.unusable}` });
        continue;
      }
      if (lastTried && lastError) {
        this.counters.fallbackFrom.push(lastTried.provider.name);
        this.emit({ type: 'fallback', from: lastTried.provider.name, to: step.provider.name, code: lastError.code });
      }
      lastTried = this.lastTried = step;
      this.warnOnFirstUse(step);
      try {
        const output = await this.onProvider(step, messages, tools, showText);
        this.position = index;
        return { output, step };
      } catch (error) {
        lastError = toLoomError(error, step.provider.name);
        // A bad request fails everywhere and a refusal is the model's answer (CONTRACT §6); an
        // interrupt is the user's; shown text cannot be taken back.
        if (NO_FALLBACK.has(lastError.code) || error instanceof BrokenAfterTextError) throw lastError;
      }
    }
    throw lastError ?? new LoomError('provider_unavailable', 'no provider could be tried', { hint: 'every fallback was skipped' });
  }

  /** Before the first request to a provider: what of the request it will not send (CONTRACT §10), once a run. */
  private warnOnFirstUse(step: PlannedProvider): void {
    if (this.warned.has(step)) return;
    this.warned.add(step);
    const message = droppedSettingsWarning(this.plan, step);
    if (message) this.emit({ type: 'warning', message });
  }

  /** One provider of the chain, with its retries. */
  private async onProvider(step: PlannedProvider, messages: Message[], tools: ToolSpec[] | undefined, showText: boolean): Promise<TurnOutput> {
    let providerPromise = this.providers.get(step);
    if (!providerPromise) this.providers.set(step, (providerPromise = this.createProvider(step.provider)));
    const provider = await providerPromise;
    const request: ChatRequest = { ...this.plan.request, messages, model: step.model };
    if (tools && tools.length > 0) request.tools = tools;
    if (step.params) request.params = step.params;
    const { options, counters, emit } = this;
    const sleep = options.sleep ?? defaultSleep;
    const streamsToUser = options.streamsToUser && showText;
    let attempt = 0;
    return pRetry(
      async () => {
        attempt++;
        counters.attempts++;
        counters.text = '';
        let shownThisAttempt = false;
        try {
          return await attemptTurn(provider, request, {
            signal: options.signal,
            stream: this.plan.stream,
            timeoutMs: step.timeoutMs,
            onHttp: (exchange) => emit({ type: 'http', provider: step.provider.name, attempt, ...exchange }),
            onDelta: (text) => {
              counters.text += text;
              // A structured answer is not shown as it streams (not even as --jsonl deltas): it may
              // be retried, repaired or refused, and is shown once valid (`output` of done).
              if (!showText) return;
              if (streamsToUser) shownThisAttempt = true;
              emit({ type: 'delta', text });
            },
          });
        } catch (error) {
          const loomError = toLoomError(error, step.provider.name);
          // A refusal after some text is still a refusal, not a broken stream.
          if (!shownThisAttempt || loomError.code === 'refused') throw loomError;
          throw new BrokenAfterTextError(loomError);
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
          if (error instanceof BrokenAfterTextError) throw error;
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
}

/**
 * The warning for the settings of a plan's request that a provider of its chain does not take
 * and so never receives (`temperature` on Anthropic's Messages API); undefined when none. A run
 * says it when it first sends to that provider; `--dry-run` for the first provider.
 */
export function droppedSettingsWarning(plan: RunPlan, step: PlannedProvider): string | undefined {
  const dropped = droppedSettings(step.provider.type, { ...plan.request, ...(step.params ? { params: step.params } : {}) });
  if (dropped.length === 0) return undefined;
  return `${step.provider.name} does not take ${dropped.map((d) => `"${d.setting}"`).join(', ')} (${[...new Set(dropped.map((d) => d.why))].join('; ')}), so it is not sent`;
}

const NO_FALLBACK: ReadonlySet<string> = new Set(['bad_request', 'refused', 'interrupted']);

/** A stream that broke after part of it was printed: printed text cannot be taken back, so no retry and no fallback. */
class BrokenAfterTextError extends LoomError {
  constructor(cause: LoomError) {
    super(cause.code, `${cause.message} (the answer broke off after part of it was printed)`, {
      provider: cause.provider,
      status: cause.status,
      hint: 'run again; use --json to get a complete answer or none',
    });
  }
}

export function toLoomError(error: unknown, provider: string): LoomError {
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
