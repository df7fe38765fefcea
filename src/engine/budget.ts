import type { ModelPrice } from '../core/config.js';
import { LoomError } from '../core/errors.js';
import { costUsd } from '../providers/pricing.js';
import type { Message, Usage } from '../core/messages.js';

/** A rough token count for text: about four characters a token across the major tokenizers. */
const CHARS_PER_TOKEN = 4;

/**
 * Spend across the turns of one run against `maxCost` (CONTRACT §7): a turn that would pass the
 * budget (estimated from the conversation's size and the last answer's length) is not started,
 * and a turn that did pass it ends the run.
 */
export class Budget {
  private spent = 0;
  /** Whether any turn's spend was estimated (no usage reported): messages then say "about". */
  private estimated = false;
  private lastOutputTokens = 0;
  /** The input of the latest turn, estimated before it was sent. */
  private inputTokensEstimate = 0;
  /** The size of what every request repeats, measured once. */
  private fixedCharacters: number | undefined;

  constructor(readonly maxCost: number | null) {}

  get spentUsd(): number {
    return this.spent;
  }

  /**
   * Throws `budget_exceeded` when the next turn would likely pass the budget. `fixed` is what
   * every request carries besides the conversation (tool definitions, the output schema).
   */
  beforeTurn(price: ModelPrice | null, system: string | undefined, messages: readonly Message[], fixed: readonly unknown[] = []): void {
    if (this.maxCost === null || price === null) return;
    this.fixedCharacters ??= fixed.reduce<number>((sum, value) => sum + (value === undefined ? 0 : JSON.stringify(value).length), 0);
    const characters =
      this.fixedCharacters +
      (system?.length ?? 0) +
      messages.reduce((sum, message) => sum + message.content.length + JSON.stringify('toolCalls' in message ? (message.toolCalls ?? []) : []).length, 0);
    this.inputTokensEstimate = characters / CHARS_PER_TOKEN;
    const estimate = this.spent + (this.inputTokensEstimate * price.input + this.lastOutputTokens * price.output) / 1_000_000;
    if (estimate > this.maxCost) {
      throw new LoomError('budget_exceeded', `the next turn would pass the budget of $${this.maxCost} (spent ${this.estimated ? 'about ' : ''}$${round(this.spent)}, next turn about $${round(estimate - this.spent)})`, {
        hint: 'raise --max-cost or "maxCost", or lower maxSteps',
      });
    }
  }

  /**
   * Records a finished turn; throws `budget_exceeded` when it passed the budget. A provider that
   * reports no usage does not make the turn free: it is counted as estimated (the request's size
   * measured before it, the answer's length).
   */
  afterTurn(price: ModelPrice | null, usage: Usage | null, answerCharacters: number): void {
    const tokens = usage ?? { inputTokens: this.inputTokensEstimate, outputTokens: answerCharacters / CHARS_PER_TOKEN };
    if (!usage) this.estimated = true;
    this.spent += costUsd(tokens, price) ?? 0;
    this.lastOutputTokens = tokens.outputTokens;
    if (this.maxCost !== null && this.spent > this.maxCost) {
      throw new LoomError('budget_exceeded', `the run spent ${this.estimated ? 'about ' : ''}$${round(this.spent)}, more than its budget of $${this.maxCost}`, { hint: 'raise --max-cost or "maxCost"' });
    }
  }
}

/** Two significant digits, without trailing zeros: $0, $0.002, $1.2. */
function round(usd: number): string {
  return String(Number(usd.toPrecision(2)));
}
