/**
 * CONTRACT §11 "Commands": what a command starts — a `setsid` daemon, a double fork — is stopped
 * when the call ends in any way and when the run ends, in the sandbox and without it. Processes
 * are looked for from the host by a tag in their environment (command-helpers.ts).
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markedProcesses, MARKER_VARIABLE, startRun } from '../../src/tools/processes.js';
import { allGone, newTag, noSandbox, tagged, taggedEnv } from './command-helpers.js';
import { alive, call, makeSandbox, tools, waitFor } from './helpers.js';

/** Starts `daemon` detached from the command and waits (in the command) until it is running. */
const detaching = (daemon: string) => `${daemon}; while [ ! -e daemon.started ]; do sleep 0.02; done; echo launched`;
const SETSID = detaching(`setsid -f sh -c 'touch daemon.started; exec sleep 300'`);
const DOUBLE_FORK = detaching(`sh -c '(sh -c "touch daemon.started; exec sleep 300" &) &'`);

describe.each([
  { mode: noSandbox ? `in the sandbox (none here: ${noSandbox})` : 'in the sandbox', sandbox: true },
  { mode: 'with "sandbox": false', sandbox: false },
])('processes a command leaves behind, $mode', ({ sandbox }) => {
  it.each([
    ['a setsid -f daemon', SETSID],
    ['a double fork', DOUBLE_FORK],
  ])('%s is gone once the call has ended', async (_name, command) => {
    const { workspace } = await makeSandbox();
    const tag = newTag();
    const set = await tools(workspace, { yes: true, shell: true, sandbox, env: taggedEnv(tag) });
    expect(await call(set, 'run_command', { command })).toEqual({ ok: true, output: 'exit code: 0\n--- stdout ---\nlaunched\nstderr: (empty)' });
    await readFile(join(workspace, 'daemon.started'));
    // Gone when the result is there: the call ends only once its processes have been killed.
    expect(tagged(tag)).toEqual([]);
  });

  it('a timeout stops the command and the daemon it detached', async () => {
    const { workspace } = await makeSandbox();
    const tag = newTag();
    const set = await tools(workspace, { yes: true, shell: true, sandbox, commandTimeoutMs: 1500, env: taggedEnv(tag) });
    const result = await call(set, 'run_command', { command: `${SETSID}; sleep 300` });
    expect(result).toEqual({ ok: false, output: 'timed out after 1.5 s and was stopped\n--- stdout ---\nlaunched\nstderr: (empty)' });
    expect(await allGone(tag, 1000)).toBe(true);
  });

  it('close() stops a call still running and the daemon it detached', async () => {
    const { workspace } = await makeSandbox();
    const tag = newTag();
    const set = await tools(workspace, { yes: true, shell: true, sandbox, env: taggedEnv(tag) });
    const running = call(set, 'run_command', { command: `${SETSID}; sleep 300` });
    expect(await waitFor(() => readFile(join(workspace, 'daemon.started')).then(() => true, () => false))).toBe(true);
    expect(tagged(tag).length).toBeGreaterThan(1);
    await set.close();
    expect(tagged(tag)).toEqual([]);
    expect((await running).ok).toBe(false);
  });
});

describe('the process marker', () => {
  it('every command carries LOOM_PROCESS_MARKER=<run>/<call>: one run, a new id per call', async () => {
    const { workspace } = await makeSandbox();
    const set = await tools(workspace, { yes: true, shell: true, env: { PATH: process.env.PATH } });
    const markers: (string | undefined)[] = [];
    for (let i = 0; i < 2; i++) {
      const { output } = await call(set, 'run_command', { command: `printf '%s' "$${MARKER_VARIABLE}"` });
      markers.push(/--- stdout ---\n(.*)\n/.exec(output)?.[1]);
    }
    expect(markers[0]).toMatch(/^[0-9a-f]{24}\/command-\d+$/);
    expect(markers[1]).toMatch(/^[0-9a-f]{24}\/command-\d+$/);
    expect(markers[0]!.split('/')[0]).toBe(markers[1]!.split('/')[0]);
    expect(markers[0]).not.toBe(markers[1]);
    const other = await tools(workspace, { yes: true, shell: true, env: { PATH: process.env.PATH } });
    const { output } = await call(other, 'run_command', { command: `printf '%s' "$${MARKER_VARIABLE}"` });
    expect(output.split('\n')[2]!.split('/')[0]).not.toBe(markers[0]!.split('/')[0]);
  });

  it('a Loom run inside another run\'s command keeps the outer marker, so the outer run finds its processes', async () => {
    const { workspace } = await makeSandbox();
    const outer = startRun();
    const outerMarker = outer.marker('command');
    const tag = newTag();
    const set = await tools(workspace, { yes: true, shell: true, env: taggedEnv(tag, outer.env(outerMarker)) });
    const running = call(set, 'run_command', { command: `printf '%s\\n' "$${MARKER_VARIABLE}"; touch started; sleep 30` });
    expect(await waitFor(() => readFile(join(workspace, 'started')).then(() => true, () => false))).toBe(true);
    expect(markedProcesses((value) => value === outerMarker).length).toBeGreaterThan(0);
    await outer.end();
    expect(tagged(tag)).toEqual([]);
    expect((await running).output).toMatch(new RegExp(`^killed by SIGKILL\\n--- stdout ---\\n${outerMarker},[0-9a-f]{24}/command-\\d+\\nstderr: \\(empty\\)$`));
  });

  it('is found in /proc/<pid>/environ as a variable of its own, not inside another value', async () => {
    const run = startRun();
    const marker = run.marker('test');
    const marked = spawn('sleep', ['30'], { env: { PATH: process.env.PATH, ...run.env(marker) }, stdio: 'ignore' });
    const lookalike = spawn('sleep', ['30'], { env: { PATH: process.env.PATH, OTHER: `${MARKER_VARIABLE}=${marker}` }, stdio: 'ignore' });
    try {
      expect(await waitFor(() => markedProcesses((value) => value === marker).length > 0)).toBe(true);
      expect(markedProcesses((value) => value === marker)).toEqual([marked.pid]);
      await run.stop(marker);
      expect(alive(marked.pid!)).toBe(false);
      expect(alive(lookalike.pid!)).toBe(true);
    } finally {
      marked.kill('SIGKILL');
      lookalike.kill('SIGKILL');
      await run.end();
    }
  });

  it('end() kills every process of the run, and only of that run', async () => {
    const [first, second] = [startRun(), startRun()];
    const start = (marker: string) => spawn('sleep', ['30'], { env: { PATH: process.env.PATH, ...first.env(marker) }, stdio: 'ignore' });
    const children = [start(first.marker('a')), start(first.marker('b')), start(second.marker('a'))];
    try {
      expect(await waitFor(() => markedProcesses((value) => value.startsWith(`${first.id}/`)).length === 2)).toBe(true);
      await first.end();
      expect(children.map((child) => alive(child.pid!))).toEqual([false, false, true]);
    } finally {
      for (const child of children) child.kill('SIGKILL');
      await second.end();
    }
  });
});
