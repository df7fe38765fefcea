/**
 * CONTRACT §13 end to end: `loom test` through the built CLI and the real OpenAI SDK. Cases are
 * recorded against the fake server (which answers by the request's content, so concurrent runs
 * get their own answers), then replayed with the server closed and no key, any socket use failing
 * the process. Exit codes 0 / 1 / 4 / 2, `--json`, JUnit, GitHub annotations, `--repeat`,
 * `--prune`, judges, and the CI default.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runLoom, type CliResult } from '../support/cli.js';
import { FakeProviderServer, hang, json, openaiWire, type RecordedRequest } from '../support/fake-provider-server.js';
import { KEYS, logLines, loom, OPENAI_PATH, spawnLoom, until, workspace } from './run-helpers.js';

const NO_NETWORK = fileURLToPath(new URL('../fixtures/replay/no-network.cjs', import.meta.url));

/** `loom` as CI runs it: no key, and any socket use fails the process. */
const offline = (args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> =>
  runLoom(args, { cwd, env: { NODE_OPTIONS: `--require ${NO_NETWORK}`, ...env } });

const lastUser = (request: RecordedRequest): string => request.body.messages.filter((m: any) => m.role === 'user').at(-1)?.content ?? '';

/** An OpenAI answer in the shape the request asked for (streamed or whole). */
function answer(request: RecordedRequest, text: string, usage = { input: 10, output: 5 }) {
  if (request.body.stream) return openaiWire.sse(openaiWire.chunks({ text: [text], usage: openaiWire.usage(usage.input, usage.output) }));
  return json(openaiWire.completion({ text, usage: openaiWire.usage(usage.input, usage.output) }));
}

let server: FakeProviderServer;
beforeEach(async () => {
  server = await FakeProviderServer.start();
});
afterEach(async () => {
  await server.close();
});

const BOT = { prompt: 'Q: {{input}}' };

/** A project whose agent `bot` has these cases; the fake server answers "capital of X" with a city. */
/** How many times the fake server tossed its coin ("tails" every third time). */
let tosses = 0;

async function project(tests: unknown[], extra: Record<string, unknown> = {}): Promise<string> {
  const priced = { type: 'openai', baseUrl: `${server.url}/v1`, model: 'gpt-5.4-mini', apiKey: '${OPENAI_TEST_KEY}', pricing: { 'gpt-5.4-mini': { input: 1, output: 2 } } };
  const cwd = await workspace(server, { providers: { oai: priced } }, { 'agents/bot/config.json': BOT, 'agents/bot/tests.json': JSON.stringify({ tests }, null, 2), ...extra });
  server.route(OPENAI_PATH, (request) => {
    const text = lastUser(request);
    if (text.includes('stuck')) return hang();
    if (text.includes('coin')) return answer(request, ++tosses % 3 === 0 ? 'tails' : 'heads');
    if (text.includes('<rubric>')) return answer(request, JSON.stringify({ pass: !text.includes('Lyon'), score: 0.9, reason: 'it names the capital' }));
    if (text.includes('France')) return answer(request, 'The capital is Paris.');
    if (text.includes('Italy')) return answer(request, 'The capital is Rome.');
    return answer(request, 'I do not know.');
  });
  return cwd;
}

const CASES = [
  { name: 'knows France', input: 'capital of France?', assert: [{ type: 'contains', value: 'Paris' }, { type: 'max-cost', usd: 0.01 }] },
  { name: 'knows Italy', input: 'capital of Italy?', assert: [{ type: 'equals', value: 'Milan' }] },
  { name: 'later', input: 'x', skip: true, assert: [{ type: 'contains', value: 'y' }] },
];

describe('loom test: record, then replay offline', () => {
  it('reports each case in order, exits 1 for a failed assertion, and replays the same with no server and no key', async () => {
    const cwd = await project(CASES);
    const recorded = await loom(['test', '--record'], cwd);
    expect(recorded.code, recorded.stderr).toBe(1);
    const lines = recorded.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^✓ bot › knows France {2}\d+\.\ds {2}\$0\.0000[0-9]+$/);
    expect(lines[1]).toMatch(/^✗ bot › knows Italy {2}/);
    expect(lines[2]).toBe('    equals: answer: expected "Milan", got "The capital is Rome."');
    expect(lines[3]).toBe('- bot › later  skipped');
    expect(lines.at(-1)).toBe('1 passed, 1 failed, 0 errored, 1 skipped');
    expect(server.requests.length).toBe(2);
    const files = await readdir(join(cwd, 'loom-fixtures', 'bot'));
    expect(files).toHaveLength(2);
    await server.close();

    const replayed = await offline(['test', '--replay'], cwd);
    expect(replayed.code, replayed.stderr).toBe(1);
    expect(replayed.stdout.split('\n')[0]).toMatch(/^✓ bot › knows France {2}0\.0s {2}\$0\.0000[0-9]+ {2}replayed$/);
    expect(replayed.stdout.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed, 0 errored, 1 skipped');
    // One run-log line per test that ran, marked replayed the second time.
    const log = await logLines(cwd);
    expect(log.map((line) => [line.agent, line.replayed])).toEqual([['bot', false], ['bot', false], ['bot', true], ['bot', true]].sort());
  });

  it('CI=true replays by default: a case with no fixture errors (exit 4) with the miss, and --json says so', async () => {
    const cwd = await project(CASES.slice(0, 1));
    const result = await offline(['test', '--json'], cwd, { CI: 'true' });
    expect(result.code, result.stderr).toBe(4);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ ok: false, summary: { passed: 0, failed: 0, errored: 1, skipped: 0 } });
    expect(doc.tests[0]).toMatchObject({ agent: 'bot', name: 'knows France', file: 'agents/bot/tests.json', line: 3, status: 'errored', error: { code: 'replay_miss' } });
    expect(doc.tests[0].error.message).toContain('no fixture for turn 1 of agent "bot"');
    expect(server.requests).toHaveLength(0);
  });

  it('without CI it records by default; a missing key is an error of the case (exit 4), not of the command', async () => {
    const cwd = await project(CASES.slice(0, 1));
    const result = await runLoom(['test'], { cwd, env: {} });
    expect(result.code, result.stderr).toBe(4);
    expect(result.stdout).toContain('! bot › knows France');
    expect(result.stdout).toContain('missing_api_key');
    // CI=false (how some set-ups turn CI off) is not CI: it records too.
    const ok = await loom(['test'], cwd, { env: { CI: 'false' } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(join(cwd, 'loom-fixtures', 'bot'))).toBe(true);
  });
});

