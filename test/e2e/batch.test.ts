/**
 * CONTRACT §14 end to end: `loom batch` through the built CLI and the real OpenAI SDK against the
 * fake server, which answers each item by its content (so concurrent items get their own
 * answers) and measures what a provider would: requests in flight at once, requests per item.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeProviderServer, json, openaiWire, type FakeResponse, type RecordedRequest } from '../support/fake-provider-server.js';
import { logLines, loom, OPENAI_PATH, spawnLoom, until, workspace } from './run-helpers.js';

let server: FakeProviderServer;
beforeEach(async () => {
  server = await FakeProviderServer.start();
});
afterEach(async () => {
  await server.close();
});

const userText = (request: RecordedRequest): string => request.body.messages.filter((m: any) => m.role === 'user').at(-1)?.content ?? '';

/** Answers "item: <input>" with "done <input>"; `fail` in an input is a 400, `slow` waits. */
function answer(request: RecordedRequest, delayMs = 0): FakeResponse {
  const text = userText(request).replace(/^item: /, '');
  if (text.includes('fail')) return json({ error: { message: 'this item is bad', type: 'invalid_request_error' } }, 400);
  return { ...json(openaiWire.completion({ text: `done ${text}`, usage: openaiWire.usage(10, 5) })), delayMs: text.includes('slow') ? 2000 : delayMs } as FakeResponse;
}

const priced = (server: FakeProviderServer, limits?: Record<string, number>) => ({
  type: 'openai',
  baseUrl: `${server.url}/v1`,
  model: 'gpt-5.4-mini',
  apiKey: '${OPENAI_TEST_KEY}',
  pricing: { 'gpt-5.4-mini': { input: 1, output: 2 } },
  ...(limits ? { limits } : {}),
});

async function project(lines: string[], options: { limits?: Record<string, number>; delayMs?: number } = {}): Promise<string> {
  const cwd = await workspace(server, { providers: { oai: priced(server, options.limits) } }, { 'agents/tp/config.json': { prompt: 'item: {{input}}{{suffix}}', inputs: { suffix: { default: '' } } }, 'items.jsonl': `${lines.join('\n')}\n` });
  server.route(OPENAI_PATH, (request) => answer(request, options.delayMs));
  return cwd;
}

const results = async (cwd: string, file = 'results.jsonl') => (await readFile(join(cwd, file), 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line));
const byIndex = (lines: any[]) => [...lines].sort((a, b) => a.index - b.index);
const items = (n: number, word = 'x') => Array.from({ length: n }, (_, i) => JSON.stringify({ input: `${word}${i}` }));

