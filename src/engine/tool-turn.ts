/**
 * The tool calls of one model turn, bounded (CONTRACT §11): at most 32 are run (the rest get a
 * refusal saying so), at most 8 at a time, and the turn's results together are cut at 1 MiB —
 * so a model that asks for 400 searches at once, or 2,000 commands, cannot exhaust memory or the
 * machine. Refusal notes are never cut: the model must learn why a call did not run.
 */
import PQueue from 'p-queue';
import type { ToolCall } from '../core/messages.js';
import type { ToolResult, ToolSet } from '../tools/index.js';
import { decodeUtf8 } from '../tools/text.js';

export const TOOL_TURN_LIMITS = {
  /** Calls run per model turn. */
  calls: 32,
  /** Calls running at once. */
  concurrent: 8,
  /** Bytes of tool results sent back per turn. */
  resultBytes: 1_048_576,
} as const;

export interface ToolTurnHooks {
  /** A call about to run. */
  onCall(call: ToolCall): void;
  /** A call finished (or was refused), in the order they finish. */
  onResult(call: ToolCall, result: ToolResult): void;
}

const notRun = (index: number): ToolResult => ({
  ok: false,
  output: `refused: at most ${TOOL_TURN_LIMITS.calls} tool calls are run per turn, and this was call ${index + 1}; ask for fewer at once`,
});

/** Runs a turn's calls; the results come back in the model's order, whichever finished first. */
export async function runToolTurn(calls: readonly ToolCall[], tools: ToolSet, hooks: ToolTurnHooks, signal?: AbortSignal): Promise<ToolResult[]> {
  const queue = new PQueue({ concurrency: TOOL_TURN_LIMITS.concurrent });
  const results = await Promise.all(
    calls.map(async (call, index) => {
      hooks.onCall(call);
      const result = index < TOOL_TURN_LIMITS.calls ? ((await queue.add(() => tools.call(call, signal))) as ToolResult) : notRun(index);
      hooks.onResult(call, result);
      return result;
    }),
  );
  return capResults(results, calls.length);
}

/**
 * Cuts the results of the calls that ran once their bytes together pass the cap; the refusals of
 * calls that did not run are kept whole (they are short), so each call still gets an answer.
 */
function capResults(results: ToolResult[], total: number): ToolResult[] {
  let budget: number = TOOL_TURN_LIMITS.resultBytes;
  return results.map((result, index) => {
    if (index >= TOOL_TURN_LIMITS.calls || total === 0) return result;
    const bytes = Buffer.byteLength(result.output);
    if (bytes <= budget) {
      budget -= bytes;
      return result;
    }
    const kept = cutToBytes(result.output, budget);
    budget = 0;
    return {
      ok: result.ok,
      output: `${kept}${kept ? '\n' : ''}[cut: this turn's tool results passed ${TOOL_TURN_LIMITS.resultBytes} bytes; ${bytes - Buffer.byteLength(kept)} bytes of this result were left out]`,
    };
  });
}

/** The longest prefix of `text` within `max` UTF-8 bytes, never splitting a character. */
function cutToBytes(text: string, max: number): string {
  return max <= 0 ? '' : decodeUtf8(Buffer.from(text, 'utf8').subarray(0, max), true);
}
