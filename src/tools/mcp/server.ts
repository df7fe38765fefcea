/**
 * One MCP server of a run: connects with the SDK's `Client`, lists its tools, calls them, and
 * stops it.
 *
 * - A server that stops during the run turns every later call of its tools into an error result
 *   saying so.
 * - `close()` ends a stdio server (stdin closed, then SIGTERM, then SIGKILL: stop.ts) and
 *   resolves once the process is gone; then whatever still carries the server's process marker
 *   (processes.ts) — a daemon it detached — is killed. The exit hook kills any left.
 * - A call has its time limit in all (the agent's `mcpTimeoutMs`), progress notifications or not.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import pkg from '../../../package.json' with { type: 'json' };
import type { McpServerConfig } from '../../core/config.js';
import { isObject } from '../../core/json.js';
import type { ToolResult } from '../define-tool.js';
import { LIMITS } from '../limits.js';
import { track, type ProcessRun } from '../processes.js';
import { STDERR_TAIL_CHARS, callErrorOutput, startError, stderrSuffix } from './errors.js';
import { formatContent } from './format.js';
import { stopServerProcess } from './stop.js';
import { createTransport, isStdio } from './transport.js';

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

export class McpServer {
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
  private closed?: Promise<void>;
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

  private get startTimeoutMs(): number {
    return this.options.startTimeoutMs ?? LIMITS.mcpStartTimeoutMs;
  }

  private get callTimeoutMs(): number {
    return this.options.callTimeoutMs ?? LIMITS.mcpCallTimeoutMs;
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
    const timeout = this.startTimeoutMs;
    try {
      const transport = createTransport(this.name, this.config, {
        configDir: this.options.configDir,
        workspace: this.options.workspace,
        env: this.options.env,
        processes: this.processes,
        marker: this.marker,
        onSpawn: (pid) => {
          this.pid = pid;
          this.forget = track(pid, false).forget;
        },
        onStderr: (text) => {
          this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS);
        },
      });
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
      throw startError(error, { name: this.name, config: this.config, startTimeoutMs: timeout, aborted: signal?.aborted === true, stderrTail: this.stderrTail });
    }
  }

  async call(tool: string, input: unknown, signal: AbortSignal | undefined): Promise<ToolResult> {
    if (this.stoppedEarly || this.closing || this.client === undefined) {
      return { ok: false, output: `MCP server "${this.name}" has stopped; its tools cannot be used in this run${stderrSuffix(this.stderrTail)}` };
    }
    if (input === undefined || input === null) input = {};
    if (!isObject(input)) return { ok: false, output: 'the arguments must be a JSON object' };
    let result: CallToolResult;
    try {
      result = (await this.client.callTool({ name: tool, arguments: input }, undefined, {
        signal,
        // One limit for the whole call: progress notifications do not extend it.
        timeout: this.callTimeoutMs,
      })) as CallToolResult;
    } catch (error) {
      if (signal?.aborted) return { ok: false, output: 'the call was aborted' };
      if (this.stoppedEarly) return { ok: false, output: `MCP server "${this.name}" stopped while running "${tool}"${stderrSuffix(this.stderrTail)}` };
      return { ok: false, output: callErrorOutput(error, this.name, tool, this.config, this.callTimeoutMs) };
    }
    return { ok: result.isError !== true, output: formatContent(result, this.options.redact) };
  }

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
    const closed = (client?.transport ? client.close() : transport?.close())?.catch(() => undefined);
    if (this.pid !== undefined && !this.hasExited) await stopServerProcess(this.pid, this.exited);
    if (isStdio(this.config)) await this.processes.stop(this.marker);
    await closed;
  }
}
