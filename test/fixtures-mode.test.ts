/**
 * CONTRACT §12 modes on the command line: `--replay`, `--record`, `--rerecord`, `--cache` on ask
 * and run, at most one; else LOOM_FIXTURES (flags win; an unknown value is a usage error).
 */
import { describe, expect, it } from 'vitest';
import { createProgram } from '../src/cli/program.js';
import { fixtureModeOf } from '../src/fixtures/mode.js';
import { summaryLine } from '../src/output/summary.js';

async function parse(argv: string[]): Promise<Record<string, unknown>> {
  let options: Record<string, unknown> | undefined;
  const program = createProgram(async (_command, _load, _args, parsed) => void (options = parsed), { writeErr: () => {}, writeOut: () => {}, outputError: () => {} });
  await program.parseAsync(argv, { from: 'user' });
  if (!options) throw new Error('no command ran');
  return options;
}

describe('fixture flags', () => {
  it.each([
    [['ask', '--replay', 'hi'], 'replay'],
    [['ask', '--record', 'hi'], 'record'],
    [['run', 'bot', '--rerecord'], 'rerecord'],
    [['run', 'bot', '--cache'], 'cache'],
    [['run', 'bot'], 'off'],
  ])('%j → %s', async (argv, mode) => {
    expect(fixtureModeOf(await parse(argv), {})).toBe(mode);
  });

  it('two of them are a usage error', async () => {
    await expect(parse(['run', 'bot', '--replay', '--rerecord'])).rejects.toMatchObject({ code: 'commander.conflictingOption' });
    await expect(parse(['ask', '--cache', '--record', 'hi'])).rejects.toMatchObject({ code: 'commander.conflictingOption' });
  });

  it('LOOM_FIXTURES when no flag is given; a flag wins; an unknown value is a usage error', async () => {
    expect(fixtureModeOf({}, { LOOM_FIXTURES: 'replay' })).toBe('replay');
    expect(fixtureModeOf({}, { LOOM_FIXTURES: 'off' })).toBe('off');
    expect(fixtureModeOf({}, { LOOM_FIXTURES: '' })).toBe('off');
    expect(fixtureModeOf({ record: true }, { LOOM_FIXTURES: 'replay' })).toBe('record');
    expect(() => fixtureModeOf({}, { LOOM_FIXTURES: 'sometimes' })).toThrow(expect.objectContaining({ code: 'usage', exitCode: 2 }));
  });
});

describe('the summary line of a replayed run', () => {
  const result = { agent: null, provider: 'claude', model: 'claude-sonnet-5-5', text: '', output: null, usage: { inputTokens: 12, outputTokens: 48, cachedInputTokens: 0, cacheWriteTokens: 0 }, costUsd: 0.0012, attempts: 1, fallbackFrom: [], steps: 1, toolCalls: [], durationMs: 12 };
  it('ends in "replayed"', () => {
    expect(summaryLine({ ...result, replayed: true })).toBe('claude · claude-sonnet-5-5 · 12 in / 48 out · $0.0012 · 0.0s · replayed');
    expect(summaryLine({ ...result, replayed: false })).not.toContain('replayed');
  });
});
