/**
 * A fake model server on 127.0.0.1 (port 0) that speaks each API's real wire format, for tests
 * that drive the real SDKs over real HTTP.
 *
 *   const server = await FakeProviderServer.start();
 *   server.enqueue('/v1/chat/completions', openaiWire.sse(openaiWire.textChunks(['Hel', 'lo'])));
 *   // baseUrl: `${server.url}/v1` for openai, `server.url` for anthropic and gemini
 *   server.requests[0].headers.authorization; server.requests[0].body.messages
 *   await server.close();
 *
 * Responses are queued per path (the URL path without the query; a RegExp matches too) and
 * served first in, first out; `route` gives a handler for when a queue is empty. A response is
 * `json` (any status, any body, headers), `sse` (events with optional per-event delays, then
 * `close` | `drop` | `hang`), `raw` (a body as given: malformed JSON, HTML…), `recorded` (a
 * recorded response replayed byte for byte: its status, its content type and its body, an SSE
 * body written one recorded event per write), `hang` (never answer) or `drop` (destroy the
 * socket without a response). Every request is recorded with its
 * method, path, query, headers, raw and parsed body and arrival time.
 *
 * Wire builders: `openaiWire`, `anthropicWire`, `geminiWire` build bodies and event sequences in
 * the shapes the SDK type definitions and the specs in shared/specs/ describe.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { ContentBlock, Message as AnthropicMessage, RawMessageStreamEvent, Usage as AnthropicUsage } from '@anthropic-ai/sdk/resources/messages/messages';
import type { FinishReason as GeminiFinishReason, GenerateContentResponse, Part as GeminiSdkPart } from '@google/genai';

export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Node's lower-cased header record. */
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: any;
  /** Date.now() when the request arrived. */
  at: number;
}

export interface SseEvent {
  /** The `event:` line; omitted for OpenAI and Gemini. */
  event?: string;
  /** An object is JSON-encoded; a string is written as is (`[DONE]`, broken JSON). */
  data: unknown;
  /** Wait this long before writing the event. */
  delayMs?: number;
}

export type FakeResponse =
  | { kind: 'json'; status?: number; body: unknown; headers?: Record<string, string>; delayMs?: number }
  | { kind: 'sse'; events: SseEvent[]; status?: number; headers?: Record<string, string>; end?: 'close' | 'drop' | 'hang' }
  | { kind: 'raw'; status?: number; body: string; headers?: Record<string, string> }
  | { kind: 'recorded'; status: number; contentType: string; body: string; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'drop' };

export type RouteHandler = (request: RecordedRequest) => FakeResponse;

type PathMatcher = string | RegExp;

const matches = (matcher: PathMatcher, path: string): boolean =>
  typeof matcher === 'string' ? matcher === path : matcher.test(path);

export class FakeProviderServer {
  readonly requests: RecordedRequest[] = [];
  /** Requests being answered now, and the most there ever were at once (the client's concurrency, measured here). */
  inFlight = 0;
  maxInFlight = 0;
  private readonly queues: { matcher: PathMatcher; responses: FakeResponse[] }[] = [];
  private readonly routes: { matcher: PathMatcher; handler: RouteHandler }[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly server: http.Server, readonly url: string) {}

