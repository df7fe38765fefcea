/**
 * A provider-batch item's answer becomes its result line through the run engine: the OpenAI
 * ChatCompletion a batch returns is mapped by the live provider's own mapper, then read as a
 * one-step run at the batch price.
 */
import { describe, expect, it } from 'vitest';
import type { ProviderEvent } from '../../src/core/messages.js';
import type { PlannedProvider, ProviderSettings, RunPlan } from '../../src/core/plan.js';
import { errorContext } from '../../src/providers/errors/context.js';
import { completionEvents } from '../../src/providers/openai/stream.js';
import { itemResultLine } from '../../src/provider-batch/item-result.js';
import { openaiWire } from '../support/fake-provider-server.js';

const provider: ProviderSettings = { name: 'openai', type: 'openai', keySource: null, needsKey: true, keyVariables: ['OPENAI_API_KEY'] };
const entry: PlannedProvider = { provider, model: 'gpt-5.4-mini', retry: { retries: 3, minDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 5000, price: { input: 0.75, output: 4.5 } };
const plan = (overrides: Partial<RunPlan> = {}): RunPlan => ({ agent: 'summarize', chain: [entry], request: { messages: [{ role: 'user', content: 'x' }] }, stream: false, maxSteps: 5, maxCost: null, input: 'x', log: true, tools: null, ...overrides });
const events = (text: string, usage = openaiWire.usage(1_000_000, 1_000_000)): ProviderEvent[] => [...completionEvents(openaiWire.completion({ text, usage }), errorContext(provider))];
const batch = { id: 'lb-20261204-231500-abcdef', remoteId: 'batch_abc' };
const context = (overrides: Partial<RunPlan> = {}) => ({ plan: plan(overrides), id: 'PR-1', batchPrice: { input: 0.375, output: 2.25 }, batch });

describe('a provider-batch item as a result line', () => {
  it('is a run result at the batch price, with the batch ids and no duration', async () => {
    const line = await itemResultLine({ index: 4, ok: true, events: events('Hello.') }, context());
    expect(line).toMatchObject({ index: 4, id: 'PR-1', ok: true, text: 'Hello.', error: null, provider: 'openai', model: 'gpt-5.4-mini', steps: 1, attempts: 1, durationMs: null, batch });
    expect(line.usage).toMatchObject({ inputTokens: 1_000_000, outputTokens: 1_000_000 });
    expect(line.costUsd).toBe(2.625);
  });

  it('checks structured output with no repair turn: an invalid answer is output_invalid', async () => {
    const schema = { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } };
    const good = await itemResultLine({ index: 0, ok: true, events: events('{"n": 3}') }, context({ request: { messages: [{ role: 'user', content: 'x' }], responseSchema: schema } }));
    expect(good).toMatchObject({ ok: true, output: { n: 3 } });
    const bad = await itemResultLine({ index: 1, ok: true, events: events('{"n": "three"}') }, context({ request: { messages: [{ role: 'user', content: 'x' }], responseSchema: schema } }));
    expect(bad).toMatchObject({ ok: false, error: { code: 'output_invalid' }, steps: 1 });
  });

  it('keeps a failed item failed, with its code and the batch ids', async () => {
    const line = await itemResultLine({ index: 2, ok: false, error: { code: 'batch_expired', message: 'the batch expired before this item ran', status: null } }, context());
    expect(line).toMatchObject({ index: 2, id: 'PR-1', ok: false, error: { code: 'batch_expired', provider: 'openai' }, model: 'gpt-5.4-mini', durationMs: null, batch });
  });
});
