/**
 * Issue 5 end to end: the limits of a run. `maxSteps` / `--max-steps` bound the model turns
 * (exit 1 `max_steps`, the partial answer kept); `maxCost` / `--max-cost` stop a run right after
 * a turn that passed the budget, or before a turn that would (estimated); a budget without a
 * price is refused before anything is sent.
 */
import { describe, expect, it } from 'vitest';
import { FakeProviderServer, openaiWire } from '../support/fake-provider-server.js';
import { agentWorkspace, dialect, type Call } from './agent-helpers.js';
import { jsonLines, logLines, loom, OPENAI_PATH } from './run-helpers.js';
import { useFakeProviderServer } from '../support/fake-server-hooks.js';

let server!: FakeProviderServer;
useFakeProviderServer((started) => (server = started));

const oai = dialect('oai');
const LIST: Call = { id: 'call_list', name: 'list_files', input: {} };

/** A model that asks for a tool on every turn, saying which turn it is on some of them. */
function keepAskingForTools(sayOnTurn: (turn: number) => string | undefined = (turn) => `Turn ${turn}.`) {
  let turn = 0;
  server.route(OPENAI_PATH, () => {
    turn++;
    return oai.toolTurn([{ ...LIST, id: `call_${turn}` }], sayOnTurn(turn));
  });
}

describe('maxSteps', () => {
  it('the agent\'s maxSteps: exit 1 max_steps after that many turns; --json keeps the last text and the tool calls', async () => {
    const cwd = await agentWorkspace(server, { tools: ['list_files'], maxSteps: 3 });
    keepAskingForTools();
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code).toBe(1);
    expect(server.requestsTo(OPENAI_PATH)).toHaveLength(3);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({
      ok: false,
      error: { code: 'max_steps', provider: 'oai', status: null },
      text: 'Turn 3.',
      steps: 3,
      toolCalls: [{ name: 'list_files', ok: true }, { name: 'list_files', ok: true }, { name: 'list_files', ok: true }],
    });
    expect(doc.error.message).toContain('3 model turns');
    expect(result.stderr).toContain('loom: error: the agent took 3 model turns without a final answer');
    expect(result.stderr).toContain('--max-steps');
    const [line] = await logLines(cwd);
    expect(line).toMatchObject({ ok: false, error: { code: 'max_steps' }, steps: 3, text: 'Turn 3.' });
    expect(line!.toolCalls).toHaveLength(3);
  });

  it('--max-steps overrides the agent; text mode keeps what was printed', async () => {
    const cwd = await agentWorkspace(server, { tools: ['list_files'], maxSteps: 5 });
    keepAskingForTools();
    const result = await loom(['run', 'bot', '--max-steps', '2'], cwd);
    expect(result.code).toBe(1);
    expect(server.requestsTo(OPENAI_PATH)).toHaveLength(2);
    expect(result.stdout).toBe('Turn 1.\nTurn 2.\n');
    expect(result.stderr).toContain('max-steps');
  });

  it('with no text on the last turns, --json still carries text: the last thing the assistant said', async () => {
    const cwd = await agentWorkspace(server, { tools: ['list_files'] });
    keepAskingForTools((turn) => (turn === 1 ? 'Let me list the files.' : undefined));
    const result = await loom(['run', 'bot', '--json', '--max-steps', '3'], cwd);
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ ok: false, error: { code: 'max_steps' }, steps: 3, text: 'Let me list the files.' });
    expect(doc.toolCalls).toHaveLength(3);
  });

  it('the default is 10 turns; --jsonl ends with the error event', async () => {
    const cwd = await agentWorkspace(server, { tools: ['list_files'] });
    keepAskingForTools();
    const result = await loom(['run', 'bot', '--jsonl'], cwd);
    expect(result.code).toBe(1);
    expect(server.requestsTo(OPENAI_PATH)).toHaveLength(10);
    const events = jsonLines(result.stdout);
    expect(events.filter((e) => e.type === 'tool_call')).toHaveLength(10);
    expect(events.at(-1)).toEqual({ type: 'error', error: expect.objectContaining({ code: 'max_steps' }) });
  });

  it('a final answer on the last allowed turn is a success', async () => {
    const cwd = await agentWorkspace(server, { tools: ['list_files'], maxSteps: 2 });
    server.enqueue(OPENAI_PATH, oai.toolTurn([LIST]), oai.textTurn('Done in two.'));
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, steps: 2, text: 'Done in two.' });
  });
});