  static async start(): Promise<FakeProviderServer> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeProviderServer(server, `http://127.0.0.1:${port}`);
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req, res) => void fake.handle(req, res));
    return fake;
  }

  /** Queue responses for a path, served in order. */
  enqueue(path: PathMatcher, ...responses: FakeResponse[]): this {
    let queue = this.queues.find((q) => String(q.matcher) === String(path));
    if (!queue) {
      queue = { matcher: path, responses: [] };
      this.queues.push(queue);
    }
    queue.responses.push(...responses);
    return this;
  }

  /** A handler for a path, used when its queue is empty. */
  route(path: PathMatcher, handler: RouteHandler): this {
    this.routes.push({ matcher: path, handler });
    return this;
  }

  /** Requests whose path matches. */
  requestsTo(path: PathMatcher): RecordedRequest[] {
    return this.requests.filter((r) => matches(path, r.path));
  }

  /** How many queued responses are left, over all paths. */
  get pending(): number {
    return this.queues.reduce((n, q) => n + q.responses.length, 0);
  }

  reset(): void {
    this.requests.length = 0;
    this.inFlight = 0;
    this.maxInFlight = 0;
    this.queues.length = 0;
    this.routes.length = 0;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private next(request: RecordedRequest): FakeResponse {
    const queue = this.queues.find((q) => matches(q.matcher, request.path) && q.responses.length > 0);
    if (queue) return queue.responses.shift()!;
    const route = this.routes.find((r) => matches(r.matcher, request.path));
    if (route) return route.handler(request);
    return {
      kind: 'json',
      status: 500,
      body: { error: { message: `fake server: nothing scripted for ${request.method} ${request.path}` } },
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      rawBody,
      body,
      at: Date.now(),
    };
    this.requests.push(recorded);
    const response = this.next(recorded);

    switch (response.kind) {
      case 'drop':
        req.socket.destroy();
        return;
      case 'hang':
        return; // the socket stays open until the client gives up or the server closes
      case 'json': {
        if (response.delayMs) {
          this.inFlight++;
          this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
          await this.wait(response.delayMs);
          this.inFlight--;
        }
        const text = JSON.stringify(response.body);
        res.writeHead(response.status ?? 200, { 'content-type': 'application/json', ...response.headers });
        res.end(text);
        return;
      }
      case 'raw':
        res.writeHead(response.status ?? 200, { 'content-type': 'application/json', ...response.headers });
        res.end(response.body);
        return;
      case 'recorded': {
        res.writeHead(response.status, { 'content-type': response.contentType, ...response.headers });
        if (!/^text\/event-stream/i.test(response.contentType)) {
          res.end(response.body);
          return;
        }
        res.flushHeaders();
        // One write per recorded event, as the server sent them; the pieces join to the body exactly.
        for (const piece of sseEvents(response.body)) {
          if (res.destroyed) return;
          res.write(piece);
          await new Promise((resolve) => setImmediate(resolve));
        }
        res.end();
        return;
      }
      case 'sse': {
        res.writeHead(response.status ?? 200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          ...response.headers,
        });
        res.flushHeaders();
        for (const event of response.events) {
          if (event.delayMs) await this.wait(event.delayMs);
          if (res.destroyed) return;
          const data = typeof event.data === 'string' ? event.data : JSON.stringify(event.data);
          res.write(`${event.event ? `event: ${event.event}\n` : ''}data: ${data}\n\n`);
        }
        if (response.end === 'drop') {
          // Let what was written reach the client, then cut the connection mid-response.
          await this.wait(20);
          req.socket.destroy();
        }
        else if (response.end !== 'hang') res.end();
        return;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Shortcuts for responses.

export const json = (body: unknown, status = 200, headers?: Record<string, string>): FakeResponse => ({ kind: 'json', status, body, headers });
export const raw = (body: string, status = 200, headers?: Record<string, string>): FakeResponse => ({ kind: 'raw', status, body, headers });
export const hang = (): FakeResponse => ({ kind: 'hang' });

/** A recorded HTTP response (shared/fixtures/recorded), replayed byte for byte. */
export const recorded = (response: { status: number; contentType: string; body: string }, headers?: Record<string, string>): FakeResponse => ({
  kind: 'recorded',
  status: response.status,
  contentType: response.contentType,
  body: response.body,
  ...(headers ? { headers } : {}),
});

/** An SSE body cut after each blank line that ends an event (`\n\n`, `\r\n\r\n`); the pieces join to the body. */
export function sseEvents(body: string): string[] {
  const pieces: string[] = [];
  const boundary = /\r?\n\r?\n/g;
  let start = 0;
  for (let match = boundary.exec(body); match; match = boundary.exec(body)) {
    pieces.push(body.slice(start, match.index + match[0].length));
    start = match.index + match[0].length;
  }
  if (start < body.length) pieces.push(body.slice(start));
  return pieces;
}
export const drop = (): FakeResponse => ({ kind: 'drop' });

// ---------------------------------------------------------------------------------------------
// OpenAI Chat Completions (CreateChatCompletionResponse, CreateChatCompletionStreamResponse).

export interface WireToolCall {
  id: string;
  name: string;
  /** The JSON arguments, split into the fragments the stream sends. */
  args: string[];
}

export const openaiWire = {
  usage(prompt = 12, completion = 5): CompletionUsage {
    return {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    };
  },

  /** A whole `chat.completion`. */
  completion(options: { text?: string | null; toolCalls?: { id: string; name: string; arguments: string }[]; finishReason?: ChatCompletion.Choice['finish_reason']; model?: string; usage?: CompletionUsage } = {}): ChatCompletion {
    const toolCalls = options.toolCalls?.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } }));
    return {
      id: 'chatcmpl-fake1',
      object: 'chat.completion' as const,
      created: 1_760_000_000,
      model: options.model ?? 'gpt-5.4-mini-2026-03-17',
      choices: [{
        index: 0,
        message: { role: 'assistant' as const, content: options.text === undefined ? 'Hello!' : options.text, refusal: null, annotations: [], ...(toolCalls ? { tool_calls: toolCalls } : {}) },
        logprobs: null,
        finish_reason: options.finishReason ?? (toolCalls ? 'tool_calls' : 'stop'),
      }],
      usage: options.usage ?? openaiWire.usage(),
      service_tier: 'default' as const,
      system_fingerprint: 'fp_fake',
    };
  },

  chunk(delta: ChatCompletionChunk.Choice.Delta, finishReason: ChatCompletionChunk.Choice['finish_reason'] = null): ChatCompletionChunk {
    return {
      id: 'chatcmpl-fake1',
      object: 'chat.completion.chunk',
      created: 1_760_000_000,
      model: 'gpt-5.4-mini-2026-03-17',
      service_tier: 'default',
      system_fingerprint: 'fp_fake',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      usage: null,
    };
  },

  /**
   * The chunk sequence of a streamed answer: role, text pieces, tool call fragments (id and name
   * first, then argument pieces), the finish chunk, the include_usage chunk (empty choices),
   * `[DONE]`.
   */
  chunks(options: { text?: string[]; toolCalls?: WireToolCall[]; finishReason?: ChatCompletionChunk.Choice['finish_reason']; usage?: CompletionUsage | null; done?: boolean; delayMs?: number } = {}): SseEvent[] {
    const events: SseEvent[] = [];
    const add = (data: unknown): void => void events.push({ data, ...(options.delayMs ? { delayMs: options.delayMs } : {}) });
    add(openaiWire.chunk({ role: 'assistant', content: '', refusal: null }));
    for (const piece of options.text ?? []) add(openaiWire.chunk({ content: piece }));
    (options.toolCalls ?? []).forEach((call, index) => {
      add(openaiWire.chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
      for (const fragment of call.args) add(openaiWire.chunk({ tool_calls: [{ index, function: { arguments: fragment } }] }));
    });
    add(openaiWire.chunk({}, options.finishReason ?? (options.toolCalls?.length ? 'tool_calls' : 'stop')));
    if (options.usage !== null) add({ ...openaiWire.chunk({}), choices: [], usage: options.usage ?? openaiWire.usage() } satisfies ChatCompletionChunk);
    if (options.done !== false) add('[DONE]');
    return events;
  },

  sse(events: SseEvent[], end: 'close' | 'drop' | 'hang' = 'close'): FakeResponse {
    return { kind: 'sse', events, end, headers: { 'x-request-id': 'req_fake_openai' } };
  },

  /** An error response as OpenAI sends it. */
  error(status: number, message: string, options: { type?: string; code?: string | null; headers?: Record<string, string> } = {}): FakeResponse {
    const type = options.type ?? (status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_request_error' : status >= 500 ? 'server_error' : 'invalid_request_error');
    return json({ error: { message, type, param: null, code: options.code ?? null } }, status, { 'x-request-id': 'req_fake_openai', ...options.headers });
  },
};

// ---------------------------------------------------------------------------------------------
// Anthropic Messages (Message, RawMessageStreamEvent, ErrorResponse).

type AnthropicBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'thinking'; thinking: string; signature: string };

