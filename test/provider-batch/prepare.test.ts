import { describe, expect, it } from 'vitest';
import type { PlannedProvider, ProviderSettings, RunPlan } from '../../src/core/plan.js';
import { estimateRequestCost, refuseUnbatchable, splitIntoParts } from '../../src/provider-batch/prepare.js';

const settings = (type: string, name = type): ProviderSettings => ({ name, type: type as ProviderSettings['type'], keySource: null, needsKey: true, keyVariables: [] });
const entry = (type: string): PlannedProvider => ({ provider: settings(type), model: 'm', retry: { retries: 0, minDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 5000, price: null });
const plan = (type: string, tools: RunPlan['tools'] = null): RunPlan => ({ agent: 'bot', chain: [entry(type)], request: { messages: [{ role: 'user', content: 'x' }] }, stream: false, maxSteps: 5, maxCost: null, input: 'x', log: true, tools });
const tools = (builtins: string[], mcpServers: Record<string, { command: string }> = {}) => ({ builtins, mcpServers, allow: [], shell: false, workspace: '/w', configDir: '/w', protect: { folders: [], files: [] }, networkAllow: [], sandbox: false as const });

describe('before a provider batch', () => {
  it('takes one-call agents on openai, anthropic and gemini, and refuses the rest with the reason (exit 2)', () => {
    expect(refuseUnbatchable(plan('openai'))).toBe('openai');
    expect(refuseUnbatchable(plan('anthropic', tools([])))).toBe('anthropic');
    expect(refuseUnbatchable(plan('gemini'))).toBe('gemini');
    expect(() => refuseUnbatchable(plan('openai', tools(['read_file'])))).toThrow(/uses tools \(read_file\): a provider batch runs each item as one model call/);
    expect(() => refuseUnbatchable(plan('openai', tools([], { docs: { command: 'x' } })))).toThrow(/MCP server "docs"/);
    for (const type of ['openai-compatible', 'mock']) {
      try {
        refuseUnbatchable(plan(type));
        expect.unreachable();
      } catch (error) {
        expect(error).toMatchObject({ code: 'usage', message: expect.stringContaining('has no batch engine') });
      }
    }
  });

  it('splits the items by the request count and the bytes a provider batch may hold, keeping their order', () => {
    const items = [0, 1, 2, 3, 4, 6, 9].map((index) => ({ index, bytes: 40 }));
    expect(splitIntoParts(items, { maxRequests: 3, maxBytes: 1000 })).toEqual([[0, 1, 2], [3, 4, 6], [9]]);
    expect(splitIntoParts(items, { maxRequests: 100, maxBytes: 100 })).toEqual([[0, 1], [2, 3], [4, 6], [9]]);
    expect(splitIntoParts([], { maxRequests: 3, maxBytes: 100 })).toEqual([]);
    expect(() => splitIntoParts([{ index: 5, bytes: 101 }], { maxRequests: 3, maxBytes: 100 })).toThrow(/item 5 alone is 101 bytes/);
  });

  it('estimates a request at about four characters a token and its maxTokens of answer', () => {
    const price = { input: 1, output: 2 };
    expect(estimateRequestCost({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(4000) }], maxTokens: 500 }, price)).toBeCloseTo((1000 * 1 + 500 * 2) / 1e6);
    expect(estimateRequestCost({ model: 'm', system: 'y'.repeat(400), messages: [{ role: 'user', content: '' }] }, price)).toBeCloseTo((100 + 1024 * 2) / 1e6);
  });
});
