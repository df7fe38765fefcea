/**
 * The 24 recorded provider responses (test/fixtures/recorded, a copy of shared/fixtures/recorded
 * with its SOURCES.md and licences): loading them, serving them turn by turn from the fake server
 * byte for byte, and reading what they say independently of Loom's own parsers.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { recorded, type FakeProviderServer, type FakeResponse } from '../support/fake-provider-server.js';

export interface RecordedExchange {
  interaction: number;
  status: number;
  contentType: string;
  uri?: string;
  body: string;
}

export interface Recording {
  name: string;
  title: string;
  provider: 'openai' | 'openai-compatible' | 'anthropic' | 'gemini';
  model: string;
  fidelity: string;
  note?: string;
  responses: RecordedExchange[];
}

export const RECORDED_DIR = new URL('../fixtures/recorded/', import.meta.url);

export const recordingNames = (): string[] =>
  readdirSync(RECORDED_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();

export function recording(name: string): Recording {
  return JSON.parse(readFileSync(new URL(`${name}.json`, RECORDED_DIR), 'utf8')) as Recording;
}

export type Api = 'openai' | 'anthropic' | 'gemini';

export const apiOf = (type: Recording['provider']): Api => (type === 'anthropic' ? 'anthropic' : type === 'gemini' ? 'gemini' : 'openai');

export const API_PATHS: Record<Api, RegExp> = {
  openai: /^\/v1\/chat\/completions$/,
  anthropic: /^\/v1\/messages$/,
  gemini: /^\/v1beta\/models\/[^/]+:(streamGenerateContent|generateContent)$/,
};

/** How many model turns a request's conversation already holds. */
export function modelTurns(api: Api, body: any): number {
  if (api === 'gemini') return (body?.contents ?? []).filter((content: any) => content.role === 'model').length;
  return (body?.messages ?? []).filter((message: any) => message.role === 'assistant').length;
}

/**
 * Serves `turns` as the recording's server did: a request whose conversation already holds k
 * model turns gets turn k (so a retry gets the same answer again). A request past the last
 * recorded turn gets a 400 that names the problem, so the test fails on it rather than hangs.
 */
export function serveTurns(server: FakeProviderServer, api: Api, turns: RecordedExchange[]): void {
  server.route(API_PATHS[api], (request): FakeResponse => {
    const turn = turns[modelTurns(api, request.body)];
    if (!turn) return { kind: 'json', status: 400, body: { error: { message: `the recording has no turn ${modelTurns(api, request.body)}` } } };
    return recorded(turn);
  });
}

/** The JSON payloads of an SSE body's `data:` lines (`[DONE]` left out). */
export function ssePayloads(body: string): any[] {
  return body
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice('data:'.length).trim())
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data));
}

/** The answer text a turn shows, read straight from the recording: thinking and reasoning left out. */
export function answerText(api: Api, exchange: RecordedExchange): string {
  const streamed = exchange.contentType.startsWith('text/event-stream');
  const payloads = streamed ? ssePayloads(exchange.body) : [JSON.parse(exchange.body)];
  const pieces: string[] = [];
  for (const payload of payloads) {
    if (api === 'openai') {
      const choice = payload.choices?.[0];
      const content = streamed ? choice?.delta?.content : choice?.message?.content;
      if (typeof content === 'string') pieces.push(content);
    } else if (api === 'anthropic') {
      if (payload.type === 'content_block_delta' && payload.delta.type === 'text_delta') pieces.push(payload.delta.text);
    } else {
      for (const part of payload.candidates?.[0]?.content?.parts ?? []) if (typeof part.text === 'string' && part.thought !== true) pieces.push(part.text);
    }
  }
  return pieces.join('');
}

/** The thinking text of a turn (Gemini thought parts, DeepSeek reasoning_content, Anthropic thinking), to check it is never shown. */
export function thinkingText(api: Api, exchange: RecordedExchange): string {
  if (!exchange.contentType.startsWith('text/event-stream')) return '';
  const pieces: string[] = [];
  for (const payload of ssePayloads(exchange.body)) {
    if (api === 'openai') {
      const delta = payload.choices?.[0]?.delta ?? {};
      for (const key of ['reasoning_content', 'reasoning']) if (typeof delta[key] === 'string') pieces.push(delta[key]);
    } else if (api === 'anthropic') {
      if (payload.type === 'content_block_delta' && payload.delta.type === 'thinking_delta') pieces.push(payload.delta.thinking);
    } else {
      for (const part of payload.candidates?.[0]?.content?.parts ?? []) if (part.thought === true) pieces.push(part.text);
    }
  }
  return pieces.join('');
}

/** USD rounded to 8 decimal places, as Loom reports it. */
export const usd = (value: number): number => Math.round(value * 1e8) / 1e8;

/** The cost of tokens at a price per 1M tokens. */
export const cost = (input: number, output: number, price: { input: number; output: number }): number => usd((input * price.input + output * price.output) / 1e6);
