import { describe, expect, it } from 'vitest';
import { runLoom } from '../support/cli.js';
import { makeWorkspace } from '../support/workspace.js';

interface Report {
  ok: boolean;
  files: Array<{ path: string; problems: Array<{ severity: string; pointer: string | null; line: number | null; column: number | null; message: string }> }>;
}

const validate = async (cwd: string, args: string[] = [], env: Record<string, string> = {}) => {
  const result = await runLoom(['config', 'validate', '--json', ...args], { cwd, env });
  return { ...result, report: JSON.parse(result.stdout) as Report };
};

const problemsOf = (report: Report, path: string) => report.files.find((file) => file.path === path)?.problems;

describe('loom config validate', () => {
  it('a clean project: exit 0, every file listed with no problems', async () => {
    const cwd = await makeWorkspace({
      'loom.config.json': { defaultProvider: 'mock' },
      'agents/hello/config.json': { promptFile: 'prompt.md' },
      'agents/hello/prompt.md': 'Hello {{input}}',
    });
    const { code, report } = await validate(cwd);
    expect(code).toBe(0);
    expect(report).toEqual({ ok: true, files: [{ path: 'loom.config.json', problems: [] }, { path: 'agents/hello/config.json', problems: [] }] });
    const text = await runLoom(['config', 'validate'], { cwd });
    expect(text).toMatchObject({ code: 0, stdout: '0 errors, 0 warnings in 2 files\n' });
  });

  it('reports every problem in every file in one run, with line and column', async () => {
    const cwd = await makeWorkspace({
      'loom.config.json': '{\n  "defaultProvider": "antropic",\n  "timeoutMs": "soon"\n}\n',
      'agents/broken/config.json': '{\n  "prompt": "hi",\n  "model": "x"\n  "tools": []\n}\n',
      'agents/typo/config.json': '{\n  "llm_provider": "openai",\n  "promptFile": "missing.md",\n  "tools": ["read_fiel"]\n}\n',
    });
    const { code, report, stderr } = await validate(cwd, ['--no-keys']);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(report.ok).toBe(false);
    expect(problemsOf(report, 'loom.config.json')).toEqual([
      { severity: 'error', pointer: '/defaultProvider', line: 2, column: 22, message: 'unknown provider "antropic" (did you mean "anthropic"?)' },
      expect.objectContaining({ severity: 'error', pointer: '/timeoutMs', line: 3, column: 16 }),
    ]);
    const broken = problemsOf(report, 'agents/broken/config.json');
    expect(broken).toHaveLength(1);
    expect(broken?.[0]).toMatchObject({ severity: 'error', line: 4, column: 3 });
    const typo = problemsOf(report, 'agents/typo/config.json') ?? [];
    expect(typo.map((problem) => [problem.pointer, problem.line, problem.column])).toEqual([
      ['/llm_provider', 2, 3],
      ['/promptFile', 3, 17],
      ['/tools/0', 4, 13],
    ]);
    expect(typo[0]?.message).toContain('did you mean "provider"?');
    expect(typo[1]?.message).toBe("file not found: missing.md (relative to the agent's folder)");
    expect(typo[2]?.message).toBe('unknown tool "read_fiel" (did you mean "read_file"?)');
  });

  it('prints path:line:column: /pointer: message and the summary', async () => {
    const cwd = await makeWorkspace({
      'loom.config.json': '{\n  "fallback": ["gpt", "claud"]\n}\n',
      'agents/a/config.json': { maxTokens: 0 },
    });
    const result = await runLoom(['config', 'validate', '--no-keys'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('loom.config.json:2:23: /fallback/1: unknown provider "claud" (did you mean "claude"?)\n');
    expect(result.stdout).toMatch(/^agents\/a\/config\.json:2:16: \/maxTokens: .+$/m);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('2 errors, 0 warnings in 2 files');
  });

  it('a syntax error is a problem found (exit 1) with its place', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': '{\n  "defaultProvider": "mock",\n}\n' });
    const { code, report } = await validate(cwd);
    expect(code).toBe(1);
    expect(problemsOf(report, 'loom.config.json')?.[0]).toMatchObject({ severity: 'error', line: 2, column: 28, message: 'Trailing comma is not allowed' });
  });

  it('checks keys of the providers in use, warns about literal keys, and --no-keys skips the key check', async () => {
    const cwd = await makeWorkspace({
      'loom.config.json': { defaultProvider: 'openai', fallback: ['gemini'], providers: { inline: { type: 'anthropic', apiKey: 'sk-test-literal-key-123456' } } },
      'agents/a/config.json': { provider: 'inline', prompt: 'x' },
    });
    const { code, report, stdout } = await validate(cwd);
    expect(code).toBe(1);
    const problems = problemsOf(report, 'loom.config.json') ?? [];
    expect(problems).toContainEqual({ severity: 'error', pointer: null, line: null, column: null, message: 'provider "openai" has no API key: set OPENAI_API_KEY (used by defaultProvider)' });
    expect(problems).toContainEqual({ severity: 'warning', pointer: null, line: null, column: null, message: 'provider "gemini" has no API key: set GEMINI_API_KEY or GOOGLE_API_KEY (used by fallback)' });
    expect(problems).toContainEqual(expect.objectContaining({ severity: 'warning', pointer: '/providers/inline/apiKey', message: expect.stringContaining('literal API key') }));
    expect(stdout).not.toContain('sk-test-literal-key-123456');

    const withKey = await validate(cwd, [], { OPENAI_API_KEY: 'sk-test-abcdef123456', GEMINI_API_KEY: 'g-test-abcdef' });
    expect(withKey.code).toBe(0);
    const noKeys = await validate(cwd, ['--no-keys']);
    expect(noKeys.code).toBe(0);
    expect(problemsOf(noKeys.report, 'loom.config.json')?.map((problem) => problem.severity)).toEqual(['warning']);
  });

  it('checks output.schema is a valid JSON Schema', async () => {
    const cwd = await makeWorkspace({
      'loom.config.json': { defaultProvider: 'mock' },
      'agents/a/config.json': { prompt: 'x', output: { schema: { type: 'strin' } } },
    });
    const { code, report } = await validate(cwd);
    expect(code).toBe(1);
    expect(problemsOf(report, 'agents/a/config.json')?.[0]).toMatchObject({ pointer: '/output/schema/type', message: expect.stringContaining('not a valid JSON Schema') });
  });

  it('a missing --config file means validate could not run: exit 2', async () => {
    const result = await runLoom(['config', 'validate', '--config', 'nope.json'], { cwd: await makeWorkspace() });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('loom: error: config file not found: nope.json\nhint: check the path given to --config\n');
  });

  it("the repository's own config and agents validate", async () => {
    const result = await runLoom(['config', 'validate', '--no-keys'], { cwd: new URL('../..', import.meta.url).pathname });
    expect(result.stdout).toMatch(/^0 errors, 0 warnings in \d+ files$/m);
    expect(result.code).toBe(0);
  });
});

describe('network.allow entries', () => {
  it('an entry that names no host, address or range is a problem at its place; good ones are not', async () => {
    const cwd = await makeWorkspace({
      'loom.config.json': '{\n  "defaultProvider": "mock",\n  "network": { "allow": ["localhost:3000", "10.1.0.0/16", "[::1]:8080", "10.0.0.0/33", "host:70000", "bad host"] }\n}\n',
    });
    const { code, report } = await validate(cwd, ['--no-keys']);
    expect(code).toBe(1);
    expect(problemsOf(report, 'loom.config.json')?.map((p) => `${p.line}:${p.column} ${p.pointer}: ${p.message}`)).toEqual([
      '3:73 /network/allow/3: "10.0.0.0/33" is not a CIDR range (an address, "/" and a prefix length)',
      '3:88 /network/allow/4: "host:70000" has an invalid port (1 to 65535)',
      '3:102 /network/allow/5: must be a host name, an IPv4 address or a bracketed IPv6 address with an optional :port, or a CIDR range ("localhost:3000", "10.1.0.0/16")',
    ]);
  });
});

describe('agents/<name>/tests.json', () => {
  it('is checked like every file: schema, unique names, @file inputs, each problem at its place', async () => {
    const cwd = await makeWorkspace({
      'loom.config.json': { defaultProvider: 'mock' },
      'agents/review/config.json': { prompt: 'Review.' },
      'agents/review/diff.txt': 'a diff\n',
      'agents/review/tests.json': [
        '{',
        '  "tests": [',
        '    { "name": "one", "input": "@diff.txt", "assert": [{ "type": "contains", "value": "x" }] },',
        '    { "name": "one", "assert": [{ "type": "contians", "value": "x" }] },',
        '    { "name": "two", "input": "@missing.txt", "assert": [{ "type": "max-cost", "usd": "cheap" }] },',
        '    { "name": "three", "assert": [] }',
        '  ]',
        '}',
        '',
      ].join('\n'),
    });
    const { code, report } = await validate(cwd, ['--no-keys']);
    expect(code).toBe(1);
    expect(report.files.map((file) => file.path)).toEqual(['loom.config.json', 'agents/review/config.json', 'agents/review/tests.json']);
    const problems = problemsOf(report, 'agents/review/tests.json')!.map((p) => `${p.line}:${p.column} ${p.pointer}: ${p.message}`);
    expect(problems).toEqual([
      expect.stringMatching(/^4:\d+ \/tests\/1\/name: test name "one" is given twice \(first at \/tests\/0\)/),
      expect.stringMatching(/^4:\d+ \/tests\/1\/assert\/0\/type: must be one of: equals, contains, .* \(did you mean "contains"\?\)$/),
      expect.stringMatching(/^5:\d+ \/tests\/2\/input: input file not found: missing\.txt/),
      expect.stringMatching(/^5:\d+ \/tests\/2\/assert\/0\/usd: must be a number/),
      expect.stringMatching(/^6:\d+ \/tests\/3\/assert: /),
    ]);
  });
});