describe('loom test reports', () => {
  it('--junit writes valid XML (one suite per agent, failure and error elements); GITHUB_ACTIONS annotates on stdout and writes the step summary', async () => {
    const cases = [...CASES, { name: 'bad <&> "name"', input: 'capital of Spain?', assert: [{ type: 'regex', pattern: '^\\d+$' }] }];
    const cwd = await project(cases);
    const summaryFile = join(cwd, 'summary.md');
    const result = await loom(['test', '--record', '--junit', 'report.xml'], cwd, { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile } });
    expect(result.code, result.stderr).toBe(1);
    const xml = await readFile(join(cwd, 'report.xml'), 'utf8');
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const suite = parsed.testsuites.testsuite;
    expect(suite.name).toBe('bot');
    expect(suite.testcase.map((c: any) => c.name)).toEqual(['knows France', 'knows Italy', 'later', 'bad <&> "name"']);
    expect(suite.testcase[1].failure).toBeDefined();
    expect(suite.testcase[1]).toMatchObject({ classname: 'bot', file: 'agents/bot/tests.json' });
    const annotations = result.stdout.split('\n').filter((line) => line.startsWith('::error '));
    expect(annotations).toHaveLength(2);
    expect(annotations[0]).toMatch(/^::error file=agents\/bot\/tests\.json,line=\d+,title=bot › knows Italy failed::equals: /);
    expect(await readFile(summaryFile, 'utf8')).toContain('| ❌ failed | bot | knows Italy |');

    const asJson = await loom(['test', '--record', '--json'], cwd, { env: { GITHUB_ACTIONS: 'true' } });
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stdout).summary).toMatchObject({ passed: 1, failed: 2 });
    expect(asJson.stderr).toContain('::error file=agents/bot/tests.json');
  });
});

