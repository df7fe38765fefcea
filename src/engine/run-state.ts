/**
 * Everything a run has produced so far, in one record the layers update: counters of requests
 * and fallbacks (retry, fallback), the turns (agent loop), and what the result or the partial
 * result of a failure is made of. The engine reads it once, at the end, for the `done` or
 * `error` event — nothing else holds run state.
 */
import { toLoomError, type LoomError } from '../core/errors.js';
import type { FullUsage, RunErrorInfo, RunResult, ToolCallSummary } from '../core/events.js';
import type { PlannedProvider, RunPlan } from '../core/plan.js';
import { costUsd, roundUsd } from '../providers/pricing.js';

const ZERO_USAGE: FullUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0 };

export class RunState {
  /** Requests made, across providers and retries. */
  attempts = 0;
  /** The providers that failed before the one in use, in order. */
  readonly fallbackFrom: string[] = [];
  /** Model turns taken. */
  steps = 0;
  readonly toolCalls: ToolCallSummary[] = [];
  /** The sum over turns; null while no turn has reported usage (unknown, not zero). */
  usage: FullUsage | null = null;
  /** null once any turn's cost is unknown. */
  costUsd: number | null = 0;
  /** The structured answer, once valid. */
  output: unknown = null;
  /** Model turns served from fixtures (CONTRACT §12): a run all of whose turns were is `replayed`. */
  replayedTurns = 0;

  /** The chain entry the latest request went to: after a failure, the one that failed last. */
  triedLast: PlannedProvider | undefined;
  /** The chain entry that answered the latest turn. */
  answeredBy: PlannedProvider | undefined;

  /** The text of the request in progress: when the run fails, the answer it broke off in. */
  attemptText = '';
  /** The text of the latest turn: the answer, once the run ends with one. */
  turnText = '';
  /** The last non-empty text a turn gave (a tool-call turn may say nothing). */
  lastWords = '';

  constructor(
    readonly plan: RunPlan,
    private readonly startedAt: number,
  ) {}

  /**
   * A turn answered by `entry`: its text and usage count. A turn served from a fixture counts the
   * cost that was recorded (CONTRACT §12: replayed runs report what was recorded).
   */
  addTurn(entry: PlannedProvider, text: string, usage: FullUsage | null, replayed?: { costUsd: number | null }): void {
    this.steps++;
    if (replayed) this.replayedTurns++;
    this.answeredBy = entry;
    this.turnText = text;
    if (text !== '') this.lastWords = text;
    if (!usage) {
      this.costUsd = null; // unknown, never 0
      return;
    }
    const sum = this.usage ?? ZERO_USAGE;
    this.usage = {
      inputTokens: sum.inputTokens + usage.inputTokens,
      outputTokens: sum.outputTokens + usage.outputTokens,
      cachedInputTokens: sum.cachedInputTokens + usage.cachedInputTokens,
      cacheWriteTokens: sum.cacheWriteTokens + usage.cacheWriteTokens,
    };
    const cost = replayed ? replayed.costUsd : costUsd(usage, entry.price);
    this.costUsd = this.costUsd === null || cost === null ? null : roundUsd(this.costUsd + cost);
  }

  /** The chain entry to name: who answered on success, who failed last on failure. */
  private named(answered: boolean): PlannedProvider {
    return (answered ? this.answeredBy : this.triedLast) ?? this.answeredBy ?? (this.plan.chain[0] as PlannedProvider);
  }

  private summary(answered: boolean, now: number): Omit<RunResult, 'text' | 'output'> {
    const entry = this.named(answered);
    return {
      agent: this.plan.agent,
      provider: entry.provider.name,
      model: entry.model,
      usage: this.usage,
      costUsd: this.steps > 0 ? this.costUsd : null,
      attempts: this.attempts,
      fallbackFrom: this.fallbackFrom,
      steps: this.steps,
      toolCalls: this.toolCalls,
      durationMs: Math.round(now - this.startedAt),
      replayed: this.steps > 0 && this.replayedTurns === this.steps,
    };
  }

  result(now: number): RunResult {
    return { ...this.summary(true, now), text: this.turnText, output: this.output };
  }

  /** The failure as the `error` event carries it, with the partial result. */
  failure(caught: unknown, now: number): { error: RunErrorInfo } & Partial<RunResult> {
    const provider = this.named(false).provider.name;
    const error: LoomError = toLoomError(caught, provider);
    // The partial answer: what the failing request had produced, else the last words a turn gave
    // (a run stopped by max_steps or a budget keeps `text`, empty if the model never said anything).
    const text = this.attemptText || this.lastWords;
    return {
      error: {
        code: error.code,
        message: error.message,
        provider: error.provider ?? provider,
        status: error.status ?? null,
        ...(error.hint ? { hint: error.hint } : {}),
        ...(error.details ? { details: [...error.details] } : {}),
      },
      ...this.summary(false, now),
      // A turn with no fixture was not served: the run was not replayed, however many turns before it were.
      ...(error.code === 'replay_miss' ? { replayed: false } : {}),
      ...(text || this.steps > 0 ? { text } : {}),
    };
  }
}
