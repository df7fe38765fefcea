/** Messages API responses → ProviderEvents: the raw SSE event sequence, and a whole `message`. */
import type { ContentBlockParam, Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages';
import { isObject } from '../../core/json.js';
import type { ErrorContext } from '../errors/context.js';
import { incompleteStreamError, malformedError } from '../errors/response.js';
import { cleanMessage } from '../errors/scrub.js';
import { newToolCallId, parseToolInput } from '../tool-input.js';
import type { ProviderEvent, Refusal, ToolCall, Usage } from '../../core/messages.js';
import { METADATA_KEY } from './convert-messages.js';
import { mapFinishReason } from './map-finish-reason.js';

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** Input counts cache reads and writes too: the API reports them apart from input_tokens (CONTRACT §18). */
function toUsage(usage: Record<string, unknown>, output: number): Usage {
  const cachedInputTokens = num(usage.cache_read_input_tokens);
  const cacheWriteTokens = num(usage.cache_creation_input_tokens);
  return { inputTokens: num(usage.input_tokens) + cachedInputTokens + cacheWriteTokens, outputTokens: output, cachedInputTokens, cacheWriteTokens };
}

/** The finish event; a `refusal` stop carries its category and explanation (`stop_details`) for the `refused` error. */
function finishEvent(stopReason: string | undefined, stopDetails: unknown, ctx: ErrorContext): ProviderEvent {
  if (stopReason === undefined) return { type: 'finish', reason: 'unknown' };
  if (stopReason !== 'refusal') return { type: 'finish', reason: mapFinishReason(stopReason), rawReason: stopReason };
  const details = isObject(stopDetails) ? stopDetails : {};
  const category = cleanMessage(typeof details.category === 'string' ? details.category : undefined, ctx.secrets, 100);
  const text = cleanMessage(typeof details.explanation === 'string' ? details.explanation : undefined, ctx.secrets);
  const refusal: Refusal = { reason: `stop_reason refusal${category ? `, ${category}` : ''}`, ...(text ? { text } : {}) };
  return { type: 'finish', reason: mapFinishReason(stopReason), rawReason: stopReason, refusal };
}

type Block =
  | { kind: 'text' }
  | { kind: 'tool'; id: string; name: string; json: string; input: unknown }
  | { kind: 'thinking'; thinking: string; signature: string }
  | { kind: 'redacted'; data: string }
  | { kind: 'other' };

/** Collects thinking blocks so each tool call carries those that came before it. */
class ThinkingCollector {
  private pending: ContentBlockParam[] = [];
  add(block: ContentBlockParam): void {
    this.pending.push(block);
  }
  attach(call: ToolCall): ToolCall {
    if (this.pending.length === 0) return call;
    const thinking = this.pending;
    this.pending = [];
    return { ...call, metadata: { ...call.metadata, [METADATA_KEY]: { thinking } } };
  }
}

export async function* streamEvents(events: AsyncIterable<RawMessageStreamEvent>, ctx: ErrorContext): AsyncGenerator<ProviderEvent> {
  const blocks = new Map<number, Block>();
  const thinking = new ThinkingCollector();
  let usage: Record<string, unknown> = {};
  let output = 0;
  let sawUsage = false;
  let stopReason: string | undefined;
  let stopDetails: unknown;
  let started = false;

  function* closeBlock(block: Block): Generator<ProviderEvent> {
    if (block.kind === 'tool') {
      const parsed = block.json !== '' ? parseToolInput(block.json) : isObject(block.input) ? block.input : {};
      yield { type: 'tool-call', call: thinking.attach({ id: block.id || newToolCallId(), name: block.name, input: parsed }) };
    } else if (block.kind === 'thinking') {
      thinking.add({ type: 'thinking', thinking: block.thinking, signature: block.signature });
    } else if (block.kind === 'redacted') {
      thinking.add({ type: 'redacted_thinking', data: block.data });
    }
  }

  for await (const event of events as AsyncIterable<unknown>) {
    // Every wire event proves the server is alive, also those that add nothing yet (tool-call
    // fragments, pings, thinking): the engine's silence timeout must not cut such a stream.
    yield { type: 'activity' };
    if (!isObject(event) || typeof event.type !== 'string') throw malformedError(ctx, undefined, 'a malformed stream event');
    switch (event.type) {
      case 'message_start': {
        started = true;
        const start = isObject(event.message) && isObject(event.message.usage) ? event.message.usage : undefined;
        if (start) {
          sawUsage = true;
          usage = { ...start };
          output = num(start.output_tokens);
        }
        break;
      }
      case 'content_block_start': {
        const index = num(event.index);
        const block = isObject(event.content_block) ? event.content_block : {};
        if (block.type === 'text') {
          blocks.set(index, { kind: 'text' });
          if (typeof block.text === 'string' && block.text !== '') yield { type: 'text-delta', text: block.text };
        } else if (block.type === 'tool_use') {
          blocks.set(index, {
            kind: 'tool',
            id: typeof block.id === 'string' ? block.id : '',
            name: typeof block.name === 'string' ? block.name : '',
            json: '',
            input: block.input,
          });
        } else if (block.type === 'thinking') {
          blocks.set(index, { kind: 'thinking', thinking: typeof block.thinking === 'string' ? block.thinking : '', signature: typeof block.signature === 'string' ? block.signature : '' });
        } else if (block.type === 'redacted_thinking') {
          blocks.set(index, { kind: 'redacted', data: typeof block.data === 'string' ? block.data : '' });
        } else {
          blocks.set(index, { kind: 'other' });
        }
        break;
      }
      case 'content_block_delta': {
        const block = blocks.get(num(event.index));
        const delta = isObject(event.delta) ? event.delta : {};
        if (delta.type === 'text_delta' && typeof delta.text === 'string') {
          if (delta.text !== '') yield { type: 'text-delta', text: delta.text };
        } else if (delta.type === 'input_json_delta' && block?.kind === 'tool' && typeof delta.partial_json === 'string') {
          block.json += delta.partial_json;
        } else if (delta.type === 'thinking_delta' && block?.kind === 'thinking' && typeof delta.thinking === 'string') {
          block.thinking += delta.thinking;
        } else if (delta.type === 'signature_delta' && block?.kind === 'thinking' && typeof delta.signature === 'string') {
          block.signature += delta.signature;
        }
        break;
      }
      case 'content_block_stop': {
        const index = num(event.index);
        const block = blocks.get(index);
        blocks.delete(index);
        if (block) yield* closeBlock(block);
        break;
      }
      case 'message_delta': {
        const delta = isObject(event.delta) ? event.delta : {};
        if (typeof delta.stop_reason === 'string') stopReason = delta.stop_reason;
        if (delta.stop_details !== undefined) stopDetails = delta.stop_details;
        const update = isObject(event.usage) ? event.usage : undefined;
        if (update) {
          sawUsage = true;
          // message_delta usage is cumulative; a count is null unless it changed.
          if (typeof update.output_tokens === 'number') output = update.output_tokens;
          for (const key of ['input_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens']) {
            if (typeof update[key] === 'number') usage[key] = update[key];
          }
        }
        break;
      }
      default:
        // message_stop, ping and event types added later carry nothing more Loom uses.
        break;
    }
  }

  // Without message_start this is not a Messages stream at all. A stream that the server ended
  // cleanly after it is complete (CONTRACT §10), message_stop or not: blocks still open count.
  if (!started) throw incompleteStreamError(ctx, 'the response stream ended without a message');
  for (const index of [...blocks.keys()].sort((a, b) => a - b)) yield* closeBlock(blocks.get(index)!);
  if (sawUsage) yield { type: 'usage', usage: toUsage(usage, output) };
  yield finishEvent(stopReason, stopDetails, ctx);
}

/** A whole `message` as the same events. */
export function* messageEvents(message: Message, ctx: ErrorContext): Generator<ProviderEvent> {
  const body: unknown = message;
  if (!isObject(body) || !Array.isArray(body.content)) throw malformedError(ctx, undefined, 'a malformed response (no content)');
  const thinking = new ThinkingCollector();
  for (const block of body.content) {
    if (!isObject(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
      yield { type: 'text-delta', text: block.text };
    } else if (block.type === 'tool_use' && typeof block.name === 'string') {
      const id = typeof block.id === 'string' && block.id ? block.id : newToolCallId();
      yield { type: 'tool-call', call: thinking.attach({ id, name: block.name, input: isObject(block.input) ? block.input : block.input ?? {} }) };
    } else if (block.type === 'thinking') {
      thinking.add({ type: 'thinking', thinking: String(block.thinking ?? ''), signature: String(block.signature ?? '') });
    } else if (block.type === 'redacted_thinking') {
      thinking.add({ type: 'redacted_thinking', data: String(block.data ?? '') });
    }
  }
  if (isObject(body.usage)) yield { type: 'usage', usage: toUsage(body.usage, num(body.usage.output_tokens)) };
  yield finishEvent(typeof body.stop_reason === 'string' ? body.stop_reason : undefined, body.stop_details, ctx);
}
