import type { RunResult } from '../core/events.js';

/** `anthropic · claude-sonnet-5-5 · 12 in / 48 out · $0.0012 · 1.4s` */
export function summaryLine(result: RunResult): string {
  const cost = result.costUsd === null ? 'cost unknown' : `$${formatUsd(result.costUsd)}`;
  const parts = [
    result.provider,
    result.model,
    result.usage ? `${result.usage.inputTokens} in / ${result.usage.outputTokens} out` : 'tokens unknown',
    cost,
    `${(result.durationMs / 1000).toFixed(1)}s`,
  ];
  if (result.fallbackFrom.length > 0) parts.push(`after ${result.fallbackFrom.join(', ')}`);
  // Usage and cost are what was recorded; nothing was spent.
  if (result.replayed) parts.push('replayed');
  return parts.join(' · ');
}

/** Dollars as a person reads them: cents from a cent up, else two significant digits, never an exponent ($0.000034). */
export function formatUsd(value: number): string {
  if (value === 0) return '0';
  if (value >= 0.01) return value.toFixed(2);
  return value.toFixed(Math.min(20, 1 - Math.floor(Math.log10(value))));
}
