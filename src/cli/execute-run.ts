import { buildPlan, type RunFlags } from '../config/build-plan.js';
import type { LoadedAgent, LoadedProject } from '../config/load.js';
import { isLoomError } from '../core/errors.js';
import type { DryRunWire } from '../engine/dry-run-wire.js';
import type { RunPlan, ToolPlan } from '../core/plan.js';
import { sandboxKind } from '../tools/command-sandbox.js';
import type { ToolSet } from '../tools/index.js';
import { approvalPrompt, holdableSpinner, type HoldableSpinner } from './approval-prompt.js';
import { droppedSettingsWarning, runPlan } from '../engine/run.js';
import { renderRun, type OutputMode } from '../output/render-run.js';
import { displayUrl } from '../output/display-url.js';
import { stateDir } from '../state/paths.js';
import { appendRunLog, logEntry, type RunLogEntry } from '../state/run-log.js';
import type { CommandContext } from './context.js';

export interface RunCommandOptions {
  mode: OutputMode;
  dryRun?: boolean;
  /** --yes: approve tool calls that need approval. */
  yes?: boolean;
}

/** What `ask` and `run` share once they have gathered their flags: plan, run, render, log. */
export async function executeRun(ctx: CommandContext, project: LoadedProject, agent: LoadedAgent | undefined, flags: RunFlags, options: RunCommandOptions): Promise<number> {
  const { mode } = options;
  let plan: RunPlan;
  try {
    plan = await buildPlan(project, agent, flags);
  } catch (error) {
    failBeforeRun(ctx, mode, agent?.name ?? null, error);
  }

  for (const warning of plan.warnings ?? []) ctx.io.warn(warning);

  if (options.dryRun) {
    const dropped = plan.chain[0] && droppedSettingsWarning(plan, plan.chain[0]);
    if (dropped) ctx.io.warn(dropped);
    // The wire body for the first provider, beside the normalized request: no SDK, no key (CONTRACT §10).
    const { dryRunWire } = await import('../engine/dry-run-wire.js');
    ctx.io.json(dryRunView(plan, ctx.env, await dryRunWire(plan)));
    return 0;
  }

  const time = new Date();
  const redact = (text: string) => ctx.io.secrets.redact(text);
  let spinner: HoldableSpinner | undefined;
  let tools: ToolSet | undefined;
  try {
    tools = plan.tools ? await startTools(ctx, plan, plan.tools, agent, options.yes === true, () => spinner) : undefined;
  } catch (error) {
    // A missing workspace or an MCP server that does not start: nothing was sent, and a --json
    // caller still gets its one document. Ctrl-C while servers start is a run interrupted: logged.
    if (isLoomError(error) && error.code === 'interrupted') {
      const [primary] = plan.chain;
      const partial = { agent: plan.agent, provider: primary?.provider.name ?? '', model: primary?.model ?? '', durationMs: Date.now() - time.getTime() };
      await writeLog(ctx, project, logEntry({ time, input: plan.input, keepText: plan.log, redact, failure: { code: error.code, message: error.message, provider: null, status: null, partial } }));
    }
    failBeforeRun(ctx, mode, plan.agent, error);
  }
  let outcome;
  try {
    const events = runPlan(plan, { signal: ctx.signal, streamsToUser: mode !== 'json', tools });
    outcome = await renderRun(events, ctx.io, mode, ctx.env, { structured: plan.request.responseSchema !== undefined, onSpinner: (started) => (spinner = holdableSpinner(started)) });
  } finally {
    await tools?.close();
  }
  await writeLog(ctx, project, logEntry({ time, input: plan.input, keepText: plan.log, redact, result: outcome.result, failure: outcome.failure }));
  return outcome.exitCode;
}

async function writeLog(ctx: CommandContext, project: LoadedProject, entry: RunLogEntry): Promise<void> {
  try {
    await appendRunLog(stateDir(project, ctx.env), ctx.io.secrets.redactValue(entry));
  } catch (error) {
    ctx.io.warn(`could not write the run log: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * A failure before anything was sent (a usage or config error): a --json caller still gets its
 * one document on stdout; the error itself is rethrown for the one-line message and exit code.
 */
export function failBeforeRun(ctx: CommandContext, mode: OutputMode, agent: string | null, error: unknown): never {
  if (isLoomError(error) && mode !== 'text') {
    const info = { code: error.code, message: error.message, provider: error.provider ?? null, status: null };
    // --jsonl still ends with its `error` event; --json still gets its one document.
    if (mode === 'jsonl') ctx.io.jsonLine({ type: 'error', error: info });
    else ctx.io.json({ ok: false, agent, error: info });
  }
  throw error;
}

/** `--json`, `--jsonl` or text, from a command's options. */
export const outputMode = (options: Record<string, unknown>): OutputMode => (options.json === true ? 'json' : options.jsonl === true ? 'jsonl' : 'text');

/** Starts the agent's tools; MCP servers start here, and only for agents that have them. */
async function startTools(ctx: CommandContext, plan: RunPlan, tools: ToolPlan, agent: LoadedAgent | undefined, yes: boolean, spinner: () => HoldableSpinner | undefined): Promise<ToolSet> {
  const { createToolSet } = await import('../tools/index.js');
  return createToolSet({
    builtins: tools.builtins,
    mcpServers: tools.mcpServers,
    workspace: tools.workspace,
    allow: tools.allow,
    yes,
    shell: tools.shell,
    approve: approvalPrompt(ctx, spinner),
    configDir: tools.configDir,
    env: ctx.env,
    // No tool reads a file holding a key, nor sends one anywhere; their results are redacted.
    secrets: ctx.io.secrets,
    context: [plan.input ?? '', plan.request.system ?? '', ...plan.request.messages.map((message) => message.content), agent ? JSON.stringify(agent.raw) : ''],
    protect: tools.protect,
    networkAllow: tools.networkAllow,
    sandbox: tools.sandbox,
    commandTimeoutMs: tools.commandTimeoutMs,
    mcpCallTimeoutMs: tools.mcpTimeoutMs,
    warn: (message) => ctx.io.warn(message),
    signal: ctx.signal,
  });
}

/** The provider chain and the request: what would be sent, and to whom (keys are redacted on output). */
function dryRunView(plan: RunPlan, env: NodeJS.ProcessEnv, wire: DryRunWire) {
  return {
    agent: plan.agent,
    providers: plan.chain.map((step) => ({
      name: step.provider.name,
      type: step.provider.type,
      model: step.model,
      baseUrl: displayUrl(step.provider.baseUrl) ?? null,
      keySet: step.provider.apiKey !== undefined,
      keySource: step.provider.keySource,
      retry: step.retry,
      timeoutMs: step.timeoutMs,
      ...(step.params ? { params: step.params } : {}),
      ...(step.unusable ? { skipped: step.unusable } : {}),
    })),
    request: { model: plan.chain[0]?.model, ...plan.request, stream: plan.stream },
    ...wire,
    maxSteps: plan.maxSteps,
    maxCost: plan.maxCost,
    tools: plan.tools,
    // How run_command would run: in bubblewrap, or unsandboxed (off, unavailable, or no run_command).
    sandbox: sandboxKind(plan.tools, env),
  };
}
