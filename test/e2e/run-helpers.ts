/**
 * Shared set-up of the `loom ask` / `loom run` end-to-end tests: a fake provider server, a
 * workspace whose providers point at it, and the built CLI spawned against both.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOOM_BIN, runLoom, type CliResult } from '../support/cli.js';
import type { FakeProviderServer } from '../support/fake-provider-server.js';
import { makeWorkspace, type FileContent } from '../support/workspace.js';

export const OPENAI_PATH = '/v1/chat/completions';
export const ANTHROPIC_PATH = '/v1/messages';
export const geminiStream = (model: string) => `/v1beta/models/${model}:streamGenerateContent`;
export const geminiWhole = (model: string) => `/v1beta/models/${model}:generateContent`;

/** Keys the workspaces' providers read; tests pass them through `KEYS`. */
export const KEYS = {
  OPENAI_TEST_KEY: 'sk-test-openai-0123456789abcdef',
  ANTHROPIC_TEST_KEY: 'sk-test-anthropic-0123456789abcdef',
  GEMINI_TEST_KEY: 'sk-test-gemini-0123456789abcdef',
  COMPAT_TEST_KEY: 'sk-test-compat-0123456789abcdef',
};

/**
 * A project config with one provider of each type pointing at the fake server, fast retries and
 * a short timeout; `overrides` are merged over the top level (providers replace entries by name).
 */
export function projectConfig(server: FakeProviderServer, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { providers, ...rest } = overrides as { providers?: Record<string, unknown> };
  return {
    defaultProvider: 'oai',
    providers: {
      oai: { type: 'openai', baseUrl: `${server.url}/v1`, model: 'gpt-5.4-mini', apiKey: '${OPENAI_TEST_KEY}' },
      compat: { type: 'openai-compatible', baseUrl: `${server.url}/v1`, model: 'llama3.2', apiKey: '${COMPAT_TEST_KEY}' },
      claude: { type: 'anthropic', baseUrl: server.url, model: 'claude-sonnet-5-5', apiKey: '${ANTHROPIC_TEST_KEY}' },
      gem: { type: 'gemini', baseUrl: server.url, model: 'gemini-3.5-flash', apiKey: '${GEMINI_TEST_KEY}' },
      ...providers,
    },
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 50 },
    timeoutMs: 5000,
    ...rest,
  };
}

/** A workspace with `loom.config.json` (from projectConfig) and any other files. */
export async function workspace(server: FakeProviderServer, overrides: Record<string, unknown> = {}, files: Record<string, FileContent> = {}): Promise<string> {
  return makeWorkspace({ 'loom.config.json': projectConfig(server, overrides), ...files });
}

/** runLoom with the test keys set (and any other variables). */
export function loom(args: string[], cwd: string, options: { env?: Record<string, string | undefined>; input?: string } = {}): Promise<CliResult> {
  return runLoom(args, { cwd, env: { ...KEYS, ...options.env }, input: options.input });
}

/** The run log lines of a workspace (none when the file does not exist). */
export async function logLines(cwd: string): Promise<Record<string, any>[]> {
  const text = await readFile(join(cwd, '.loom', 'runs.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
}

export async function logText(cwd: string): Promise<string> {
  return readFile(join(cwd, '.loom', 'runs.jsonl'), 'utf8').catch(() => '');
}

/** JSON lines of a --jsonl run. */
export const jsonLines = (stdout: string): Record<string, any>[] => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);

/** A spawned CLI that the test can signal while it runs. */
export interface LiveLoom {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once stdout (or stderr) holds `text`. */
  waitFor: (text: string, stream?: 'stdout' | 'stderr') => Promise<void>;
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

export function spawnLoom(args: string[], cwd: string, options: { env?: Record<string, string | undefined> } = {}): LiveLoom {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: cwd, XDG_CONFIG_HOME: `${cwd}/.xdg-config`, XDG_STATE_HOME: `${cwd}/.xdg-state` };
  for (const [name, value] of Object.entries({ ...KEYS, ...options.env })) if (value !== undefined) env[name] = value;
  const child = spawn(process.execPath, [LOOM_BIN, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; stream: 'stdout' | 'stderr'; resolve: () => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      if ((waiter.stream === 'stdout' ? stdout : stderr).includes(waiter.text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    check();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    check();
  });
  child.stdin.end('');
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor: (text, stream = 'stdout') =>
      new Promise<void>((resolve) => {
        waiters.push({ text, stream, resolve });
        check();
      }),
    done,
  };
}

/** Polls until `condition` holds (for server-side state a spawned process changes). */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
