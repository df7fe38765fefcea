/**
 * One run of one test case (CONTRACT §13): its plan built from the agent and the case's input and
 * vars, run through `runOnce` with the suite's fixture mode, its tool calls gathered, and its
 * assertions (judges included) checked. A run that could not complete for reasons outside the
 * agent is `errored`; one that ended in an outcome of the agent's own (`max_steps`, a refusal …)
 * `completed`, and its assertions decide.
 */
import type { CredentialReader, TestAssertion } from '../core/config.js';
import { toLoomError, type ErrorCode } from '../core/errors.js';
import type { KnownSecrets } from '../core/secrets.js';
import { buildPlan } from '../config/build-plan.js';
import type { LoadedAgent, LoadedProject } from '../config/load.js';
import type { EngineEvent, FinalEvent } from '../engine/execute-plan.js';
import { runOnce } from '../engine/run-once.js';
import type { FixtureMode, FixtureOptions } from '../fixtures/options.js';
import type { RunLogEntry } from '../state/run-log.js';
import { checkAssertion, type AssertionResult, type RunView } from './assertions.js';
import type { LoadedCase } from './cases.js';
import type { TestError } from './outcome.js';
import { JUDGE_SCHEMA, JUDGE_SYSTEM, judgeInput, judgeResult, type JudgeAssertion } from './judge.js';

/** Outcomes of the agent's own: the run completed, and the assertions say whether that was expected. */
const COMPLETED_FAILURES: ReadonlySet<ErrorCode> = new Set(['max_steps', 'budget_exceeded', 'output_invalid', 'refused', 'bad_request']);

export interface CaseSettings {
  project: LoadedProject;
  /** `off` (LOOM_FIXTURES=off): live, nothing recorded. */
  mode: FixtureMode;
  /** The project's fixtures folder, absolute. */
  fixturesDir: string;
  credentials: CredentialReader;
  secrets: KnownSecrets;
  env: NodeJS.ProcessEnv;
  /** `--yes`: tool calls that need approval are approved (else refused: there is nobody to ask). */
  yes: boolean;
  signal: AbortSignal;
}

export type CaseRun =
  | { status: 'completed'; assertions: AssertionResult[]; view: RunView; costUsd: number | null; durationMs: number; fixtures: string[]; logEntry: RunLogEntry | null }
  | { status: 'errored'; error: TestError; view: RunView | null; costUsd: number | null; durationMs: number; fixtures: string[]; logEntry: RunLogEntry | null }
  | { status: 'interrupted'; logEntry: RunLogEntry | null };

/** What a run is made of, for the fixtures it used and the tool calls the assertions look at. */
class RunWatch {
  readonly fixtures: string[] = [];
  recordedMs = 0;
  private readonly calls = new Map<string, { name: string; input: unknown; ok: boolean }>();

  readonly onEvent = (event: EngineEvent): void => {
    if (event.type === 'fixture') {
      this.fixtures.push(event.path);
      if (event.recordedMs !== undefined) this.recordedMs += event.recordedMs;
    } else if (event.type === 'tool_call') this.calls.set(event.id, { name: event.name, input: event.input, ok: false });
    else if (event.type === 'tool_result') {
      const call = this.calls.get(event.id);
      if (call) call.ok = event.ok;
    }
  };

  view(final: FinalEvent, structured: boolean): RunView {
    const replayed = final.replayed === true;
    return {
      ok: final.type === 'done',
      errorCode: final.type === 'error' ? final.error.code : null,
      text: final.text ?? '',
      output: final.output ?? null,
      structured,
      toolCalls: [...this.calls.values()],
      costUsd: final.costUsd ?? null,
      latencyMs: replayed ? this.recordedMs : (final.durationMs ?? 0),
      steps: final.steps ?? 0,
      replayed,
    };
  }
}

const fixturesFor = (settings: CaseSettings, agent: string, repeat: number | undefined, role?: 'judge'): { fixtures?: FixtureOptions } =>
  settings.mode === 'off'
    ? {}
    : {
        fixtures: {
          mode: settings.mode,
          dir: settings.fixturesDir,
          scope: agent,
          root: settings.project.rootDir,
          ...(repeat !== undefined ? { repeat } : {}),
          ...(role ? { role } : {}),
        },
      };

/** The error as a test reports it: the run's code and message, and a miss's details and hint. */
const testError = (error: TestError, message = error.message): TestError => ({
  code: error.code,
  message,
  ...(error.details && error.details.length > 0 ? { details: error.details } : {}),
  ...(error.hint ? { hint: error.hint } : {}),
});

const errored = (error: TestError, extra: { view?: RunView; costUsd?: number | null; durationMs?: number; fixtures?: string[]; logEntry?: RunLogEntry | null } = {}): CaseRun => ({
  status: 'errored',
  error,
  view: extra.view ?? null,
  costUsd: extra.costUsd ?? null,
  durationMs: extra.durationMs ?? 0,
  fixtures: extra.fixtures ?? [],
  logEntry: extra.logEntry ?? null,
});

