/**
 * The tool set of one run: the agent's built-in tools and its MCP servers' tools behind one
 * `call`, with argument validation, workspace confinement and approval. The engine gives it each
 * tool call of the model and returns `output` to the model as the tool result — refusals, bad
 * arguments and tool failures included: `call` never throws for those.
 */
import { realpath, stat } from 'node:fs/promises';
import { BUILTIN_TOOLS, type McpServerConfig, type SandboxConfig } from '../core/config.js';
import { LoomError } from '../core/errors.js';
import type { ToolCall, ToolSpec } from '../core/messages.js';
import { KnownSecrets, withoutSecrets, type SecretForm } from '../core/secrets.js';
import { createApprover, type ApprovalRequest } from './approval.js';
import { builtinTools } from './builtins/index.js';
import { declaredSandbox, sandboxForTools } from './command-sandbox.js';
import { startRun } from './processes.js';
import { ToolError, type AnyTool, type ToolContext, type ToolResult } from './define-tool.js';
import type { McpSession } from './mcp/session.js';
import { protectedPaths } from './protected-paths.js';
import { createUrlContext } from './url-context.js';
import { dropNullOptionals, validateInput } from './validate-input.js';

export type { ApprovalRequest } from './approval.js';
export type { ToolResult } from './define-tool.js';

export interface ToolSetOptions {
  /** The agent's `tools`. */
  builtins: readonly string[];
  /** Project and agent servers, merged already. */
  mcpServers: Record<string, McpServerConfig>;
  /** Absolute; file tools are confined to it. */
  workspace: string;
  /** The agent's `allow`: "write_file", "write_file:docs/*.md", "run_command", "run_command:npm test", "fetch_url:docs.python.org". */
  allow: readonly string[];
  /** --yes approves what needs approval (not a protected path, not a URL without provenance). */
  yes: boolean;
  /** The agent's `shell`: run_command through `/bin/sh -c`. */
  shell: boolean;
  /** Asked when approval is needed and neither yes nor allow grants it; undefined = no terminal → refuse. */
  approve?: (request: ApprovalRequest) => Promise<boolean>;
  /** For a relative MCP `cwd`. */
  configDir: string;
  /** Loom's environment; tools and MCP servers get it without any known secret. */
  env: NodeJS.ProcessEnv;
  /** Every secret Loom knows: no tool reads a file holding one, no call may carry one out. */
  secrets?: KnownSecrets;
  /** The texts the run starts from (input, prompt, system, agent config): the first URLs fetch_url may use. */
  context?: readonly string[];
  /** Folders and files protected by location: the agents folder, the config file. */
  protect?: { folders: readonly string[]; files: readonly string[] };
  /** The project's `network.allow` entries (CONTRACT §11): exceptions to fetch_url's address guard. */
  networkAllow?: readonly string[];
  /** The agent's `sandbox`: true (default) runs commands in bubblewrap where it can run. */
  sandbox?: SandboxConfig;
  signal?: AbortSignal;
  /** run_command's timeout (default 60 s). */
  commandTimeoutMs?: number;
  /** fetch_url's timeout (default 30 s). */
  fetchTimeoutMs?: number;
  /** search_files' and list_files' time limit (default 10 s). */
  fileSearchTimeoutMs?: number;
  /** How long an MCP server may take to start (default 30 s). */
  mcpStartTimeoutMs?: number;
  /** How long an MCP tool call may take, progress or not (default 60 s; the agent's `mcpTimeoutMs`). */
  mcpCallTimeoutMs?: number;
  /** Told once when the agent has run_command, its sandbox is on and bubblewrap cannot run here. */
  warn?: (message: string) => void;
  /**
   * MCP servers started once for many runs (`loom batch`, CONTRACT §14): used instead of starting
   * `mcpServers`, and left running when this tool set closes — their owner closes them.
   */
  sharedMcp?: McpSession;
}

export interface ToolSet {
  /** Built-ins, then `<server>__<tool>` from MCP. */
  specs: ToolSpec[];
  /** The MCP part of `specs`: what a recording keeps as the servers' tool list (CONTRACT §12). */
  mcpSpecs?: ToolSpec[];
  /** Never throws for tool problems: refusals, bad arguments, tool errors all become `{ ok: false, output }`. */
  call(call: ToolCall, signal?: AbortSignal): Promise<ToolResult>;
  /** Stops the MCP servers and any command still running. Safe to call more than once. */
  close(): Promise<void>;
}

const ABORTED: ToolResult = { ok: false, output: 'the tool call was aborted' };

async function realWorkspace(workspace: string): Promise<string> {
  try {
    const real = await realpath(workspace);
    if ((await stat(real)).isDirectory()) return real;
  } catch {
    // reported below
  }
  throw new LoomError('config_invalid', `the workspace "${workspace}" is not a folder that exists`, { hint: 'pass an existing folder with --workspace' });
}

