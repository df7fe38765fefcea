/**
 * A turn's tool calls are bounded (CONTRACT §11): 32 run, 8 at a time, 1 MiB of results.
 */
import { describe, expect, it } from 'vitest';
import { runToolTurn, TOOL_TURN_LIMITS } from '../../src/engine/tool-turn.js';
import type { ToolCall } from '../../src/core/messages.js';
import type { ToolResult, ToolSet } from '../../src/tools/index.js';

/** A tool set whose one tool waits a little and answers `output(call)`, counting calls at once. */
function countingTools(output: (call: ToolCall) => string = (call) => `result of ${call.id}`) {
  const stats = { running: 0, most: 0, calls: 0 };
  const set: ToolSet = {
    specs: [],
    close: async () => {},
    async call(call): Promise<ToolResult> {
      stats.calls++;
      stats.most = Math.max(stats.most, ++stats.running);
      await new Promise((resolve) => setTimeout(resolve, 5 + (Number(call.id.slice(1)) % 3)));
      stats.running--;
      return { ok: true, output: output(call) };
    },
  };
  return { set, stats };
}

const calls = (n: number): ToolCall[] => Array.from({ length: n }, (_, i) => ({ id: `c${i}`, name: 'tool', input: {} }));
const hooks = () => {
  const seen = { calls: [] as string[], results: [] as string[] };
  return { seen, hooks: { onCall: (c: ToolCall) => seen.calls.push(c.id), onResult: (c: ToolCall) => seen.results.push(c.id) } };
};

describe('one turn of tool calls', () => {
  it('runs at most 32 calls, 8 at a time; the rest are refused, and every call gets a result in the model\'s order', async () => {
    const { set, stats } = countingTools();
    const { seen, hooks: h } = hooks();
    const results = await runToolTurn(calls(400), set, h);
    expect(stats.calls).toBe(TOOL_TURN_LIMITS.calls);
    expect(stats.most).toBe(TOOL_TURN_LIMITS.concurrent);
    expect(results).toHaveLength(400);
    expect(results.slice(0, 32).map((r) => r.output)).toEqual(calls(32).map((c) => `result of ${c.id}`));
    expect(results[32]).toEqual({ ok: false, output: 'refused: at most 32 tool calls are run per turn, and this was call 33; ask for fewer at once' });
    expect(results.slice(32).every((r) => !r.ok && r.output.startsWith('refused: at most 32'))).toBe(true);
    expect(seen.calls).toHaveLength(400);
    expect(seen.results.sort()).toEqual(seen.calls.sort());
  });

  it('cuts the turn\'s results at 1 MiB, with a note, and keeps the refusals whole', async () => {
    const big = 'x'.repeat(400 * 1024);
    const { set } = countingTools(() => big);
    const results = await runToolTurn(calls(34), set, hooks().hooks);
    expect(results[0]!.output).toBe(big);
    expect(results[1]!.output).toBe(big);
    expect(results[2]!.output.startsWith('x'.repeat(1_048_576 - 2 * big.length))).toBe(true);
    expect(results[2]!.output).toMatch(/\[cut: this turn's tool results passed 1048576 bytes; \d+ bytes of this result were left out\]$/);
    expect(results[3]!.output).toMatch(/^\[cut: this turn's tool results passed 1048576 bytes;/);
    expect(results[33]!.output).toMatch(/^refused: at most 32 tool calls/);
    const total = results.slice(0, 32).reduce((sum, r) => sum + Buffer.byteLength(r.output), 0);
    expect(total).toBeLessThan(1_048_576 + 32 * 200);
  });

  it('never splits a character at the cut', async () => {
    const { set } = countingTools(() => 'é'.repeat(400_000)); // 800,000 bytes each
    const results = await runToolTurn(calls(2), set, hooks().hooks);
    expect(results[1]!.output).not.toContain('\ufffd');
    expect(results[1]!.output.startsWith('é'.repeat(124_288))).toBe(true);
  });
});
