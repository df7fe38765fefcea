/**
 * CONTRACT §12 in-process: runOnce with `deps.fixtures` and the mock provider. Recording writes
 * one file per call; replay serves them without ever making a provider (`createProvider` throws
 * here); misses, repeats, deterministic and transient failures, fallback, tools and secrets.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Provider } from '../src/core/messages.js';
import type { PlannedProvider, ProviderSettings, RunPlan, ToolPlan } from '../src/core/plan.js';
import { KnownSecrets } from '../src/core/secrets.js';
import type { EngineEvent } from '../src/engine/execute-plan.js';
import { runOnce, type RunDeps } from '../src/engine/run-once.js';
import type { FixtureMode, FixtureOptions } from '../src/fixtures/options.js';
import { createMockProvider, type MockReply } from '../src/providers/mock/index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});
async function tempDir(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'loom-fixtures-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const settings = (name: string): ProviderSettings => ({ name, type: 'mock', keySource: null, needsKey: false, keyVariables: [] });
const entry = (name: string, price = { input: 1, output: 2 }): PlannedProvider => ({ provider: settings(name), model: `${name}-model`, retry: { retries: 0, minDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 5000, price });
const plan = (overrides: Partial<RunPlan> = {}): RunPlan => ({
  agent: 'bot',
  chain: [entry('a')],
  request: { messages: [{ role: 'user', content: 'Read notes.md' }] },
  stream: true,
  maxSteps: 5,
  maxCost: null,
  input: 'Read notes.md',
  log: true,
  tools: null,
  ...overrides,
});
const toolPlan = (workspace: string, builtins: string[], allow: string[] = []): ToolPlan => ({ builtins, mcpServers: {}, allow, shell: false, workspace, configDir: workspace, protect: { folders: [], files: [] }, networkAllow: [], sandbox: false });

interface Harness {
  dir: string;
  made: string[];
  run(mode: Exclude<FixtureMode, 'off'>, p: RunPlan, scripts?: Record<string, MockReply[]>, extra?: Partial<RunDeps> & { fixtures?: Partial<FixtureOptions> }): Promise<{ outcome: Awaited<ReturnType<typeof runOnce>>; events: EngineEvent[] }>;
}

async function harness(): Promise<Harness> {
  const dir = await tempDir();
  const made: string[] = [];
  return {
    dir,
    made,
    async run(mode, p, scripts = {}, extra = {}) {
      const events: EngineEvent[] = [];
      const createProvider = async (config: ProviderSettings): Promise<Provider> => {
        if (mode === 'replay') throw new Error('a provider was made under replay');
        made.push(config.name);
        return createMockProvider(config, scripts[config.name] ?? []);
      };
      const { fixtures, ...rest } = extra;
      const outcome = await runOnce(p, {
        textReachesUser: true,
        createProvider,
        sleep: async () => {},
        onEvent: (event) => events.push(event),
        fixtures: { mode, dir, scope: 'bot', ...fixtures },
        ...rest,
      });
      return { outcome, events };
    },
  };
}

const files = async (dir: string): Promise<string[]> => (existsSync(dir) ? (await readdir(dir)).sort() : []);
const readJson = async (path: string): Promise<any> => JSON.parse(await readFile(path, 'utf8'));
const visible = (events: EngineEvent[]) => events.filter((e) => ['delta', 'tool_call', 'tool_result'].includes(e.type)).map((e) => ({ ...e, ...('id' in e ? { id: 'x' } : {}) }));

describe('record, then replay with no provider at all', () => {
  it('serves the same answer, tool loop and usage from the files, and says it was replayed', async () => {
    const workspace = await tempDir({ 'notes.md': 'the notes\n' });
    const h = await harness();
    const p = plan({ tools: toolPlan(workspace, ['read_file']) });
    const scripts = { a: [{ toolCalls: [{ name: 'read_file', input: { path: 'notes.md' } }] }, { text: 'They say: the notes.', usage: { inputTokens: 30, outputTokens: 6 } }] };
    const recorded = await h.run('record', p, scripts, { tools: { env: {}, yes: false } });
    expect(recorded.outcome.exitCode).toBe(0);
    expect(recorded.outcome.final).toMatchObject({ replayed: false });
    const written = await files(join(h.dir, 'bot'));
    expect(written).toHaveLength(3); // two model calls, one read_file call
    for (const name of written) expect(name).toMatch(/^[0-9a-f]{16}\.json$/);

    const replay = await h.run('replay', p, {}, { tools: { env: {}, yes: false } });
    expect(replay.outcome.exitCode).toBe(0);
    const [live, served] = [recorded.outcome.final, replay.outcome.final] as any[];
    expect(served).toMatchObject({ type: 'done', text: 'They say: the notes.', steps: 2, toolCalls: [{ name: 'read_file', ok: true }], replayed: true });
    expect(served.usage).toEqual(live.usage);
    expect(served.costUsd).toBe(live.costUsd);
    expect(served.costUsd).toBeGreaterThan(0);
    expect(visible(replay.events)).toEqual(visible(recorded.events));
    expect(replay.outcome.logEntry).toMatchObject({ ok: true, replayed: true });
    // --verbose material: one line per served call, naming the file.
    const served_ = replay.events.filter((e) => e.type === 'fixture');
    expect(served_.map((e: any) => [e.action, e.kind])).toEqual([['replayed', 'model'], ['replayed', 'model']]);
    expect((served_[0] as any).file).toMatch(/bot\/[0-9a-f]{16}\.json$/);
    expect(existsSync((served_[0] as any).path)).toBe(true);
    expect(h.made).toEqual(['a']);
  });

  it('the fixture file: its fields, the events with dt, the usage and cost; no id of the model\'s in the request', async () => {
    const h = await harness();
    await h.run('record', plan(), { a: [{ text: 'Hello there', usage: { inputTokens: 3, outputTokens: 2 } }] });
    const [name] = await files(join(h.dir, 'bot'));
    const fixture = await readJson(join(h.dir, 'bot', name!));
    expect(Object.keys(fixture).sort()).toEqual(['agent', 'costUsd', 'events', 'key', 'kind', 'loomVersion', 'occurrence', 'provider', 'recordedAt', 'request', 'turn', 'usage', 'v'].sort());
    expect(fixture).toMatchObject({ v: 1, kind: 'model', turn: 1, agent: 'bot', occurrence: 0, provider: { name: 'a', type: 'mock', model: 'a-model', origin: null }, request: { messages: [{ role: 'user', content: 'Read notes.md' }] }, usage: { inputTokens: 3, outputTokens: 2 }, costUsd: 0.000007 });
    expect(name).toBe(`${fixture.key.slice(0, 16)}.json`);
    expect(fixture.events.map((e: any) => e.type)).toEqual(['text-delta', 'text-delta', 'usage', 'finish']);
    for (const event of fixture.events) expect(typeof event.dt).toBe('number');
    expect(new Date(fixture.recordedAt).getTime()).not.toBeNaN();
  });

  it('replay is instant: the recorded gaps are kept in the file (dt) but not waited for', async () => {
    const h = await harness();
    const slow = { a: [{ text: 'one two three', delayMs: 120 }] };
    const started = Date.now();
    await h.run('record', plan(), slow);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 110);
    const [name] = await files(join(h.dir, 'bot'));
    const fixture = await readJson(join(h.dir, 'bot', name!));
    expect(fixture.events.filter((e: any) => e.type === 'text-delta').every((e: any) => e.dt >= 100)).toBe(true);
    const replayStarted = Date.now();
    const replay = await h.run('replay', plan());
    expect(replay.outcome.final).toMatchObject({ text: 'one two three' });
    // The recording took over 440 ms; served, the same events take a few.
    expect(Date.now() - replayStarted).toBeLessThan(300);
  });

  it('rerecord makes every call live and rewrites the file; the file name stays (keys hold no made-up id)', async () => {
    const workspace = await tempDir({ 'notes.md': 'n' });
    const h = await harness();
    const p = plan({ tools: toolPlan(workspace, ['read_file']) });
    // No ids: the mock makes up a random one each time, as Gemini's stream makes Loom do.
    const script = (answer: string) => ({ a: [{ toolCalls: [{ name: 'read_file', input: { path: 'notes.md' } }] }, { text: answer }] });
    await h.run('record', p, script('first'), { tools: { env: {}, yes: false } });
    const before = await files(join(h.dir, 'bot'));
    await h.run('rerecord', p, script('second'), { tools: { env: {}, yes: false } });
    expect(await files(join(h.dir, 'bot'))).toEqual(before);
    expect(h.made).toEqual(['a', 'a']);
    const replay = await h.run('replay', p, {}, { tools: { env: {}, yes: false } });
    expect(replay.outcome.final).toMatchObject({ text: 'second' });
  });

  it('record serves what it has without making a provider, and records only what is missing', async () => {
    const h = await harness();
    await h.run('record', plan(), { a: [{ text: 'one' }] });
    expect(h.made).toEqual(['a']);
    const again = await h.run('record', plan(), { a: [{ text: 'never sent' }] });
    expect(again.outcome.final).toMatchObject({ text: 'one', replayed: true });
    expect(h.made).toEqual(['a']);
    const other = await h.run('record', plan({ request: { messages: [{ role: 'user', content: 'other' }] } }), { a: [{ text: 'two' }] });
    expect(other.outcome.final).toMatchObject({ text: 'two', replayed: false });
    expect(await files(join(h.dir, 'bot'))).toHaveLength(2);
  });

  it('the same request twice in one run gets a fixture of its own each time', async () => {
    const h = await harness();
    const { FixtureSession } = await import('../src/fixtures/session.js');
    const request = { model: 'a-model', messages: [{ role: 'user' as const, content: 'same' }] };
    const texts = async (mode: 'record' | 'replay', live?: Provider) => {
      const session = await FixtureSession.create({ mode, dir: h.dir, scope: 'bot' }, { agent: 'bot' });
      const provider = session.provider(entry('a'), live ? async () => live : undefined, () => 1);
      const out: string[] = [];
      for (let i = 0; i < 2; i++) {
        let text = '';
        for await (const event of provider.stream(request)) if (event.type === 'text-delta') text += event.text;
        out.push(text);
      }
      return out;
    };
    expect(await texts('record', createMockProvider(settings('a'), [{ text: 'first' }, { text: 'second' }]))).toEqual(['first', 'second']);
    expect(await files(join(h.dir, 'bot'))).toHaveLength(2);
    expect(await texts('replay')).toEqual(['first', 'second']);
  });
});

describe('a replay miss', () => {
  it('fails with replay_miss (exit 1), names the turn, the nearest fixture and where the request differs; nothing is made', async () => {
    const h = await harness();
    await h.run('record', plan(), { a: [{ text: 'one' }] });
    const miss = await h.run('replay', plan({ request: { messages: [{ role: 'user', content: 'Read todo.md' }] } }));
    expect(miss.outcome.exitCode).toBe(1);
    const error = (miss.outcome.final as any).error;
    expect(error).toMatchObject({ code: 'replay_miss', message: 'no fixture for turn 1 of agent "bot" (a, a-model)' });
    expect(error.details[0]).toMatch(/^nearest: .*bot\/[0-9a-f]{16}\.json \(recorded /);
    expect(error.details).toContain('/messages/0/content (user message: "Read notes.md" → "Read todo.md")');
    expect(error.hint).toMatch(/--record/);
    expect((miss.outcome.final as any).replayed).toBe(false);
    expect(miss.outcome.logEntry).toMatchObject({ ok: false, error: { code: 'replay_miss' } });
  });

  it('with nothing recorded for the agent, says so', async () => {
    const h = await harness();
    const miss = await h.run('replay', plan());
    expect((miss.outcome.final as any).error.details).toEqual([`nothing is recorded for turn 1 of agent "bot" in ${join(h.dir, 'bot')}`]);
  });
});

describe('failures', () => {
  it('a bad_request is recorded with its error and replayed as the same failure', async () => {
    const h = await harness();
    const live = await h.run('record', plan(), { a: [{ error: { status: 400, message: 'bad schema' } }] });
    expect((live.outcome.final as any).error.code).toBe('bad_request');
    const [name] = await files(join(h.dir, 'bot'));
    expect((await readJson(join(h.dir, 'bot', name!))).error).toMatchObject({ code: 'bad_request', status: 400 });
    const replay = await h.run('replay', plan());
    expect(replay.outcome.exitCode).toBe(1);
    expect((replay.outcome.final as any).error).toMatchObject({ code: 'bad_request', status: 400, message: (live.outcome.final as any).error.message });
  });

  it('a refusal is recorded and replayed as a refusal', async () => {
    const h = await harness();
    await h.run('record', plan(), { a: [{ text: 'I cannot', finishReason: 'content-filter' }] });
    const [name] = await files(join(h.dir, 'bot'));
    expect((await readJson(join(h.dir, 'bot', name!))).error).toMatchObject({ code: 'refused' });
    const replay = await h.run('replay', plan());
    expect((replay.outcome.final as any).error.code).toBe('refused');
  });

  it.each([
    ['rate limited', { status: 429, message: 'slow down' }],
    ['a 5xx', { status: 503, message: 'overloaded' }],
    ['a network failure', { code: 'network' as const }],
    ['a timeout', { code: 'timeout' as const }],
  ])('%s is never recorded: the retry that answers is', async (_, error) => {
    const h = await harness();
    const p = plan({ chain: [{ ...entry('a'), retry: { retries: 1, minDelayMs: 0, maxDelayMs: 0 } }] });
    const live = await h.run('record', p, { a: [{ error }, { text: 'second try' }] });
    expect(live.outcome.final).toMatchObject({ type: 'done', text: 'second try', attempts: 2 });
    const written = await files(join(h.dir, 'bot'));
    expect(written).toHaveLength(1);
    const fixture = await readJson(join(h.dir, 'bot', written[0]!));
    expect(fixture.error).toBeUndefined();
    expect(fixture.events.filter((e: any) => e.type === 'text-delta').map((e: any) => e.text).join('')).toBe('second try');
  });
});

describe('fallback under replay', () => {
  it('a fallback recorded under record replays: the entry without a fixture is passed over, not retried', async () => {
    const h = await harness();
    const p = plan({ chain: [{ ...entry('a'), retry: { retries: 2, minDelayMs: 0, maxDelayMs: 0 } }, entry('b')] });
    const recorded = await h.run('record', p, { a: [{ error: { status: 503 } }, { error: { status: 503 } }, { error: { status: 503 } }], b: [{ text: 'from b' }] });
    expect(recorded.outcome.final).toMatchObject({ text: 'from b', provider: 'b', fallbackFrom: ['a'] });
    const replay = await h.run('replay', p);
    expect(replay.outcome.final).toMatchObject({ type: 'done', text: 'from b', provider: 'b', fallbackFrom: ['a'], replayed: true });
    expect(replay.events.filter((e) => e.type === 'retry')).toEqual([]);
  });

  it('every entry missing: replay_miss for the first', async () => {
    const h = await harness();
    const replay = await h.run('replay', plan({ chain: [entry('a'), entry('b')] }));
    expect((replay.outcome.final as any).error).toMatchObject({ code: 'replay_miss', message: 'no fixture for turn 1 of agent "bot" (a, a-model)' });
  });
});

describe('tools under replay', () => {
  const writer = (workspace: string) => plan({ tools: toolPlan(workspace, ['write_file', 'read_file', 'run_command'], ['write_file', 'run_command']) });
  const script = {
    a: [
      { toolCalls: [{ name: 'read_file', input: { path: 'in.txt' } }] },
      { toolCalls: [{ name: 'write_file', input: { path: 'out.txt', content: 'written' } }, { name: 'run_command', input: { command: 'touch ran.txt' } }] },
      { toolCalls: [{ name: 'read_file', input: { path: 'out.txt' } }] },
      { text: 'done' },
    ],
  };

  it('write_file writes nothing and run_command runs nothing; read-only tools run live until then, and are served after', async () => {
    const recordedIn = await tempDir({ 'in.txt': 'input' });
    const h = await harness();
    const recorded = await h.run('record', writer(recordedIn), script, { tools: { env: { PATH: process.env.PATH }, yes: false } });
    expect(recorded.outcome.exitCode, JSON.stringify(recorded.outcome.final)).toBe(0);
    expect(await readFile(join(recordedIn, 'out.txt'), 'utf8')).toBe('written');
    expect(existsSync(join(recordedIn, 'ran.txt'))).toBe(true);

    // A fresh workspace: nothing to write into, no out.txt to read. No approval is given either.
    const fresh = await tempDir({ 'in.txt': 'input' });
    const replay = await h.run('replay', plan({ tools: toolPlan(fresh, ['write_file', 'read_file', 'run_command']) }), {}, { tools: { env: { PATH: process.env.PATH }, yes: false } });
    expect(replay.outcome.final).toMatchObject({ type: 'done', text: 'done', steps: 4 });
    expect(existsSync(join(fresh, 'out.txt'))).toBe(false);
    expect(existsSync(join(fresh, 'ran.txt'))).toBe(false);
    // Results of one turn arrive as calls finish: compared in the model's order (the ids say which).
    const results = (events: EngineEvent[]) => {
      const order = events.filter((e) => e.type === 'tool_call').map((e: any) => e.id);
      return events.filter((e) => e.type === 'tool_result').sort((x: any, y: any) => order.indexOf(x.id) - order.indexOf(y.id)).map((e: any) => [e.name, e.ok, e.output]);
    };
    expect(results(replay.events)).toEqual(results(recorded.events));
    expect(results(replay.events).map(([name]) => name)).toEqual(['read_file', 'write_file', 'run_command', 'read_file']);
    // read_file of in.txt ran live (not served); write_file, run_command and the later read_file were served.
    const served = replay.events.filter((e: any) => e.type === 'fixture' && e.kind === 'tool').map((e: any) => e.name);
    // (The calls of one turn run at once: served in whichever order they finish.)
    expect(served.slice(0, 2).sort()).toEqual(['run_command', 'write_file']);
    expect(served[2]).toBe('read_file');
  });

  it('a read-only tool before any write runs live: a changed file makes the next turn miss', async () => {
    const workspace = await tempDir({ 'in.txt': 'x'.repeat(1204) });
    const h = await harness();
    const p = plan({ tools: toolPlan(workspace, ['read_file']) });
    await h.run('record', p, { a: [{ toolCalls: [{ name: 'read_file', input: { path: 'in.txt' } }] }, { text: 'ok' }] }, { tools: { env: {}, yes: false } });
    await writeFile(join(workspace, 'in.txt'), 'y'.repeat(1377));
    const miss = await h.run('replay', p, {}, { tools: { env: {}, yes: false } });
    const error = (miss.outcome.final as any).error;
    expect(error.message).toBe('no fixture for turn 2 of agent "bot" (a, a-model)');
    expect(error.details).toContain('/messages/2/content (tool read_file result: 1204 → 1377 chars)');
  });

  it('a replayed tool call with no fixture is replay_miss', async () => {
    const workspace = await tempDir();
    const h = await harness();
    const p = plan({ tools: toolPlan(workspace, ['write_file'], ['write_file']) });
    await h.run('record', p, { a: [{ toolCalls: [{ name: 'write_file', input: { path: 'a.txt', content: 'x' } }] }, { text: 'ok' }] }, { tools: { env: {}, yes: false } });
    // Drop the tool fixture, keep the model ones.
    for (const name of await files(join(h.dir, 'bot'))) {
      const fixture = await readJson(join(h.dir, 'bot', name));
      if (fixture.kind === 'tool') await rm(join(h.dir, 'bot', name));
    }
    const miss = await h.run('replay', p, {}, { tools: { env: {}, yes: false } });
    expect((miss.outcome.final as any).error).toMatchObject({ code: 'replay_miss', message: 'no fixture for the write_file call of turn 1 of agent "bot"' });
  });
});

describe('secrets never reach a fixture', () => {
  const KEY = 'sk-planted-0123456789abcdef';
  const secrets = () => {
    const known = new KnownSecrets();
    known.addFromEnv({ PLANTED_API_KEY: KEY });
    return known;
  };

  it('a request holding a known secret is refused before it is sent (exit 1, the variable named), and nothing is written', async () => {
    const h = await harness();
    const run = await h.run('record', plan({ request: { messages: [{ role: 'user', content: `my key is ${KEY}` }] } }), { a: [{ text: 'ok' }] }, { secrets: secrets() });
    expect(run.outcome.exitCode).toBe(1);
    const error = (run.outcome.final as any).error;
    expect(error.code).toBe('secret_in_fixture');
    expect(error.message).toContain('PLANTED_API_KEY');
    expect(error.message).not.toContain(KEY);
    expect(h.made).toEqual([]);
    expect(await files(join(h.dir, 'bot'))).toEqual([]);
  });

  it('an answer holding one, even split across stream pieces, is refused too', async () => {
    const h = await harness();
    const { FixtureSession } = await import('../src/fixtures/session.js');
    const session = await FixtureSession.create({ mode: 'record', dir: h.dir, scope: 'bot' }, { agent: 'bot', secrets: secrets() });
    const live: Provider = {
      name: 'a',
      type: 'mock',
      async *stream() {
        yield { type: 'text-delta', text: `here: ${KEY.slice(0, 10)}` };
        yield { type: 'text-delta', text: KEY.slice(10) };
        yield { type: 'finish', reason: 'stop' };
      },
    };
    const provider = session.provider(entry('a'), async () => live, () => 1);
    const drain = async () => {
      for await (const _ of provider.stream({ model: 'a-model', messages: [{ role: 'user', content: 'hi' }] }));
    };
    await expect(drain()).rejects.toMatchObject({ code: 'secret_in_fixture', message: expect.stringContaining('PLANTED_API_KEY') });
    expect(await files(join(h.dir, 'bot'))).toEqual([]);
  });
});
