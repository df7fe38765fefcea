/** Chat Completions responses → ProviderEvents, streamed (chat.completion.chunk) and whole (chat.completion). */
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions/completions';
import { isObject } from '../../core/json.js';
import type { ErrorContext } from '../errors/context.js';
import { incompleteStreamError, malformedError } from '../errors/response.js';
import { cleanMessage } from '../errors/scrub.js';
import { newToolCallId, parseToolInput } from '../tool-input.js';
import type { ProviderEvent, Usage } from '../../core/messages.js';
import { mapFinishReason } from './map-finish-reason.js';

const count = (value: unknown): number => (typeof value === 'number' ? value : 0);

/**
 * prompt_tokens includes the cached part (`prompt_tokens_details.cached_tokens`; DeepSeek also
 * says `prompt_cache_hit_tokens`). Chat Completions has no cache writes.
 */
function toUsage(usage: unknown): Usage | undefined {
  if (!isObject(usage)) return undefined;
  const input = usage.prompt_tokens;
  const output = usage.completion_tokens;
  if (typeof input !== 'number' && typeof output !== 'number') return undefined;
  const details = isObject(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  const cached = typeof details.cached_tokens === 'number' ? details.cached_tokens : count(usage.prompt_cache_hit_tokens);
  return { inputTokens: count(input), outputTokens: count(output), cachedInputTokens: cached, cacheWriteTokens: 0 };
}

/**
 * The finish event. A refusal — a `refusal` message, or finish_reason `content_filter` — is
 * `content-filter` with the provider's words (the engine fails the run with `refused`). No
 * finish_reason at all (a stream that ended cleanly without one) is `unknown`. Some
 * OpenAI-compatible servers (Ollama) answer tool calls with finish_reason "stop".
 */
function finishEvent(raw: string | undefined, hadToolCalls: boolean, refusalText: string, ctx: ErrorContext): ProviderEvent {
  const words = cleanMessage(refusalText, ctx.secrets);
  if (words !== undefined || raw === 'content_filter') {
    const reason = [words !== undefined ? 'refusal message' : '', raw === 'content_filter' ? 'finish_reason content_filter' : ''].filter(Boolean).join(', ');
    return { type: 'finish', reason: 'content-filter', rawReason: raw ?? 'refusal', refusal: { reason, ...(words !== undefined ? { text: words } : {}) } };
  }
  if (raw === undefined) return { type: 'finish', reason: 'unknown' };
  const reason = mapFinishReason(raw);
  return { type: 'finish', reason: hadToolCalls && reason === 'stop' ? 'tool-calls' : reason, rawReason: raw };
}

interface PendingCall {
  id: string;
  name: string;
  args: string;
}

/**
 * Text deltas as they arrive; tool calls when the choice finishes (fragments joined by index and
 * parsed); then usage (from the include_usage chunk) and finish once the stream is done. A stream
 * the server ended cleanly without a finish_reason is complete (CONTRACT §10): its tool calls
 * count. Only a stream cut off (the SDK throws) is broken.
 */
export async function* streamEvents(chunks: AsyncIterable<ChatCompletionChunk>, ctx: ErrorContext): AsyncGenerator<ProviderEvent> {
  const pending = new Map<number, PendingCall>();
  let finishRaw: string | undefined;
  let usage: Usage | undefined;
  let refusal = '';
  let callCount = 0;
  let chunkCount = 0;

  function* flushCalls(): Generator<ProviderEvent> {
    for (const index of [...pending.keys()].sort((a, b) => a - b)) {
      const call = pending.get(index)!;
      if (!call.name) continue;
      callCount++;
      yield { type: 'tool-call', call: { id: call.id || newToolCallId(), name: call.name, input: parseToolInput(call.args) } };
    }
    pending.clear();
  }

  for await (const chunk of chunks as AsyncIterable<unknown>) {
    // Every wire event proves the server is alive, also those that add nothing yet (tool-call
    // fragments, pings, thinking): the engine's silence timeout must not cut such a stream.
    yield { type: 'activity' };
    if (!isObject(chunk)) throw malformedError(ctx, undefined, 'a malformed stream chunk');
    chunkCount++;
    usage = toUsage(chunk.usage) ?? usage;
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    const choice = choices.find((c) => isObject(c) && (c.index ?? 0) === 0) as Record<string, unknown> | undefined;
    if (!choice || finishRaw !== undefined) continue;
    const delta = isObject(choice.delta) ? choice.delta : {};
    if (typeof delta.content === 'string' && delta.content !== '') yield { type: 'text-delta', text: delta.content };
    // A refusal is not the answer: it is kept for the `refused` error, never shown as text.
    if (typeof delta.refusal === 'string') refusal += delta.refusal;
    if (Array.isArray(delta.tool_calls)) {
      for (const fragment of delta.tool_calls) {
        if (!isObject(fragment)) continue;
        const index = typeof fragment.index === 'number' ? fragment.index : 0;
        let call = pending.get(index);
        if (!call) {
          call = { id: '', name: '', args: '' };
          pending.set(index, call);
        }
        if (typeof fragment.id === 'string' && fragment.id && !call.id) call.id = fragment.id;
        // The name comes whole in the first fragment; some servers repeat it in later ones (OpenRouter).
        const fn = isObject(fragment.function) ? fragment.function : {};
        if (typeof fn.name === 'string' && fn.name && !call.name) call.name = fn.name;
        if (typeof fn.arguments === 'string') call.args += fn.arguments;
      }
    }
    if (typeof choice.finish_reason === 'string' && choice.finish_reason) {
      finishRaw = choice.finish_reason;
      yield* flushCalls();
    }
  }

  // A 200 that closed without a single chunk says nothing at all: retried as a broken stream.
  if (chunkCount === 0) throw incompleteStreamError(ctx, 'the response stream ended without any data');
  yield* flushCalls();
  if (usage) yield { type: 'usage', usage };
  yield finishEvent(finishRaw, callCount > 0, refusal, ctx);
}

/** A whole chat.completion as the same events. */
export function* completionEvents(completion: ChatCompletion, ctx: ErrorContext): Generator<ProviderEvent> {
  const body: unknown = completion;
  if (!isObject(body) || !Array.isArray(body.choices)) throw malformedError(ctx, undefined, 'a malformed response (no choices)');
  const choice = (body.choices.find((c) => isObject(c) && (c.index ?? 0) === 0) ?? body.choices[0]) as Record<string, unknown> | undefined;
  if (!isObject(choice) || !isObject(choice.message)) throw malformedError(ctx, undefined, 'a malformed response (no message)');
  const message = choice.message;
  if (typeof message.content === 'string' && message.content !== '') yield { type: 'text-delta', text: message.content };
  let callCount = 0;
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (!isObject(call) || !isObject(call.function) || typeof call.function.name !== 'string') continue;
      callCount++;
      const args = typeof call.function.arguments === 'string' ? call.function.arguments : '';
      yield {
        type: 'tool-call',
        call: { id: typeof call.id === 'string' && call.id ? call.id : newToolCallId(), name: call.function.name, input: parseToolInput(args) },
      };
    }
  }
  const usage = toUsage(body.usage);
  if (usage) yield { type: 'usage', usage };
  const raw = typeof choice.finish_reason === 'string' ? choice.finish_reason : undefined;
  yield finishEvent(raw, callCount > 0, typeof message.refusal === 'string' ? message.refusal : '', ctx);
}
