/**
 * `loom test` on GitHub Actions (CONTRACT §13): with `GITHUB_ACTIONS=true`, at most ten
 * `::error file=…,line=…,title=…::` annotations for failed and errored tests (they mark the
 * test's line in the pull request), and a Markdown summary appended to `$GITHUB_STEP_SUMMARY`.
 */
import { appendFile } from 'node:fs/promises';
import { formatUsd } from '../output/summary.js';
import { visible, visibleText } from '../output/visible.js';
import type { TestOutcome, TestSummary } from './outcome.js';

export const MAX_ANNOTATIONS = 10;

/** Workflow-command escaping: data keeps its text; properties also escape `:` and `,`. */
const data = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const property = (text: string) => data(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** Why a test failed or errored, as its outcome says. */
function rawReason(outcome: TestOutcome): string {
  if (outcome.status === 'errored') return `${outcome.error?.code ?? 'error'}: ${outcome.error?.message ?? 'the test could not run'}`;
  const failed = outcome.assertions.find((assertion) => !assertion.pass);
  return failed ? `${failed.type}: ${failed.message}` : outcome.status;
}

/** Why a test failed or errored, in one line. It may quote the model or a provider: nothing in it acts on a terminal. */
export const reasonOf = (outcome: TestOutcome): string => visible(rawReason(outcome));

/** `agent › test`, as every report names a test. */
export const titleOf = (outcome: Pick<TestOutcome, 'agent' | 'name'>): string => visible(`${outcome.agent} › ${outcome.name}`);

export function annotations(outcomes: readonly TestOutcome[]): string[] {
  return outcomes
    .filter((outcome) => outcome.status === 'failed' || outcome.status === 'errored')
    .slice(0, MAX_ANNOTATIONS)
    .map((outcome) => `::error file=${property(outcome.file)},line=${outcome.line},title=${property(`${titleOf(outcome)} ${outcome.status}`)}::${data(visibleText(rawReason(outcome)))}`);
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function stepSummary(outcomes: readonly TestOutcome[], summary: TestSummary): string {
  const icon = { passed: '✅', failed: '❌', errored: '⚠️', skipped: '⏭️' } as const;
  const rows = outcomes.map((o) => `| ${icon[o.status]} ${o.status} | ${cell(o.agent)} | ${cell(o.name)} | ${o.status === 'failed' || o.status === 'errored' ? cell(reasonOf(o)) : ''} |`);
  const total = `${summary.passed} passed, ${summary.failed} failed, ${summary.errored} errored${summary.skipped ? `, ${summary.skipped} skipped` : ''} · $${formatUsd(summary.costUsd)} · ${(summary.durationMs / 1000).toFixed(1)}s`;
  return ['## loom test', '', total, '', '| status | agent | test | why |', '| --- | --- | --- | --- |', ...rows, ''].join('\n');
}

/** Appends the summary to `$GITHUB_STEP_SUMMARY` when the variable is set. */
export async function writeStepSummary(env: Readonly<Record<string, string | undefined>>, outcomes: readonly TestOutcome[], summary: TestSummary): Promise<void> {
  const path = env.GITHUB_STEP_SUMMARY;
  if (path) await appendFile(path, `${stepSummary(outcomes, summary)}\n`);
}
