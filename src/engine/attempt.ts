import { LoomError, isLoomError } from '../core/errors.js';
import type { ChatRequest, FinishReason, HttpExchange, Provider, Refusal, ToolCall, Usage } from '../core/messages.js';
import type { FullUsage } from '../core/events.js';

/** What one model turn produced. */
export interface TurnOutput {
  text: string;
  toolCalls: ToolCall[];
  /** null when the provider reported none (some openai-compatible servers): unknown, not zero. */
  usage: FullUsage | null;
  finish: FinishReason;
  /** Set when the model or the provider's filter refused (finish `content-filter`): the run fails with `refused`. */
  refusal?: Refusal;
  /** Set when the turn was served from a fixture: the cost that was recorded. */
  replayed?: { costUsd: number | null };
}

export interface AttemptOptions {
  /** The run's signal (Ctrl-C). */
  signal?: AbortSignal;
  stream: boolean;
  /** Longest wait for the first event and longest silence between events. */
  timeoutMs: number;
  onDelta: (text: string) => void;
  /** Each HTTP request the provider made, for `--verbose`. */
  onHttp?: (exchange: HttpExchange) => void;
}

const TIMED_OUT = Symbol('timed out');

/**
 * One request to one provider: consumes its event stream into a TurnOutput, passing text on as
 * it arrives. A silence longer than `timeoutMs` aborts the request as a `timeout`; a stream that
 * keeps sending is never cut.
 */
export async function attemptTurn(provider: Provider, request: ChatRequest, options: AttemptOptions): Promise<TurnOutput> {
  const controller = new AbortController();
  const abortFromRun = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', abortFromRun, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const armTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(TIMED_OUT), options.timeoutMs);
  };
  // Whatever the SDK does with the signal, the wait for the next event ends when it fires.
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(controller.signal.reason);
    if (controller.signal.aborted) fail();
    else controller.signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => {});

  const output: TurnOutput = { text: '', toolCalls: [], usage: null, finish: 'stop' };
  // A stream read to its end has released its connection: aborting it then would only cost an
  // AbortError (a DOMException, with its stack) per request — felt across a batch.
  let finished = false;
  armTimer();
  try {
    const iterator = provider.stream(request, { signal: controller.signal, stream: options.stream })[Symbol.asyncIterator]();
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) {
        finished = true;
        break;
      }
      armTimer();
      const event = next.value;
      if (event.type === 'text-delta') {
        output.text += event.text;
        options.onDelta(event.text);
      } else if (event.type === 'tool-call') output.toolCalls.push(event.call);
      else if (event.type === 'usage') output.usage = saneUsage(event.usage);
      else if (event.type === 'http') options.onHttp?.(event.exchange);
      else if (event.type === 'replayed') output.replayed = { costUsd: event.costUsd };
      else if (event.type === 'finish') {
        output.finish = event.reason;
        // A provider without words of its own (the mock) still says which reason it gave.
        if (event.reason === 'content-filter') output.refusal = event.refusal ?? { reason: event.rawReason ?? 'content filter' };
      }
      // Any other event (a keep-alive, say) only shows the stream is alive: the timer was re-armed.
    }
    return output;
  } catch (error) {
    if (controller.signal.reason === TIMED_OUT) {
      throw new LoomError('timeout', `${provider.name}: no response for ${formatSeconds(options.timeoutMs)}`, {
        provider: provider.name,
        retryable: true,
        hint: 'raise "timeoutMs" in the config if the model needs longer to start answering',
      });
    }
    if (options.signal?.aborted) throw new LoomError('interrupted', 'interrupted', { provider: provider.name });
    if (isLoomError(error)) throw error;
    // Providers map their own errors; anything else is a provider fault we did not foresee.
    const message = error instanceof Error ? error.message : String(error);
    throw new LoomError('provider_unavailable', `${provider.name}: ${message}`, { provider: provider.name, retryable: true, cause: error });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', abortFromRun);
    if (!finished && !controller.signal.aborted) controller.abort(); // release the connection of an abandoned stream
  }
}

/**
 * A provider's token counts as reported, all four (the cache counters 0 when not reported), or
 * null (unknown) when any is negative, fractional or not a number: a negative count would make a
 * negative cost, and a budget that never trips.
 */
export function saneUsage(usage: Usage): FullUsage | null {
  const count = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
  const cached = usage.cachedInputTokens ?? 0;
  const written = usage.cacheWriteTokens ?? 0;
  if (!count(usage.inputTokens) || !count(usage.outputTokens) || !count(cached) || !count(written)) return null;
  return { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, cachedInputTokens: cached, cacheWriteTokens: written };
}

export function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
}
