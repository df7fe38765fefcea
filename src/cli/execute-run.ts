import { relative, resolve } from 'node:path';
import { DEFAULTS } from '../config/builtins.js';
import { buildPlan, type RunFlags } from '../config/build-plan.js';
import type { LoadedAgent, LoadedProject } from '../config/load.js';
import { credentialReader } from '../config/resolve-provider.js';
import { isLoomError } from '../core/errors.js';
import type { RunPlan } from '../core/plan.js';
import { runOnce } from '../engine/run-once.js';
import { fixtureModeOf } from '../fixtures/mode.js';
import type { FixtureMode, FixtureOptions } from '../fixtures/options.js';
import { RunRenderer, type OutputMode } from '../output/render-run.js';
import { cacheDir, stateDir } from '../state/paths.js';
import { appendRunLog, type RunLogEntry } from '../state/run-log.js';
import { approvalPrompt, holdableSpinner, type HoldableSpinner } from './approval-prompt.js';
import type { CommandContext } from './context.js';
import { printDryRun } from './dry-run.js';

export interface ExecuteRunOptions {
  mode: OutputMode;
  dryRun?: boolean;
  /** --yes: approve tool calls that need approval. */
  yes?: boolean;
  /** `--replay`, `--record`, `--rerecord`, `--cache` or LOOM_FIXTURES (CONTRACT §12); default off. */
  fixtures?: FixtureMode;
}

/** What `ask` and `run` share once they have gathered their flags: plan, run (shown as it goes), log. */
export async function executeRun(ctx: CommandContext, project: LoadedProject, agent: LoadedAgent | undefined, flags: RunFlags, options: ExecuteRunOptions): Promise<number> {
  const { mode } = options;
  const fixtureMode = options.fixtures ?? 'off';
  let plan: RunPlan;
  try {
    // Under replay no key is needed, and whether one is set never changes the plan (CONTRACT §19).
    plan = await buildPlan(project, agent, { ...flags, replay: fixtureMode === 'replay' });
  } catch (error) {
    failBeforeRun(ctx, mode, agent?.name ?? null, error);
  }
  for (const warning of plan.warnings ?? []) ctx.io.warn(warning);
  if (options.dryRun) return printDryRun(ctx, plan);
  const fixtures = fixtureOptions(ctx, project, agent, fixtureMode);
  if (fixtures && fixtures.mode !== 'replay' && !plan.log) {
    const who = agent ? `agent "${agent.name}" has` : 'the project has';
    ctx.io.notice(`${who} "log": false, but fixtures hold the input and output of the calls they record (${relativeTo(project.rootDir, fixtures.dir)})`);
  }

  let held: HoldableSpinner | undefined;
  const renderer = await RunRenderer.start(ctx.io, mode, ctx.env, {
    structured: plan.request.responseSchema !== undefined,
    wrapSpinner: (spinner) => (held = holdableSpinner(spinner)),
  });
  try {
    const outcome = await runOnce(plan, {
      signal: ctx.signal,
      textReachesUser: mode !== 'json',
      // Keys are read when a provider builds its client, from the loaded config then the environment.
      credentials: credentialReader(project.raw, project.env),
      onEvent: renderer.handle,
      secrets: ctx.io.secrets,
      ...(fixtures ? { fixtures } : {}),
      tools: {
        env: ctx.env,
        yes: options.yes === true,
        approve: approvalPrompt(ctx, () => held),
        warn: (message) => ctx.io.warn(message),
        context: agent ? [JSON.stringify(agent.raw)] : [],
      },
    });
    if (outcome.logEntry) await writeLog(ctx, project, outcome.logEntry);
    return outcome.exitCode;
  } finally {
    renderer.close();
  }
}

/** Appends a run's line to the run log, redacted; a log that cannot be written is a warning, not a failed run. */
export async function writeLog(ctx: CommandContext, project: LoadedProject, entry: RunLogEntry): Promise<void> {
  try {
    await appendRunLog(stateDir(project, ctx.env), ctx.io.secrets.redactValue(entry));
  } catch (error) {
    ctx.io.warn(`could not write the run log: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * A failure before anything was sent (a usage or config error): a --json caller still gets its
 * one document on stdout, a --jsonl caller its `error` event; the error itself is rethrown for
 * the one-line message and the exit code.
 */
export function failBeforeRun(ctx: CommandContext, mode: OutputMode, agent: string | null, error: unknown): never {
  if (isLoomError(error) && mode !== 'text') {
    const info = { code: error.code, message: error.message, provider: error.provider ?? null, status: null };
    if (mode === 'jsonl') ctx.io.jsonLine({ type: 'error', error: info });
    else ctx.io.json({ ok: false, agent, error: info, replayed: false });
  }
  throw error;
}

/** Where a run's fixtures live: `fixturesDir` (default `loom-fixtures/` beside the config), `.loom/cache/` for `--cache`. */
export function fixtureOptions(ctx: CommandContext, project: LoadedProject, agent: LoadedAgent | undefined, mode: FixtureMode): FixtureOptions | undefined {
  if (mode === 'off') return undefined;
  const dir = mode === 'cache' ? cacheDir(project, ctx.env) : resolve(project.rootDir, project.config.fixturesDir ?? DEFAULTS.fixturesDir);
  return { mode, dir, scope: agent?.name ?? '_ask', root: project.rootDir };
}

function relativeTo(root: string, path: string): string {
  const shown = relative(root, path);
  return shown === '' || shown.startsWith('..') ? path : `${shown}/`;
}

/** The fixture mode of `ask` and `run`: their flags, else LOOM_FIXTURES (a usage error when unknown). */
export const fixtureMode = (ctx: CommandContext, options: Record<string, unknown>): FixtureMode => fixtureModeOf(options, ctx.env);

/** The flags `ask` and `run` share, as the plan takes them (`input` and `vars` are each command's own). */
export function sharedRunFlags(options: Record<string, unknown>): Omit<RunFlags, 'input' | 'vars'> {
  return {
    provider: options.provider as string | undefined,
    model: options.model as string | undefined,
    system: options.system as string | undefined,
    temperature: options.temperature as number | undefined,
    maxTokens: options.maxTokens as number | undefined,
    stream: options.stream !== false,
    dryRun: options.dryRun === true,
  };
}

/** `--json`, `--jsonl` or text, from a command's options. */
export const outputMode = (options: Record<string, unknown>): OutputMode => (options.json === true ? 'json' : options.jsonl === true ? 'jsonl' : 'text');
