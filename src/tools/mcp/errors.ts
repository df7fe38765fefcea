/**
 * How an MCP server's failures are worded: naming the server and where it is — its command or
 * its URL's origin and path, never the arguments, headers or query, which may hold keys — with
 * the end of its stderr.
 */
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerConfig } from '../../core/config.js';
import { LoomError, isLoomError } from '../../core/errors.js';
import { isStdio } from './transport.js';

/** How much of a server's stderr is kept for messages. */
export const STDERR_TAIL_CHARS = 2000;

/** The command or the URL, for messages — not the arguments, headers or query, which may hold keys. */
export function describeWhere(config: McpServerConfig): string {
  if (isStdio(config)) return `"${config.command}"`;
  try {
    const url = new URL(config.url);
    return `${url.origin}${url.pathname}`;
  } catch {
    return 'an invalid URL';
  }
}

/** `text` with the configured URL (credentials, query) replaced by its safe form. */
export function withoutUrl(config: McpServerConfig, text: string): string {
  if (isStdio(config)) return text;
  const forms = [config.url];
  try {
    forms.push(new URL(config.url).href);
  } catch {
    // not a URL: only the literal form
  }
  for (const form of forms) text = text.split(form).join(describeWhere(config));
  return text;
}

/** `; its stderr ended with:\n…` for a message, or '' when the server wrote nothing there. */
export function stderrSuffix(stderrTail: string): string {
  const tail = stderrTail.trim();
  return tail === '' ? '' : `; its stderr ended with:\n${tail}`;
}

export interface StartFailure {
  name: string;
  config: McpServerConfig;
  startTimeoutMs: number;
  aborted: boolean;
  stderrTail: string;
}

/** The config error (or interruption) for a server that failed to start. */
export function startError(error: unknown, { name, config, startTimeoutMs, aborted, stderrTail }: StartFailure): LoomError {
  if (isLoomError(error)) return error;
  if (aborted) return new LoomError('interrupted', `MCP server "${name}": start interrupted`);
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException).code;
  let reason: string;
  let hint: string | undefined;
  if (isStdio(config) && code === 'ENOENT') {
    reason = `command not found: "${config.command}"`;
    hint = `check "command" of mcpServers.${name}: it must be a program on PATH or a path to one`;
  } else if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    reason = `it did not answer within ${startTimeoutMs / 1000} s`;
  } else if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
    reason = 'it exited before it was ready';
  } else {
    reason = withoutUrl(config, message.replace(/^MCP error -?\d+: /, ''));
  }
  // No `cause`: a spawn error carries the arguments, an HTTP error the URL — either may hold a key.
  return new LoomError('config_invalid', `MCP server "${name}" (${describeWhere(config)}) failed to start: ${reason}${stderrSuffix(stderrTail)}`, {
    hint: hint ?? `check mcpServers.${name} in the configuration`,
  });
}

/** The tool result's text for a call that failed (not aborted, the server still running). */
export function callErrorOutput(error: unknown, name: string, tool: string, config: McpServerConfig, callTimeoutMs: number): string {
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    return `MCP server "${name}", tool "${tool}": no answer within ${callTimeoutMs / 1000} s; the call was cancelled`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `MCP server "${name}", tool "${tool}": ${withoutUrl(config, message)}`;
}
