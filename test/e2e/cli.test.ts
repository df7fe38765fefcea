import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runLoom } from '../support/cli.js';
import { makeWorkspace } from '../support/workspace.js';

const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('loom as a user runs it', () => {
  it('--help lists every command of the contract on stdout', async () => {
    const result = await runLoom(['--help'], { cwd: await makeWorkspace() });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    for (const command of ['ask', 'run', 'agents', 'config', 'providers', 'logs', 'init']) expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    for (const flag of ['--config <path>', '--quiet', '--verbose', '--debug', '--no-color', '--version']) expect(result.stdout).toContain(flag);
  });

  it('--help of a command shows its flags', async () => {
    const result = await runLoom(['run', '--help'], { cwd: await makeWorkspace() });
    expect(result.code).toBe(0);
    for (const flag of ['--input <file>', '--var <name=value>', '--provider <name>', '--model <name>', '--json', '--jsonl', '--no-stream', '--max-steps', '--max-cost', '--yes', '--workspace', '--dry-run']) {
      expect(result.stdout).toContain(flag);
    }
    const validate = await runLoom(['config', 'validate', '--help'], { cwd: await makeWorkspace() });
    expect(validate.stdout).toContain('--no-keys');
  });

  it('--version prints the package version', async () => {
    const result = await runLoom(['--version'], { cwd: await makeWorkspace() });
    expect(result).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('an unknown command is a usage error: one line, a did-you-mean and where to look, exit 2, nothing on stdout', async () => {
    const cwd = await makeWorkspace();
    const result = await runLoom(['rnu'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('loom: error: unknown command "rnu"\nhint: did you mean "run"? see `loom --help`\n');
    expect(await runLoom(['config', 'shwo'], { cwd })).toMatchObject({ code: 2, stdout: '', stderr: 'loom: error: unknown command "config shwo"\nhint: did you mean "show"? see `loom config --help`\n' });
    expect(await runLoom(['help', 'rnu'], { cwd })).toMatchObject({ code: 2, stdout: '', stderr: 'loom: error: unknown help topic "rnu"\nhint: did you mean "run"? see `loom --help`\n' });
  });

  it('`loom` with no command, `loom config` and `loom help [command]` print help on stdout and exit 0', async () => {
    const cwd = await makeWorkspace();
    for (const [args, usage] of [[[], 'Usage: loom [options] [command]'], [['config'], 'Usage: loom config [options] [command]'], [['help'], 'Usage: loom [options] [command]'], [['help', 'config'], 'Usage: loom config [options] [command]'], [['help', 'config', 'validate'], 'Usage: loom config validate [options]'], [['help', 'run'], 'Usage: loom run [options] <agent> [input...]']] as const) {
      const result = await runLoom([...args], { cwd });
      expect(result, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout.split('\n')[0]).toBe(usage);
    }
    const viaFlag = await runLoom(['run', '--help'], { cwd });
    expect((await runLoom(['help', 'run'], { cwd })).stdout).toBe(viaFlag.stdout);
  });

  it('a subcommand\'s usage error points at that subcommand\'s --help', async () => {
    const cwd = await makeWorkspace();
    expect((await runLoom(['run'], { cwd })).stderr).toBe("loom: error: missing required argument 'agent'\nhint: see `loom run --help`\n");
    expect((await runLoom(['config', 'validate', '--jsno'], { cwd })).stderr).toMatch(/^loom: error: unknown option '--jsno'\nhint: (did you mean --json\? )?see `loom config validate --help`\n$/);
  });

  it('an unknown option and a bad number are usage errors (exit 2)', async () => {
    const cwd = await makeWorkspace();
    const unknown = await runLoom(['agents', '--jsno'], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe("loom: error: unknown option '--jsno'");
    const badNumber = await runLoom(['run', 'hello', '--max-steps', 'many'], { cwd });
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toContain('--max-steps takes a whole number ≥ 1');
    const conflict = await runLoom(['ask', '--json', '--jsonl', 'hi'], { cwd });
    expect(conflict.code).toBe(2);
  });

  it('a missing argument is a usage error', async () => {
    const result = await runLoom(['run'], { cwd: await makeWorkspace() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^loom: error: missing required argument 'agent'/);
  });

  it('prints no colour when piped, and no stack trace without --debug', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': '{ broken' });
    const result = await runLoom(['agents'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/\u001b\[/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr.split('\n')[0]).toMatch(/^loom: error: loom\.config\.json:1:\d+: /);
    const forced = await runLoom(['agents'], { cwd, env: { FORCE_COLOR: '1' } });
    expect(forced.stderr).toMatch(/\u001b\[/);
    const beaten = await runLoom(['agents', '--no-color'], { cwd, env: { FORCE_COLOR: '1' } });
    expect(beaten.stderr).not.toMatch(/\u001b\[/);
  });

  it('--debug adds the stack trace', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': '{ broken' });
    const result = await runLoom(['agents', '--debug'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/\n\s+at /);
  });
});

describe('a reader that goes away', () => {
  it('`loom ask … | head` ends quietly: exit 0, no stack trace', async () => {
    const { spawn } = await import('node:child_process');
    const { LOOM_BIN } = await import('../support/cli.js');
    const cwd = await makeWorkspace();
    const words = Array.from({ length: 50_000 }, (_, index) => `w${index}`).join(' ');
    const child = spawn(process.execPath, [LOOM_BIN, 'ask', '-p', 'mock'], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(words);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // Read the first chunk, then close the pipe, as `head -c` would.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(0);
  });
});
