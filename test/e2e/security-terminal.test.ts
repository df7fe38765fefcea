/**
 * What the user sees is what runs (CONTRACT §11): a model's escape sequences never reach the
 * terminal raw — not in the approval question, not in tool notices or errors on stderr (even with
 * NO_COLOR), not in the answer when stdout is a terminal — and the question shows the exact
 * argument vector, each argument quoted. Piped stdout gets the answer as given: it is data.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasScript, onTerminal, plainScreen } from '../support/terminal.js';
import { makeWorkspace } from '../support/workspace.js';
import { loom } from './run-helpers.js';

/** Clears the line and redraws it as an innocent question: what an attacker puts in a command. */
const SPOOF = '\u001b[2K\rloom: allow run_command: \u001b[1mnpm test\u001b[0m? [y/N] ';
const TITLE = '\u001b]0;pwned\u0007';
const BIDI = 'abc\u202edcba';

/** A workspace whose mock model asks for `calls`, then answers `answer`. */
function scripted(agent: Record<string, unknown>, calls: unknown[], answer = 'Done.') {
  return makeWorkspace({
    'loom.config.json': { defaultProvider: 'scripted', providers: { scripted: { type: 'mock', script: 'replies.json' } } },
    'agents/bot/config.json': { prompt: 'Go.', ...agent },
    'replies.json': [{ toolCalls: calls }, answer],
  });
}

describe.skipIf(!hasScript)('the approval question on a terminal', () => {
  it('shows every character of the command made visible and each argument quoted, so it cannot be redrawn as another', async () => {
    const command = `touch pwned "${SPOOF}"`;
    const cwd = await scripted({ tools: ['run_command'], sandbox: false }, [{ id: 'r1', name: 'run_command', input: { command } }]);
    const { raw, code } = await onTerminal(cwd, '"$LOOM_BIN" run bot', { prompt: '[y/N] ', keys: 'n\n' });
    expect(code).toBe(0);
    // Not one of the model's escape sequences reached the terminal.
    expect(raw).not.toContain('\u001b[2K\rloom: allow');
    expect(raw).not.toContain('\u001b[1mnpm test');
    const screen = plainScreen(raw);
    expect(screen).toContain(
      "loom: allow run_command: 'touch' 'pwned' '\\x1b[2K\\x0dloom: allow run_command: \\x1b[1mnpm test\\x1b[0m? [y/N] '? [y/N] n",
    );
    await expect(lstat(join(cwd, 'pwned'))).rejects.toThrow();
  });

  it('the answer is read from the terminal even when stdin is piped (`git diff | loom run review`)', async () => {
    const cwd = await scripted({ tools: ['write_file'] }, [{ id: 'w1', name: 'write_file', input: { path: 'out.md', content: 'hi\n' } }]);
    const { code } = await onTerminal(cwd, 'echo piped input | "$LOOM_BIN" run bot', { prompt: '[y/N] ', keys: 'y\n' });
    expect(code).toBe(0);
    expect((await lstat(join(cwd, 'out.md'))).isFile()).toBe(true);
  });

  it('the answer on a terminal has the model\'s control sequences made visible', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' } });
    const { raw } = await onTerminal(cwd, `"$LOOM_BIN" --quiet ask 'x${TITLE}y'`);
    expect(raw).not.toContain(TITLE);
    expect(plainScreen(raw)).toContain('x\\x1b]0;pwned\\x07y');
  });
});

describe('model text on stderr and stdout', () => {
  it('tool notices and failures on stderr are never raw, with or without NO_COLOR', async () => {
    const cwd = await scripted({ tools: ['read_file'] }, [{ id: 'r1', name: 'read_file', input: { path: `missing${TITLE}${BIDI}.md` } }, { id: 'r2', name: `evil${TITLE}`, input: {} }]);
    for (const env of [{}, { NO_COLOR: '1' }]) {
      const result = await loom(['run', 'bot'], cwd, { env });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toContain('\u001b');
      expect(result.stderr).not.toContain('\u0007');
      expect(result.stderr).not.toContain('\u202e');
      expect(result.stderr).toContain('read_file failed: "missing\\x1b]0;pwned\\x07abc\\u202edcba.md" does not exist');
      expect(result.stderr).toContain('unknown tool "evil\\x1b]0;pwned\\x07"');
    }
  });

  it('piped stdout gets the answer as given; --json and --jsonl escape what could act on a terminal and parse to the same text', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': { defaultProvider: 'mock' } });
    const text = `a${TITLE}b${BIDI}\u0085c`;
    const plain = await loom(['ask', text], cwd);
    expect(plain.stdout).toBe(`${text}\n`);
    const json = await loom(['ask', '--json', text], cwd);
    expect(json.stdout).not.toMatch(/[\u0007\u0085\u202e]/);
    expect(JSON.parse(json.stdout).text).toBe(text);
    const jsonl = await loom(['ask', '--jsonl', text], cwd);
    expect(jsonl.stdout).not.toMatch(/[\u0007\u0085\u202e]/);
    expect(JSON.parse(jsonl.stdout.trim().split('\n').at(-1)!).text).toBe(text);
  });
});
