/**
 * Issue 5 end to end: the agent loop on every provider type. The fake server asks for tool
 * calls in each API's own wire format (OpenAI's streamed in fragments), the built CLI runs them,
 * and the next request must carry the assistant's tool-call turn and then the results in that
 * API's format; then the final answer is printed. `--json`, `--jsonl` and the run log report
 * steps and tool calls.
 */
import { describe, expect, it } from 'vitest';
import { anthropicWire, FakeProviderServer, geminiWire, json, openaiWire, type SseEvent } from '../support/fake-provider-server.js';
import { makeWorkspace } from '../support/workspace.js';
import { DIALECTS, GEMINI_MODEL, agentWorkspace, dialect, openaiWholeToolTurn, type Call } from './agent-helpers.js';
import { geminiWhole, jsonLines, logLines, loom, OPENAI_PATH } from './run-helpers.js';
import { useFakeProviderServer } from '../support/fake-server-hooks.js';

let server!: FakeProviderServer;
useFakeProviderServer((started) => (server = started));

const FILES = { 'notes.md': 'hi from notes\n', 'src/a.ts': 'export const a = 1;\n', 'src/b.ts': 'export const b = 2;\n' };
const AGENT = { tools: ['read_file', 'list_files', 'search_files'] };

/** Ids each API accepts (Anthropic: ^[a-zA-Z0-9_-]+$). */
const CALLS: Call[] = [
  { id: 'call_read_1', name: 'read_file', input: { path: 'notes.md' } },
  { id: 'call_list_2', name: 'list_files', input: { path: 'src' } },
  { id: 'call_search_3', name: 'search_files', input: { pattern: 'export const b' } },
];
const RESULTS = ['hi from notes\n', 'src/a.ts\nsrc/b.ts', 'src/b.ts:1: export const b = 2;'];

