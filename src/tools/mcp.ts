/**
 * MCP client: connects to an agent's MCP servers (stdio or streamable HTTP) with the SDK's
 * `Client`, lists their tools as `<server>__<tool>`, calls them, and stops them.
 *
 * - Servers start together; if one fails, the others are stopped and the failure names the server,
 *   with the end of its stderr.
 * - A stdio server gets a minimal environment (PATH, HOME, … as the SDK chooses, plus locale and
 *   TMPDIR) and its config's `env` — not Loom's whole environment, which holds provider keys.
 * - A server that stops during the run turns every later call of its tools into an error result
 *   saying so; other servers go on.
 * - `close()` ends each stdio server (stdin closed, then SIGTERM, then SIGKILL, as the SDK does)
 *   and resolves once the process is gone; then whatever still carries the server's process
 *   marker (processes.ts) — a daemon it detached — is killed. The exit hook kills any left.
 * - A call has 60 s (the agent's `mcpTimeoutMs`), progress notifications or not (CONTRACT §19).
 *
 * This module is imported only when an agent has MCP servers: the SDK is not loaded otherwise.
 */
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { DEFAULT_INHERITED_ENV_VARS, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type CallToolResult, type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import pkg from '../../package.json' with { type: 'json' };
import type { HttpMcpServer, McpServerConfig, StdioMcpServer } from '../core/config.js';
import { LoomError, isLoomError } from '../core/errors.js';
import type { ToolSpec } from '../core/messages.js';
import { MARKER_VARIABLE, processTree, startRun, track, type ProcessRun } from './processes.js';
import type { ToolResult } from './define-tool.js';
import { LIMITS } from './limits.js';

export interface McpOptions {
  configDir: string;
  workspace: string;
  /** The base environment of stdio servers (already without known secrets); each gets its own `env` on top. */
  env: NodeJS.ProcessEnv;
  /** Applied to a tool result before it is cut, so a cut never leaves part of a secret. */
  redact?: (text: string) => string;
  signal?: AbortSignal;
  /** How long a server may take to start and answer `initialize` (default LIMITS.mcpStartTimeoutMs). */
  startTimeoutMs?: number;
  /** How long a call may take, progress or not (default LIMITS.mcpCallTimeoutMs: 60 s). */
  callTimeoutMs?: number;
  /** The run whose process marker each stdio server carries (a run of its own when not given). */
  processes?: ProcessRun;
}

export interface McpSession {
  specs: ToolSpec[];
  has(name: string): boolean;
  call(name: string, input: unknown, signal?: AbortSignal): Promise<ToolResult>;
  close(): Promise<void>;
  /** Process ids of the running stdio servers, by server name (for tests and diagnostics). */
  pids(): Record<string, number>;
}

const EXTRA_INHERITED_ENV_VARS = ['TMPDIR', 'TEMP', 'TMP', 'LANG', 'LC_ALL', 'LC_CTYPE'];
const STDERR_TAIL_CHARS = 2000;

const isDirectory = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

const isStdio = (config: McpServerConfig): config is StdioMcpServer => 'command' in config;

/** Tool names providers accept: OpenAI's rule, the strictest (`^[a-zA-Z0-9_-]{1,64}$`). */
const toToolName = (server: string, tool: string): string => `${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);

/** The SDK's stdio transport, telling its process id as soon as the process is spawned. */
class SpawnReportingTransport extends StdioClientTransport {
  onSpawn?: (pid: number) => void;

  override async start(): Promise<void> {
    await super.start();
    if (this.pid !== null) this.onSpawn?.(this.pid);
  }
}

const settled = (promise: Promise<unknown> | undefined, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise?.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });

class Server {
  readonly tools: McpTool[] = [];
  private client?: Client;
  private transport?: Transport;
  private stderrTail = '';
  private closing = false;
  /** Set when the connection ended without `close()`. */
  private stoppedEarly = false;
  private pid?: number;
  private forget?: () => void;
  private hasExited = false;
  private exited?: Promise<void>;
  /** `LOOM_PROCESS_MARKER` of a stdio server and all it starts. */
  private readonly marker: string;

  constructor(
    readonly name: string,
    private readonly config: McpServerConfig,
    private readonly options: McpOptions,
    private readonly processes: ProcessRun,
  ) {
    this.marker = processes.marker('mcp');
  }

  get processId(): number | undefined {
    return this.stoppedEarly || this.closing ? undefined : this.pid;
  }

  /** The command or the URL, for messages — not the arguments, headers or query, which may hold keys. */
  private describeWhere(): string {
    if (isStdio(this.config)) return `"${this.config.command}"`;
    try {
      const url = new URL(this.config.url);
      return `${url.origin}${url.pathname}`;
    } catch {
      return 'an invalid URL';
    }
  }

  /** `text` with the configured URL (credentials, query) replaced by its safe form. */
  private withoutUrl(text: string): string {
    if (isStdio(this.config)) return text;
    const forms = [this.config.url];
    try {
      forms.push(new URL(this.config.url).href);
    } catch {
      // not a URL: only the literal form
    }
    for (const form of forms) text = text.split(form).join(this.describeWhere());
    return text;
  }

  stderr(): string {
    const tail = this.stderrTail.trim();
    return tail === '' ? '' : `; its stderr ended with:\n${tail}`;
  }

  private makeTransport(): Transport {
    const { config, options } = this;
    if (!isStdio(config)) {
      const http: HttpMcpServer = config;
      let url: URL;
      try {
        url = new URL(http.url);
      } catch {
        throw new LoomError('config_invalid', `MCP server "${this.name}": "url" is not a valid URL`, { hint: `check mcpServers.${this.name}.url` });
      }
      return new StreamableHTTPClientTransport(url, { requestInit: { headers: { ...http.headers } } });
    }
    const env: Record<string, string> = {};
    for (const key of [...DEFAULT_INHERITED_ENV_VARS, ...EXTRA_INHERITED_ENV_VARS]) {
      const value = options.env[key];
      if (value !== undefined && !value.startsWith('()')) env[key] = value;
    }
    Object.assign(env, config.env, this.processes.env(this.marker, options.env[MARKER_VARIABLE]));
    const cwd = config.cwd === undefined ? options.workspace : isAbsolute(config.cwd) ? config.cwd : resolve(options.configDir, config.cwd);
    // spawn reports a missing cwd as ENOENT, like a missing command: tell them apart here.
    if (!isDirectory(cwd)) {
      throw new LoomError('config_invalid', `MCP server "${this.name}": its "cwd" ${cwd} is not a folder that exists`, {
        hint: `check mcpServers.${this.name}.cwd (a relative cwd is relative to the config file's folder)`,
      });
    }
    const transport = new SpawnReportingTransport({ command: config.command, args: config.args ?? [], env, cwd, stderr: 'pipe' });
    transport.onSpawn = (pid) => {
      this.pid = pid;
      this.forget = track(pid, false).forget;
    };
    transport.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    return transport;
  }

  async start(signal: AbortSignal | undefined): Promise<void> {
    const client = new Client({ name: 'loom', version: pkg.version }, { capabilities: {} });
    this.client = client;
    client.onerror = () => {
      // Transport noise (a stray line on stdout, a dropped SSE stream): calls report what matters.
    };
    let notifyExit!: () => void;
    this.exited = new Promise((resolve) => (notifyExit = resolve));
    client.onclose = () => {
      this.forget?.();
      this.hasExited = true;
      notifyExit();
      if (!this.closing) this.stoppedEarly = true;
    };
    const timeout = this.options.startTimeoutMs ?? LIMITS.mcpStartTimeoutMs;
    try {
      const transport = this.makeTransport();
      this.transport = transport;
      await client.connect(transport, { signal, timeout });
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor === undefined ? undefined : { cursor }, { signal, timeout });
        this.tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor !== undefined);
    } catch (error) {
      // The process may be running even though the handshake failed.
      await this.close();
      throw this.startError(error, signal);
    }
  }

  private startError(error: unknown, signal: AbortSignal | undefined): LoomError {
    if (isLoomError(error)) return error;
    if (signal?.aborted) return new LoomError('interrupted', `MCP server "${this.name}": start interrupted`);
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as NodeJS.ErrnoException).code;
    let reason: string;
    let hint: string | undefined;
    if (isStdio(this.config) && code === 'ENOENT') {
      reason = `command not found: "${this.config.command}"`;
      hint = `check "command" of mcpServers.${this.name}: it must be a program on PATH or a path to one`;
    } else if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
      reason = `it did not answer within ${(this.options.startTimeoutMs ?? LIMITS.mcpStartTimeoutMs) / 1000} s`;
    } else if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
      reason = 'it exited before it was ready';
    } else {
      reason = message.replace(/^MCP error -?\d+: /, '');
      if (!isStdio(this.config)) reason = this.withoutUrl(reason);
    }
    // No `cause`: a spawn error carries the arguments, an HTTP error the URL — either may hold a key.
    return new LoomError('config_invalid', `MCP server "${this.name}" (${this.describeWhere()}) failed to start: ${reason}${this.stderr()}`, {
      hint: hint ?? `check mcpServers.${this.name} in the configuration`,
    });
  }

  async call(tool: string, input: unknown, signal: AbortSignal | undefined): Promise<ToolResult> {
    const stopped = () => ({ ok: false, output: `MCP server "${this.name}" has stopped; its tools cannot be used in this run${this.stderr()}` });
    if (this.stoppedEarly || this.closing || this.client === undefined) return stopped();
    if (input === undefined || input === null) input = {};
    if (typeof input !== 'object' || Array.isArray(input)) {
      return { ok: false, output: 'the arguments must be a JSON object' };
    }
    let result: CallToolResult;
    try {
      result = (await this.client.callTool({ name: tool, arguments: input as Record<string, unknown> }, undefined, {
        signal,
        // One limit for the whole call: progress notifications do not extend it.
        timeout: this.options.callTimeoutMs ?? LIMITS.mcpCallTimeoutMs,
      })) as CallToolResult;
    } catch (error) {
      if (signal?.aborted) return { ok: false, output: 'the call was aborted' };
      if (this.stoppedEarly) return { ok: false, output: `MCP server "${this.name}" stopped while running "${tool}"${this.stderr()}` };
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
        const seconds = (this.options.callTimeoutMs ?? LIMITS.mcpCallTimeoutMs) / 1000;
        return { ok: false, output: `MCP server "${this.name}", tool "${tool}": no answer within ${seconds} s; the call was cancelled` };
      }
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, output: `MCP server "${this.name}", tool "${tool}": ${this.withoutUrl(message)}` };
    }
    return { ok: result.isError !== true, output: formatContent(result, this.options.redact) };
  }

  private closed?: Promise<void>;

  close(): Promise<void> {
    this.closed ??= this.stop();
    return this.closed;
  }

  private async stop(): Promise<void> {
    this.closing = true;
    const { client, transport } = this;
    if (transport instanceof StreamableHTTPClientTransport) {
      await Promise.race([transport.terminateSession().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    // The SDK closes stdin, then waits 2 s before SIGTERM and 2 s more before SIGKILL, and does not
    // wait for that; when the handshake failed it has already begun on its own. Loom keeps the pid
    // from the spawn and escalates sooner itself, and waits until the process is gone.
    const closed = (client?.transport ? client.close() : transport?.close())?.catch(() => undefined);
    const pid = this.pid;
    if (pid !== undefined && !this.hasExited) {
      // Signals go to the server and the processes below it (a wrapper's child), gathered before
      // the first signal: once the wrapper is gone, its child is no longer below it.
      const tree = new Set<number>();
      for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
        const stopped = await settled(this.exited, 1000);
        for (const member of processTree(pid)) tree.add(member);
        if (stopped && tree.size === 1) break;
        for (const member of tree) {
          try {
            process.kill(member, signal);
          } catch {
            // gone
          }
        }
      }
      await settled(this.exited, 2000);
    }
    if (isStdio(this.config)) await this.processes.stop(this.marker);
    await closed;
  }
}

/** The tool's input schema without `$schema`, which some providers' schema subsets reject. */
function withoutSchemaKeyword(schema: McpTool['inputSchema']): Record<string, unknown> {
  const { $schema: _drop, ...rest } = schema as Record<string, unknown>;
  return rest;
}

/** Text for the model from a tool result: text parts joined, other parts described. */
export function formatContent(result: CallToolResult, redact: (text: string) => string = (text) => text): string {
  const parts: string[] = [];
  for (const item of result.content ?? []) {
    switch (item.type) {
      case 'text':
        parts.push(item.text);
        break;
      case 'image':
      case 'audio':
        parts.push(`[${item.type}: ${item.mimeType}, ${Math.floor((item.data.length * 3) / 4)} bytes, not shown]`);
        break;
      case 'resource': {
        const resource = item.resource as { uri: string; mimeType?: string; text?: string };
        parts.push(typeof resource.text === 'string' ? `[resource ${resource.uri}]\n${resource.text}` : `[resource ${resource.uri}${resource.mimeType ? ` (${resource.mimeType})` : ''}, binary, not shown]`);
        break;
      }
      case 'resource_link':
        parts.push(`[resource link: ${item.uri}${item.name ? ` (${item.name})` : ''}]`);
        break;
      default:
        parts.push(`[${(item as { type: string }).type} content, not shown]`);
    }
  }
  if (parts.length === 0 && result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent));
  let text = redact(parts.join('\n'));
  if (text.length > LIMITS.mcpOutputChars) {
    text = `${text.slice(0, LIMITS.mcpOutputChars)}\n[the result is ${text.length} characters; only the first ${LIMITS.mcpOutputChars} are shown]`;
  }
  return text === '' ? (result.isError ? 'the tool failed without a message' : '(no output)') : text;
}

