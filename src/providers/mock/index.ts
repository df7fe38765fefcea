/**
 * The `mock` provider type: offline and deterministic, a real provider as far as the engine can
 * tell. Without a script it echoes the last user message back word by word (or, for a request
 * with a response schema, answers the smallest JSON value the schema accepts); with one it plays
 * the scripted replies (format: ./script.ts), errors included, mapped as a real provider's are.
 * Every call is recorded in `calls`, for tests.
 */
import { LoomError } from '../../core/errors.js';
import type { ChatRequest, FinishReason, Provider, ProviderEvent, StreamOptions, ToolCall, Usage } from '../../core/messages.js';
import type { ProviderSettings } from '../../core/plan.js';
import { errorContext, type ErrorContext } from '../errors/context.js';
import { networkError, timeoutError } from '../errors/network.js';
import { statusError } from '../errors/status.js';
import { abortedError } from '../errors/unknown.js';
import { newToolCallId, stringifyToolInput } from '../tool-input.js';
import { sampleFromSchema } from './sample-from-schema.js';
import { loadScript, type MockReply } from './script.js';

export type { MockReply } from './script.js';

export interface MockCall {
  request: ChatRequest;
  stream: boolean;
}

/** Words: runs of non-space characters. The mock's notion of a token. */
export function countWords(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

/** Text in stream-sized pieces, one word each with the space before it; joined, they give the text back. */
export function splitWords(text: string): string[] {
  return text.split(/(?<=\S)(?=\s)/).filter((piece) => piece !== '');
}

function inputWords(request: ChatRequest): number {
  let words = countWords(request.system ?? '');
  for (const message of request.messages) {
    words += countWords(message.content);
    if (message.role === 'assistant') {
      for (const call of message.toolCalls ?? []) words += countWords(call.name) + countWords(stringifyToolInput(call.input));
    }
  }
  return words;
}

function lastUserText(request: ChatRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i]!;
    if (message.role === 'user') return message.content;
  }
  return '';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort(): void {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function waitForAbort(signal?: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (!signal) return; // nothing can end it: the engine's timeout must abort
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

const MAX_KEPT_CALLS = 1000;

export class MockProvider implements Provider {
  readonly name: string;
  readonly type = 'mock';
  /**
   * The requests this provider received, in order (copies): the last MAX_KEPT_CALLS of them, for
   * tests. A `loom batch` shares one provider across all its items, and must not keep them all.
   */
  readonly calls: MockCall[] = [];
  private readonly ctx: ErrorContext;
  private next = 0;

  constructor(
    settings: ProviderSettings,
    private readonly replies?: readonly MockReply[],
    private readonly scriptName = settings.script ?? 'the script',
  ) {
    this.name = settings.name;
    this.ctx = errorContext(settings);
  }

  /** How many scripted replies are left (undefined when echoing). */
  get remaining(): number | undefined {
    return this.replies ? this.replies.length - this.next : undefined;
  }

  async *stream(request: ChatRequest, options: StreamOptions = {}): AsyncGenerator<ProviderEvent> {
    const { signal } = options;
    const streaming = options.stream !== false;
    this.calls.push({ request: structuredClone(request), stream: streaming });
    if (this.calls.length > MAX_KEPT_CALLS) this.calls.shift();
    const ctx: ErrorContext = { ...this.ctx, model: request.model };
    try {
      if (signal?.aborted) throw abortedError(ctx, signal);
      const reply = this.takeReply(request);
      yield* this.play(reply, request, ctx, streaming, signal);
    } catch (error) {
      if (signal?.aborted) throw abortedError(ctx, signal, error);
      throw error;
    }
  }

  private takeReply(request: ChatRequest): MockReply {
    if (!this.replies) {
      return { text: request.responseSchema ? JSON.stringify(sampleFromSchema(request.responseSchema)) : lastUserText(request) };
    }
    const reply = this.replies[this.next];
    if (!reply) {
      throw new LoomError('bad_request', `${this.name}: the mock script ${this.scriptName} has no reply left (it has ${this.replies.length}; this is call ${this.next + 1})`, {
        provider: this.name,
      });
    }
    this.next++;
    return reply;
  }

  private async *play(reply: MockReply, request: ChatRequest, ctx: ErrorContext, streaming: boolean, signal?: AbortSignal): AsyncGenerator<ProviderEvent> {
    const pause = async (): Promise<void> => {
      if (reply.delayMs) await sleep(reply.delayMs, signal);
    };
    const text = reply.text ?? '';
    if (text !== '') {
      for (const piece of streaming ? splitWords(text) : [text]) {
        await pause();
        yield { type: 'text-delta', text: piece };
      }
    }
    if (reply.error) throw this.toError(reply.error, ctx, text !== '');
    if (reply.hang) await waitForAbort(signal);

    const calls: ToolCall[] = (reply.toolCalls ?? []).map((call) => ({ id: call.id ?? newToolCallId(), name: call.name, input: call.input ?? {} }));
    for (const call of calls) {
      await pause();
      yield { type: 'tool-call', call };
    }
    const usage: Usage = reply.usage ?? {
      inputTokens: inputWords(request),
      outputTokens: countWords(text) + calls.reduce((n, c) => n + countWords(c.name) + countWords(stringifyToolInput(c.input)), 0),
    };
    await pause();
    yield { type: 'usage', usage };
    const reason: FinishReason = reply.finishReason ?? (calls.length > 0 ? 'tool-calls' : 'stop');
    yield { type: 'finish', reason, rawReason: reason };
  }

  private toError(error: NonNullable<MockReply['error']>, ctx: ErrorContext, midStream: boolean): LoomError {
    if (error.code === 'timeout') return timeoutError(ctx);
    if (error.code === 'network' || error.status === undefined) {
      return networkError(ctx, Object.assign(new Error(error.message ?? 'mock network failure'), { code: 'ECONNRESET' }), { midStream });
    }
    return statusError(ctx, error.status, { message: error.message, retryAfterMs: error.retryAfterMs });
  }
}

/** A mock for tests and `--provider mock`; `replies` stand in for a script file. */
export function createMockProvider(settings: Partial<ProviderSettings> = {}, replies?: readonly MockReply[]): MockProvider {
  const full: ProviderSettings = {
    name: 'mock',
    type: 'mock',
    keySource: null,
    needsKey: false,
    keyVariables: [],
    ...settings,
  };
  return new MockProvider(full, replies);
}

/** The mock needs no key, and no timeout of its own: the engine's bounds its silences. */
export async function createProvider(settings: ProviderSettings): Promise<Provider> {
  const replies = settings.script ? await loadScript(settings.script) : undefined;
  return new MockProvider(settings, replies, settings.script);
}
