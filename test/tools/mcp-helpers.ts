/** For the MCP tests: the servers they start, and how a test finds a server's process. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { StdioMcpServer } from '../../src/core/config.js';
import { tagged } from './command-helpers.js';

export const EVERYTHING = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url));
export const FILESYSTEM = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/server-filesystem/dist/index.js', import.meta.url));
/** test/fixtures/tools/custom-mcp-server.mjs: the awkward cases the reference servers lack. */
export const CUSTOM = fileURLToPath(new URL('../fixtures/tools/custom-mcp-server.mjs', import.meta.url));

export const everything: StdioMcpServer = { command: process.execPath, args: [EVERYTHING, 'stdio'] };
export const custom = (flags: string[] = [], env: Record<string, string> = {}): StdioMcpServer => ({ command: process.execPath, args: [CUSTOM, ...flags], env });

/** The pid a custom server wrote to its LOOM_PID_FILE. */
export const readPid = async (file: string) => Number(await readFile(file, 'utf8'));

/** A server config whose process carries the test tag `tag` (through the config's own `env`). */
export const withTag = (config: StdioMcpServer, tag: string): StdioMcpServer => ({ ...config, env: { ...config.env, LOOM_TEST_TAG: tag } });

/** The one running process that carries the tag. */
export function onlyProcess(tag: string): number {
  const pids = tagged(tag);
  expect(pids).toHaveLength(1);
  return pids[0]!;
}