/** One run of `test` (the `repeat`th under `--repeat`). */
export async function runCase(test: LoadedCase, agent: LoadedAgent, settings: CaseSettings, repeat?: number): Promise<CaseRun> {
  const replay = settings.mode === 'replay';
  let plan;
  try {
    plan = await buildPlan(settings.project, agent, { vars: test.vars, input: test.input, stream: false, replay });
  } catch (error) {
    // A missing variable or key, a provider that does not resolve: this case could not run.
    const failure = toLoomError(error);
    return errored(testError(failure));
  }
  const watch = new RunWatch();
  const outcome = await runOnce(plan, {
    textReachesUser: false,
    signal: settings.signal,
    credentials: settings.credentials,
    secrets: settings.secrets,
    ...fixturesFor(settings, agent.name, repeat),
    onEvent: watch.onEvent,
    tools: { env: settings.env, yes: settings.yes, context: [JSON.stringify(agent.raw)] },
  });
  const { final, logEntry } = outcome;
  const view = watch.view(final, plan.request.responseSchema !== undefined);
  const spent = { costUsd: view.costUsd, durationMs: final.durationMs ?? 0, fixtures: watch.fixtures, logEntry };
  if (final.type === 'error') {
    if (final.error.code === 'interrupted') return { status: 'interrupted', logEntry };
    if (!COMPLETED_FAILURES.has(final.error.code)) return errored(testError(final.error), { ...spent, view });
  }

  const assertions: AssertionResult[] = [];
  let costUsd = view.costUsd;
  for (const assertion of test.assert) {
    if (assertion.type !== 'judge') {
      assertions.push(await checkAssertion(assertion, view));
      continue;
    }
    const judged = await judge(assertion, test, agent, view, settings, repeat);
    if (judged.status === 'interrupted') return { status: 'interrupted', logEntry };
    watch.fixtures.push(...judged.fixtures);
    if (judged.costUsd !== null) costUsd = (costUsd ?? 0) + judged.costUsd;
    if (judged.status === 'errored') return errored(testError(judged.error, `the judge could not run: ${judged.error.message}`), { ...spent, view, costUsd });
    assertions.push(judged.result);
  }
  // A run that failed passes only where a `status` assertion expects it to.
  if (!view.ok && !test.assert.some((assertion: TestAssertion) => assertion.type === 'status')) {
    const error = final.type === 'error' ? final.error : undefined;
    assertions.unshift({ type: 'status', pass: false, message: `the run failed with ${view.errorCode}${error ? `: ${error.message}` : ''} (a "status" assertion can expect that)` });
  }
  return { status: 'completed', assertions, view, ...spent, costUsd: costUsd === null ? null : Math.round(costUsd * 1e8) / 1e8 };
}

type JudgeRun =
  | { status: 'judged'; result: AssertionResult; costUsd: number | null; fixtures: string[] }
  | { status: 'errored'; error: TestError; costUsd: number | null; fixtures: string[] }
  | { status: 'interrupted' };

/** The judge's own run: no agent, no tools, no log line; recorded and replayed as the agent's fixtures with `role: "judge"`. */
async function judge(assertion: JudgeAssertion, test: LoadedCase, agent: LoadedAgent, view: RunView, settings: CaseSettings, repeat: number | undefined): Promise<JudgeRun> {
  let plan;
  try {
    plan = await buildPlan(settings.project, undefined, {
      ...(assertion.provider !== undefined ? { provider: assertion.provider } : {}),
      system: JUDGE_SYSTEM,
      schema: JUDGE_SCHEMA as unknown as Record<string, unknown>,
      vars: {},
      input: judgeInput(assertion, test.input, view),
      stream: false,
      replay: settings.mode === 'replay',
    });
  } catch (error) {
    const failure = toLoomError(error);
    return { status: 'errored', error: testError(failure), costUsd: null, fixtures: [] };
  }
  const watch = new RunWatch();
  // The judge grades; it has no tools of the project's to call.
  const { final } = await runOnce(
    { ...plan, tools: null },
    {
      textReachesUser: false,
      signal: settings.signal,
      credentials: settings.credentials,
      secrets: settings.secrets,
      ...fixturesFor(settings, agent.name, repeat, 'judge'),
      onEvent: watch.onEvent,
    },
  );
  if (final.type === 'error' && final.error.code === 'interrupted') return { status: 'interrupted' };
  const costUsd = final.costUsd ?? null;
  if (final.type === 'error' && !COMPLETED_FAILURES.has(final.error.code)) return { status: 'errored', error: testError(final.error), costUsd, fixtures: watch.fixtures };
  return { status: 'judged', result: judgeResult(assertion, final), costUsd, fixtures: watch.fixtures };
}

