/**
 * The normalized provider interface: one request shape in, one event stream out, whatever the
 * API behind it. Providers never print and never retry; the engine does both.
 */

export interface ToolCall {
  id: string;
  name: string;
  /** Parsed arguments, as the model sent them (the engine validates them against the tool's schema). */
  input: unknown;
  /**
   * Opaque data the same provider needs back with this call on the next turn, keyed by provider
   * type: Gemini's `thoughtSignature`, Anthropic's thinking blocks (both APIs reject a tool-use
   * turn sent back without them). The engine keeps the ToolCall as it is in the conversation;
   * other providers ignore keys that are not theirs.
   */
  metadata?: Record<string, unknown>;
}

export type Message =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; toolName: string; content: string; isError?: boolean };

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  model: string;
  system?: string;
  messages: Message[];
  tools?: ToolSpec[];
  temperature?: number;
  maxTokens?: number;
  /** JSON Schema the final answer must satisfy (structured output). */
  responseSchema?: Record<string, unknown>;
  /** Extra body parameters merged as given (provider `params`, then agent `params`). */
  params?: Record<string, unknown>;
}

export interface Usage {
  /** All input, cache reads and writes included (CONTRACT §18). */
  inputTokens: number;
  /** All output, thinking included. */
  outputTokens: number;
  /** Input read from the provider's prompt cache (part of inputTokens); 0 when not reported. */
  cachedInputTokens?: number;
  /** Input written to the prompt cache (Anthropic; part of inputTokens); 0 when not reported. */
  cacheWriteTokens?: number;
}

/**
 * `content-filter`: the model or the provider's filter refused (CONTRACT §10: a failure, code
 * `refused`). `unknown`: the stream ended cleanly without saying why (OpenRouter does this): the
 * turn is complete, its text and tool calls count.
 */
export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'error' | 'other' | 'unknown';

/** What a refusal said, for the `refused` error's message. */
export interface Refusal {
  /** The provider's reason as it named it: `stop_reason refusal (reasoning_extraction)`, `finishReason SAFETY`. */
  reason: string;
  /** The model's refusal text or the provider's explanation, if any. */
  text?: string;
}

/** One HTTP exchange, for `--verbose` (never a header, a body or a key). */
export interface HttpExchange {
  method: string;
  /** The URL path, without the query string. */
  path: string;
  /** null when no response came (the connection failed). */
  status: number | null;
  /** From sending the request to the response's headers (or the failure). */
  durationMs: number;
  /** The provider's request id header, when it sent one. */
  requestId: string | null;
}

export type ProviderEvent =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call'; call: ToolCall }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason; rawReason?: string; refusal?: Refusal }
  | { type: 'http'; exchange: HttpExchange }
  /** The server sent something that is not (yet) one of the above: it is alive. */
  | { type: 'activity' }
  /**
   * The call is served from a fixture (CONTRACT §12), before its recorded events: the run reports
   * the cost that was recorded, not one recomputed from today's prices.
   */
  | { type: 'replayed'; costUsd: number | null };

export interface StreamOptions {
  signal?: AbortSignal;
  /** false: make a non-streaming request and map the whole response to the same events. */
  stream?: boolean;
}

export interface Provider {
  readonly name: string;
  readonly type: string;
  stream(request: ChatRequest, options?: StreamOptions): AsyncIterable<ProviderEvent>;
}
