/**
 * `loom test`'s report on stdout (CONTRACT §13): one line per test
 * (`✓ review › flags SQL injection  0.8s  $0.0040  replayed`), a failure followed by its first
 * failing assertion, expected against actual, then the closing line `N passed, N failed, N errored`
 * (`, N skipped`).
 */
import type { ChalkInstance } from 'chalk';
import { formatUsd } from '../output/summary.js';
import { visible } from '../output/visible.js';
import { reasonOf, titleOf } from './github.js';
import type { TestOutcome, TestSummary } from './outcome.js';

export function testLine(outcome: TestOutcome, color: ChalkInstance): string {
  const mark = { passed: color.green('✓'), failed: color.red('✗'), errored: color.yellow('!'), skipped: color.dim('-') }[outcome.status];
  const title = titleOf(outcome);
  if (outcome.status === 'skipped') return `${mark} ${title}  ${color.dim('skipped')}\n`;
  const facts = [`${(outcome.durationMs / 1000).toFixed(1)}s`, outcome.costUsd === null ? '' : `$${formatUsd(outcome.costUsd)}`, outcome.replayed ? 'replayed' : '', outcome.repeats ? `${outcome.repeats.passed}/${outcome.repeats.of} passed` : ''].filter(Boolean);
  const line = `${mark} ${title}  ${color.dim(facts.join('  '))}\n`;
  if (outcome.status === 'passed') return line;
  if (outcome.status === 'failed') return `${line}    ${reasonOf(outcome)}\n`;
  // A test that could not run: why, then what the error adds (a replay miss: the nearest fixture,
  // where the request differs, how to re-record).
  const details = (outcome.error?.details ?? []).map((detail) => `      ${visible(detail)}\n`).join('');
  const hint = outcome.error?.hint ? `    ${color.dim(`hint: ${visible(outcome.error.hint)}`)}\n` : '';
  return `${line}    ${color.yellow(reasonOf(outcome))}\n${details}${hint}`;
}

export function closingLine(summary: TestSummary): string {
  return `${summary.passed} passed, ${summary.failed} failed, ${summary.errored} errored${summary.skipped ? `, ${summary.skipped} skipped` : ''}\n`;
}
