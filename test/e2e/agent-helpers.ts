/**
 * Shared set-up of the agent end-to-end tests (issue 5): a workspace holding one agent, and per
 * provider type ("dialect") how the fake server asks for tool calls in that API's own wire format
 * and where the next request carries the assistant's tool-call turn and the tool results.
 */
import { fileURLToPath } from 'node:url';
import { anthropicWire, geminiWire, json, openaiWire, type FakeProviderServer, type FakeResponse } from '../support/fake-provider-server.js';
import type { FileContent } from '../support/workspace.js';
import { ANTHROPIC_PATH, geminiStream, OPENAI_PATH, workspace } from './run-helpers.js';

export const GEMINI_MODEL = 'gemini-3.5-flash';

/** server-everything, started with the running Node by absolute path (no npx, no network). */
export const EVERYTHING = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url));
export const everythingServer = (env: Record<string, string> = {}) => ({ command: process.execPath, args: [EVERYTHING, 'stdio'], ...(Object.keys(env).length ? { env } : {}) });

/** A workspace whose `agents/bot/config.json` is `agent` (prompt "Do the task." unless given). */
export function agentWorkspace(server: FakeProviderServer, agent: Record<string, unknown>, files: Record<string, FileContent> = {}, project: Record<string, unknown> = {}): Promise<string> {
  return workspace(server, project, { 'agents/bot/config.json': { prompt: 'Do the task.', ...agent }, ...files });
}

export interface Call {
  id: string;
  name: string;
  input: unknown;
}

/** A tool result as one API carries it in a request, normalized. */
export interface SentResult {
  /** The id the result answers (Gemini: the functionResponse id, often absent). */
  id: string | null;
  /** Gemini names the function; the others only give the id. */
  name?: string;
  content: string;
  /** Anthropic `is_error`, Gemini `response.error`; OpenAI has no flag (undefined). */
  isError?: boolean;
}

export interface Dialect {
  /** The provider's name in the test workspace (run-helpers' projectConfig). */
  name: 'oai' | 'compat' | 'claude' | 'gem';
  type: string;
  path: string;
  /** A streamed turn asking for `calls` (after `text`, if any); arguments arrive in fragments where the API does that. */
  toolTurn(calls: Call[], text?: string, usage?: { input: number; output: number }): FakeResponse;
  /** A streamed final answer. */
  textTurn(text: string, usage?: { input: number; output: number }): FakeResponse;
  /** The tool names a request declares. */
  toolNames(body: any): string[];
  /** The tool calls of the assistant turns of a request, in order. */
  sentCalls(body: any): Call[];
  /** The tool results of a request, in order. */
  sentResults(body: any): SentResult[];
  /** The roles of the request's turns (system excluded), to check order. */
  roles(body: any): string[];
  /** The text of the last user turn (text parts only). */
  lastUserText(body: any): string;
}

/** JSON split in three fragments, as streaming APIs send arguments. */
const fragments = (value: unknown): string[] => {
  const text = JSON.stringify(value);
  const third = Math.max(1, Math.floor(text.length / 3));
  return [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)];
};

const openaiLike = (name: 'oai' | 'compat', type: string): Dialect => ({
  name,
  type,
  path: OPENAI_PATH,
  toolTurn: (calls, text, usage) =>
    openaiWire.sse(openaiWire.chunks({ text: text ? [text] : [], toolCalls: calls.map((c) => ({ id: c.id, name: c.name, args: fragments(c.input) })), usage: usage ? openaiWire.usage(usage.input, usage.output) : undefined })),
  textTurn: (text, usage) => openaiWire.sse(openaiWire.chunks({ text: [text], usage: usage ? openaiWire.usage(usage.input, usage.output) : undefined })),
  toolNames: (body) => (body.tools ?? []).map((t: any) => t.function.name),
  sentCalls: (body) =>
    body.messages.filter((m: any) => m.role === 'assistant' && m.tool_calls).flatMap((m: any) => m.tool_calls.map((c: any) => ({ id: c.id, name: c.function.name, input: JSON.parse(c.function.arguments) }))),
  sentResults: (body) => body.messages.filter((m: any) => m.role === 'tool').map((m: any) => ({ id: m.tool_call_id, content: m.content })),
  roles: (body) => body.messages.filter((m: any) => m.role !== 'system').map((m: any) => m.role),
  lastUserText: (body) => body.messages.filter((m: any) => m.role === 'user').at(-1)?.content ?? '',
});

