/**
 * `--max-cost` across a batch (CONTRACT §14): an item does not start once what the batch spent
 * plus the estimated cost of the items running (this one included) would pass the budget. An
 * item is estimated as a run's budget check estimates a turn (CONTRACT §7): its request's size at
 * about four characters a token, and the output the finished items gave on average.
 */
import type { ModelPrice } from '../core/config.js';

const CHARS_PER_TOKEN = 4;

export class BatchBudget {
  private spent = 0;
  private readonly running = new Map<number, number>();
  private outputTokens = 0;
  private finished = 0;

  constructor(readonly maxCost: number | null) {}

  get spentUsd(): number {
    return this.spent;
  }

  /** Whether an item whose request is `characters` long may start; if so it counts as running. */
  tryStart(index: number, price: ModelPrice | null, characters: number): boolean {
    if (this.maxCost === null) return true;
    const averageOutput = this.finished === 0 ? 0 : this.outputTokens / this.finished;
    const estimate = price ? ((characters / CHARS_PER_TOKEN) * price.input + averageOutput * price.output) / 1_000_000 : 0;
    let committed = this.spent + estimate;
    for (const cost of this.running.values()) committed += cost;
    if (committed > this.maxCost) return false;
    this.running.set(index, estimate);
    return true;
  }

  /** An item ended (or was aborted): its real cost replaces its estimate. */
  finish(index: number, costUsd: number | null, outputTokens: number | null): void {
    this.running.delete(index);
    this.spent += costUsd ?? 0;
    if (outputTokens !== null) {
      this.outputTokens += outputTokens;
      this.finished++;
    }
  }
}
