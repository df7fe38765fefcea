/**
 * One run of a plan, whole: the tools started (MCP servers only for agents that have them), the
 * engine run, the tools closed, and what the run comes to — its last event, its exit code and its
 * run-log line. The one call `ask` and `run` use, and `batch`, `test` and `chat` after them; how
 * the events are shown is the caller's (`onEvent`), as is writing the log line.
 */
import { EXIT_CODES, isLoomError } from '../core/errors.js';
import type { KnownSecrets } from '../core/secrets.js';
import type { RunPlan } from '../core/plan.js';
import type { FixtureOptions } from '../fixtures/options.js';
import type { FixtureSession } from '../fixtures/session.js';
import { logEntry, type RunLogEntry } from '../state/run-log.js';
import type { ApprovalRequest, ToolSet } from '../tools/index.js';
import type { McpSession } from '../tools/mcp/session.js';
import { executePlan, type EngineEvent, type EngineOptions, type FinalEvent } from './execute-plan.js';
import { chainRequest } from './fallback.js';
import { RunState } from './run-state.js';

/** What the tools of a plan start with, beyond the plan itself. */
export interface ToolSettings {
  /** Loom's environment: tools get it without any known secret. */
  env: NodeJS.ProcessEnv;
  /** `--yes`. */
  yes: boolean;
  /** Asks the user about a call that needs approval; absent: nobody to ask, and the call is refused. */
  approve?: (request: ApprovalRequest) => Promise<boolean>;
  /** Said once on stderr (an unsandboxed run_command). */
  warn?: (message: string) => void;
  /** Texts the run starts from besides the plan's own (the agent's config): URLs in them may be fetched. */
  context?: readonly string[];
  /** The plan's MCP servers, started once for many runs (`loom batch`): used, not started nor closed. */
  sharedMcp?: McpSession;
}

export interface RunDeps extends Omit<EngineOptions, 'tools' | 'fixtures'> {
  /**
   * Record or replay (CONTRACT §12): off when absent. Under `replay` no provider is made, no key
   * read and no MCP server started; the fixture code loads only when this is set.
   */
  fixtures?: FixtureOptions;
  /** Each event as it happens, for whoever shows the run. */
  onEvent?: (event: EngineEvent) => void;
  /** Every secret Loom knows: tools never read nor send one; the log's texts are redacted before they are cut. */
  secrets?: KnownSecrets;
  /** How the plan's tools start; or a tool set started already (tests). */
  tools?: ToolSettings | ToolSet;
}

export interface RunOutcome {
  final: FinalEvent;
  exitCode: number;
  /** The run-log line; null when the run stopped before it began on a usage or config error (CONTRACT §10). */
  logEntry: RunLogEntry | null;
}

const isToolSet = (tools: ToolSettings | ToolSet): tools is ToolSet => 'call' in tools;

export async function runOnce(plan: RunPlan, deps: RunDeps): Promise<RunOutcome> {
  const now = deps.now ?? Date.now;
  const time = new Date(now());
  const emit = deps.onEvent ?? (() => {});
  const outcome = (final: FinalEvent, logged = true): RunOutcome => ({
    final,
    exitCode: final.type === 'done' ? 0 : EXIT_CODES[final.error.code],
    logEntry: logged ? entryFor(plan, time, final, deps.secrets) : null,
  });

  let tools: ToolSet | undefined;
  let ownTools = false;
  let fixtures: FixtureSession | undefined;
  try {
    if (deps.fixtures) {
      const { FixtureSession } = await import('../fixtures/session.js');
      fixtures = await FixtureSession.create(deps.fixtures, { agent: plan.agent, secrets: deps.secrets, emit, now });
    }
    if (deps.tools && isToolSet(deps.tools)) tools = deps.tools;
    else if (plan.tools && deps.tools) {
      tools = await startTools(plan, deps.tools, deps, fixtures?.mode === 'replay');
      ownTools = true;
    }
    // The plan's MCP servers, as a run with these tool settings would start them (none without).
    if (fixtures) tools = await fixtures.tools(tools, deps.tools && !isToolSet(deps.tools) ? Object.keys(plan.tools?.mcpServers ?? {}) : []);
    if (fixtures?.mode === 'replay' && plan.auto) plan = await pickAuto(plan, tools, fixtures);
  } catch (error) {
    if (ownTools) await tools?.close();
    // A missing workspace or an MCP server that does not start: nothing was sent. Ctrl-C while
    // servers start is a run interrupted, and logged like one; a config error is not a run, a
    // tool list with no fixture is a failed one.
    const failed = new RunState(plan, time.getTime()).failure(error, now());
    // Not any provider's doing: none is named.
    const final: FinalEvent = { type: 'error', ...failed, error: { ...failed.error, provider: isLoomError(error) ? (error.provider ?? null) : null } };
    emit(final);
    return outcome(final, isLoomError(error) && (error.code === 'interrupted' || error.code === 'replay_miss'));
  }
  try {
    return outcome(await executePlan(plan, { ...deps, tools, fixtures }, emit));
  } finally {
    if (ownTools) await tools?.close();
  }
}