/** Starts every server, lists their tools; throws a LoomError naming the server that failed. */
export async function startMcpServers(configs: Record<string, McpServerConfig>, options: McpOptions): Promise<McpSession> {
  const processes = options.processes ?? startRun();
  const servers = Object.entries(configs).map(([name, config]) => new Server(name, config, options, processes));
  const closeAll = () => Promise.all(servers.map((server) => server.close())).then(() => undefined);
  const started = await Promise.allSettled(servers.map((server) => server.start(options.signal)));
  const failures = started.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
  if (failures.length > 0) {
    await closeAll();
    const first = failures[0];
    if (failures.length > 1 && isLoomError(first) && failures.every((f) => isLoomError(f))) {
      throw new LoomError(first.code, (failures as LoomError[]).map((f) => f.message).join('\n'), { hint: first.hint });
    }
    throw first;
  }

  const byName = new Map<string, { server: Server; tool: string }>();
  const specs: ToolSpec[] = [];
  for (const server of servers) {
    for (const tool of server.tools) {
      if (tool.execution?.taskSupport === 'required') continue; // needs the experimental tasks API
      let name = toToolName(server.name, tool.name);
      for (let n = 2; byName.has(name); n++) name = `${toToolName(server.name, tool.name).slice(0, 60)}_${n}`;
      byName.set(name, { server, tool: tool.name });
      specs.push({
        name,
        description: tool.description ?? tool.title ?? `${tool.name} (MCP server "${server.name}")`,
        parameters: withoutSchemaKeyword(tool.inputSchema),
      });
    }
  }

  options.signal?.addEventListener('abort', () => void closeAll(), { once: true });

  return {
    specs,
    has: (name) => byName.has(name),
    async call(name, input, signal) {
      const entry = byName.get(name);
      if (entry === undefined) return { ok: false, output: `unknown tool "${name}"` };
      return entry.server.call(entry.tool, input, signal);
    },
    close: closeAll,
    pids() {
      const pids: Record<string, number> = {};
      for (const server of servers) if (server.processId !== undefined) pids[server.name] = server.processId;
      return pids;
    },
  };
}
