/**
 * Issue 10: every one of the 24 real recorded provider responses (test/fixtures/recorded, see its
 * SOURCES.md) served byte for byte — status, content type, body, one write per SSE event — from
 * the fake server, through the real SDKs over real HTTP, to the built CLI. What Loom prints as
 * text, as `--json` and as `--jsonl` must be what the recording says: the answer (never the
 * thinking), every usage counter, the tool calls with their arguments, and on the next turn the
 * request must carry what the API needs back (tool calls, Anthropic's signed thinking, Gemini's
 * thoughtSignature). 404s are `not_found` with the provider's words; refusals are `refused`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { priceFor } from '../../src/providers/pricing.js';
import { FakeProviderServer, type RecordedRequest } from '../support/fake-provider-server.js';
import { jsonLines, logLines, loom, workspace } from './run-helpers.js';
import { answerText, apiOf, RECORDED_DIR, recording, recordingNames, serveTurns, ssePayloads, thinkingText, usd, type Recording } from './recorded-helpers.js';

let server: FakeProviderServer;
beforeAll(async () => {
  server = await FakeProviderServer.start();
});
afterAll(async () => {
  await server.close();
});

type ProviderName = 'oai' | 'compat' | 'claude' | 'gem';
const PROVIDER_OF: Record<Recording['provider'], ProviderName> = { openai: 'oai', 'openai-compatible': 'compat', anthropic: 'claude', gemini: 'gem' };

interface Case {
  name: string;
  /** The recorded turns call tools: run as an agent that has one, so the loop goes on. */
  agent?: boolean;
  noStream?: boolean;
  /** SOURCES.md: a recording ending in a tool call is followed by this one's last turn. */
  then?: string;
  /** The final answer; default: the last turn's text as the recording has it. */
  text?: string;
  /** Summed over the turns. */
  usage?: [input: number, output: number];
  calls?: { id: string; name: string; input: unknown; ok?: boolean }[];
  error?: { code: string; status: number | null; says: string[] };
  /** What the follow-up requests must carry. */
  requests?: (requests: RecordedRequest[]) => void;
}

const thinkingTurn = recording('anthropic-thinking-tool').responses[0]!;
/** The signature of the recorded thinking block, joined from its signature_delta events. */
const thinkingSignature = ssePayloads(thinkingTurn.body).filter((p) => p.delta?.type === 'signature_delta').map((p) => p.delta.signature).join('');
const thoughtSignature: string = ssePayloads(recording('gemini-3-thought-signature').responses[0]!.body)[0].candidates[0].content.parts[0].thoughtSignature;

