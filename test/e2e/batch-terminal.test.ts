/**
 * CONTRACT §14 "tools work as in run": on a terminal a batch asks about a call that needs
 * approval, with its progress bar paused so nothing redraws over the question; without one the
 * call is refused unless --yes.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLoom } from '../support/cli.js';
import { hasScript, onTerminal, plainScreen } from '../support/terminal.js';
import { makeWorkspace } from '../support/workspace.js';

/** A scripted mock asking to write out.md, then answering; one item. */
const scripted = () =>
  makeWorkspace({
    'loom.config.json': { defaultProvider: 'scripted', providers: { scripted: { type: 'mock', script: 'replies.json' } } },
    'agents/bot/config.json': { prompt: 'Write it. {{input}}', tools: ['write_file'] },
    'replies.json': [{ toolCalls: [{ id: 'w1', name: 'write_file', input: { path: 'out.md', content: 'hi\n' } }] }, 'Done.'],
    'items.jsonl': '"one"\n',
  });

describe.skipIf(!hasScript)('loom batch and approval', () => {
  it('on a terminal: asks, with the progress bar paused; y writes the file', async () => {
    const cwd = await scripted();
    const run = await onTerminal(cwd, '"$LOOM_BIN" batch bot --input items.jsonl --output results.jsonl', { prompt: '[y/N] ', keys: 'y\n' });
    expect(run.code, plainScreen(run.raw)).toBe(0);
    expect(await readFile(join(cwd, 'out.md'), 'utf8')).toBe('hi\n');
    // Nothing between the question and the typed answer.
    expect(plainScreen(run.raw)).toMatch(/loom: allow write_file: out\.md \(3 bytes\)\? \[y\/N\] y\n/);
    const [line] = (await readFile(join(cwd, 'results.jsonl'), 'utf8')).trim().split('\n').map((text) => JSON.parse(text));
    expect(line).toMatchObject({ index: 0, ok: true, text: 'Done.', toolCalls: [{ name: 'write_file', ok: true }] });
  });

  it('without a terminal: refused unless --yes', async () => {
    const cwd = await scripted();
    const result = await runLoom(['batch', 'bot', '--input', 'items.jsonl'], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).toolCalls).toEqual([{ name: 'write_file', ok: false }]);
    await expect(readFile(join(cwd, 'out.md'), 'utf8')).rejects.toThrow();
  });
});