describe.each(DIALECTS)('the tool loop on $type', (d) => {
  it('runs several calls of one turn, sends the assistant turn and every result back in the API\'s format, then prints the answer', async () => {
    const cwd = await agentWorkspace(server, { ...AGENT, provider: d.name }, FILES);
    server.enqueue(d.path, d.toolTurn(CALLS, 'Let me look.'), d.textTurn('The notes say hi.'));
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);

    const [first, second] = server.requestsTo(d.path);
    expect(server.requestsTo(d.path)).toHaveLength(2);
    // The first request declares the agent's tools; it holds no result yet.
    expect(d.toolNames(first!.body)).toEqual(['read_file', 'list_files', 'search_files']);
    expect(d.sentResults(first!.body)).toEqual([]);

    // The second: prompt, the assistant's calls as the model made them, then the results.
    const body = second!.body;
    expect(d.sentCalls(body).map(({ name, input }) => ({ name, input }))).toEqual(CALLS.map(({ name, input }) => ({ name, input })));
    if (d.name !== 'gem') expect(d.sentCalls(body).map((c) => c.id)).toEqual(CALLS.map((c) => c.id));
    const results = d.sentResults(body);
    expect(results.map((r) => r.content)).toEqual(RESULTS);
    if (d.name === 'gem') expect(results.map((r) => r.name)).toEqual(CALLS.map((c) => c.name));
    else expect(results.map((r) => r.id)).toEqual(CALLS.map((c) => c.id));
    if (d.name === 'claude' || d.name === 'gem') expect(results.every((r) => r.isError === false)).toBe(true);
    expect(d.toolNames(body)).toEqual(['read_file', 'list_files', 'search_files']);
    if (d.name === 'oai' || d.name === 'compat') {
      expect(d.roles(body)).toEqual(['user', 'assistant', 'tool', 'tool', 'tool']);
      const assistant = body.messages.find((m: any) => m.role === 'assistant');
      expect(assistant.content).toBe('Let me look.');
      expect(assistant.tool_calls[0]).toEqual({ id: 'call_read_1', type: 'function', function: { name: 'read_file', arguments: '{"path":"notes.md"}' } });
      expect(body.messages.filter((m: any) => m.role === 'tool')[0]).toEqual({ role: 'tool', tool_call_id: 'call_read_1', content: 'hi from notes\n' });
    } else if (d.name === 'claude') {
      // Tool results travel as tool_result blocks of one user message right after the tool_use turn.
      expect(d.roles(body)).toEqual(['user', 'assistant', 'user']);
      expect(body.messages[1].content[0]).toEqual({ type: 'text', text: 'Let me look.' });
      expect(body.messages[1].content[1]).toEqual({ type: 'tool_use', id: 'call_read_1', name: 'read_file', input: { path: 'notes.md' } });
      expect(body.messages[2].content.map((b: any) => b.type)).toEqual(['tool_result', 'tool_result', 'tool_result']);
      expect(body.messages[2].content[0]).toEqual({ type: 'tool_result', tool_use_id: 'call_read_1', content: 'hi from notes\n' });
    } else {
      expect(d.roles(body)).toEqual(['user', 'model', 'user']);
      expect(body.contents[1].parts[0]).toEqual({ text: 'Let me look.' });
      expect(body.contents[1].parts[1]).toEqual({ functionCall: { name: 'read_file', args: { path: 'notes.md' } } });
      expect(body.contents[2].parts[0]).toEqual({ functionResponse: { name: 'read_file', response: { output: 'hi from notes\n' } } });
    }

    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({
      ok: true,
      agent: 'bot',
      provider: d.name,
      text: 'The notes say hi.',
      output: null,
      steps: 2,
      attempts: 2,
      // In the order the model asked for them, whichever finished first.
      toolCalls: [{ name: 'read_file', ok: true }, { name: 'list_files', ok: true }, { name: 'search_files', ok: true }],
    });
    expect(doc.usage).toEqual({ inputTokens: 24, outputTokens: 10, cachedInputTokens: 0, cacheWriteTokens: 0 });
  });

  it('text mode: the words before the calls, then the answer on stdout; the tools named on stderr', async () => {
    const cwd = await agentWorkspace(server, { ...AGENT, provider: d.name }, FILES);
    server.enqueue(d.path, d.toolTurn(CALLS.slice(0, 1), 'Let me look.'), d.textTurn('The notes say hi.'));
    const result = await loom(['run', 'bot'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('Let me look.\nThe notes say hi.\n');
    expect(result.stderr).toBe('loom: read_file {"path":"notes.md"}\n');
  });

  it('--jsonl emits tool_call and tool_result with the API\'s ids; the run log records steps and toolCalls', async () => {
    const cwd = await agentWorkspace(server, { ...AGENT, provider: d.name }, FILES);
    server.enqueue(d.path, d.toolTurn(CALLS.slice(0, 2)), d.textTurn('Done.'));
    const result = await loom(['run', 'bot', '--jsonl'], cwd);
    expect(result.code, result.stderr).toBe(0);
    const events = jsonLines(result.stdout);
    const calls = events.filter((e) => e.type === 'tool_call');
    const results = events.filter((e) => e.type === 'tool_result');
    expect(calls.map(({ name, input }) => ({ name, input }))).toEqual(CALLS.slice(0, 2).map(({ name, input }) => ({ name, input })));
    expect(results.map((e) => e.ok)).toEqual([true, true]);
    expect(new Set(results.map((e) => e.id))).toEqual(new Set(calls.map((e) => e.id)));
    expect(results.find((e) => e.name === 'read_file')).toMatchObject({ output: 'hi from notes\n' });
    if (d.name !== 'gem') expect(calls.map((e) => e.id)).toEqual(['call_read_1', 'call_list_2']);
    else expect(calls.every((e) => typeof e.id === 'string' && e.id.length > 0)).toBe(true);
    // Every tool event comes after start and before the second turn's text and the end.
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('start');
    expect(types.lastIndexOf('tool_result')).toBeLessThan(types.indexOf('delta'));
    expect(types.at(-1)).toBe('done');
    expect(events.at(-1)).toMatchObject({ steps: 2, toolCalls: [{ name: 'read_file', ok: true }, { name: 'list_files', ok: true }], text: 'Done.' });

    const [line] = await logLines(cwd);
    expect(line).toMatchObject({ ok: true, agent: 'bot', provider: d.name, steps: 2, toolCalls: [{ name: 'read_file', ok: true }, { name: 'list_files', ok: true }], text: 'Done.' });
  });
});

describe('OpenAI specifics', () => {
  it('--no-stream: whole chat.completion responses with tool_calls work the same', async () => {
    const cwd = await agentWorkspace(server, AGENT, FILES);
    server.enqueue(OPENAI_PATH, openaiWholeToolTurn(CALLS.slice(0, 2)), { kind: 'json', body: openaiWire.completion({ text: 'Whole answer.' }) });
    const result = await loom(['run', 'bot', '--no-stream', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    const requests = server.requestsTo(OPENAI_PATH);
    expect(requests.map((r) => r.body.stream)).toEqual([undefined, undefined]);
    expect(dialect('oai').sentResults(requests[1]!.body)).toEqual([
      { id: 'call_read_1', content: 'hi from notes\n' },
      { id: 'call_list_2', content: 'src/a.ts\nsrc/b.ts' },
    ]);
    expect(JSON.parse(result.stdout)).toMatchObject({ text: 'Whole answer.', steps: 2, toolCalls: [{ name: 'read_file', ok: true }, { name: 'list_files', ok: true }] });
  });

  it('arguments streamed in many one-character fragments, with two calls interleaved by index, are assembled whole', async () => {
    const cwd = await agentWorkspace(server, AGENT, FILES);
    const chunk = openaiWire.chunk;
    const args = ['{"path":"notes.md"}', '{"path":"src"}'];
    const events: SseEvent[] = [
      { data: chunk({ role: 'assistant', content: '', refusal: null }) },
      { data: chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '' } }] }) },
      { data: chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'list_files', arguments: '' } }] }) },
    ];
    for (let i = 0; i < Math.max(args[0]!.length, args[1]!.length); i++) {
      for (const index of [0, 1]) {
        const piece = args[index]![i];
        if (piece !== undefined) events.push({ data: chunk({ tool_calls: [{ index, function: { arguments: piece } }] }) });
      }
    }
    events.push({ data: chunk({}, 'tool_calls') }, { data: '[DONE]' });
    server.enqueue(OPENAI_PATH, openaiWire.sse(events), openaiWire.sse(openaiWire.chunks({ text: ['ok'] })));
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(dialect('oai').sentCalls(server.requestsTo(OPENAI_PATH)[1]!.body)).toEqual([
      { id: 'call_a', name: 'read_file', input: { path: 'notes.md' } },
      { id: 'call_b', name: 'list_files', input: { path: 'src' } },
    ]);
    expect(dialect('oai').sentResults(server.requestsTo(OPENAI_PATH)[1]!.body).map((r) => r.content)).toEqual(['hi from notes\n', 'src/a.ts\nsrc/b.ts']);
  });

  it('several turns of tools: every earlier call and result is sent again, in order', async () => {
    const cwd = await agentWorkspace(server, AGENT, FILES);
    const oai = dialect('oai');
    server.enqueue(OPENAI_PATH, oai.toolTurn([CALLS[0]!]), oai.toolTurn([CALLS[1]!]), oai.textTurn('Both seen.'));
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    const third = server.requestsTo(OPENAI_PATH)[2]!.body;
    expect(oai.roles(third)).toEqual(['user', 'assistant', 'tool', 'assistant', 'tool']);
    expect(oai.sentResults(third)).toEqual([
      { id: 'call_read_1', content: 'hi from notes\n' },
      { id: 'call_list_2', content: 'src/a.ts\nsrc/b.ts' },
    ]);
    expect(JSON.parse(result.stdout)).toMatchObject({ steps: 3, attempts: 3, toolCalls: [{ name: 'read_file', ok: true }, { name: 'list_files', ok: true }] });
  });
});

