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
  inputTokens: number;
  outputTokens: number;
}

export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'error' | 'other';

export type ProviderEvent =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call'; call: ToolCall }
  | { type: 'usage'; usage: Usage }
  | { type: 'finish'; reason: FinishReason; rawReason?: string }
  /** The server sent something that is not (yet) one of the above: it is alive. */
  | { type: 'activity' };

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
