import { spawn } from 'node:child_process';
import { commandGate } from '../command-approval.js';
import { CommandLineError, toArgv } from '../command-line.js';
import { checkProgram, sandboxed, type Sandbox } from '../command-sandbox.js';
import { defineTool, ToolError, type ToolContext, type ToolResult } from '../define-tool.js';
import { formatBytes, LIMITS } from '../limits.js';
import { killChild, MARKER_VARIABLE, startRun, track, type ProcessRun } from '../processes.js';
import { HeadTailBuffer } from '../text.js';

export interface RunCommandOptions {
  timeoutMs?: number;
  /** Where commands run confined (command-sandbox.ts); undefined runs them unsandboxed. */
  sandbox?: Sandbox;
  /**
   * The sandbox the agent's config asks for, which the tool's description states: the same on every
   * machine, so a fixture recorded where bubblewrap runs is found where it does not (CONTRACT §12).
   * A machine that cannot sandbox warns the user instead. Default: what `sandbox` is.
   */
  declared?: { network: boolean } | null;
  /** The run whose marker every command carries (processes.ts); a run of its own when not given. */
  processes?: ProcessRun;
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
 * closed, in a process group of its own, in the sandbox where there is one, with the call's
 * process marker in its environment: when the call ends in any way, the group and every process
 * carrying the marker are killed — a daemon that left the group too (CONTRACT §11 "Commands").
 */
export function createRunCommand({ timeoutMs = LIMITS.commandTimeoutMs, sandbox, declared = sandbox ?? null, processes }: RunCommandOptions = {}) {
  let run: ProcessRun | undefined = processes;
  return defineTool<{ command: string }>({
    name: 'run_command',
    description: `Run a command in the workspace root and return its exit code, stdout and stderr (each cut to ${formatBytes(LIMITS.commandOutputBytes)}). The command line is split into arguments like a shell would, with quotes, but runs without a shell unless the agent's configuration enables one: no pipes, redirections, variables or "&&" — run one program per call. Stopped after ${seconds(timeoutMs)}.${declared ? ` Sandboxed: only the workspace and the temp folder are writable (protected files such as .git and package.json are not), and there is ${declared.network ? 'network access' : 'no network'}.` : ''} Needs the user's approval.`,
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
      ctx.signal.throwIfAborted();
      const { file, args } = argvOf(command, ctx.shell);
      run ??= startRun();
      const marker = run.marker('command');
      if (sandbox) checkProgram(file, ctx.env, ctx.workspace);
      const argv = sandbox ? sandboxed(sandbox, ctx.workspace, ctx.protectedPaths, file, args) : { file, args };
      return spawnCommand(argv, ctx, { env: { ...ctx.env, ...run.env(marker, ctx.env[MARKER_VARIABLE]) }, marker, run, timeoutMs, program: file, sandboxed: sandbox !== undefined });
    },
  });
}

/** How one call's process is started and found again. */
interface CallProcess {
  env: NodeJS.ProcessEnv;
  marker: string;
  run: ProcessRun;
  timeoutMs: number;
  /** The program as the model named it, for messages. */
  program: string;
  sandboxed: boolean;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

function spawnCommand(command: { file: string; args: string[] }, ctx: ToolContext, launch: CallProcess): Promise<ToolResult> {
  const { signal } = ctx;
  const { timeoutMs } = launch;
  return new Promise((resolve, reject) => {
    const child = spawn(command.file, command.args, { cwd: ctx.workspace, env: launch.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    // Redacted before they are cut: a secret across a cut is replaced whole.
    const stdout = new HeadTailBuffer(LIMITS.commandOutputBytes, ctx.secrets);
    const stderr = new HeadTailBuffer(LIMITS.commandOutputBytes, ctx.secrets);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const tracked = child.pid === undefined ? undefined : track(child.pid, true);

    let stopped: 'timeout' | 'abort' | undefined;
    let exit: Exit | undefined;
    let lingering: NodeJS.Timeout | undefined;
    let forceKill: NodeJS.Timeout | undefined;

    const stop = (why: 'timeout' | 'abort') => {
      if (stopped || !tracked) return;
      stopped = why;
      // In the sandbox this ends bwrap, and with it its PID namespace: everything inside.
      killChild(tracked.child, 'SIGTERM');
      forceKill = setTimeout(() => killChild(tracked.child, 'SIGKILL'), 1000);
    };
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const onAbort = () => stop('abort');
    signal.addEventListener('abort', onAbort, { once: true });

    let settled = false;
    /** However the call ends: its group and every process with its marker are killed before it answers. */
    const end = (outcome: () => ToolResult | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(lingering);
      clearTimeout(forceKill);
      signal.removeEventListener('abort', onAbort);
      if (tracked) {
        killChild(tracked.child, 'SIGKILL');
        tracked.forget();
      }
      void launch.run.stop(launch.marker).then(() => {
        const result = outcome();
        if (result instanceof Error) reject(result);
        else resolve(result);
      });
    };
    const finish = () =>
      end(() => (stopped === 'abort' ? (signal.reason instanceof Error ? signal.reason : new Error('aborted')) : describe(exit, stopped === 'timeout' ? timeoutMs : undefined, stdout.toString(), stderr.toString())));

    child.on('error', (error: NodeJS.ErrnoException) => end(() => spawnError(error, command.file, launch)));
    child.on('exit', (code, exitSignal) => {
      exit = { code, signal: exitSignal };
      clearTimeout(timer);
      // A background process may hold stdout open; do not wait for it for long (it is killed with
      // the group, or by the marker if it left the group).
      lingering = setTimeout(finish, 500);
    });
    child.on('close', finish);
  });
}

function spawnError(error: NodeJS.ErrnoException, file: string, launch: CallProcess): ToolError {
  if (launch.sandboxed) return new ToolError(`cannot start the command sandbox (${file}): ${error.message}`);
  if (error.code === 'ENOENT') return new ToolError(`command not found: "${launch.program}"`);
  if (error.code === 'EACCES') return new ToolError(`cannot run "${launch.program}": permission denied`);
  return new ToolError(`cannot run "${launch.program}": ${error.message}`);
}

function describe(exit: Exit | undefined, timedOutAfter: number | undefined, stdout: string, stderr: string): ToolResult {
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
