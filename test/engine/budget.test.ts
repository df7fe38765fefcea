import { describe, expect, it } from 'vitest';
import { Budget } from '../../src/engine/budget.js';
import { LoomError } from '../../src/core/errors.js';

const price = { input: 1, output: 2 }; // USD per 1M tokens
const caught = (run: () => void): LoomError | undefined => {
  try {
    run();
  } catch (error) {
    return error as LoomError;
  }
  return undefined;
};

describe('budget', () => {
  it('stops right after a turn that passed it', () => {
    const budget = new Budget(1);
    budget.afterTurn(price, { inputTokens: 200_000, outputTokens: 100_000 }, 0); // $0.40
    expect(budget.spentUsd).toBeCloseTo(0.4);
    const error = caught(() => budget.afterTurn(price, { inputTokens: 400_000, outputTokens: 200_000 }, 0)); // +$0.80
    expect(error?.code).toBe('budget_exceeded');
    expect(error?.message).toBe('the run spent $1.2, more than its budget of $1');
  });

  it('does not start a turn whose estimate would pass it', () => {
    const budget = new Budget(0.001);
    // 8,000 characters ≈ 2,000 input tokens ≈ $0.002 at $1 per 1M.
    const error = caught(() => budget.beforeTurn(price, undefined, [{ role: 'user', content: 'x'.repeat(8000) }]));
    expect(error?.code).toBe('budget_exceeded');
    expect(error?.message).toMatch(/^the next turn would pass the budget of \$0\.001 \(spent \$0, next turn about \$0\.002/);
    expect(caught(() => new Budget(0.01).beforeTurn(price, undefined, [{ role: 'user', content: 'x'.repeat(8000) }]))).toBeUndefined();
  });

  it('counts a turn without reported usage by estimate, and says so', () => {
    const budget = new Budget(0.001);
    budget.beforeTurn(price, undefined, [{ role: 'user', content: 'x'.repeat(2000) }]); // ≈ 500 tokens: fine
    const error = caught(() => budget.afterTurn(price, null, 4 * 300_000)); // ≈ 300,000 output tokens
    expect(error?.message).toMatch(/^the run spent about \$0\.6/);
  });

  it('no budget, or no price: never stops', () => {
    const budget = new Budget(null);
    budget.beforeTurn(price, undefined, [{ role: 'user', content: 'x'.repeat(10_000_000) }]);
    budget.afterTurn(price, { inputTokens: 1e9, outputTokens: 1e9 }, 0);
    expect(caught(() => new Budget(0.01).beforeTurn(null, undefined, [{ role: 'user', content: 'x'.repeat(10_000_000) }]))).toBeUndefined();
  });
});
