/** Tool-call arguments between Loom (parsed JSON) and the APIs (JSON text), and ids for calls an API did not name. */
import { randomUUID } from 'node:crypto';

/**
 * Streamed tool arguments, joined: JSON-parsed, `{}` when empty. Arguments that are not JSON are
 * passed on as the raw string, so the engine's schema check fails and tells the model, rather
 * than the whole run failing on one bad call.
 */
export function parseToolInput(raw: string): unknown {
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Tool arguments as the JSON text an API wants back in the conversation. */
export function stringifyToolInput(input: unknown): string {
  if (typeof input === 'string') return input;
  return JSON.stringify(input ?? {});
}

/** An id for a tool call the API did not name. */
export function newToolCallId(): string {
  return `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}
