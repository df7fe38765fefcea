import type { FinishReason } from '../../core/messages.js';

const CONTENT_FILTER = new Set([
  'SAFETY', 'RECITATION', 'LANGUAGE', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT', 'IMAGE_RECITATION',
]);
const ERROR = new Set(['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL', 'TOO_MANY_TOOL_CALLS']);

/**
 * Gemini `finishReason` → Loom's. Gemini says STOP after function calls too, so the caller
 * passes whether the turn called tools.
 */
export function mapFinishReason(raw: string | undefined, hadToolCalls: boolean): FinishReason {
  if (raw === 'STOP') return hadToolCalls ? 'tool-calls' : 'stop';
  if (raw === 'MAX_TOKENS') return 'length';
  if (raw && CONTENT_FILTER.has(raw)) return 'content-filter';
  if (raw && ERROR.has(raw)) return 'error';
  return 'other';
}