describe('loom batch', () => {
  it('writes a result line for every index (any order); blank lines keep no index, bad lines are bad_input, ids and variables carried', async () => {
    const cwd = await project(['{"input": "a", "id": "first"}', '', '"b"', '   ', 'not json', '{"input": "c", "suffix": "!"}', '[1]', '{"input": "please fail"}']);
    const result = await loom(['batch', 'tp', '--input', 'items.jsonl', '--output', 'results.jsonl', '--var', 'suffix=?'], cwd);
    expect(result.code, result.stderr).toBe(1);
    const lines = byIndex(await results(cwd));
    expect(lines.map((line) => [line.index, line.ok, line.text ?? line.error.code])).toEqual([
      [0, true, 'done a?'],
      [1, true, 'done b?'],
      [2, false, 'bad_input'],
      [3, true, 'done c!'],
      [4, false, 'bad_input'],
      [5, false, 'bad_request'],
    ]);
    expect(lines[0]).toMatchObject({ id: 'first', provider: 'oai', model: 'gpt-5.4-mini', usage: { inputTokens: 10, outputTokens: 5 }, steps: 1, attempts: 1 });
    expect(Object.keys(lines[0]).slice(0, 14)).toEqual(['index', 'id', 'ok', 'text', 'output', 'error', 'usage', 'costUsd', 'provider', 'model', 'attempts', 'steps', 'durationMs', 'agent']);
    expect(lines[2].error.message).toContain('line 5');
    expect(server.requests).toHaveLength(4);
    // One run-log line for the batch, not one per item.
    const log = await logLines(cwd);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ kind: 'batch', agent: 'tp', ok: false, items: { written: 6, ok: 3, failed: 3 } });
  });

  it('reads stdin with --input - and writes to stdout without --output; exit 0 when every item is ok', async () => {
    const cwd = await project([]);
    const result = await loom(['batch', 'tp', '--input', '-'], cwd, { input: '"one"\n"two"\n' });
    expect(result.code, result.stderr).toBe(0);
    const lines = byIndex(result.stdout.trim().split('\n').map((line) => JSON.parse(line)));
    expect(lines.map((line) => line.text)).toEqual(['done one', 'done two']);
  });

  it('never overwrites results: --resume runs only what is missing, --force starts afresh', async () => {
    const cwd = await project(items(3));
    await writeFile(join(cwd, 'results.jsonl'), `${JSON.stringify({ index: 1, ok: true, text: 'kept' })}\n`);
    const refused = await loom(['batch', 'tp', '--input', 'items.jsonl', '--output', 'results.jsonl'], cwd);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('already holds results');
    expect(refused.stderr).toContain('--resume');
    const resumed = await loom(['batch', 'tp', '--input', 'items.jsonl', '--output', 'results.jsonl', '--resume'], cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(server.requests.map(userText).sort()).toEqual(['item: x0', 'item: x2']);
    expect(byIndex(await results(cwd)).map((line) => line.text)).toEqual(['done x0', 'kept', 'done x2']);
    const forced = await loom(['batch', 'tp', '--input', 'items.jsonl', '--output', 'results.jsonl', '--force'], cwd);
    expect(forced.code).toBe(0);
    expect((await results(cwd)).map((line) => line.text).sort()).toEqual(['done x0', 'done x1', 'done x2']);
  });

  it('killed mid-batch (SIGKILL), then --resume: every index exactly once, ok lines never run again', async () => {
    const cwd = await project([...items(6), JSON.stringify({ input: 'slow one' }), ...items(3, 'y')], { delayMs: 50 });
    const live = spawnLoom(['batch', 'tp', '--input', 'items.jsonl', '--output', 'results.jsonl', '--concurrency', '2'], cwd);
    await until(() => server.requests.some((request) => userText(request).includes('slow')), 8000);
    live.child.kill('SIGKILL');
    await live.done;
    const before = await results(cwd);
    expect(before.length).toBeGreaterThan(0);
    expect(before.some((line) => line.index === 6)).toBe(false);
    const ranBefore = new Set(before.map((line) => line.index));
    server.reset();
    server.route(OPENAI_PATH, (request) => answer(request));
    const resumed = await loom(['batch', 'tp', '--input', 'items.jsonl', '--output', 'results.jsonl', '--resume'], cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = await results(cwd);
    expect(after.map((line) => line.index).sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    const inputs = ['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'slow one', 'y0', 'y1', 'y2'];
    const rerun = server.requests.map((request) => inputs.indexOf(userText(request).replace(/^item: /, '')));
    expect(rerun.filter((index) => ranBefore.has(index))).toEqual([]);
    expect(rerun.length + ranBefore.size).toBe(10);
  }, 20_000);

  it('SIGINT starts no new item and aborts the running ones, which are not written: exit 130, and --resume redoes them', async () => {
    const cwd = await project(['"a"', '"slow b"', '"c"', '"d"']);
    const live = spawnLoom(['batch', 'tp', '--input', 'items.jsonl', '--output', 'results.jsonl', '--concurrency', '1'], cwd);
    await until(() => server.requests.some((request) => userText(request).includes('slow')), 8000);
    live.child.kill('SIGINT');
    const result = await live.done;
    expect(result.code, result.stderr).toBe(130);
    expect((await results(cwd)).map((line) => line.index)).toEqual([0]);
    expect(server.requests).toHaveLength(2);
    server.reset();
    server.route(OPENAI_PATH, (request) => answer({ ...request, body: { ...request.body, messages: [{ role: 'user', content: userText(request).replace('slow ', '') }] } }));
    const resumed = await loom(['batch', 'tp', '--input', 'items.jsonl', '--output', 'results.jsonl', '--resume'], cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(server.requests.map(userText).sort()).toEqual(['item: c', 'item: d', 'item: slow b']);
    const log = await logLines(cwd);
    expect(log.map((line) => [line.kind, line.error?.code ?? null])).toEqual([['batch', 'interrupted'], ['batch', null]]);
  });

  it('--retry-errors runs the failed items again and leaves one line per index', async () => {
    const cwd = await project(['"a"', '"b"']);
    await writeFile(join(cwd, 'results.jsonl'), [{ index: 0, ok: true, text: 'kept' }, { index: 1, ok: false, error: { code: 'timeout' } }].map((line) => JSON.stringify(line)).join('\n') + '\n');
    // --resume alone keeps the failed line, and the exit code describes the whole file.
    const kept = await loom(['batch', 'tp', '--input', 'items.jsonl', '--output', 'results.jsonl', '--resume'], cwd);
    expect(kept.code, kept.stderr).toBe(1);
    expect(server.requests).toHaveLength(0);
    const result = await loom(['batch', 'tp', '--input', 'items.jsonl', '--output', 'results.jsonl', '--retry-errors'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(server.requests.map(userText)).toEqual(['item: b']);
    expect(await results(cwd)).toEqual([{ index: 0, ok: true, text: 'kept' }, expect.objectContaining({ index: 1, ok: true, text: 'done b' })]);
  });

  it('--shard i/n partitions the items: the shards together are the whole, with no overlap', async () => {
    const cwd = await project(items(7));
    const seen: number[] = [];
    for (const shard of ['1/3', '2/3', '3/3']) {
      const result = await loom(['batch', 'tp', '--input', 'items.jsonl', '--shard', shard], cwd);
      expect(result.code, result.stderr).toBe(0);
      const indexes = result.stdout.trim().split('\n').map((line) => JSON.parse(line).index);
      for (const index of indexes) expect(index % 3).toBe(Number(shard[0]) - 1);
      seen.push(...indexes);
    }
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(7).keys()]);
  });

  it('holds the concurrency at the server, and rides out 429s with retry-after without a failure', async () => {
    const cwd = await project(items(24), { delayMs: 40 });
    let calls = 0;
    server.reset();
    server.route(OPENAI_PATH, (request) => (++calls % 5 === 0 ? json({ error: { message: 'slow down', type: 'rate_limit' } }, 429, { 'retry-after': '0.05' }) : answer(request, 40)));
    const result = await loom(['batch', 'tp', '--input', 'items.jsonl', '--concurrency', '4'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(24);
    expect(server.maxInFlight).toBeGreaterThan(1);
    expect(server.maxInFlight).toBeLessThanOrEqual(4);
  });

  it('holds requestsPerMinute at the server: within the first minute no more requests than the limit', async () => {
    const cwd = await project(items(6), { limits: { requestsPerMinute: 3 } });
    const live = spawnLoom(['batch', 'tp', '--input', 'items.jsonl', '--output', 'results.jsonl', '--concurrency', '6'], cwd);
    await until(() => server.requests.length >= 3, 8000);
    // Well inside the minute: the fourth request must still be waiting for the first to age out.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(server.requests).toHaveLength(3);
    live.child.kill('SIGINT');
    const result = await live.done;
    expect(result.code, result.stderr).toBe(130);
    expect(await results(cwd)).toHaveLength(3);
  });

  it('takes its concurrency from the provider limits when no flag is given', async () => {
    const cwd = await project(items(12), { delayMs: 40, limits: { concurrency: 2 } });
    const result = await loom(['batch', 'tp', '--input', 'items.jsonl'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(server.maxInFlight).toBe(2);
  });

  it('--max-cost stops the batch: items not started are not written, exit 1, and --resume goes on', async () => {
    const cwd = await project(items(10));
    // Each item costs (10 × $1 + 5 × $2) / 1M = $0.00002: the budget holds a few, not all.
    const result = await loom(['batch', 'tp', '--input', 'items.jsonl', '--output', 'results.jsonl', '--concurrency', '1', '--max-cost', '0.00007'], cwd);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/budget of \$0\.00007: \d+ items without an ok result/);
    const written = await results(cwd);
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(10);
    const resumed = await loom(['batch', 'tp', '--input', 'items.jsonl', '--output', 'results.jsonl', '--resume'], cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await results(cwd)).toHaveLength(10);
  });

  it('starts the MCP servers once for the whole batch, shares them across items, and stops them at the end', async () => {
    const serverScript = fileURLToPath(new URL('../fixtures/tools/custom-mcp-server.mjs', import.meta.url));
    const cwd = await project(items(4));
    await writeFile(
      join(cwd, 'agents/tp/config.json'),
      JSON.stringify({ prompt: 'item: {{input}}', mcpServers: { custom: { command: 'sh', args: ['-c', `echo started >> starts.log; exec "${process.execPath}" "${serverScript}"`], env: { LOOM_PID_FILE: 'mcp.pid' } } } }),
    );
    server.reset();
    server.route(OPENAI_PATH, (request) =>
      request.body.messages.some((m: any) => m.role === 'tool')
        ? json(openaiWire.completion({ text: 'used the tool' }))
        : json(openaiWire.completion({ toolCalls: [{ id: 'c1', name: 'custom__cwd', arguments: '{}' }] })),
    );
    const result = await loom(['batch', 'tp', '--input', 'items.jsonl', '--concurrency', '2'], cwd);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.ok, line.toolCalls])).toEqual(Array(4).fill([true, [{ name: 'custom__cwd', ok: true }]]));
    expect((await readFile(join(cwd, 'starts.log'), 'utf8')).trim().split('\n')).toEqual(['started']);
    const pid = Number(await readFile(join(cwd, 'mcp.pid'), 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('usage errors exit 2 with nothing sent: a missing input file, a bad --shard, --resume without --output', async () => {
    const cwd = await project(items(1));
    for (const [args, message] of [
      [['--input', 'nope.jsonl'], 'input file not found: nope.jsonl'],
      [['--input', 'items.jsonl', '--shard', '4/3'], '--shard'],
      [['--input', 'items.jsonl', '--resume'], '--resume needs --output'],
      [['--input', 'items.jsonl', '--output', './items.jsonl', '--force'], '--output is the --input file'],
    ] as const) {
      const result = await loom(['batch', 'tp', ...args], cwd);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(message);
    }
    expect(server.requests).toHaveLength(0);
    // The items survived the attempt to write over them.
    expect(await readFile(join(cwd, 'items.jsonl'), 'utf8')).toBe(`${items(1)[0]}\n`);
  });
});
