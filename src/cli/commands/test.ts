import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULTS } from '../../config/builtins.js';
import { agentSecrets } from '../../config/config-secrets.js';
import { credentialReader } from '../../config/resolve-provider.js';
import { EXIT_CODES, LoomError } from '../../core/errors.js';
import { annotations, writeStepSummary } from '../../evals/github.js';
import { junitXml } from '../../evals/junit.js';
import { exitCodeOf, summarize, type TestOutcome } from '../../evals/outcome.js';
import { pruneFixtures } from '../../evals/prune.js';
import { closingLine, testLine } from '../../evals/report.js';
import { runSuite } from '../../evals/runner.js';
import { selectTests } from '../../evals/select.js';
import { fixtureModeOf } from '../../fixtures/mode.js';
import type { FixtureMode } from '../../fixtures/options.js';
import { cacheDir } from '../../state/paths.js';
import type { CommandContext, CommandFunction } from '../context.js';
import { writeLog } from '../execute-run.js';
import { openProject } from '../project.js';

/**
 * `loom test [agent...]` (CONTRACT §13): the agents' cases run (replayed by default on CI, else
 * recorded), one line each in the order of the cases, then the closing line; or one JSON document
 * under `--json`. Also a JUnit file, GitHub annotations and step summary, and `--prune`.
 */
const test: CommandFunction = async (ctx, args, options) => {
  const project = await openProject(ctx);
  const mode = testMode(ctx, options);
  const filter = filterOf(options.filter);
  if (options.prune === true && mode !== 'record' && mode !== 'rerecord') {
    throw new LoomError('usage', '--prune deletes the fixtures a recording run did not use, so it needs --record or --rerecord', { hint: `this run's mode is ${mode}` });
  }
  if (options.prune === true && filter) throw new LoomError('usage', '--prune and --filter cannot go together: the fixtures of the tests left out would be deleted', { hint: 'prune without --filter' });
  if (options.passRate !== undefined && options.repeat === undefined) throw new LoomError('usage', '--pass-rate needs --repeat', { hint: 'e.g. --repeat 5 --pass-rate 0.8' });

  const { planned, agents } = await selectTests(project, args, filter, ctx.cwd);
  for (const entry of planned) if (!('broken' in entry.agent)) for (const value of agentSecrets(entry.agent.raw, project.env)) ctx.io.secrets.add(value);
  const fixturesDir = mode === 'cache' ? cacheDir(project, ctx.env) : resolve(project.rootDir, project.config.fixturesDir ?? DEFAULTS.fixturesDir);
  noticeUnlogged(ctx, planned, mode);

  const json = options.json === true;
  const started = Date.now();
  const suite = await runSuite(planned, {
    project,
    mode,
    fixturesDir,
    credentials: credentialReader(project.raw, project.env),
    secrets: ctx.io.secrets,
    env: ctx.env,
    yes: options.yes === true,
    signal: ctx.signal,
    concurrency: options.concurrency as number,
    ...(options.repeat !== undefined ? { repeat: options.repeat as number } : {}),
    passRate: (options.passRate as number | undefined) ?? 1,
    onOutcome: json ? undefined : (outcome) => ctx.io.out(testLine(outcome, ctx.io.color.out)),
    writeLog: (entry) => writeLog(ctx, project, entry),
  });
  const { outcomes } = suite;
  const summary = summarize(outcomes, Date.now() - started);

  if (json) ctx.io.json({ ok: exitCodeOf(summary) === 0 && !suite.interrupted, summary, tests: outcomes });
  else ctx.io.out(closingLine(summary));
  await reportElsewhere(ctx, outcomes, summary, options);

  if (suite.interrupted) return EXIT_CODES.interrupted;
  if (options.prune === true) await prune(ctx, fixturesDir, agents, outcomes, suite.usedFixtures);
  return exitCodeOf(summary);
};

/** Flags, else LOOM_FIXTURES, else CONTRACT §13's default: replay on CI (nothing to spend, no key), record elsewhere. */
function testMode(ctx: CommandContext, options: Record<string, unknown>): FixtureMode {
  const mode = fixtureModeOf(options, ctx.env);
  if (mode !== 'off' || (ctx.env.LOOM_FIXTURES ?? '').trim() !== '') return mode;
  return onCi(ctx.env.CI) ? 'replay' : 'record';
}

/** `CI` set to anything but nothing, `false` or `0` (how some set-ups turn it off). */
const onCi = (value: string | undefined): boolean => value !== undefined && !['', 'false', '0'].includes(value.trim().toLowerCase());

function filterOf(value: unknown): RegExp | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return new RegExp(value);
  } catch (error) {
    throw new LoomError('usage', `--filter is no regular expression: ${(error as Error).message}`, { hint: 'e.g. --filter "^flags "' });
  }
}

function noticeUnlogged(ctx: CommandContext, planned: Awaited<ReturnType<typeof selectTests>>['planned'], mode: FixtureMode): void {
  if (mode === 'replay' || mode === 'off') return;
  const unlogged = new Set(planned.flatMap(({ agent }) => ('broken' in agent || agent.config.log !== false ? [] : [agent.name])));
  for (const name of unlogged) ctx.io.notice(`agent "${name}" has "log": false, but fixtures hold the input and output of the calls they record`);
}

/** The JUnit file, and on GitHub Actions the annotations (stderr under --json: stdout is the document) and the step summary. */
async function reportElsewhere(ctx: CommandContext, outcomes: TestOutcome[], summary: ReturnType<typeof summarize>, options: Record<string, unknown>): Promise<void> {
  if (typeof options.junit === 'string') {
    const path = resolve(ctx.cwd, options.junit);
    try {
      await writeFile(path, ctx.io.secrets.redact(junitXml(outcomes, summary.durationMs)));
    } catch (error) {
      throw new LoomError('output_error', `cannot write the JUnit report ${options.junit}: ${(error as Error).message}`);
    }
  }
  if (ctx.env.GITHUB_ACTIONS !== 'true') return;
  for (const line of annotations(outcomes)) {
    if (options.json === true) ctx.io.err(`${line}\n`);
    else ctx.io.out(`${line}\n`);
  }
  try {
    await writeStepSummary({ GITHUB_STEP_SUMMARY: ctx.env.GITHUB_STEP_SUMMARY }, outcomes, summary);
  } catch (error) {
    ctx.io.warn(`could not write the step summary: ${(error as Error).message}`);
  }
}

/** `--prune`: only agents whose every case ran and none errored (an errored run used only some of its fixtures). */
async function prune(ctx: CommandContext, dir: string, agents: string[], outcomes: TestOutcome[], used: ReadonlySet<string>): Promise<void> {
  const whole = agents.filter((agent) => !outcomes.some((outcome) => outcome.agent === agent && outcome.status === 'errored'));
  for (const agent of agents) if (!whole.includes(agent)) ctx.io.warn(`the fixtures of agent "${agent}" were not pruned: a test of it could not run`);
  const deleted = await pruneFixtures(dir, whole, used);
  ctx.io.notice(`pruned ${deleted.length} unused fixture${deleted.length === 1 ? '' : 's'}`);
  if (ctx.io.verbose) for (const path of deleted) ctx.io.notice(`deleted ${path}`);
}

export default test;
