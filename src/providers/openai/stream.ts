/** Chat Completions responses → ProviderEvents, streamed (chat.completion.chunk) and whole (chat.completion). */
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions/completions';
import { incompleteStreamError, malformedError, type ErrorContext } from '../http-error.js';
import { isRecord, newToolCallId, parseToolInput } from '../shared.js';
import type { FinishReason, ProviderEvent, Usage } from '../types.js';
import { mapFinishReason } from './map-finish-reason.js';

function toUsage(usage: unknown): Usage | undefined {
  if (!isRecord(usage)) return undefined;
  const input = usage.prompt_tokens;
  const output = usage.completion_tokens;
  if (typeof input !== 'number' && typeof output !== 'number') return undefined;
  return { inputTokens: typeof input === 'number' ? input : 0, outputTokens: typeof output === 'number' ? output : 0 };
}

/** Some OpenAI-compatible servers (Ollama) answer tool calls with finish_reason "stop". */
function finishFor(raw: string, hadToolCalls: boolean): FinishReason {
  const reason = mapFinishReason(raw);
  return hadToolCalls && reason === 'stop' ? 'tool-calls' : reason;
}

interface PendingCall {
  id: string;
  name: string;
  args: string;
}

/**
 * Text deltas as they arrive; tool calls when the choice finishes (fragments joined by index and
 * parsed); then usage (from the include_usage chunk) and finish once the stream is done.
 */
export async function* streamEvents(chunks: AsyncIterable<ChatCompletionChunk>, ctx: ErrorContext): AsyncGenerator<ProviderEvent> {
  const pending = new Map<number, PendingCall>();
  let finishRaw: string | undefined;
  let usage: Usage | undefined;
  let callCount = 0;

  for await (const chunk of chunks as AsyncIterable<unknown>) {
    // Every wire event proves the server is alive, also those that add nothing yet (tool-call
    // fragments, pings, thinking): the engine's silence timeout must not cut such a stream.
    yield { type: 'activity' };
    if (!isRecord(chunk)) throw malformedError(ctx, undefined, 'a malformed stream chunk');
    usage = toUsage(chunk.usage) ?? usage;
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    const choice = choices.find((c) => isRecord(c) && (c.index ?? 0) === 0) as Record<string, unknown> | undefined;
    if (!choice || finishRaw !== undefined) continue;
    const delta = isRecord(choice.delta) ? choice.delta : {};
    if (typeof delta.content === 'string' && delta.content !== '') yield { type: 'text-delta', text: delta.content };
    if (typeof delta.refusal === 'string' && delta.refusal !== '') yield { type: 'text-delta', text: delta.refusal };
    if (Array.isArray(delta.tool_calls)) {
      for (const fragment of delta.tool_calls) {
        if (!isRecord(fragment)) continue;
        const index = typeof fragment.index === 'number' ? fragment.index : 0;
        let call = pending.get(index);
        if (!call) {
          call = { id: '', name: '', args: '' };
          pending.set(index, call);
        }
        if (typeof fragment.id === 'string' && fragment.id && !call.id) call.id = fragment.id;
        const fn = isRecord(fragment.function) ? fragment.function : {};
        if (typeof fn.name === 'string' && fn.name && !call.name) call.name = fn.name;
        if (typeof fn.arguments === 'string') call.args += fn.arguments;
      }
    }
    if (typeof choice.finish_reason === 'string' && choice.finish_reason) {
      finishRaw = choice.finish_reason;
      for (const index of [...pending.keys()].sort((a, b) => a - b)) {
        const call = pending.get(index)!;
        if (!call.name) continue;
        callCount++;
        yield { type: 'tool-call', call: { id: call.id || newToolCallId(), name: call.name, input: parseToolInput(call.args) } };
      }
      pending.clear();
    }
  }

  if (finishRaw === undefined) throw incompleteStreamError(ctx);
  if (usage) yield { type: 'usage', usage };
  yield { type: 'finish', reason: finishFor(finishRaw, callCount > 0), rawReason: finishRaw };
}

/** A whole chat.completion as the same events. */
export function* completionEvents(completion: ChatCompletion, ctx: ErrorContext): Generator<ProviderEvent> {
  const body: unknown = completion;
  if (!isRecord(body) || !Array.isArray(body.choices)) throw malformedError(ctx, undefined, 'a malformed response (no choices)');
  const choice = (body.choices.find((c) => isRecord(c) && (c.index ?? 0) === 0) ?? body.choices[0]) as Record<string, unknown> | undefined;
  if (!isRecord(choice) || !isRecord(choice.message)) throw malformedError(ctx, undefined, 'a malformed response (no message)');
  const message = choice.message;
  if (typeof message.content === 'string' && message.content !== '') yield { type: 'text-delta', text: message.content };
  if (typeof message.refusal === 'string' && message.refusal !== '') yield { type: 'text-delta', text: message.refusal };
  let callCount = 0;
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (!isRecord(call) || !isRecord(call.function) || typeof call.function.name !== 'string') continue;
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
  const raw = typeof choice.finish_reason === 'string' ? choice.finish_reason : 'stop';
  yield { type: 'finish', reason: finishFor(raw, callCount > 0), rawReason: raw };
}
