import { describe, expect, it } from 'vitest';
import { createProgram, type CommandName } from '../../src/cli/program.js';

interface Parsed {
  command: CommandName;
  args: string[];
  options: Record<string, unknown>;
}

async function parse(argv: string[]): Promise<Parsed> {
  let parsed: Parsed | undefined;
  const program = createProgram(
    async (command, _load, args, options) => {
      parsed = { command, args, options };
    },
    { writeErr: () => {}, writeOut: () => {}, outputError: () => {} },
  );
  await program.parseAsync(argv, { from: 'user' });
  if (!parsed) throw new Error('no command ran');
  return parsed;
}

describe('argv → command and options', () => {
  it.each([
    [['ask', 'why', 'is', 'the', 'sky', 'blue'], 'ask', ['why', 'is', 'the', 'sky', 'blue'], { stream: true, color: true }],
    [['ask', '-p', 'claude', '-m', 'claude-haiku-5-5', '--no-stream', 'hi'], 'ask', ['hi'], { provider: 'claude', model: 'claude-haiku-5-5', stream: false }],
    [['ask', '--temperature', '0.5', '--max-tokens', '100', '-s', 'be brief', '--schema', 's.json', '--json'], 'ask', [], { temperature: 0.5, maxTokens: 100, system: 'be brief', schema: 's.json', json: true }],
    [['run', 'summarize', '--var', 'audience=managers', '--var', 'notes=@n.md', 'some', 'input'], 'run', ['summarize', 'some', 'input'], { var: ['audience=managers', 'notes=@n.md'] }],
    [['run', 'review', '--max-steps', '3', '--max-cost', '0.5', '--yes', '--workspace', 'src', '--dry-run', '--jsonl'], 'run', ['review'], { maxSteps: 3, maxCost: 0.5, yes: true, workspace: 'src', dryRun: true, jsonl: true }],
    [['run', 'x', '--input', 'doc.md'], 'run', ['x'], { input: 'doc.md' }],
    [['agents', '--json'], 'agents', [], { json: true }],
    [['config', 'validate', '--no-keys', '--json'], 'config validate', [], { keys: false, json: true }],
    [['config', 'validate'], 'config validate', [], { keys: true }],
    [['config', 'show', '--agent', 'hello'], 'config show', [], { agent: 'hello' }],
    [['providers', '--check', 'ollama', 'mock'], 'providers', ['ollama', 'mock'], { check: true }],
    [['logs'], 'logs', [], { count: 10 }],
    [['logs', '-n', '3', '--json'], 'logs', [], { count: 3, json: true }],
    [['init'], 'init', [], {}],
    [['--config', 'other.json', '--quiet', '--no-color', 'agents'], 'agents', [], { config: 'other.json', quiet: true, color: false }],
    [['agents', '--verbose', '--debug'], 'agents', [], { verbose: true, debug: true }],
  ] as const)('%j', async (argv, command, args, options) => {
    const parsed = await parse([...argv]);
    expect(parsed.command).toBe(command);
    expect(parsed.args).toEqual(args);
    expect(parsed.options).toMatchObject(options);
  });

  it.each([
    [['ask', '--temperature', 'hot']],
    [['ask', '--temperature', '3']],
    [['ask', '--max-tokens', '0']],
    [['run', 'x', '--max-cost', '-1']],
    [['logs', '-n', 'all']],
    [['ask', '--json', '--jsonl']],
    [['run']],
  ])('rejects %j', async (argv) => {
    await expect(parse([...argv])).rejects.toMatchObject({ exitCode: 1 });
  });

  it('an unknown command is a usage error with a did-you-mean', async () => {
    await expect(parse(['frobnicate'])).rejects.toMatchObject({ code: 'usage', message: 'unknown command "frobnicate"', hint: 'see `loom --help`' });
    await expect(parse(['agnets'])).rejects.toMatchObject({ code: 'usage', hint: 'did you mean "agents"? see `loom --help`' });
  });
});

describe('each command is registered once, with the module that runs it', () => {
  it.each([
    [['ask', 'x'], 'ask'],
    [['run', 'a'], 'run'],
    [['agents'], 'agents'],
    [['config', 'validate'], 'config-validate'],
    [['config', 'show'], 'config-show'],
    [['providers'], 'providers'],
    [['logs'], 'logs'],
    [['init'], 'init'],
  ] as const)('%j loads src/cli/commands/%s', async (argv, module) => {
    let loaded: { default: unknown } | undefined;
    const program = createProgram(
      async (_command, load) => {
        loaded = await load();
      },
      { writeErr: () => {}, writeOut: () => {}, outputError: () => {} },
    );
    await program.parseAsync([...argv], { from: 'user' });
    const expected = (await import(`../../src/cli/commands/${module}.ts`)) as { default: unknown };
    expect(loaded?.default).toBe(expected.default);
  });
});
