/**
 * A whole `loom test` (CONTRACT §13): every case, `concurrency` runs at a time (each repeat is a
 * run of its own), each case's outcome reported in the order of the cases as soon as it and
 * those before it are done — so the report reads the same however the runs interleave. Ctrl-C
 * stops the queue: what finished is reported, the rest is not started.
 */
import PQueue from 'p-queue';
import type { LoadedAgent } from '../config/load.js';
import type { RunLogEntry } from '../state/run-log.js';
import type { LoadedCase } from './cases.js';
import type { TestOutcome } from './outcome.js';
import { runCase, type CaseRun, type CaseSettings } from './run-case.js';

/** A case to run, or one that cannot: its agent is broken (the outcome is errored with that problem). */
export interface PlannedTest {
  test: LoadedCase;
  agent: LoadedAgent | { broken: { code: string; message: string } };
}

export interface SuiteSettings extends CaseSettings {
  concurrency: number;
  /** `--repeat n`: each case runs n times, and each repeat number is part of its keys. */
  repeat?: number;
  /** `--pass-rate`: the share of a case's repeats that must pass (default 1). */
  passRate: number;
  /** Each outcome, in the order of the cases. */
  onOutcome?: (outcome: TestOutcome) => void;
  /** Each run's log line (CONTRACT §13: a run-log line per test). */
  writeLog?: (entry: RunLogEntry) => Promise<void>;
}

export interface SuiteResult {
  outcomes: TestOutcome[];
  /** Every fixture file a run was served from or recorded to (what `--prune` keeps). */
  usedFixtures: Set<string>;
  interrupted: boolean;
}

const base = (test: LoadedCase) => ({ agent: test.agent, name: test.name, file: test.file, line: test.line });

export async function runSuite(planned: readonly PlannedTest[], settings: SuiteSettings): Promise<SuiteResult> {
  const outcomes: (TestOutcome | undefined)[] = planned.map(() => undefined);
  const usedFixtures = new Set<string>();
  let interrupted = false;
  let reported = 0;
  const report = () => {
    // Not `onOutcome?.(outcomes[reported++])`: optional chaining would skip the increment too.
    for (; reported < outcomes.length && outcomes[reported]; reported++) settings.onOutcome?.(outcomes[reported]!);
  };

  const queue = new PQueue({ concurrency: Math.max(1, settings.concurrency) });
  const repeats = settings.repeat ?? 1;
  const tasks = planned.map(async (entry, index) => {
    const { test, agent } = entry;
    let outcome: TestOutcome | undefined;
    if (test.skip) outcome = { ...base(test), ...empty(), status: 'skipped' };
    else if ('broken' in agent) outcome = { ...base(test), ...empty(), status: 'errored', error: agent.broken };
    else {
      const numbers = Array.from({ length: repeats }, (_, i) => (settings.repeat === undefined ? undefined : i + 1));
      const runs = await Promise.all(numbers.map((repeat) => queue.add(async () => (interrupted || settings.signal.aborted ? undefined : runCase(test, agent, settings, repeat)))));
      for (const run of runs) {
        if (run && 'fixtures' in run) for (const path of run.fixtures) usedFixtures.add(path);
        if (run?.logEntry) await settings.writeLog?.(run.logEntry);
      }
      // Runs not started once the suite is interrupted come back undefined (the queue is not cleared:
      // a cleared task's promise would never settle).
      if (runs.some((run) => run === undefined || run.status === 'interrupted')) interrupted = true;
      else outcome = combine(test, runs as Exclude<CaseRun, { status: 'interrupted' }>[], settings);
    }
    outcomes[index] = outcome;
    if (outcome) report();
  });
  await Promise.all(tasks);
  return { outcomes: outcomes.filter((outcome): outcome is TestOutcome => outcome !== undefined), usedFixtures, interrupted };
}

const empty = () => ({ assertions: [], text: null, output: null, toolCalls: [], costUsd: null, durationMs: 0, replayed: false });

const passed = (run: Exclude<CaseRun, { status: 'interrupted' }>) => run.status === 'completed' && run.assertions.every((assertion) => assertion.pass);

/** The outcome of a case from its runs: errored if one could not run; else passed when enough repeats passed. */
function combine(test: LoadedCase, runs: Exclude<CaseRun, { status: 'interrupted' }>[], settings: SuiteSettings): TestOutcome {
  const failedRun = runs.find((run) => run.status === 'errored') ?? runs.find((run) => !passed(run));
  const shownRun = failedRun ?? runs[runs.length - 1]!;
  const view = shownRun.view;
  const costs = runs.map((run) => run.costUsd);
  const outcome: TestOutcome = {
    ...base(test),
    status: 'passed',
    assertions: shownRun.status === 'completed' ? shownRun.assertions : [],
    text: view?.text ?? null,
    output: view?.output ?? null,
    toolCalls: view?.toolCalls.map(({ name, ok }) => ({ name, ok })) ?? [],
    costUsd: costs.every((cost) => cost === null) ? null : Math.round(costs.reduce<number>((sum, cost) => sum + (cost ?? 0), 0) * 1e8) / 1e8,
    durationMs: runs.reduce((sum, run) => sum + run.durationMs, 0),
    replayed: runs.every((run) => run.view?.replayed === true),
  };
  const errored = runs.find((run) => run.status === 'errored');
  if (errored?.status === 'errored') return { ...outcome, status: 'errored', error: errored.error };
  const passes = runs.filter(passed).length;
  if (settings.repeat !== undefined) outcome.repeats = { passed: passes, of: runs.length };
  // Repeats pass as a whole when at least the pass rate of them did (CONTRACT §13: per test, default 1).
  return { ...outcome, status: passes >= Math.ceil(settings.passRate * runs.length - 1e-9) ? 'passed' : 'failed' };
}
