import { spawn } from 'node:child_process';
import { killChild, track } from '../children.js';
import { commandGate } from '../command-approval.js';
import { CommandLineError, toArgv } from '../command-line.js';
import { defineTool, ToolError, type ToolResult } from '../define-tool.js';
import { formatBytes, LIMITS } from '../limits.js';
import { HeadTailBuffer } from '../text.js';

export interface RunCommandOptions {
  timeoutMs?: number;
}

function argvOf(command: string, shell: boolean): { file: string; args: string[] } {
  if (shell) {
    if (command.trim() === '') throw new ToolError('the command is empty');
    return { file: '/bin/sh', args: ['-c', command] };
  }
  try {
    const [file, ...args] = toArgv(command);
    return { file: file!, args };
  } catch (error) {
    if (error instanceof CommandLineError) throw new ToolError(`cannot run this command: ${error.message}`);
    throw error;
  }
}

const seconds = (ms: number) => `${+(ms / 1000).toFixed(1)} s`;

/**
 * run_command: one program with an argument vector split from the command line (no shell), or the
 * line through `/bin/sh -c` when the agent has `shell: true`. It runs in the workspace with stdin
 * closed, in a process group of its own so a timeout or an abort stops everything it started.
 */
export function createRunCommand({ timeoutMs = LIMITS.commandTimeoutMs }: RunCommandOptions = {}) {
  return defineTool<{ command: string }>({
    name: 'run_command',
    description: `Run a command in the workspace root and return its exit code, stdout and stderr (each cut to ${formatBytes(LIMITS.commandOutputBytes)}). The command line is split into arguments like a shell would, with quotes, but runs without a shell unless the agent's configuration enables one: no pipes, redirections, variables or "&&" — run one program per call. Stopped after ${seconds(timeoutMs)}. Needs the user's approval.`,
    parameters: {
      type: 'object',
      properties: { command: { type: 'string', minLength: 1, description: 'The command line, e.g. "npm test" or "git log -n 5 --oneline"' } },
      required: ['command'],
      additionalProperties: false,
    },
    prepare(ctx, { command }) {
      // A line that cannot run is refused before approval is asked for.
      const { file, args } = argvOf(command, ctx.shell);
      return commandGate(command, [file, ...args], ctx);
    },
    async execute(ctx, { command }) {
      const { file, args } = argvOf(command, ctx.shell);
      return run(file, args, ctx.workspace, ctx.env, ctx.signal, timeoutMs);
    },
  });
}

function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, signal: AbortSignal, timeoutMs: number): Promise<ToolResult> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const stdout = new HeadTailBuffer(LIMITS.commandOutputBytes);
    const stderr = new HeadTailBuffer(LIMITS.commandOutputBytes);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const tracked = child.pid === undefined ? undefined : track(child.pid, true);

    let stopped: 'timeout' | 'abort' | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let lingering: NodeJS.Timeout | undefined;
    let forceKill: NodeJS.Timeout | undefined;

    const stop = (why: 'timeout' | 'abort') => {
      if (stopped || !tracked) return;
      stopped = why;
      killChild(tracked.child, 'SIGTERM');
      forceKill = setTimeout(() => killChild(tracked.child, 'SIGKILL'), 1000);
    };
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const onAbort = () => stop('abort');
    signal.addEventListener('abort', onAbort, { once: true });

    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(lingering);
      clearTimeout(forceKill);
      signal.removeEventListener('abort', onAbort);
      // Whatever the program left running in its group goes with it.
      if (tracked) {
        killChild(tracked.child, 'SIGKILL');
        tracked.forget();
      }
      if (stopped === 'abort') return reject(signal.reason ?? new Error('aborted'));
      resolve(describe(exit, stopped === 'timeout' ? timeoutMs : undefined, stdout.toString(), stderr.toString()));
    };

    child.on('error', (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      tracked?.forget();
      if (error.code === 'ENOENT') reject(new ToolError(`command not found: "${file}"`));
      else if (error.code === 'EACCES') reject(new ToolError(`cannot run "${file}": permission denied`));
      else reject(new ToolError(`cannot run "${file}": ${error.message}`));
    });
    child.on('exit', (code, exitSignal) => {
      exit = { code, signal: exitSignal };
      clearTimeout(timer);
      // A background process may hold stdout open; do not wait for it for long (it is killed with the group).
      lingering = setTimeout(finish, 500);
    });
    child.on('close', finish);
  });
}

function describe(exit: { code: number | null; signal: NodeJS.Signals | null } | undefined, timedOutAfter: number | undefined, stdout: string, stderr: string): ToolResult {
  const status =
    timedOutAfter !== undefined
      ? `timed out after ${seconds(timedOutAfter)} and was stopped`
      : exit?.code !== null && exit?.code !== undefined
        ? `exit code: ${exit.code}`
        : `killed by ${exit?.signal ?? 'a signal'}`;
  const parts = [status];
  parts.push(stdout === '' ? 'stdout: (empty)' : `--- stdout ---\n${stdout.replace(/\n$/, '')}`);
  parts.push(stderr === '' ? 'stderr: (empty)' : `--- stderr ---\n${stderr.replace(/\n$/, '')}`);
  return { ok: timedOutAfter === undefined && exit?.code === 0, output: parts.join('\n') };
}
