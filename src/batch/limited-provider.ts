/**
 * A Provider that asks its provider's limiter before each call (CONTRACT §14): the batch wraps
 * every provider once, so all items share one limiter per provider whatever runs them, and the
 * engine (its retries included, §6) sees an ordinary Provider. Each call takes a permit sized by
 * an estimate of its tokens and gives it back exactly once however the call ends, with the
 * reported usage or with what a rate-limit error said.
 */
import { toLoomError } from '../core/errors.js';
import type { ChatRequest, Provider, ProviderEvent, StreamOptions } from '../core/messages.js';
import { saneUsage } from '../engine/attempt.js';
import type { ProviderLimiter, SettleOutcome } from './limiter.js';

/** A rough token count for text: about four characters a token across the major tokenizers (as the budget counts, §7). */
const CHARS_PER_TOKEN = 4;
/** The output a request is assumed to use when it sets no `maxTokens`. */
const DEFAULT_OUTPUT_TOKENS = 1024;

/**
 * The tokens a request will likely use, input and output, before it is sent: its size as sent
 * (system, messages, tools, output schema) and the most output it allows. The reported usage
 * corrects it once the call ends.
 */
export function estimateTokens(request: ChatRequest): number {
  const parts: unknown[] = [request.system, request.messages, request.tools, request.responseSchema];
  const characters = parts.reduce<number>((sum, part) => sum + (part === undefined ? 0 : JSON.stringify(part).length), 0);
  return Math.ceil(characters / CHARS_PER_TOKEN) + (request.maxTokens ?? DEFAULT_OUTPUT_TOKENS);
}

export function limitedProvider(provider: Provider, limiter: ProviderLimiter): Provider {
  return {
    name: provider.name,
    type: provider.type,
    stream: (request, options) => limitedStream(provider, limiter, request, options),
  };
}

async function* limitedStream(provider: Provider, limiter: ProviderLimiter, request: ChatRequest, options?: StreamOptions): AsyncGenerator<ProviderEvent> {
  // A wait aborted here rejects with the signal's reason: no permit was taken, none to give back.
  // Sizing the request costs a JSON.stringify of the whole conversation: only a token limit needs it.
  const permit = await limiter.acquire(limiter.countsTokens ? estimateTokens(request) : 0, options?.signal);
  // What the permit is settled with if nothing better is learned: a consumer that stops early
  // (return(), or throw() while it holds an event) ended the request, not the provider.
  let outcome: SettleOutcome = { ok: true };
  let holdingEvent = false;
  try {
    let tokens: number | undefined;
    for await (const event of provider.stream(request, options)) {
      // The last usage reported counts, as in the engine; an insane one leaves the estimate.
      if (event.type === 'usage') {
        const usage = saneUsage(event.usage);
        tokens = usage ? usage.inputTokens + usage.outputTokens : undefined;
      }
      holdingEvent = true;
      yield event;
      holdingEvent = false;
    }
    outcome = tokens === undefined ? { ok: true } : { ok: true, tokens };
  } catch (error) {
    if (!holdingEvent) outcome = failure(error, provider.name);
    throw error;
  } finally {
    // The one place the permit is settled: every way out of the generator passes here once.
    permit.settle(outcome);
  }
}

/** A failed call's outcome: a rate limit pauses and slows the provider; anything else only frees the slot. */
function failure(error: unknown, providerName: string): SettleOutcome {
  const loomError = toLoomError(error, providerName);
  if (loomError.code !== 'rate_limited') return { ok: false };
  return { ok: false, rateLimited: { retryAfterMs: loomError.retryAfterMs } };
}