/** A provider entry priced per 1M tokens, so a test picks the cost of a turn through its usage. */
const priced = (input: number, output: number) => ({ providers: { oai: { type: 'openai', baseUrl: `${server.url}/v1`, model: 'house-model', apiKey: '${OPENAI_TEST_KEY}', pricing: { 'house-model': { input, output } } } } });

describe('budgets', () => {
  it('stops right after a turn that passed maxCost: budget_exceeded, exit 1, its tool calls not run', async () => {
    // $1 per 1M input tokens: the first turn's 2M tokens cost $2.
    const cwd = await agentWorkspace(server, { tools: ['write_file'], allow: ['write_file'], maxCost: 0.5 }, {}, priced(1, 1));
    server.enqueue(OPENAI_PATH, oai.toolTurn([{ id: 'w', name: 'write_file', input: { path: 'x.md', content: 'x' } }], 'Writing.', { input: 2_000_000, output: 10 }), oai.textTurn('never asked for'));
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code).toBe(1);
    expect(server.requestsTo(OPENAI_PATH)).toHaveLength(1);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ ok: false, error: { code: 'budget_exceeded' }, steps: 1, toolCalls: [], usage: { inputTokens: 2_000_000, outputTokens: 10 } });
    expect(doc.costUsd).toBeCloseTo(2.00001, 6);
    expect(doc.error.message).toMatch(/spent \$2, more than its budget of \$0\.5/);
    expect(result.stderr).toContain('loom: error: the run spent');
    expect(result.stderr).toContain('--max-cost');
  });

  it('--max-cost overrides maxCost and stops before a turn that would pass it (estimated from the conversation)', async () => {
    // $10 per 1M input tokens; a 200 KB tool result is about 50K tokens, so the next turn ≈ $0.5.
    const cwd = await agentWorkspace(server, { tools: ['read_file'], maxCost: 100 }, { 'big.txt': 'word '.repeat(40_000) }, priced(10, 0));
    server.enqueue(OPENAI_PATH, oai.toolTurn([{ id: 'r', name: 'read_file', input: { path: 'big.txt' } }], undefined, { input: 1000, output: 10 }), oai.textTurn('never asked for'));
    const result = await loom(['run', 'bot', '--json', '--max-cost', '0.3'], cwd);
    expect(result.code).toBe(1);
    expect(server.requestsTo(OPENAI_PATH)).toHaveLength(1);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ ok: false, error: { code: 'budget_exceeded' }, steps: 1, toolCalls: [{ name: 'read_file', ok: true }] });
    expect(doc.costUsd).toBeCloseTo(0.01, 6);
    expect(doc.error.message).toMatch(/^the next turn would pass the budget of \$0\.3 \(spent \$0\.01, next turn about \$0\.5\d*\)/);
  });

  it('a server that reports no usage does not make turns free: they count as estimated, and the budget still stops the run', async () => {
    // $100 per 1M output tokens: a 40,000-character answer is about 10,000 tokens, about $1.
    const compat = { providers: { compat: { type: 'openai-compatible', baseUrl: `${server.url}/v1`, model: 'house-model', pricing: { 'house-model': { input: 0, output: 100 } } } } };
    const cwd = await agentWorkspace(server, { provider: 'compat', maxCost: 0.5 }, {}, compat);
    server.enqueue(OPENAI_PATH, openaiWire.sse(openaiWire.chunks({ text: ['word '.repeat(8000)], usage: null })));
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ ok: false, error: { code: 'budget_exceeded' }, usage: null, costUsd: null, steps: 1 });
    expect(doc.error.message).toMatch(/^the run spent about \$1, more than its budget of \$0\.5/);
  });

  it('a run that stays under the budget succeeds, with its cost in --json', async () => {
    const cwd = await agentWorkspace(server, { tools: ['list_files'] }, {}, { ...priced(1, 1), maxCost: 1 });
    server.enqueue(OPENAI_PATH, oai.toolTurn([LIST], undefined, { input: 100_000, output: 100 }), oai.textTurn('Cheap.', { input: 100_000, output: 100 }));
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).costUsd).toBeCloseTo(0.2002, 6);
  });

  it.each([
    ['--max-cost', { tools: ['list_files'] }, ['--max-cost', '1']],
    ['the agent\'s maxCost', { tools: ['list_files'], maxCost: 1 }, []],
  ])('%s on a model without a known price: exit 2 config_invalid, a hint naming pricing, nothing sent', async (_, agent, args) => {
    const cwd = await agentWorkspace(server, agent, {}, { providers: { oai: { type: 'openai', baseUrl: `${server.url}/v1`, model: 'unpriced-model', apiKey: '${OPENAI_TEST_KEY}' } } });
    const result = await loom(['run', 'bot', '--json', ...args], cwd);
    expect(result.code).toBe(2);
    expect(server.requests).toHaveLength(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'config_invalid' } });
    expect(result.stderr).toMatch(/loom: error: a budget needs prices, and the price of unpriced-model on oai is unknown\nhint: add "pricing": \{ "unpriced-model": .* to providers\.oai/);
    // A usage or config error writes no log line.
    expect(await logLines(cwd)).toEqual([]);
  });

  it('a fallback whose price is unknown is skipped under a budget (with a notice), so the budget cannot go unenforced', async () => {
    const project = {
      ...priced(1, 1),
      fallback: ['compat'],
      providers: { ...priced(1, 1).providers, compat: { type: 'openai-compatible', baseUrl: `${server.url}/v1`, model: 'unpriced-model', apiKey: '${COMPAT_TEST_KEY}' } },
    };
    const cwd = await agentWorkspace(server, { tools: ['list_files'], maxCost: 1 }, {}, project);
    server.route(OPENAI_PATH, () => openaiWire.error(503, 'down'));
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code).toBe(1);
    // retries: 2 → three requests to the primary; none to the unpriced fallback.
    expect(server.requestsTo(OPENAI_PATH).map((r) => r.body.model)).toEqual(['house-model', 'house-model', 'house-model']);
    expect(result.stderr).toContain('loom: skipping fallback compat: no price known for unpriced-model, and the run has a budget');
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'provider_unavailable' } });

    // Without a budget the same fallback is used.
    server.reset();
    const noBudget = await agentWorkspace(server, { tools: ['list_files'] }, {}, project);
    let calls = 0;
    server.route(OPENAI_PATH, (request) => (++calls <= 3 ? openaiWire.error(503, 'down') : oai.textTurn(`answered by ${request.body.model}`)));
    const fallback = await loom(['run', 'bot', '--json'], noBudget);
    expect(fallback.code, fallback.stderr).toBe(0);
    expect(JSON.parse(fallback.stdout)).toMatchObject({ provider: 'compat', text: 'answered by unpriced-model', costUsd: null });
  });

  it('the mock preset is priced at 0: a budget is accepted', async () => {
    const cwd = await agentWorkspace(server, { provider: 'mock', maxCost: 0.01 });
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, costUsd: 0 });
  });
});