const CASES: Case[] = [
  { name: 'openai-404-model', error: { code: 'not_found', status: 404, says: ['The model `gpt-5.2-proo` does not exist or you do not have access to it.'] } },
  {
    name: 'openai-nonstream-tool-chain', agent: true, noStream: true, text: 'YES', usage: [356, 38],
    calls: [
      { id: 'call_TTY8UFNo7rNCaOBUNtlRSvMG', name: 'lookup_population', input: { country: 'Crumpet' }, ok: false },
      { id: 'call_aq9UyiSFkzX6W8Ydc33DoI9Y', name: 'can_have_dragons', input: { population: 123124 }, ok: false },
    ],
    requests: ([, second, third]) => {
      expect(second!.body.stream).toBeUndefined();
      expect(second!.body.messages.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_TTY8UFNo7rNCaOBUNtlRSvMG', type: 'function', function: { name: 'lookup_population', arguments: '{"country":"Crumpet"}' } }] });
      expect(second!.body.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_TTY8UFNo7rNCaOBUNtlRSvMG' });
      expect(third!.body.messages.at(-2).tool_calls[0]).toMatchObject({ id: 'call_aq9UyiSFkzX6W8Ydc33DoI9Y', function: { name: 'can_have_dragons', arguments: '{"population":123124}' } });
    },
  },
  {
    name: 'openai-parallel-tools', agent: true, then: 'openai-text-moderation', usage: [377, 51],
    calls: [
      { id: 'call_q2UyBRP7eXNTzAoR8lEhjc9Z', name: 'get_country', input: {}, ok: false },
      { id: 'call_b51ijcpFkDiTQG1bQzsrmtW5', name: 'get_product_name', input: {}, ok: false },
    ],
    requests: ([, second]) => {
      const messages = second!.body.messages;
      expect(messages.at(-3).tool_calls.map((c: any) => [c.id, c.function.name, c.function.arguments])).toEqual([['call_q2UyBRP7eXNTzAoR8lEhjc9Z', 'get_country', '{}'], ['call_b51ijcpFkDiTQG1bQzsrmtW5', 'get_product_name', '{}']]);
      expect(messages.slice(-2).map((m: any) => m.tool_call_id)).toEqual(['call_q2UyBRP7eXNTzAoR8lEhjc9Z', 'call_b51ijcpFkDiTQG1bQzsrmtW5']);
    },
  },
  { name: 'openai-text-moderation', text: 'Paris.', usage: [13, 11] },
  {
    name: 'openai-tool-split-args', agent: true, usage: [141, 46], text: 'The result of \\( 1231 \\times 2331 \\) is \\( 2,869,461 \\).',
    calls: [{ id: 'call_1EYWDzueHEp8OsB8jJSEp7WB', name: 'multiply', input: { a: 1231, b: 2331 }, ok: false }],
    requests: ([, second]) => expect(JSON.parse(second!.body.messages.at(-2).tool_calls[0].function.arguments)).toEqual({ a: 1231, b: 2331 }),
  },
  { name: 'compat-deepseek-reasoner', text: 'Hello there! 😊 How can I help you today?', usage: [6, 212] },
  {
    name: 'compat-openrouter-no-finish-reason', agent: true, text: 'The current version of *llm* is **0.fixed-version**.', usage: [164, 32],
    calls: [{ id: '0', name: 'llm_version', input: {}, ok: false }],
    requests: ([, second]) => {
      expect(second!.body.messages.at(-2).tool_calls).toEqual([{ id: '0', type: 'function', function: { name: 'llm_version', arguments: '{}' } }]);
      expect(second!.body.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: '0' });
    },
  },
  { name: 'compat-openrouter-stream-error', error: { code: 'bad_request', status: 400, says: ['Token limit reached'] } },
  {
    name: 'compat-read-file-index1', agent: true, then: 'openai-text-moderation', text: 'Paris.', usage: [13, 11],
    calls: [{ id: 'toolu_sanitized', name: 'read_file', input: { path: 'a.txt' }, ok: true }],
    requests: ([, second]) => {
      expect(second!.body.messages.at(-2)).toMatchObject({ role: 'assistant', content: 'Reading it.', tool_calls: [{ id: 'toolu_sanitized', function: { name: 'read_file' } }] });
      expect(JSON.parse(second!.body.messages.at(-2).tool_calls[0].function.arguments)).toEqual({ path: 'a.txt' });
      expect(second!.body.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'toolu_sanitized', content: 'the notes in a.txt\n' });
    },
  },
  { name: 'anthropic-404-model', error: { code: 'not_found', status: 404, says: ['model: claude-sonet-4-5'] } },
  {
    name: 'anthropic-parallel-tools', agent: true, usage: [1220, 144],
    calls: [
      { id: 'toolu_01LtHJmixrs9NcWQkK8hu8hj', name: 'pelican_name_generator', input: {}, ok: false },
      { id: 'toolu_01N8a4jWyf116qKTMqKKmjyt', name: 'pelican_name_generator', input: {}, ok: false },
    ],
    requests: ([, second]) => {
      const [assistant, results] = second!.body.messages.slice(-2);
      expect(assistant.content).toEqual([
        { type: 'tool_use', id: 'toolu_01LtHJmixrs9NcWQkK8hu8hj', name: 'pelican_name_generator', input: {} },
        { type: 'tool_use', id: 'toolu_01N8a4jWyf116qKTMqKKmjyt', name: 'pelican_name_generator', input: {} },
      ]);
      expect(results.content.map((b: any) => [b.type, b.tool_use_id])).toEqual([['tool_result', 'toolu_01LtHJmixrs9NcWQkK8hu8hj'], ['tool_result', 'toolu_01N8a4jWyf116qKTMqKKmjyt']]);
    },
  },
  { name: 'anthropic-redacted-thinking', usage: [92, 189] },
  {
    name: 'anthropic-refusal', usage: [97, 0],
    error: { code: 'refused', status: null, says: ['refusal', 'reasoning_extraction', "This request was blocked as it seems to violate Anthropic's Terms of Service"] },
  },
  { name: 'anthropic-text-ping', text: 'Hello', usage: [10, 4] },
  { name: 'anthropic-thinking', text: '1. **Pouch** - references their iconic bill pouch\n2. **Pelé** - playful take on "pelican"', usage: [46, 133] },
  {
    name: 'anthropic-thinking-tool', agent: true, usage: [1305, 181],
    calls: [{ id: 'toolu_01825dXWLSoJwCst1qTsiWdb', name: 'fixed_version', input: {}, ok: false }],
    requests: ([, second]) => {
      // The signed thinking block goes back first, whole and unchanged, as the API requires.
      expect(second!.body.messages.at(-2)).toEqual({
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: thinkingText('anthropic', thinkingTurn), signature: thinkingSignature },
          { type: 'tool_use', id: 'toolu_01825dXWLSoJwCst1qTsiWdb', name: 'fixed_version', input: {} },
        ],
      });
      expect(thinkingSignature).toMatch(/^EoQDCm0IDhgCKkCDzGs2kL2P.*ANWRjSBwUxgB$/);
    },
  },
  {
    name: 'anthropic-tool-input-split', agent: true, then: 'anthropic-text-ping', text: 'Hello', usage: [853, 32],
    calls: [{ id: 'toolu_019Zvehfe1XQWweT1pm7okyt', name: 'weather', input: { location: 'San Francisco' }, ok: false }],
    requests: ([, second]) => expect(second!.body.messages.at(-2).content).toEqual([{ type: 'tool_use', id: 'toolu_019Zvehfe1XQWweT1pm7okyt', name: 'weather', input: { location: 'San Francisco' } }]),
  },
  {
    name: 'gemini-3-thought-signature', agent: true, text: 'The capital of Mexico is Mexico City.', usage: [286, 220],
    calls: [{ id: expect.any(String) as unknown as string, name: 'get_country', input: {}, ok: false }],
    requests: ([, second]) => {
      const model = second!.body.contents.filter((c: any) => c.role === 'model').at(-1);
      expect(model.parts).toEqual([{ functionCall: { name: 'get_country', args: {} }, thoughtSignature }]);
      expect(second!.body.contents.at(-1).parts[0].functionResponse).toMatchObject({ name: 'get_country' });
    },
  },
  { name: 'gemini-404-model', noStream: true, error: { code: 'not_found', status: 404, says: ['models/gemini-3.6-flahs is not found for API version v1beta'] } },
  {
    name: 'gemini-function-calls', agent: true, text: 'The temperature in Paris is 30°C.\n', usage: [195, 22],
    calls: [
      { id: expect.any(String) as unknown as string, name: 'get_capital', input: { country: 'France' }, ok: false },
      { id: expect.any(String) as unknown as string, name: 'get_temperature', input: { city: 'Paris' }, ok: false },
    ],
    requests: ([, , third]) => {
      const calls = third!.body.contents.filter((c: any) => c.role === 'model').flatMap((c: any) => c.parts.map((p: any) => p.functionCall));
      expect(calls).toEqual([{ name: 'get_capital', args: { country: 'France' } }, { name: 'get_temperature', args: { city: 'Paris' } }]);
    },
  },
  { name: 'gemini-safety-block', noStream: true, usage: [14, 0], error: { code: 'refused', status: null, says: ['SAFETY', 'HARM_CATEGORY_HATE_SPEECH'] } },
  { name: 'gemini-split-digits-thoughts', text: Array.from({ length: 30 }, (_, i) => String(i + 1)).join('\n'), usage: [18, 115] },
  { name: 'gemini-text', text: 'The capital of France is Paris.\n', usage: [13, 8] },
  { name: 'gemini-thinking', usage: [34, 1256] },
];

