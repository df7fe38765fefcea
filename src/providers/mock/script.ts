/**
 * The mock provider's script: scripted replies in a JSON file, named by the mock entry's
 * `script` (a path relative to the config file; config resolves it to an absolute path).
 *
 * Format — the file holds either a list of replies or an object with one:
 *
 *     [ reply, reply, … ]          or          { "replies": [ reply, reply, … ] }
 *
 * Each call of the provider (one model turn) takes the next reply, in order. A reply is one of:
 *
 *     "Hello there"                                   text, streamed back word by word
 *     { "text": "Hello there" }                       the same
 *     { "toolCalls": [ { "name": "read_file", "input": { "path": "notes.md" }, "id": "call_1" } ] }
 *                                                     tool calls ("id" optional, "input" defaults to {});
 *                                                     may have "text" too, streamed before the calls
 *     { "error": { "status": 429, "message": "slow down", "retryAfterMs": 1500 } }
 *                                                     an HTTP error, turned into the very LoomError a real
 *                                                     provider's would be (429 → rate_limited, retryable;
 *                                                     401 → auth_failed; 400 → bad_request; 503 → …)
 *     { "error": { "code": "network" } }             a failure without a status: "network" or "timeout"
 *     { "text": "Half an ans", "error": { "code": "network" } }
 *                                                     a stream that breaks after some text
 *     { "text": "Half an ans", "hang": true }         a stream that goes silent until aborted
 *
 * Any reply object may also set:
 *     "usage": { "inputTokens": 12, "outputTokens": 3 }   reported usage (default: counted, see below)
 *     "finishReason": "length"                            default "tool-calls" with tool calls, else "stop"
 *     "delayMs": 50                                       wait this long before each streamed event
 *
 * After the last reply, a further call fails with `bad_request` naming the script. Without a
 * script the mock echoes the last user message. Counted usage is deterministic: input tokens are
 * the words (runs of non-space characters) of the system prompt and every message (tool calls
 * count their name and JSON input), output tokens the words of the reply.
 */
import { readFile } from 'node:fs/promises';
import { LoomError } from '../../core/errors.js';
import type { FinishReason, Usage } from '../../core/messages.js';
import { isObject } from '../../core/json.js';

export interface MockToolCall {
  name: string;
  input?: unknown;
  id?: string;
}

export interface MockError {
  status?: number;
  code?: 'network' | 'timeout';
  message?: string;
  retryAfterMs?: number;
}

export interface MockReply {
  text?: string;
  toolCalls?: MockToolCall[];
  error?: MockError;
  hang?: boolean;
  usage?: Usage;
  finishReason?: FinishReason;
  delayMs?: number;
}

const FINISH_REASONS: readonly FinishReason[] = ['stop', 'length', 'tool-calls', 'content-filter', 'error', 'other'];

/** Validates one reply; returns a problem description or the normalized reply. */
function normalizeReply(raw: unknown, where: string): MockReply {
  const fail = (problem: string): never => {
    throw new LoomError('config_invalid', `mock script ${where}: ${problem}`);
  };
  if (typeof raw === 'string') return { text: raw };
  if (!isObject(raw)) return fail('a reply must be a string or an object');
  const known = new Set(['text', 'toolCalls', 'error', 'hang', 'usage', 'finishReason', 'delayMs']);
  for (const key of Object.keys(raw)) if (!known.has(key)) fail(`unknown field "${key}" (known: ${[...known].join(', ')})`);
  const reply: MockReply = {};
  if (raw.text !== undefined) {
    if (typeof raw.text !== 'string') fail('"text" must be a string');
    reply.text = raw.text as string;
  }
  if (raw.toolCalls !== undefined) {
    if (!Array.isArray(raw.toolCalls)) fail('"toolCalls" must be a list');
    reply.toolCalls = (raw.toolCalls as unknown[]).map((call, i) => {
      if (!isObject(call) || typeof call.name !== 'string' || call.name === '') fail(`toolCalls[${i}] needs a "name"`);
      const c = call as Record<string, unknown>;
      if (c.id !== undefined && typeof c.id !== 'string') fail(`toolCalls[${i}].id must be a string`);
      return { name: c.name as string, input: c.input ?? {}, ...(c.id ? { id: c.id as string } : {}) };
    });
  }
  if (raw.error !== undefined) {
    const e = raw.error;
    if (!isObject(e)) return fail('"error" must be an object');
    const hasStatus = typeof e.status === 'number' && Number.isInteger(e.status) && e.status >= 400 && e.status <= 599;
    const hasCode = e.code === 'network' || e.code === 'timeout';
    if (!hasStatus && !hasCode) fail('"error" needs a "status" (400–599) or a "code" ("network" or "timeout")');
    if (e.message !== undefined && typeof e.message !== 'string') fail('"error.message" must be a string');
    if (e.retryAfterMs !== undefined && (typeof e.retryAfterMs !== 'number' || e.retryAfterMs < 0)) fail('"error.retryAfterMs" must be a number ≥ 0');
    reply.error = {
      ...(hasStatus ? { status: e.status as number } : {}),
      ...(hasCode ? { code: e.code as 'network' | 'timeout' } : {}),
      ...(e.message !== undefined ? { message: e.message as string } : {}),
      ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs as number } : {}),
    };
  }
  if (raw.hang !== undefined) {
    if (typeof raw.hang !== 'boolean') fail('"hang" must be true or false');
    reply.hang = raw.hang as boolean;
  }
  if (raw.usage !== undefined) {
    const u = raw.usage;
    if (!isObject(u) || typeof u.inputTokens !== 'number' || typeof u.outputTokens !== 'number') fail('"usage" must be {"inputTokens": n, "outputTokens": n}');
    reply.usage = { inputTokens: (u as Record<string, number>).inputTokens!, outputTokens: (u as Record<string, number>).outputTokens! };
  }
  if (raw.finishReason !== undefined) {
    if (!FINISH_REASONS.includes(raw.finishReason as FinishReason)) fail(`"finishReason" must be one of ${FINISH_REASONS.join(', ')}`);
    reply.finishReason = raw.finishReason as FinishReason;
  }
  if (raw.delayMs !== undefined) {
    if (typeof raw.delayMs !== 'number' || raw.delayMs < 0) fail('"delayMs" must be a number ≥ 0');
    reply.delayMs = raw.delayMs as number;
  }
  if (reply.text === undefined && reply.toolCalls === undefined && reply.error === undefined && !reply.hang) {
    fail('a reply needs "text", "toolCalls", "error" or "hang"');
  }
  return reply;
}

/** A parsed script value (the file's JSON) → replies; config_invalid naming the problem otherwise. */
export function parseScript(value: unknown, file = 'script'): MockReply[] {
  const list = Array.isArray(value) ? value : isObject(value) && Array.isArray(value.replies) ? value.replies : undefined;
  if (!list) throw new LoomError('config_invalid', `mock script ${file}: expected a list of replies or {"replies": [...]}`);
  return list.map((reply, index) => normalizeReply(reply, `${file} reply ${index + 1}`));
}

export async function loadScript(path: string): Promise<MockReply[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new LoomError('config_invalid', `cannot read the mock script ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: 'the mock entry\'s "script" is relative to the config file',
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LoomError('config_invalid', `the mock script ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseScript(value, path);
}