describe('a turn that asks for hundreds of tool calls', () => {
  it('400 search_files at once: 32 run (8 at a time), the rest are refused, memory stays bounded and --json gets its document', async () => {
    const files = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`docs/file-${i}.md`, `line with a match ${i}\n`.repeat(200)]));
    const cwd = await agentWorkspace(server, { tools: ['search_files'] }, files);
    const calls: Call[] = Array.from({ length: 400 }, (_, i) => ({ id: `s${i}`, name: 'search_files', input: { pattern: 'match' } }));
    server.enqueue(OPENAI_PATH, oai.toolTurn(calls), oai.textTurn('Searched.'));
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ ok: true, text: 'Searched.', steps: 2 });
    expect(doc.toolCalls).toHaveLength(400);
    expect(doc.toolCalls.filter((c: { ok: boolean }) => c.ok)).toHaveLength(32);
    const sent = oai.sentResults(server.requestsTo(OPENAI_PATH)[1]!.body);
    expect(sent).toHaveLength(400);
    expect(sent[399]!.content).toBe('refused: at most 32 tool calls are run per turn, and this was call 400; ask for fewer at once');
    // Every result answered, the whole within the turn's 1 MiB (plus the short refusals).
    expect(Buffer.byteLength(sent.map((r) => r.content).join(''))).toBeLessThan(1_048_576 + 400 * 120);
  });
});