it('covers every recording', () => {
  expect(CASES.map((c) => c.name).sort()).toEqual(recordingNames());
});

it('keeps SOURCES.md and the licences beside the copy, and the copy identical to the shared one where that is present', () => {
  for (const file of ['SOURCES.md', 'licenses/pydantic-ai.LICENSE', 'licenses/simonw-llm.LICENSE', 'licenses/simonw-llm-anthropic.LICENSE', 'licenses/vercel-ai.LICENSE']) {
    expect(readFileSync(new URL(file, RECORDED_DIR), 'utf8')).not.toBe('');
  }
  const shared = new URL('../../../shared/fixtures/recorded/', import.meta.url);
  if (!existsSync(shared)) return; // a checkout without the shared folder beside it: the copy stands alone
  for (const name of recordingNames()) expect(readFileSync(new URL(`${name}.json`, RECORDED_DIR), 'utf8')).toBe(readFileSync(new URL(`${name}.json`, shared), 'utf8'));
});

interface Played {
  code: number | null;
  stdout: string;
  stderr: string;
  requests: RecordedRequest[];
  cwd: string;
}

/** One run of a recording's conversation in one output mode, the server reset before it. */
async function play(c: Case, rec: Recording, mode: 'text' | 'json' | 'jsonl'): Promise<Played> {
  server.reset();
  const api = apiOf(rec.provider);
  const turns = [...rec.responses, ...(c.then ? [recording(c.then).responses.at(-1)!] : [])];
  serveTurns(server, api, turns);
  const provider = PROVIDER_OF[rec.provider];
  // Refusals and bad requests must not fall back (CONTRACT §6): a fallback is there to show it is not used.
  const noFallback = c.error?.code === 'refused' || c.error?.code === 'bad_request';
  const cwd = await workspace(server, noFallback ? { fallback: [provider === 'claude' ? 'oai' : 'claude'] } : {}, {
    'agents/bot/config.json': { prompt: 'Do the task.', tools: ['read_file'] },
    'a.txt': 'the notes in a.txt\n',
  });
  const args = [c.agent ? 'run' : 'ask', ...(c.agent ? ['bot'] : ['Answer the question.']), '-p', provider, '-m', rec.model];
  if (c.noStream) args.push('--no-stream');
  if (mode !== 'text') args.push(`--${mode}`);
  const result = await loom(args, cwd);
  return { ...result, requests: [...server.requests], cwd };
}