/**
 * `auto` under replay (CONTRACT §19): the first of its presets that has a fixture for the run's
 * first call becomes the primary — whether a key is set plays no part. With none, the first stays,
 * and its miss explains itself.
 */
async function pickAuto(plan: RunPlan, tools: ToolSet | undefined, fixtures: FixtureSession): Promise<RunPlan> {
  for (const candidate of plan.auto ?? []) {
    if (!(await fixtures.hasModelFixture(candidate, chainRequest(plan, candidate, plan.request.messages, tools?.specs)))) continue;
    const fallbacks = plan.chain.slice(1).filter((entry) => entry.provider.name !== candidate.provider.name);
    return { ...plan, chain: [candidate, ...fallbacks] };
  }
  return plan;
}

async function startTools(plan: RunPlan, settings: ToolSettings, deps: RunDeps, replay: boolean): Promise<ToolSet | undefined> {
  const toolPlan = plan.tools;
  if (!toolPlan) return undefined;
  const { createToolSet } = await import('../tools/index.js');
  return createToolSet({
    builtins: toolPlan.builtins,
    // Under replay no MCP server is started: their tools come from fixtures.
    mcpServers: replay ? {} : toolPlan.mcpServers,
    workspace: toolPlan.workspace,
    allow: toolPlan.allow,
    yes: settings.yes,
    shell: toolPlan.shell,
    approve: settings.approve,
    configDir: toolPlan.configDir,
    env: settings.env,
    secrets: deps.secrets,
    // URL provenance starts from what the run was given (CONTRACT §11).
    context: [plan.input ?? '', plan.request.system ?? '', ...plan.request.messages.map((message) => message.content), ...(settings.context ?? [])],
    protect: toolPlan.protect,
    networkAllow: toolPlan.networkAllow,
    // run_command's description (part of the request, and so of the key) states the configured
    // sandbox, not this machine's. Under replay nothing runs, so nothing is warned about.
    sandbox: toolPlan.sandbox,
    commandTimeoutMs: toolPlan.commandTimeoutMs,
    mcpCallTimeoutMs: toolPlan.mcpTimeoutMs,
    warn: replay ? undefined : settings.warn,
    signal: deps.signal,
    ...(settings.sharedMcp && !replay ? { sharedMcp: settings.sharedMcp } : {}),
  });
}

function entryFor(plan: RunPlan, time: Date, final: FinalEvent, secrets: KnownSecrets | undefined): RunLogEntry {
  const redact = secrets ? (text: string) => secrets.redact(text) : undefined;
  const common = { time, input: plan.input, keepText: plan.log, ...(redact ? { redact } : {}) };
  if (final.type === 'done') {
    const { type: _type, ...result } = final;
    return logEntry({ ...common, result });
  }
  const { type: _type, error, ...partial } = final;
  return logEntry({ ...common, failure: { ...error, partial } });
}
