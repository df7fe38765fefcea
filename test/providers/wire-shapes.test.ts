/**
 * The fake server's wire builders checked against the SDKs' own type definitions (at type-check
 * time: `npx tsc --noEmit -p .`) and a few of the specs' required fields (at run time).
 */
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions/completions';
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages';
import { describe, expect, it } from 'vitest';
import { anthropicWire, geminiWire, openaiWire, type GeminiResponseJson } from '../support/fake-provider-server.js';

describe('wire builders', () => {
  it('build what the openai SDK types describe', () => {
    const completion: ChatCompletion = openaiWire.completion({ toolCalls: [{ id: 'c', name: 'f', arguments: '{}' }] });
    const chunks = openaiWire.chunks({ text: ['a'], toolCalls: [{ id: 'c', name: 'f', args: ['{}'] }] });
    const typed: ChatCompletionChunk[] = chunks.filter((e) => typeof e.data === 'object').map((e) => e.data as ChatCompletionChunk);
    expect(completion.object).toBe('chat.completion');
    expect(typed.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.at(-1)!.data).toBe('[DONE]');
    // The include_usage chunk: empty choices, usage set (spec: CreateChatCompletionStreamResponse).
    expect(typed.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 5 } });
    for (const c of typed) for (const choice of c.choices) expect(Object.keys(choice).sort()).toEqual(['delta', 'finish_reason', 'index', 'logprobs']);
  });

  it('build what the anthropic SDK types describe', () => {
    const message: Message = anthropicWire.message({ content: [{ type: 'text', text: 'x' }, { type: 'tool_use', id: 't', name: 'f', input: {} }] });
    const events = anthropicWire.events({ blocks: [{ type: 'text', text: ['a'] }, { type: 'tool_use', id: 't', name: 'f', json: ['{}'] }] });
    const typed = events.filter((e) => e.event !== 'ping').map((e) => e.data as RawMessageStreamEvent);
    expect(message.type).toBe('message');
    expect(events.map((e) => e.event)).toEqual([
      'message_start', 'ping',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'message_delta', 'message_stop',
    ]);
    expect(events.every((e) => (e.data as { type: string }).type === e.event)).toBe(true);
    expect(typed[0]).toMatchObject({ type: 'message_start', message: { stop_reason: null, content: [] } });
  });

  it('build what the @google/genai types describe', () => {
    const response: GeminiResponseJson = geminiWire.response({ parts: [{ functionCall: { name: 'f', args: {} } }] });
    expect(response.candidates?.[0]?.finishReason).toBe('STOP');
    const error = geminiWire.errorBody(429, 'RESOURCE_EXHAUSTED', 'quota', [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' }]);
    expect(error).toEqual({ error: { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'quota', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' }] } });
  });
});
