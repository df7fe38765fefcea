/**
 * The connection to one MCP server, by its config: a child process over stdio, or streamable HTTP.
 *
 * A stdio server gets a minimal environment (PATH, HOME, … as the SDK chooses, plus locale and
 * TMPDIR), its config's `env` and its process marker (processes.ts) — not Loom's whole
 * environment, which holds provider keys. It runs in its `cwd` (relative to the config file's
 * folder), else in the workspace.
 */
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_INHERITED_ENV_VARS, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServerConfig, StdioMcpServer } from '../../core/config.js';
import { LoomError } from '../../core/errors.js';
import { MARKER_VARIABLE, type ProcessRun } from '../processes.js';

const EXTRA_INHERITED_ENV_VARS = ['TMPDIR', 'TEMP', 'TMP', 'LANG', 'LC_ALL', 'LC_CTYPE'];

export const isStdio = (config: McpServerConfig): config is StdioMcpServer => 'command' in config;

export interface TransportOptions {
  /** For a relative `cwd`. */
  configDir: string;
  /** A stdio server's cwd when its config gives none. */
  workspace: string;
  /** The base environment of a stdio server (already without known secrets). */
  env: NodeJS.ProcessEnv;
  processes: ProcessRun;
  /** The server's own `LOOM_PROCESS_MARKER`. */
  marker: string;
  /** Told the process id as soon as a stdio server is spawned. */
  onSpawn(pid: number): void;
  /** Each chunk a stdio server writes to its stderr. */
  onStderr(text: string): void;
}

/** The SDK's stdio transport, telling its process id as soon as the process is spawned. */
class SpawnReportingTransport extends StdioClientTransport {
  onSpawn?: (pid: number) => void;

  override async start(): Promise<void> {
    await super.start();
    if (this.pid !== null) this.onSpawn?.(this.pid);
  }
}

const isDirectory = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** The transport for server `name`; a config error for a URL that is not one, or a cwd that does not exist. */
export function createTransport(name: string, config: McpServerConfig, options: TransportOptions): Transport {
  if (!isStdio(config)) {
    let url: URL;
    try {
      url = new URL(config.url);
    } catch {
      throw new LoomError('config_invalid', `MCP server "${name}": "url" is not a valid URL`, { hint: `check mcpServers.${name}.url` });
    }
    return new StreamableHTTPClientTransport(url, { requestInit: { headers: { ...config.headers } } });
  }
  const env: Record<string, string> = {};
  for (const key of [...DEFAULT_INHERITED_ENV_VARS, ...EXTRA_INHERITED_ENV_VARS]) {
    const value = options.env[key];
    if (value !== undefined && !value.startsWith('()')) env[key] = value;
  }
  Object.assign(env, config.env, options.processes.env(options.marker, options.env[MARKER_VARIABLE]));
  const cwd = config.cwd === undefined ? options.workspace : isAbsolute(config.cwd) ? config.cwd : resolve(options.configDir, config.cwd);
  // spawn reports a missing cwd as ENOENT, like a missing command: tell them apart here.
  if (!isDirectory(cwd)) {
    throw new LoomError('config_invalid', `MCP server "${name}": its "cwd" ${cwd} is not a folder that exists`, {
      hint: `check mcpServers.${name}.cwd (a relative cwd is relative to the config file's folder)`,
    });
  }
  const transport = new SpawnReportingTransport({ command: config.command, args: config.args ?? [], env, cwd, stderr: 'pipe' });
  transport.onSpawn = options.onSpawn;
  transport.stderr?.on('data', (chunk: Buffer) => options.onStderr(chunk.toString('utf8')));
  return transport;
}
