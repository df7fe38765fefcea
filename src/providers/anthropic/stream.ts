/** Messages API responses → ProviderEvents: the raw SSE event sequence, and a whole `message`. */
import type { ContentBlockParam, Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages';
import { incompleteStreamError, malformedError, type ErrorContext } from '../http-error.js';
import { isRecord, newToolCallId, parseToolInput } from '../shared.js';
import type { ProviderEvent, ToolCall, Usage } from '../types.js';
import { METADATA_KEY } from './convert-messages.js';
import { mapFinishReason } from './map-finish-reason.js';

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** Input counts cache reads and writes too: the API reports them apart from input_tokens. */
function inputTokens(usage: Record<string, unknown>): number {
  return num(usage.input_tokens) + num(usage.cache_creation_input_tokens) + num(usage.cache_read_input_tokens);
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
  let input = 0;
  let output = 0;
  let sawUsage = false;
  let stopReason: string | undefined;
  let stopped = false;
  let started = false;

  for await (const event of events as AsyncIterable<unknown>) {
    // Every wire event proves the server is alive, also those that add nothing yet (tool-call
    // fragments, pings, thinking): the engine's silence timeout must not cut such a stream.
    yield { type: 'activity' };
    if (!isRecord(event) || typeof event.type !== 'string') throw malformedError(ctx, undefined, 'a malformed stream event');
    switch (event.type) {
      case 'message_start': {
        started = true;
        const usage = isRecord(event.message) && isRecord(event.message.usage) ? event.message.usage : undefined;
        if (usage) {
          sawUsage = true;
          input = inputTokens(usage);
          output = num(usage.output_tokens);
        }
        break;
      }
      case 'content_block_start': {
        const index = num(event.index);
        const block = isRecord(event.content_block) ? event.content_block : {};
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
        const delta = isRecord(event.delta) ? event.delta : {};
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
        if (block?.kind === 'tool') {
          const parsed = block.json !== '' ? parseToolInput(block.json) : isRecord(block.input) ? block.input : {};
          yield { type: 'tool-call', call: thinking.attach({ id: block.id || newToolCallId(), name: block.name, input: parsed }) };
        } else if (block?.kind === 'thinking') {
          thinking.add({ type: 'thinking', thinking: block.thinking, signature: block.signature });
        } else if (block?.kind === 'redacted') {
          thinking.add({ type: 'redacted_thinking', data: block.data });
        }
        break;
      }
      case 'message_delta': {
        const delta = isRecord(event.delta) ? event.delta : {};
        if (typeof delta.stop_reason === 'string') stopReason = delta.stop_reason;
        const usage = isRecord(event.usage) ? event.usage : undefined;
        if (usage) {
          sawUsage = true;
          // message_delta usage is cumulative; input_tokens is null unless it changed.
          if (typeof usage.output_tokens === 'number') output = usage.output_tokens;
          if (typeof usage.input_tokens === 'number') input = inputTokens(usage);
        }
        break;
      }
      case 'message_stop':
        stopped = true;
        break;
      default:
        // ping and event types added later carry nothing Loom uses.
        break;
    }
  }

  if (!started || !stopped) throw incompleteStreamError(ctx);
  if (sawUsage) yield { type: 'usage', usage: { inputTokens: input, outputTokens: output } satisfies Usage };
  const raw = stopReason ?? 'end_turn';
  yield { type: 'finish', reason: mapFinishReason(raw), rawReason: raw };
}

/** A whole `message` as the same events. */
export function* messageEvents(message: Message, ctx: ErrorContext): Generator<ProviderEvent> {
  const body: unknown = message;
  if (!isRecord(body) || !Array.isArray(body.content)) throw malformedError(ctx, undefined, 'a malformed response (no content)');
  const thinking = new ThinkingCollector();
  for (const block of body.content) {
    if (!isRecord(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
      yield { type: 'text-delta', text: block.text };
    } else if (block.type === 'tool_use' && typeof block.name === 'string') {
      const id = typeof block.id === 'string' && block.id ? block.id : newToolCallId();
      yield { type: 'tool-call', call: thinking.attach({ id, name: block.name, input: isRecord(block.input) ? block.input : block.input ?? {} }) };
    } else if (block.type === 'thinking') {
      thinking.add({ type: 'thinking', thinking: String(block.thinking ?? ''), signature: String(block.signature ?? '') });
    } else if (block.type === 'redacted_thinking') {
      thinking.add({ type: 'redacted_thinking', data: String(block.data ?? '') });
    }
  }
  if (isRecord(body.usage)) yield { type: 'usage', usage: { inputTokens: inputTokens(body.usage), outputTokens: num(body.usage.output_tokens) } };
  const raw = typeof body.stop_reason === 'string' ? body.stop_reason : 'end_turn';
  yield { type: 'finish', reason: mapFinishReason(raw), rawReason: raw };
}
