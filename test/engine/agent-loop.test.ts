import { describe, expect, it } from 'vitest';
import type { PlannedProvider, ProviderSettings, RunPlan } from '../../src/core/plan.js';
import { planEvents, type EngineEvent } from '../../src/engine/execute-plan.js';
import { createMockProvider } from '../../src/providers/mock/index.js';
import type { MockReply } from '../../src/providers/mock/script.js';

const provider: ProviderSettings = { name: 'm', type: 'mock', keySource: null, needsKey: false, keyVariables: [] };
const entry: PlannedProvider = { provider, model: 'm', retry: { retries: 0, minDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 5000, price: { input: 0, output: 0 } };

async function run(replies: MockReply[], overrides: Partial<RunPlan>): Promise<EngineEvent[]> {
  const plan: RunPlan = { agent: null, chain: [entry], request: { messages: [{ role: 'user', content: 'go' }] }, stream: true, maxSteps: 10, maxCost: null, input: 'go', log: true, tools: null, ...overrides };
  const events: EngineEvent[] = [];
  for await (const event of planEvents(plan, { textReachesUser: true, createProvider: async () => createMockProvider(provider, replies) })) events.push(event);
  return events;
}

describe('structured output at the step limit', () => {
  it('an invalid answer on the last allowed turn is output_invalid (exit 3), not max_steps', async () => {
    const events = await run([{ text: 'not json' }, { text: '{"a":"x"}' }], { maxSteps: 1, request: { messages: [{ role: 'user', content: 'go' }], responseSchema: { type: 'object', required: ['a'] } } });
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'output_invalid', message: expect.stringContaining('maxSteps (1) leaves no turn to repair it') }, steps: 1 });
  });

  it('with a turn left, the repair turn is taken', async () => {
    const events = await run([{ text: 'not json' }, { text: '{"a":"x"}' }], { maxSteps: 2, request: { messages: [{ role: 'user', content: 'go' }], responseSchema: { type: 'object', required: ['a'] } } });
    expect(events.at(-1), JSON.stringify(events.at(-1))).toMatchObject({ type: 'done', output: { a: 'x' }, steps: 2 });
  });
});