const usageOf = (c: Case) => (c.usage ? { inputTokens: c.usage[0], outputTokens: c.usage[1], cachedInputTokens: 0, cacheWriteTokens: 0 } : undefined);

function expectedCost(c: Case, rec: Recording): number | null {
  const price = priceFor(rec.provider, rec.model);
  return price && c.usage ? usd((c.usage[0] * price.input + c.usage[1] * price.output) / 1e6) : null;
}

describe.each(CASES)('$name', (c) => {
  const rec = recording(c.name);
  const api = apiOf(rec.provider);
  const turns = [...rec.responses, ...(c.then ? [recording(c.then).responses.at(-1)!] : [])];
  const finalText = c.text ?? answerText(api, turns.at(-1)!);
  const thoughts = turns.map((turn) => thinkingText(api, turn)).filter(Boolean);

  it('--json: the answer, every usage counter, the tool calls, a tidy cost (or the error)', async () => {
    const run = await play(c, rec, 'json');
    const doc = JSON.parse(run.stdout);
    if (c.error) {
      expect(run.code, run.stderr).toBe(1);
      expect(doc).toMatchObject({ ok: false, error: { code: c.error.code, provider: PROVIDER_OF[rec.provider], status: c.error.status }, fallbackFrom: [], attempts: 1 });
      for (const words of c.error.says) expect(doc.error.message).toContain(words);
      expect(run.stderr).toContain(`loom: error: ${doc.error.message}`);
      // Not retried, not fallen back: one request, to the one provider.
      expect(run.requests).toHaveLength(1);
      if (c.usage) expect(doc.usage).toEqual(usageOf(c));
      return;
    }
    expect(run.code, run.stderr).toBe(0);
    expect(doc).toMatchObject({ ok: true, provider: PROVIDER_OF[rec.provider], model: rec.model, text: finalText, fallbackFrom: [], steps: turns.length });
    expect(run.requests).toHaveLength(turns.length);
    expect(doc.usage).toEqual(usageOf(c));
    const cost = expectedCost(c, rec);
    expect(doc.costUsd).toBe(cost);
    expect(doc.toolCalls).toEqual((c.calls ?? []).map((call) => ({ name: call.name, ok: call.ok ?? true })));
    for (const thought of thoughts) expect(run.stdout).not.toContain(thought.slice(0, 40));
    c.requests?.(run.requests);
    const [logged] = await logLines(run.cwd);
    expect(logged!.costUsd).toBe(cost);
    expect(logged!.usage).toEqual(usageOf(c));
  });

  it('--jsonl: deltas of the answer only, tool_call events with their arguments, usage, then done (or error)', async () => {
    const run = await play(c, rec, 'jsonl');
    const events = jsonLines(run.stdout);
    expect(events[0]).toEqual({ type: 'start', agent: c.agent ? 'bot' : null, provider: PROVIDER_OF[rec.provider], model: rec.model });
    const deltas = events.filter((e) => e.type === 'delta').map((e) => e.text).join('');
    expect(deltas).toBe(c.error ? '' : turns.map((turn) => answerText(api, turn)).join(''));
    for (const thought of thoughts) expect(deltas).not.toContain(thought.slice(0, 40));
    expect(events.filter((e) => e.type === 'tool_call').map(({ id, name, input }) => ({ id, name, input }))).toEqual((c.calls ?? []).map(({ id, name, input }) => ({ id, name, input })));
    const last = events.at(-1)!;
    if (c.error) {
      expect(last).toMatchObject({ type: 'error', error: { code: c.error.code, status: c.error.status } });
      return;
    }
    expect(events.filter((e) => e.type === 'usage')).toEqual([{ type: 'usage', ...usageOf(c) }]);
    expect(last).toMatchObject({ type: 'done', text: finalText, usage: usageOf(c) });
  });

  it('text: stdout carries the answer as it streamed, nothing else; errors are one line on stderr', async () => {
    const run = await play(c, rec, 'text');
    if (c.error) {
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(new RegExp(`^loom: error: .*${c.error.says[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
      return;
    }
    expect(run.code, run.stderr).toBe(0);
    // Text before a tool call ends its line; the answer ends with a newline.
    const shown = turns.map((turn) => answerText(api, turn)).filter(Boolean).map((text, index, all) => (index < all.length - 1 && !text.endsWith('\n') ? `${text}\n` : text)).join('');
    expect(run.stdout).toBe(shown.endsWith('\n') ? shown : `${shown}\n`);
    for (const thought of thoughts) expect(run.stdout).not.toContain(thought.slice(0, 40));
  });
});