describe('non-streamed tool turns (--no-stream) on Anthropic and Gemini', () => {
  it('Anthropic: a whole message with tool_use blocks; the results go back as tool_result blocks', async () => {
    const cwd = await agentWorkspace(server, { ...AGENT, provider: 'claude' }, FILES);
    const claude = dialect('claude');
    server.enqueue(claude.path, json(anthropicWire.message({ content: [{ type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'notes.md' } }] })), json(anthropicWire.message({ content: [{ type: 'text', text: 'Whole.' }] })));
    const result = await loom(['run', 'bot', '--no-stream', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    const [first, second] = server.requestsTo(claude.path);
    expect(first!.body.stream).toBeUndefined();
    expect(claude.sentResults(second!.body)).toEqual([{ id: 'toolu_1', content: 'hi from notes\n', isError: false }]);
    expect(JSON.parse(result.stdout)).toMatchObject({ text: 'Whole.', steps: 2, toolCalls: [{ name: 'read_file', ok: true }] });
  });

  it('Gemini: generateContent with a functionCall; the result goes back as a functionResponse', async () => {
    const cwd = await agentWorkspace(server, { ...AGENT, provider: 'gem' }, FILES);
    const path = geminiWhole(GEMINI_MODEL);
    server.enqueue(path, json(geminiWire.response({ parts: [{ functionCall: { name: 'read_file', args: { path: 'notes.md' } } }] })), json(geminiWire.response({ parts: [{ text: 'Whole.' }] })));
    const result = await loom(['run', 'bot', '--no-stream', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(dialect('gem').sentResults(server.requestsTo(path)[1]!.body)).toEqual([{ id: null, name: 'read_file', content: 'hi from notes\n', isError: false }]);
    expect(JSON.parse(result.stdout)).toMatchObject({ text: 'Whole.', steps: 2 });
  });
});

describe('what a provider needs back with its tool calls', () => {
  it('Gemini 3: the call\'s id and thoughtSignature go back with the call, and the id with its functionResponse', async () => {
    const cwd = await agentWorkspace(server, { ...AGENT, provider: 'gem' }, FILES);
    const gem = dialect('gem');
    server.enqueue(
      gem.path,
      geminiWire.sse(geminiWire.chunks([[{ functionCall: { id: 'fc-42', name: 'read_file', args: { path: 'notes.md' } }, thoughtSignature: 'c2lnbmF0dXJl' }]])),
      gem.textTurn('Signed.'),
    );
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    const body = server.requestsTo(gem.path)[1]!.body;
    expect(body.contents[1]).toEqual({ role: 'model', parts: [{ functionCall: { id: 'fc-42', name: 'read_file', args: { path: 'notes.md' } }, thoughtSignature: 'c2lnbmF0dXJl' }] });
    expect(body.contents[2]).toEqual({ role: 'user', parts: [{ functionResponse: { id: 'fc-42', name: 'read_file', response: { output: 'hi from notes\n' } } }] });
  });

  it('Anthropic with thinking: the thinking block (and its signature) goes back before the tool_use', async () => {
    const cwd = await agentWorkspace(server, { ...AGENT, provider: 'claude' }, FILES);
    const claude = dialect('claude');
    server.enqueue(
      claude.path,
      anthropicWire.sse(anthropicWire.events({ blocks: [{ type: 'thinking', thinking: ['I should ', 'read the notes.'], signature: 'sig-abc' }, { type: 'tool_use', id: 'toolu_9', name: 'read_file', json: ['{"path":', '"notes.md"}'] }] })),
      claude.textTurn('Thought it through.'),
    );
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    const body = server.requestsTo(claude.path)[1]!.body;
    expect(body.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'I should read the notes.', signature: 'sig-abc' },
        { type: 'tool_use', id: 'toolu_9', name: 'read_file', input: { path: 'notes.md' } },
      ],
    });
    expect(JSON.parse(result.stdout).text).toBe('Thought it through.');
  });
});

