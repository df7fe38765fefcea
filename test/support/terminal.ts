/**
 * Runs a shell command line on a pseudo-terminal (util-linux `script`), typing `keys` once
 * `prompt` shows, and returns everything the terminal received — raw, escape sequences and all —
 * so a test can see exactly what a user would.
 */
import { spawn, spawnSync } from 'node:child_process';
import { LOOM_BIN } from './cli.js';

export const hasScript = spawnSync('script', ['--version']).status === 0;

export interface TerminalRun {
  /** Every byte the terminal received, as text. */
  raw: string;
  /** The exit code of the command (the shell prints it). */
  code: number;
}

export function onTerminal(cwd: string, command: string, options: { prompt?: string; keys?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<TerminalRun> {
  return new Promise((resolve, reject) => {
    // The shell ignores Ctrl-C (a no-op trap, reset for the command it starts), so it still prints EXIT.
    const child = spawn('script', ['-qec', `trap : INT; stty cols 200; ${command}; echo "EXIT=$?"`, '/dev/null'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, XDG_CONFIG_HOME: `${cwd}/.xdg-config`, XDG_STATE_HOME: `${cwd}/.xdg-state`, LOOM_BIN, ...options.env },
    });
    let raw = '';
    let typed = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
    child.stdout.setEncoding('utf8').on('data', (data: string) => {
      raw += data;
      if (!typed && options.prompt !== undefined && raw.includes(options.prompt)) {
        typed = true;
        setTimeout(() => child.stdin.write(options.keys ?? ''), 200);
      }
    });
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ raw, code: Number(/EXIT=(\d+)/.exec(raw)?.[1] ?? Number.NaN) });
    });
  });
}

/** The screen's text without Loom's own styling (SGR colours, cursor moves) and carriage returns. */
export const plainScreen = (raw: string): string => raw.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
