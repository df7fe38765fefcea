import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const LOOM_BIN = fileURLToPath(new URL('../../bin/loom', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  /** Added to a minimal environment: the developer's own keys and config never leak into tests. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed; without it stdin is empty (not a TTY). */
  input?: string;
}

/** Runs the built `bin/loom` as a user would, in a clean environment whose HOME is the workspace. */
export function runLoom(args: string[], options: CliOptions): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: options.cwd,
    XDG_CONFIG_HOME: `${options.cwd}/.xdg-config`,
    XDG_STATE_HOME: `${options.cwd}/.xdg-state`,
  };
  for (const [name, value] of Object.entries(options.env ?? {})) if (value !== undefined) env[name] = value;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOOM_BIN, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