describe('the mock provider with a script', () => {
  it('plays tool calls, runs them and ends with the scripted answer (--json and the log)', async () => {
    const cwd = await makeWorkspace({
      'loom.config.json': { defaultProvider: 'scripted', providers: { scripted: { type: 'mock', script: 'replies.json' } } },
      'agents/bot/config.json': { prompt: 'Do the task.', ...AGENT },
      'replies.json': [
        { text: 'Looking.', toolCalls: [{ id: 'm1', name: 'read_file', input: { path: 'notes.md' } }, { id: 'm2', name: 'list_files', input: { path: 'src' } }] },
        { toolCalls: [{ id: 'm3', name: 'read_file', input: { path: 'missing.md' } }] },
        'Finished.',
      ],
      ...FILES,
    });
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      provider: 'scripted',
      text: 'Finished.',
      steps: 3,
      attempts: 3,
      costUsd: 0,
      toolCalls: [{ name: 'read_file', ok: true }, { name: 'list_files', ok: true }, { name: 'read_file', ok: false }],
    });
    const jsonl = await loom(['run', 'bot', '--jsonl'], cwd);
    const events = jsonLines(jsonl.stdout);
    expect(events.filter((e) => e.type === 'tool_result').map((e) => [e.id, e.ok])).toEqual(expect.arrayContaining([['m1', true], ['m2', true], ['m3', false]]));
    expect((await logLines(cwd)).map((l) => l.steps)).toEqual([3, 3]);
  });
});
