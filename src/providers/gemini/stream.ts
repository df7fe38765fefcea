/** GenerateContentResponse chunks → ProviderEvents (streamed and whole responses are the same shape). */
import type { GenerateContentResponse } from '@google/genai';
import { isObject } from '../../core/json.js';
import type { ErrorContext } from '../errors/context.js';
import { incompleteStreamError, malformedError } from '../errors/response.js';
import { cleanMessage } from '../errors/scrub.js';
import { newToolCallId } from '../tool-input.js';
import type { ProviderEvent, Refusal, Usage } from '../../core/messages.js';
import { METADATA_KEY, type GeminiCallMetadata } from './convert-messages.js';
import { mapFinishReason } from './map-finish-reason.js';

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/**
 * Thinking is billed as output; tool-use prompt tokens as input (CONTRACT §19). The cached part
 * of the prompt (cachedContentTokenCount) is inside promptTokenCount.
 */
function toUsage(meta: unknown): Usage | undefined {
  if (!isObject(meta)) return undefined;
  return {
    inputTokens: num(meta.promptTokenCount) + num(meta.toolUsePromptTokenCount),
    outputTokens: num(meta.candidatesTokenCount) + num(meta.thoughtsTokenCount),
    cachedInputTokens: num(meta.cachedContentTokenCount),
    cacheWriteTokens: 0,
  };
}

/** The categories a response's safetyRatings say were blocked: "blocked: HARM_CATEGORY_HATE_SPEECH". */
function blockedCategories(ratings: unknown): string | undefined {
  if (!Array.isArray(ratings)) return undefined;
  const blocked = ratings.filter((r) => isObject(r) && r.blocked === true && typeof r.category === 'string').map((r) => (r as { category: string }).category);
  return blocked.length > 0 ? `blocked: ${blocked.join(', ')}` : undefined;
}

function refusalOf(reason: string, words: (string | undefined)[], ctx: ErrorContext): Refusal {
  const text = cleanMessage(words.filter(Boolean).join('; '), ctx.secrets);
  return { reason, ...(text ? { text } : {}) };
}

/**
 * A stream the server ended cleanly is complete, finishReason or not (CONTRACT §10): without one
 * the finish is `unknown`. A blocked prompt (promptFeedback.blockReason) or a candidate stopped
 * by a filter (SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII…) is a refusal.
 */
export async function* streamEvents(chunks: AsyncIterable<GenerateContentResponse>, ctx: ErrorContext): AsyncGenerator<ProviderEvent> {
  let usage: Usage | undefined;
  let finishRaw: string | undefined;
  let finishWords: (string | undefined)[] = [];
  let blockReason: string | undefined;
  let blockWords: (string | undefined)[] = [];
  let callCount = 0;
  let chunkCount = 0;

  for await (const chunk of chunks as AsyncIterable<unknown>) {
    // Every wire event proves the server is alive, also those that add nothing yet (tool-call
    // fragments, pings, thinking): the engine's silence timeout must not cut such a stream.
    yield { type: 'activity' };
    if (!isObject(chunk)) throw malformedError(ctx, undefined, 'a malformed stream chunk');
    chunkCount++;
    // Gemini repeats usageMetadata on every chunk; the last one is the whole turn's.
    usage = toUsage(chunk.usageMetadata) ?? usage;
    const feedback = isObject(chunk.promptFeedback) ? chunk.promptFeedback : undefined;
    if (feedback && typeof feedback.blockReason === 'string' && feedback.blockReason !== 'BLOCK_REASON_UNSPECIFIED') {
      blockReason = feedback.blockReason;
      blockWords = [typeof feedback.blockReasonMessage === 'string' ? feedback.blockReasonMessage : undefined, blockedCategories(feedback.safetyRatings)];
    }
    const candidate = Array.isArray(chunk.candidates) ? chunk.candidates[0] : undefined;
    if (!isObject(candidate)) continue;
    const parts = isObject(candidate.content) && Array.isArray(candidate.content.parts) ? candidate.content.parts : [];
    for (const part of parts) {
      if (!isObject(part)) continue;
      // Thought parts (thought: true) are the model's thinking, never the answer.
      if (typeof part.text === 'string' && part.text !== '' && part.thought !== true) {
        yield { type: 'text-delta', text: part.text };
      }
      if (isObject(part.functionCall) && typeof part.functionCall.name === 'string') {
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
            input: isObject(fc.args) ? fc.args : {},
            ...(Object.keys(metadata).length > 0 ? { metadata: { [METADATA_KEY]: metadata } } : {}),
          },
        };
      }
    }
    if (typeof candidate.finishReason === 'string' && candidate.finishReason !== 'FINISH_REASON_UNSPECIFIED') {
      finishRaw = candidate.finishReason;
      // (The SDK drops the candidate's finishMessage; the blocked categories are what remains.)
      finishWords = [blockedCategories(candidate.safetyRatings)];
    }
  }

  // A 200 that closed without a single chunk says nothing at all: retried as a broken stream.
  if (chunkCount === 0) throw incompleteStreamError(ctx, 'the response stream ended without any data');
  if (usage) yield { type: 'usage', usage };
  if (blockReason !== undefined) {
    yield { type: 'finish', reason: 'content-filter', rawReason: blockReason, refusal: refusalOf(`promptFeedback.blockReason ${blockReason}`, blockWords, ctx) };
  } else if (finishRaw === undefined) {
    yield { type: 'finish', reason: 'unknown' };
  } else {
    const reason = mapFinishReason(finishRaw, callCount > 0);
    yield { type: 'finish', reason, rawReason: finishRaw, ...(reason === 'content-filter' ? { refusal: refusalOf(`finishReason ${finishRaw}`, finishWords, ctx) } : {}) };
  }
}

/** A whole response: the same events as a one-chunk stream. */
export async function* responseEvents(response: GenerateContentResponse, ctx: ErrorContext): AsyncGenerator<ProviderEvent> {
  if (!isObject(response)) throw malformedError(ctx, undefined, 'a malformed response');
  async function* one(): AsyncGenerator<GenerateContentResponse> {
    yield response;
  }
  yield* streamEvents(one(), ctx);
}