export async function createToolSet(options: ToolSetOptions): Promise<ToolSet> {
  const workspace = await realWorkspace(options.workspace);
  // Every process the tools start carries this run's marker; commands run in the sandbox where one can.
  const processes = startRun();
  const sandbox = sandboxForTools(options, workspace);
  const available = builtinTools({ sandbox, declaredSandbox: declaredSandbox(options.sandbox), processes, commandTimeoutMs: options.commandTimeoutMs, fetchTimeoutMs: options.fetchTimeoutMs, fileSearchTimeoutMs: options.fileSearchTimeoutMs });
  const builtins = new Map<string, AnyTool>();
  for (const name of options.builtins) {
    const tool = (available as Record<string, AnyTool | undefined>)[name];
    if (tool === undefined) {
      throw new LoomError('config_invalid', `unknown tool "${name}"`, { hint: `built-in tools: ${BUILTIN_TOOLS.join(', ')}; MCP tools come from "mcpServers"` });
    }
    builtins.set(name, tool);
  }

  // Aborted by close(): stops commands still running when the run ends.
  const closing = new AbortController();
  const runSignal = options.signal ? AbortSignal.any([options.signal, closing.signal]) : closing.signal;

  const secrets = options.secrets ?? new KnownSecrets();
  // What processes the tools start may see: no key, by name or by value.
  const toolEnv = withoutSecrets(options.env, secrets);

  let mcp: McpSession | undefined = options.sharedMcp;
  if (!mcp && Object.keys(options.mcpServers).length > 0) {
    const { startMcpServers } = await import('./mcp/session.js');
    mcp = await startMcpServers(options.mcpServers, {
      configDir: options.configDir,
      workspace,
      env: toolEnv,
      redact: (text) => secrets.redact(text),
      signal: options.signal,
      startTimeoutMs: options.mcpStartTimeoutMs,
      callTimeoutMs: options.mcpCallTimeoutMs,
      processes,
    });
  }

  const approve = createApprover(options);
  const urls = createUrlContext(options.context);
  const baseContext: Omit<ToolContext, 'signal'> = {
    workspace,
    workspaceAsGiven: options.workspace === workspace ? undefined : options.workspace,
    shell: options.shell,
    env: toolEnv,
    secrets,
    urls,
    protectedPaths: protectedPaths({ workspace, folders: options.protect?.folders ?? [], files: options.protect?.files ?? [] }),
    networkAllow: options.networkAllow ?? [],
  };

  async function callBuiltin(tool: AnyTool, rawInput: unknown, signal: AbortSignal): Promise<ToolResult> {
    // No arguments at all (an empty argument string from the model) means none: `{}`.
    const input = dropNullOptionals(tool.parameters, rawInput ?? {});
    const problems = await validateInput(tool.parameters, input);
    if (problems.length > 0) {
      return { ok: false, output: `invalid arguments for ${tool.name}:\n${problems.map((p) => `- ${p}`).join('\n')}` };
    }
    const ctx: ToolContext = { ...baseContext, signal };
    const gate = await tool.prepare(ctx, input);
    if (gate.kind === 'approval') {
      const decision = await approve(tool.name, gate, input);
      if (!decision.approved) return { ok: false, output: decision.reason };
      signal.throwIfAborted();
    }
    const result = await tool.execute(ctx, input, gate);
    return typeof result === 'string' ? { ok: true, output: result } : result;
  }

  async function callAny(call: ToolCall, signal: AbortSignal): Promise<ToolResult> {
    const carried = carriedSecret(call.input, secrets);
    if (carried !== undefined) {
      return { ok: false, output: `refused: the arguments of ${call.name} carry a secret Loom knows (${carried}); no tool call may send a key anywhere` };
    }
    const tool = builtins.get(call.name);
    if (tool !== undefined) return callBuiltin(tool, call.input, signal);
    if (mcp?.has(call.name)) {
      const result = await mcp.call(call.name, call.input, signal);
      return signal.aborted ? ABORTED : result;
    }
    const names = [...builtins.keys(), ...(mcp?.specs.map((spec) => spec.name) ?? [])];
    return { ok: false, output: `unknown tool "${call.name}"; the tools available are: ${names.join(', ') || 'none'}` };
  }

  let closed: Promise<void> | undefined;

  return {
    specs: [
      ...[...builtins.values()].map((tool) => ({ name: tool.name, description: tool.description, parameters: tool.parameters })),
      ...(mcp?.specs ?? []),
    ],
    mcpSpecs: mcp?.specs ?? [],

    async call(call, signal) {
      const combined = signal ? AbortSignal.any([signal, runSignal]) : runSignal;
      if (combined.aborted) return ABORTED;
      let result: ToolResult;
      try {
        result = await callAny(call, combined);
      } catch (error) {
        if (combined.aborted) return ABORTED;
        const message = error instanceof ToolError ? error.message : `${call.name} failed: ${error instanceof Error ? error.message : String(error)}`;
        result = { ok: false, output: message };
      }
      // Tools redact before they cut; this catches what an error message or an MCP server said.
      const output = secrets.redact(result.output);
      // A URL in a tool result may be fetched later (search results, links of a fetched page).
      urls.addFrom(output);
      return { ok: result.ok, output };
    },

    close() {
      closed ??= (async () => {
        closing.abort(new Error('the tool set was closed'));
        if (!options.sharedMcp) await mcp?.close();
        // Whatever a command or a server left running, detached or not (CONTRACT §11 "Commands").
        await processes.end();
      })();
      return closed;
    },
  };
}

/** Whether any string of a call's arguments (keys included) carries a known secret, in any encoding. */
function carriedSecret(input: unknown, secrets: KnownSecrets, depth = 0): SecretForm | undefined {
  if (typeof input === 'string') return secrets.find(input);
  if (typeof input !== 'object' || input === null || depth > 64) return undefined;
  for (const [key, value] of Object.entries(input)) {
    const found = secrets.find(key) ?? carriedSecret(value, secrets, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