describe('loom test cases', () => {
  it('a judge is a recorded structured call that replays; it fails below its threshold or when pass is false', async () => {
    const cwd = await project([
      { name: 'judged', input: 'capital of France?', assert: [{ type: 'judge', rubric: 'names the capital', threshold: 0.8 }] },
      { name: 'too strict', input: 'capital of Italy?', assert: [{ type: 'judge', rubric: 'names the capital', threshold: 0.95 }] },
    ]);
    const recorded = await loom(['test', '--record', '--json'], cwd);
    expect(recorded.code, recorded.stderr).toBe(1);
    const doc = JSON.parse(recorded.stdout);
    expect(doc.tests[0].assertions[0]).toMatchObject({ type: 'judge', pass: true });
    expect(doc.tests[0].assertions[0].message).toContain('score 0.9 ≥ 0.8');
    expect(doc.tests[1].assertions[0].message).toContain('score 0.9 < 0.95');
    const judge = server.requests.find((request) => lastUser(request).includes('<rubric>'))!;
    expect(judge.body.response_format?.type).toBe('json_schema');
    const fixtures = await Promise.all((await readdir(join(cwd, 'loom-fixtures', 'bot'))).map(async (name) => JSON.parse(await readFile(join(cwd, 'loom-fixtures', 'bot', name), 'utf8'))));
    expect(fixtures.filter((fixture) => fixture.role === 'judge')).toHaveLength(2);
    await server.close();
    const replayed = await offline(['test', '--replay', '--json'], cwd);
    expect(replayed.code, replayed.stderr).toBe(1);
    expect(JSON.parse(replayed.stdout).tests.map((t: any) => t.status)).toEqual(['passed', 'failed']);
  });

  it('--repeat runs each case n times (each repeat its own fixture); --pass-rate decides; --filter picks by name', async () => {
    tosses = 0;
    const cwd = await project([{ name: 'flaky', input: 'coin', assert: [{ type: 'contains', value: 'heads' }] }, { name: 'other', input: 'x', assert: [{ type: 'contains', value: 'x' }] }]);
    const strict = await loom(['test', '--record', '--repeat', '3', '--filter', '^fla', '--concurrency', '1'], cwd);
    expect(strict.code, strict.stderr).toBe(1);
    expect(strict.stdout).toMatch(/✗ bot › flaky .*2\/3 passed/);
    expect(strict.stdout).not.toContain('other');
    expect(await readdir(join(cwd, 'loom-fixtures', 'bot'))).toHaveLength(3);
    await server.close();
    const lenient = await offline(['test', '--replay', '--repeat', '3', '--pass-rate', '0.6', '--filter', 'flaky'], cwd);
    expect(lenient.code, lenient.stderr).toBe(0);
    expect(lenient.stdout).toMatch(/✓ bot › flaky .*replayed {2}2\/3 passed/);
  });

  it('a run that stops at max_steps completes: a status assertion can expect it, and without one it fails', async () => {
    const tests = [
      { name: 'expects the stop', input: 'loop', assert: [{ type: 'status', ok: false, code: 'max_steps' }, { type: 'tool-called', name: 'list_files' }] },
      { name: 'does not', input: 'loop', assert: [{ type: 'tool-called', name: 'list_files' }] },
    ];
    const cwd = await workspace(server, {}, { 'agents/bot/config.json': { ...BOT, tools: ['list_files'], maxSteps: 1 }, 'agents/bot/tests.json': { tests } });
    server.route(OPENAI_PATH, (request) =>
      request.body.stream
        ? openaiWire.sse(openaiWire.chunks({ toolCalls: [{ id: 'c1', name: 'list_files', args: ['{}'] }] }))
        : json(openaiWire.completion({ toolCalls: [{ id: 'c1', name: 'list_files', arguments: '{}' }] })),
    );
    const result = await loom(['test', '--record', '--json'], cwd);
    expect(result.code, result.stderr).toBe(1);
    const [expects, not] = JSON.parse(result.stdout).tests;
    expect(expects.status).toBe('passed');
    expect(not.status).toBe('failed');
    expect(not.assertions[0]).toMatchObject({ type: 'status', pass: false });
    expect(not.assertions[0].message).toContain('max_steps');
  });

  it('--prune deletes the fixtures no test used, and only with a recording mode and no --filter', async () => {
    const cwd = await project(CASES.slice(0, 2));
    expect((await loom(['test', '--record'], cwd)).code).toBe(1);
    expect(await readdir(join(cwd, 'loom-fixtures', 'bot'))).toHaveLength(2);
    await writeFile(join(cwd, 'agents/bot/tests.json'), JSON.stringify({ tests: CASES.slice(0, 1) }));
    const replayPrune = await loom(['test', '--replay', '--prune'], cwd);
    expect(replayPrune.code).toBe(2);
    expect(replayPrune.stderr).toContain('--prune');
    expect((await loom(['test', '--record', '--prune', '--filter', 'x'], cwd)).code).toBe(2);
    const pruned = await loom(['test', '--record', '--prune'], cwd);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stderr).toContain('pruned 1 unused fixture');
    expect(await readdir(join(cwd, 'loom-fixtures', 'bot'))).toHaveLength(1);
  });
});