function toContentBlock(block: AnthropicBlock): ContentBlock {
  switch (block.type) {
    case 'text':
      return { ...block, citations: null };
    case 'tool_use':
      return { ...block, caller: { type: 'direct' } };
    default:
      return block;
  }
}

export const anthropicWire = {
  usage(input = 12, output = 5): AnthropicUsage {
    return {
      input_tokens: input,
      output_tokens: output,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      inference_geo: null,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: 'standard',
      speed: null,
    };
  },

  /** A whole `message`. */
  message(options: { content?: AnthropicBlock[]; stopReason?: AnthropicMessage['stop_reason']; model?: string; usage?: AnthropicUsage } = {}): AnthropicMessage {
    const content = options.content ?? [{ type: 'text', text: 'Hello!' }];
    return {
      id: 'msg_fake01',
      type: 'message',
      role: 'assistant',
      model: options.model ?? 'claude-sonnet-5-5',
      content: content.map(toContentBlock),
      container: null,
      diagnostics: null,
      stop_details: null,
      stop_reason: options.stopReason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn'),
      stop_sequence: null,
      usage: options.usage ?? anthropicWire.usage(),
    };
  },

  /**
   * The event sequence of a streamed message: message_start, ping, per block content_block_start
   * / content_block_delta (text_delta, input_json_delta, thinking_delta + signature_delta) /
   * content_block_stop, message_delta with stop_reason and usage, message_stop.
   */
  events(options: {
    blocks?: ({ type: 'text'; text: string[] } | { type: 'tool_use'; id: string; name: string; json: string[] } | { type: 'thinking'; thinking: string[]; signature: string })[];
    stopReason?: AnthropicMessage['stop_reason'];
    input?: number;
    output?: number;
    stop?: boolean;
    delayMs?: number;
  } = {}): SseEvent[] {
    const events: SseEvent[] = [];
    const add = (event: string, data: RawMessageStreamEvent | { type: 'ping' }): void => void events.push({ event, data, ...(options.delayMs ? { delayMs: options.delayMs } : {}) });
    const blocks = options.blocks ?? [{ type: 'text', text: ['Hello', '!'] }];
    add('message_start', {
      type: 'message_start',
      message: { ...anthropicWire.message({ content: [], usage: anthropicWire.usage(options.input ?? 12, 1) }), stop_reason: null },
    });
    add('ping', { type: 'ping' });
    blocks.forEach((block, index) => {
      if (block.type === 'text') {
        add('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '', citations: null } });
        for (const text of block.text) add('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
      } else if (block.type === 'tool_use') {
        add('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {}, caller: { type: 'direct' } } });
        for (const partial_json of block.json) add('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } });
      } else {
        add('content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
        for (const thinking of block.thinking) add('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking } });
        add('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } });
      }
      add('content_block_stop', { type: 'content_block_stop', index });
    });
    add('message_delta', {
      type: 'message_delta',
      delta: { container: null, stop_details: null, stop_reason: options.stopReason ?? (blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn'), stop_sequence: null },
      usage: { input_tokens: null, output_tokens: options.output ?? 5, cache_creation_input_tokens: null, cache_read_input_tokens: null, output_tokens_details: null, server_tool_use: null },
    });
    if (options.stop !== false) add('message_stop', { type: 'message_stop' });
    return events;
  },

  sse(events: SseEvent[], end: 'close' | 'drop' | 'hang' = 'close'): FakeResponse {
    return { kind: 'sse', events, end, headers: { 'request-id': 'req_fake_anthropic' } };
  },

  errorBody(type: string, message: string) {
    return { type: 'error', error: { type, message }, request_id: 'req_fake_anthropic' };
  },

  /** An error response as Anthropic sends it, with its `request-id` header. */
  error(status: number, type: string, message: string, headers: Record<string, string> = {}): FakeResponse {
    return json(anthropicWire.errorBody(type, message), status, { 'request-id': 'req_fake_anthropic', ...headers });
  },
};

// ---------------------------------------------------------------------------------------------
// Gemini generateContent / streamGenerateContent (GenerateContentResponse, google.rpc.Status).

type GeminiPart = { text: string; thought?: boolean; thoughtSignature?: string } | { functionCall: { id?: string; name: string; args: Record<string, unknown> }; thoughtSignature?: string };

/** The JSON fields of a GenerateContentResponse (the SDK's class adds getters). */
export type GeminiResponseJson = Pick<GenerateContentResponse, 'candidates' | 'usageMetadata' | 'modelVersion' | 'responseId' | 'promptFeedback'>;

export const geminiWire = {
  usage(prompt = 12, candidates = 5, thoughts?: number): NonNullable<GenerateContentResponse['usageMetadata']> {
    return {
      promptTokenCount: prompt,
      candidatesTokenCount: candidates,
      totalTokenCount: prompt + candidates + (thoughts ?? 0),
      ...(thoughts !== undefined ? { thoughtsTokenCount: thoughts } : {}),
    };
  },

  response(options: { parts?: GeminiPart[]; finishReason?: `${GeminiFinishReason}` | null; usage?: GenerateContentResponse['usageMetadata'] | null; model?: string } = {}): GeminiResponseJson {
    return {
      candidates: [{
        content: { role: 'model', parts: (options.parts ?? [{ text: 'Hello!' }]) satisfies GeminiSdkPart[] },
        ...(options.finishReason === null ? {} : { finishReason: (options.finishReason ?? 'STOP') as GeminiFinishReason }),
        index: 0,
      }],
      ...(options.usage === null ? {} : { usageMetadata: options.usage ?? geminiWire.usage() }),
      modelVersion: options.model ?? 'gemini-3.5-flash',
      responseId: 'resp_fake_gemini',
    };
  },

  /** Stream chunks: one per part list, the last with finishReason; usageMetadata on every chunk, as Gemini does. */
  chunks(parts: GeminiPart[][], options: { finishReason?: `${GeminiFinishReason}`; usage?: GenerateContentResponse['usageMetadata']; delayMs?: number } = {}): SseEvent[] {
    return parts.map((p, i) => ({
      data: geminiWire.response({ parts: p, finishReason: i === parts.length - 1 ? options.finishReason ?? 'STOP' : null, usage: options.usage ?? geminiWire.usage() }),
      ...(options.delayMs ? { delayMs: options.delayMs } : {}),
    }));
  },

  sse(events: SseEvent[], end: 'close' | 'drop' | 'hang' = 'close'): FakeResponse {
    return { kind: 'sse', events, end };
  },

  errorBody(code: number, status: string, message: string, details: unknown[] = []) {
    return { error: { code, message, status, details } };
  },

  /** An error as Gemini sends it; `retryDelay` adds a google.rpc.RetryInfo detail. */
  error(code: number, status: string, message: string, options: { retryDelay?: string; reason?: string; headers?: Record<string, string> } = {}): FakeResponse {
    const details: unknown[] = [];
    if (options.reason) details.push({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: options.reason, domain: 'googleapis.com' });
    if (options.retryDelay) details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: options.retryDelay });
    return json(geminiWire.errorBody(code, status, message, details), code, options.headers);
  },
};
