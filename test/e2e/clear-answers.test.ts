/**
 * Every input gets a clear answer (CONTRACT §10, issue 10): what a new user trips on gets one
 * line and the contract's exit code — nothing silently skipped, no crash.
 */
import { spawn } from 'node:child_process';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOOM_BIN } from '../support/cli.js';
import { makeWorkspace } from '../support/workspace.js';
import { jsonLines, loom } from './run-helpers.js';

const mockProject = (files: Record<string, unknown> = {}) =>
  makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' }, 'agents/review/config.json': { prompt: 'Review this.', inputs: { tone: { default: 'kind' } } }, ...(files as Record<string, string>) });

describe('input of loom run', () => {
  it('piped stdin is appended to argument input after a blank line, as ask does', async () => {
    const cwd = await mockProject();
    const result = await loom(['run', 'review', '--json', 'focus', 'on', 'security'], cwd, { input: 'diff --git a/x b/x\n+evil\n' });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).text).toBe('Review this.\n\nfocus on security\n\ndiff --git a/x b/x\n+evil');
  });

  it('--input - reads stdin; arguments and --input together are a usage error', async () => {
    const cwd = await mockProject();
    const dash = await loom(['run', 'review', '--json', '--input', '-'], cwd, { input: 'from stdin' });
    expect(JSON.parse(dash.stdout).text).toBe('Review this.\n\nfrom stdin');
    const both = await loom(['run', 'review', 'words', '--input', 'file.md'], cwd);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('loom: error: the input is given both as arguments and with --input\nhint: give one of them; piped stdin is appended to arguments\n');
  });

  it('run takes -s, --temperature and --max-tokens', async () => {
    const cwd = await mockProject();
    const result = await loom(['run', 'review', 'x', '--dry-run', '-s', 'Be terse.', '--temperature', '0.3', '--max-tokens', '64'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).request).toMatchObject({ system: 'Be terse.', temperature: 0.3, maxTokens: 64 });
  });

  it('binary input (NUL bytes) on stdin or from --input is refused with exit 2', async () => {
    const cwd = await mockProject();
    await writeFile(join(cwd, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
    const piped = await loom(['ask', 'describe'], cwd, { input: 'GIF89a\u0000\u0001' });
    expect(piped.code).toBe(2);
    expect(piped.stderr).toMatch(/^loom: error: the input on stdin is binary \(it holds NUL bytes\); Loom sends text as the prompt\n/);
    const file = await loom(['run', 'review', '--input', 'image.png'], cwd);
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/^loom: error: --input image\.png is binary/);
  });
});

describe('typos get a word', () => {
  it('a --var the prompt does not use is a warning with a did-you-mean (none under --quiet); the run goes on', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' }, 'agents/w/config.json': { prompt: 'Write in a {{tone}} tone: {{input}}' } });
    const result = await loom(['run', 'w', 'hi', '--var', 'tnoe=formal', '--var', 'tone=dry'], cwd);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('loom: warning: --var tnoe is not used by agent "w" (did you mean "tone"?)\n');
    expect((await loom(['--quiet', 'run', 'w', 'hi', '--var', 'tnoe=formal', '--var', 'tone=dry'], cwd)).stderr).toBe('');
  });

  it('loom providers with an unknown name exits 2; a known one narrows the listing', async () => {
    const cwd = await mockProject();
    const unknown = await loom(['providers', 'mokc'], cwd);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('loom: error: unknown provider "mokc"\nhint: did you mean "mock"? `loom providers` lists them\n');
    const known = await loom(['providers', '--json', 'mock'], cwd);
    expect(JSON.parse(known.stdout).map((p: { name: string }) => p.name)).toEqual(['mock']);
  });

  it.each([[['ask', '-p', '', 'hi']], [['ask', '-m', '', 'hi']], [['run', 'review', '-p', '']]])('%j is a usage error', async (args) => {
    const result = await loom(args, await mockProject());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^loom: error: option '-[pm], --(provider|model) <name>' argument '' is invalid\. -[pm] takes a name, not an empty string\n/);
  });
});

describe('errors in every output mode', () => {
  it('--jsonl on an error that stops the run before it starts still prints one error event', async () => {
    const cwd = await mockProject();
    const result = await loom(['ask', '--jsonl', '-p', 'nope', 'hi'], cwd);
    expect(result.code).toBe(2);
    expect(jsonLines(result.stdout)).toEqual([{ type: 'error', error: { code: 'unknown_provider', message: 'unknown provider "nope"', provider: null, status: null } }]);
  });

  it('a failed write to stdout (a full disk) is one line, exit 1, no stack trace', async () => {
    const cwd = await mockProject();
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('sh', ['-c', `"${process.execPath}" "${LOOM_BIN}" ask hello < /dev/null > /dev/full`], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd } });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(result).toEqual({ code: 1, stderr: 'loom: error: cannot write the output: no space left on the device\n' });
  });
});

describe('loom logs', () => {
  it('shows small costs with two significant digits and skips lines of the wrong shape', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' } });
    expect((await loom(['ask', 'first'], cwd)).code).toBe(0);
    const line = { time: '2026-12-04T10:00:00.000Z', agent: null, provider: 'oai', model: 'm', input: 'priced', text: 'x', usage: { inputTokens: 10, outputTokens: 5 }, costUsd: 0.000034, durationMs: 120, attempts: 1, ok: true, error: null, fallbackFrom: [], steps: 1, toolCalls: [] };
    await appendFile(join(cwd, '.loom/runs.jsonl'), `${JSON.stringify(line)}\n{"time":5}\n{"time":"x","ok":true,"input":7}\n`);
    const table = await loom(['logs'], cwd);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('$0.000034');
    expect(table.stderr).toBe('loom: warning: skipped 2 lines of the run log that are not run entries\n');
  });
});
