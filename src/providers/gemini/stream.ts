/** GenerateContentResponse chunks → ProviderEvents (streamed and whole responses are the same shape). */
import type { GenerateContentResponse } from '@google/genai';
import { incompleteStreamError, malformedError, type ErrorContext } from '../http-error.js';
import { isRecord, newToolCallId } from '../shared.js';
import type { ProviderEvent, Usage } from '../types.js';
import { METADATA_KEY, type GeminiCallMetadata } from './convert-messages.js';
import { mapFinishReason } from './map-finish-reason.js';

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** Thinking is billed as output; tool-use prompt tokens as input. */
function toUsage(meta: unknown): Usage | undefined {
  if (!isRecord(meta)) return undefined;
  return {
    inputTokens: num(meta.promptTokenCount) + num(meta.toolUsePromptTokenCount),
    outputTokens: num(meta.candidatesTokenCount) + num(meta.thoughtsTokenCount),
  };
}

export async function* streamEvents(chunks: AsyncIterable<GenerateContentResponse>, ctx: ErrorContext): AsyncGenerator<ProviderEvent> {
  let usage: Usage | undefined;
  let finishRaw: string | undefined;
  let blockReason: string | undefined;
  let callCount = 0;

  for await (const chunk of chunks as AsyncIterable<unknown>) {
    // Every wire event proves the server is alive, also those that add nothing yet (tool-call
    // fragments, pings, thinking): the engine's silence timeout must not cut such a stream.
    yield { type: 'activity' };
    if (!isRecord(chunk)) throw malformedError(ctx, undefined, 'a malformed stream chunk');
    usage = toUsage(chunk.usageMetadata) ?? usage;
    if (isRecord(chunk.promptFeedback) && typeof chunk.promptFeedback.blockReason === 'string') blockReason = chunk.promptFeedback.blockReason;
    const candidate = Array.isArray(chunk.candidates) ? chunk.candidates[0] : undefined;
    if (!isRecord(candidate)) continue;
    const parts = isRecord(candidate.content) && Array.isArray(candidate.content.parts) ? candidate.content.parts : [];
    for (const part of parts) {
      if (!isRecord(part)) continue;
      if (typeof part.text === 'string' && part.text !== '' && part.thought !== true) {
        yield { type: 'text-delta', text: part.text };
      }
      if (isRecord(part.functionCall) && typeof part.functionCall.name === 'string') {
        const fc = part.functionCall;
        const geminiId = typeof fc.id === 'string' && fc.id ? fc.id : undefined;
        const metadata: GeminiCallMetadata = {};
        if (typeof part.thoughtSignature === 'string' && part.thoughtSignature) metadata.thoughtSignature = part.thoughtSignature;
        if (geminiId) metadata.id = geminiId;
        callCount++;
        yield {
          type: 'tool-call',
          call: {
            id: geminiId ?? newToolCallId(),
            name: fc.name as string,
            input: isRecord(fc.args) ? fc.args : {},
            ...(Object.keys(metadata).length > 0 ? { metadata: { [METADATA_KEY]: metadata } } : {}),
          },
        };
      }
    }
    if (typeof candidate.finishReason === 'string' && candidate.finishReason !== 'FINISH_REASON_UNSPECIFIED') finishRaw = candidate.finishReason;
  }

  if (finishRaw === undefined && blockReason === undefined) throw incompleteStreamError(ctx);
  if (usage) yield { type: 'usage', usage };
  if (finishRaw === undefined) {
    yield { type: 'finish', reason: 'content-filter', rawReason: blockReason };
  } else {
    yield { type: 'finish', reason: mapFinishReason(finishRaw, callCount > 0), rawReason: finishRaw };
  }
}

/** A whole response: the same events as a one-chunk stream. */
export async function* responseEvents(response: GenerateContentResponse, ctx: ErrorContext): AsyncGenerator<ProviderEvent> {
  if (!isRecord(response)) throw malformedError(ctx, undefined, 'a malformed response');
  async function* one(): AsyncGenerator<GenerateContentResponse> {
    yield response;
  }
  yield* streamEvents(one(), ctx);
}