describe('loom test: what cannot run', () => {
  it("a broken agent's cases are errored (exit 4) and the others still run; a broken tests file is one errored entry at its line", async () => {
    const cwd = await project(CASES.slice(0, 1), {
      'agents/broken/config.json': '{ "prompt": 5 }',
      'agents/broken/tests.json': { tests: [{ name: 'any', assert: [{ type: 'contains', value: 'x' }] }] },
      'agents/badtests/config.json': BOT,
      'agents/badtests/tests.json': '{ "tests": [ { "name": "x", "assert": [ { "type": "equal", "value": 1 } ] } ] }',
    });
    const result = await loom(['test', '--record', '--json'], cwd);
    expect(result.code, result.stderr).toBe(4);
    const tests = JSON.parse(result.stdout).tests;
    expect(tests.map((t: any) => [t.agent, t.name, t.status])).toEqual([
      ['badtests', 'tests.json', 'errored'],
      ['bot', 'knows France', 'passed'],
      ['broken', 'any', 'errored'],
    ]);
    expect(tests[0].error.message).toContain('did you mean "equals"');
    expect(tests[2].error.message).toContain('agent "broken" is broken');
  });

  it('Ctrl-C stops the suite: exit 130, the finished tests reported, the rest not started', async () => {
    const cwd = await project([CASES[0]!, { name: 'stuck', input: 'stuck', assert: [{ type: 'contains', value: 'x' }] }, { name: 'never', input: 'capital of Italy?', assert: [{ type: 'contains', value: 'Rome' }] }]);
    const live = spawnLoom(['test', '--record', '--concurrency', '1'], cwd);
    await live.waitFor('✓ bot › knows France');
    await until(() => server.requests.length === 2);
    live.child.kill('SIGINT');
    const result = await live.done;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stdout).toContain('✓ bot › knows France');
    expect(result.stdout).not.toContain('never');
    expect(server.requests).toHaveLength(2);
  });

  it('usage errors exit 2 with nothing run: an unknown agent, an agent with no tests, a filter matching nothing, a bad regex, --pass-rate without --repeat', async () => {
    const cwd = await project(CASES.slice(0, 1), { 'agents/plain/config.json': BOT });
    for (const [args, message] of [
      [['test', 'bott'], 'unknown agent "bott"'],
      [['test', 'plain'], 'agent "plain" has no tests'],
      [['test', '--filter', 'nothing-like-it'], 'no test name matches --filter'],
      [['test', '--filter', '('], '--filter is no regular expression'],
      [['test', '--pass-rate', '0.5'], '--pass-rate needs --repeat'],
      [['test', '--pass-rate', '2', '--repeat', '2'], '--pass-rate'],
    ] as const) {
      const result = await loom([...args], cwd);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(server.requests).toHaveLength(0);
    expect(KEYS.OPENAI_TEST_KEY).toBeTruthy();
  });
});
