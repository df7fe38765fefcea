import { describe, expect, it } from 'vitest';
import { batchPriceFor, costUsd, priceFor } from '../../src/providers/pricing.js';

describe('pricing', () => {
  it('knows the contract\'s default models', () => {
    expect(priceFor('openai', 'gpt-5.4-mini')).toEqual({ input: 0.75, output: 4.5 });
    expect(priceFor('anthropic', 'claude-sonnet-5-5')).toEqual({ input: 2, output: 10 });
    expect(priceFor('anthropic', 'claude-haiku-5-5')).toEqual({ input: 0.1, output: 0.5 });
    expect(priceFor('gemini', 'gemini-3.5-flash')).toEqual({ input: 1.5, output: 9 });
  });

  it('finds snapshots, models/ prefixes and -latest aliases under their base name', () => {
    expect(priceFor('openai', 'gpt-4o-2024-08-06')).toEqual({ input: 2.5, output: 10 });
    expect(priceFor('anthropic', 'claude-sonnet-4-5-20250929')).toEqual({ input: 3, output: 15 });
    expect(priceFor('gemini', 'models/gemini-2.5-flash')).toEqual({ input: 0.3, output: 2.5 });
  });

  it('is null, never 0, for what it does not know', () => {
    expect(priceFor('openai', 'gpt-unknown')).toBeNull();
    expect(priceFor('openai-compatible', 'llama3.2', undefined, 'huggingface')).toBeNull();
    expect(priceFor('anthropic', 'gpt-5.4-mini')).toBeNull();
    expect(costUsd({ inputTokens: 10, outputTokens: 10 }, null)).toBeNull();
  });

  it('prices mock, ollama and lmstudio at 0', () => {
    expect(priceFor('mock', 'anything')).toEqual({ input: 0, output: 0 });
    expect(priceFor('openai-compatible', 'llama3.2', undefined, 'ollama')).toEqual({ input: 0, output: 0 });
    expect(priceFor('openai-compatible', 'qwen', undefined, 'lmstudio')).toEqual({ input: 0, output: 0 });
  });

  it('lets pricing overrides win', () => {
    expect(priceFor('openai', 'gpt-5.4-mini', { 'gpt-5.4-mini': { input: 1, output: 2 } })).toEqual({ input: 1, output: 2 });
    expect(priceFor('openai-compatible', 'my-model', { 'my-model': { input: 0.5, output: 0.5 } }, 'huggingface')).toEqual({ input: 0.5, output: 0.5 });
    expect(priceFor('openai-compatible', 'llama3.2', { 'llama3.2': { input: 1, output: 1 } }, 'ollama')).toEqual({ input: 1, output: 1 });
  });

  it('computes USD from usage', () => {
    expect(costUsd({ inputTokens: 1_000_000, outputTokens: 1_000_000 }, { input: 0.75, output: 4.5 })).toBe(5.25);
    expect(costUsd({ inputTokens: 1234, outputTokens: 56 }, { input: 2, output: 10 })).toBeCloseTo(0.003028, 10);
    expect(costUsd({ inputTokens: 5, outputTokens: 5 }, { input: 0, output: 0 })).toBe(0);
  });
});

describe('batch prices (CONTRACT §15)', () => {
  it('are half the standard price for the three batch engines, a pricing entry may set its own share, and the rest have none', () => {
    expect(batchPriceFor('openai', 'gpt-5.4-mini')).toEqual({ input: 0.375, output: 2.25 });
    expect(batchPriceFor('anthropic', 'claude-sonnet-5-5')).toEqual({ input: 1, output: 5 });
    expect(batchPriceFor('gemini', 'gemini-3.5-flash')).not.toBeNull();
    expect(batchPriceFor('openai', 'my-tuned', { 'my-tuned': { input: 2, output: 8, batch: 0.25 } })).toEqual({ input: 0.5, output: 2 });
    expect(batchPriceFor('openai', 'my-tuned', { 'my-tuned': { input: 2, output: 8 } })).toEqual({ input: 1, output: 4 });
    expect(batchPriceFor('openai-compatible', 'llama3.2', { 'llama3.2': { input: 1, output: 1 } })).toBeNull();
    expect(batchPriceFor('openai', 'no-such-model')).toBeNull();
  });
});
