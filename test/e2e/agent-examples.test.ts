/**
 * Issue 5: the example agents in agents/ validate, and run with `--provider mock` — in the
 * repository itself (the mock echoes, or answers a structured request with the smallest value its
 * schema accepts), and in a copy whose `mock` plays a script that drives their tools: review reads
 * files and returns findings, explain-repo lists and reads, docs-search goes through its MCP server.
 */
import { cp, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoom } from '../support/cli.js';
import { jsonLines } from './run-helpers.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const AGENTS = (await readdir(join(REPO, 'agents'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});
async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'loom-examples-'));
  temps.push(dir);
  return dir;
}

/** Runs loom in the repository with HOME, XDG dirs and the run log in a temp folder: the checkout stays clean. */
async function inRepo(args: string[], input?: string) {
  const home = await temp();
  return runLoom(args, { cwd: REPO, input, env: { HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), LOOM_HOME: join(home, 'loom') } });
}

/** A copy of agents/ whose `mock` provider plays `replies` (node_modules linked, for docs-search's npx). */
async function scriptedCopy(replies: unknown[], files: Record<string, string> = {}): Promise<string> {
  const dir = await temp();
  await cp(join(REPO, 'agents'), join(dir, 'agents'), { recursive: true });
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  await writeFile(join(dir, 'loom.config.json'), JSON.stringify({ defaultProvider: 'mock', providers: { mock: { script: 'replies.json' } } }));
  await writeFile(join(dir, 'replies.json'), JSON.stringify(replies));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

describe('the example agents', () => {
  it('include review, explain-repo and an MCP agent, and the project validates clean', async () => {
    expect(AGENTS).toEqual(expect.arrayContaining(['review', 'explain-repo', 'docs-search']));
    const result = await inRepo(['config', 'validate', '--no-keys', '--json']);
    expect(result.code, result.stdout).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(true);
    expect(report.files.flatMap((f: { problems: unknown[] }) => f.problems)).toEqual([]);
    for (const name of AGENTS) expect(report.files.map((f: { path: string }) => f.path)).toContain(join('agents', name, 'config.json'));
  });

  it('loom agents lists their tools', async () => {
    const result = await inRepo(['agents', '--json']);
    expect(result.code).toBe(0);
    const agents = JSON.parse(result.stdout) as { name: string; tools: string[] | null }[];
    expect(agents.map((a) => a.name).sort()).toEqual(AGENTS);
    expect(agents.find((a) => a.name === 'review')!.tools).toEqual(['read_file', 'list_files', 'search_files']);
    expect(agents.find((a) => a.name === 'explain-repo')!.tools).toEqual(['list_files', 'read_file', 'search_files']);
  });

  it.each(AGENTS)('%s runs with --provider mock in the repository (exit 0, an answer on stdout)', async (name) => {
    const result = await inRepo(['run', name, '--provider', 'mock', '--json'], 'some input text');
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ ok: true, agent: name, provider: 'mock', steps: 1 });
    if (name === 'review') expect(doc.output).toEqual({ findings: [] });
    else expect(doc.text).toContain('some input text');
  });
});

describe('the example agents with a scripted mock driving their tools', () => {
  it('review reads the file it is pointed at and returns structured findings as pretty JSON', async () => {
    const findings = { findings: [{ file: 'calc.js', line: 2, severity: 'error', message: 'divides by zero when b is 0' }] };
    const cwd = await scriptedCopy(
      [
        { toolCalls: [{ id: 'r1', name: 'read_file', input: { path: 'calc.js' } }, { id: 'r2', name: 'search_files', input: { pattern: 'divide' } }] },
        { text: JSON.stringify(findings) },
      ],
      { 'calc.js': 'export function divide(a, b) {\n  return a / b;\n}\n' },
    );
    const text = await runLoom(['run', 'review', '--provider', 'mock', 'calc.js'], { cwd });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(`${JSON.stringify(findings, null, 2)}\n`);
    expect(text.stderr).toContain('loom: read_file {"path":"calc.js"}');
  });

  it('review: findings that break the schema twice are exit 3', async () => {
    const cwd = await scriptedCopy([{ text: '{"findings":[{"file":"a.js"}]}' }, { text: 'Looks fine to me!' }]);
    const result = await runLoom(['run', 'review', '--provider', 'mock', 'a.js'], { cwd });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('loom: error: the answer does not match the output schema after one repair turn');
  });

  it('explain-repo lists and reads files, then explains', async () => {
    const cwd = await scriptedCopy(
      [
        { toolCalls: [{ id: 'l', name: 'list_files', input: { pattern: 'README*' } }] },
        { toolCalls: [{ id: 'r', name: 'read_file', input: { path: 'README.md' } }] },
        'It is a demo project; see README.md.',
      ],
      { 'README.md': '# Demo\nA demo project.\n' },
    );
    const result = await runLoom(['run', 'explain-repo', '--provider', 'mock', '--jsonl'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    const events = jsonLines(result.stdout);
    expect(events.filter((e) => e.type === 'tool_result').map((e) => [e.name, e.ok, e.output])).toEqual([
      ['list_files', true, 'README.md'], // node_modules (linked here) is skipped
      ['read_file', true, '# Demo\nA demo project.\n'],
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'done', steps: 3, text: 'It is a demo project; see README.md.' });
  });

  it('docs-search answers through its MCP server (filesystem, started with npx --no-install)', async () => {
    const cwd = await scriptedCopy([], { 'guide.md': 'Run `loom init` to start.\n' });
    const replies = [{ toolCalls: [{ id: 'd1', name: 'docs__read_text_file', input: { path: join(cwd, 'guide.md') } }] }, 'Run loom init (guide.md).'];
    // The file server wants absolute paths: the script is written once the folder is known.
    await writeFile(join(cwd, 'replies.json'), JSON.stringify(replies));
    const result = await runLoom(['run', 'docs-search', '--provider', 'mock', '--jsonl', 'How do I start?'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    const events = jsonLines(result.stdout);
    expect(events.find((e) => e.type === 'tool_result')).toMatchObject({ name: 'docs__read_text_file', ok: true, output: 'Run `loom init` to start.\n' });
    expect(events.at(-1)).toMatchObject({ type: 'done', text: 'Run loom init (guide.md).' });
  });
});