const anthropicBlocks = (content: unknown): any[] => (typeof content === 'string' ? [{ type: 'text', text: content }] : (content as any[]));

export const DIALECTS: Dialect[] = [
  openaiLike('oai', 'openai'),
  openaiLike('compat', 'openai-compatible'),
  {
    name: 'claude',
    type: 'anthropic',
    path: ANTHROPIC_PATH,
    toolTurn: (calls, text, usage) =>
      anthropicWire.sse(
        anthropicWire.events({
          blocks: [...(text ? [{ type: 'text' as const, text: [text] }] : []), ...calls.map((c) => ({ type: 'tool_use' as const, id: c.id, name: c.name, json: fragments(c.input) }))],
          ...(usage ? { input: usage.input, output: usage.output } : {}),
        }),
      ),
    textTurn: (text, usage) => anthropicWire.sse(anthropicWire.events({ blocks: [{ type: 'text', text: [text] }], ...(usage ? { input: usage.input, output: usage.output } : {}) })),
    toolNames: (body) => (body.tools ?? []).map((t: any) => t.name),
    sentCalls: (body) =>
      body.messages.filter((m: any) => m.role === 'assistant').flatMap((m: any) => anthropicBlocks(m.content).filter((b) => b.type === 'tool_use').map((b) => ({ id: b.id, name: b.name, input: b.input }))),
    sentResults: (body) =>
      body.messages
        .filter((m: any) => m.role === 'user')
        .flatMap((m: any) => anthropicBlocks(m.content).filter((b) => b.type === 'tool_result').map((b) => ({ id: b.tool_use_id, content: b.content, isError: b.is_error === true }))),
    roles: (body) => body.messages.map((m: any) => m.role),
    lastUserText: (body) => {
      const last = body.messages.filter((m: any) => m.role === 'user').at(-1);
      return last ? anthropicBlocks(last.content).filter((b) => b.type === 'text').map((b) => b.text).join('') : '';
    },
  },
  {
    name: 'gem',
    type: 'gemini',
    path: geminiStream(GEMINI_MODEL),
    // Gemini sends a function call whole, in one part, and (before Gemini 3) without an id.
    toolTurn: (calls, text, usage) =>
      geminiWire.sse(geminiWire.chunks([[...(text ? [{ text }] : []), ...calls.map((c) => ({ functionCall: { name: c.name, args: c.input as Record<string, unknown> } }))]], usage ? { usage: geminiWire.usage(usage.input, usage.output) } : {})),
    textTurn: (text, usage) => geminiWire.sse(geminiWire.chunks([[{ text }]], usage ? { usage: geminiWire.usage(usage.input, usage.output) } : {})),
    toolNames: (body) => (body.tools ?? []).flatMap((t: any) => (t.functionDeclarations ?? []).map((f: any) => f.name)),
    sentCalls: (body) =>
      body.contents.filter((c: any) => c.role === 'model').flatMap((c: any) => c.parts.filter((p: any) => p.functionCall).map((p: any) => ({ id: p.functionCall.id ?? null, name: p.functionCall.name, input: p.functionCall.args }))),
    sentResults: (body) =>
      body.contents
        .filter((c: any) => c.role === 'user')
        .flatMap((c: any) =>
          c.parts
            .filter((p: any) => p.functionResponse)
            .map((p: any) => {
              const response = p.functionResponse.response;
              return { id: p.functionResponse.id ?? null, name: p.functionResponse.name, content: 'error' in response ? response.error : response.output, isError: 'error' in response };
            }),
        ),
    roles: (body) => body.contents.map((c: any) => c.role),
    lastUserText: (body) => {
      const last = body.contents.filter((c: any) => c.role === 'user').at(-1);
      return last ? last.parts.filter((p: any) => typeof p.text === 'string').map((p: any) => p.text).join('') : '';
    },
  },
];

export const dialect = (name: Dialect['name']): Dialect => DIALECTS.find((d) => d.name === name)!;

/** An OpenAI tool-call turn that is not streamed (`--no-stream`). */
export const openaiWholeToolTurn = (calls: Call[]): FakeResponse => json(openaiWire.completion({ text: null, toolCalls: calls.map((c) => ({ id: c.id, name: c.name, arguments: JSON.stringify(c.input) })) }));

/** Whether a process with this id exists (signal 0 probes without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
