/**
 * Issue 5 end to end: structured output. The schema goes to each API in its own mechanism
 * (OpenAI `response_format` json_schema, Anthropic `output_config.format`, Gemini
 * `responseJsonSchema`); a valid answer is printed as pretty JSON and is `output` in `--json`;
 * an invalid one gets exactly one repair turn that shows the model its validation errors; a
 * second invalid answer is exit 3 `output_invalid`.
 */
import { describe, expect, it } from 'vitest';
import { FakeProviderServer, openaiWire } from '../support/fake-provider-server.js';
import { makeWorkspace } from '../support/workspace.js';
import { DIALECTS, agentWorkspace, dialect } from './agent-helpers.js';
import { jsonLines, logLines, loom, OPENAI_PATH, projectConfig } from './run-helpers.js';
import { useFakeProviderServer } from '../support/fake-server-hooks.js';

let server!: FakeProviderServer;
useFakeProviderServer((started) => (server = started));

/** Strict-compatible: an object, every property required, no extra properties. */
const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'count'],
  properties: { title: { type: 'string' }, count: { type: 'integer' } },
};
const VALID = '{"title":"Loom","count":3}';

describe.each(DIALECTS)('structured output on $type', (d) => {
  it('sends the schema the API\'s way; a valid answer is printed as pretty JSON and is `output` in --json', async () => {
    const cwd = await agentWorkspace(server, { provider: d.name, output: { schema: SCHEMA } });
    server.enqueue(d.path, d.textTurn(VALID), d.textTurn(VALID));
    const text = await loom(['run', 'bot'], cwd);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(`${JSON.stringify({ title: 'Loom', count: 3 }, null, 2)}\n`);
    expect(text.stderr).toBe('');

    const json = await loom(['run', 'bot', '--json'], cwd);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, output: { title: 'Loom', count: 3 }, text: VALID, steps: 1 });

    const body = server.requestsTo(d.path)[0]!.body;
    if (d.name === 'oai' || d.name === 'compat') {
      expect(body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'response', schema: SCHEMA, strict: true } });
    } else if (d.name === 'claude') {
      expect(body.output_config).toEqual({ format: { type: 'json_schema', schema: expect.objectContaining({ type: 'object', required: ['title', 'count'], additionalProperties: false }) } });
    } else {
      expect(body.generationConfig).toMatchObject({ responseMimeType: 'application/json', responseJsonSchema: SCHEMA });
    }
  });

  it('an invalid answer gets one repair turn that shows the validation errors; the repaired answer wins', async () => {
    const cwd = await agentWorkspace(server, { provider: d.name, output: { schema: SCHEMA } });
    server.enqueue(d.path, d.textTurn('{"title":"Loom","count":"three"}'), d.textTurn(VALID));
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, output: { title: 'Loom', count: 3 }, steps: 2, attempts: 2 });
    const [, repair] = server.requestsTo(d.path);
    const ask = d.lastUserText(repair!.body);
    expect(ask).toContain('Your answer does not match the required JSON Schema:');
    expect(ask).toContain('- /count: must be integer');
    // The invalid answer is in the conversation, right before the repair request.
    expect(d.roles(repair!.body).slice(-2)).toEqual([d.name === 'gem' ? 'model' : 'assistant', 'user']);
    expect(repair!.rawBody).toContain('count\\":\\"three');
    // The repair request still asks for the schema.
    if (d.name === 'oai') expect(repair!.body.response_format.json_schema.schema).toEqual(SCHEMA);
  });

  it('invalid twice: exit 3 output_invalid, the last answer kept in --json', async () => {
    const cwd = await agentWorkspace(server, { provider: d.name, output: { schema: SCHEMA } });
    server.enqueue(d.path, d.textTurn('Sure! Here it is.'), d.textTurn('{"title":"Loom"}'));
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code).toBe(3);
    expect(server.requestsTo(d.path)).toHaveLength(2);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ ok: false, error: { code: 'output_invalid' }, text: '{"title":"Loom"}', steps: 2 });
    expect(doc.error.message).toContain('must have required property \'count\'');
    expect(d.lastUserText(server.requestsTo(d.path)[1]!.body)).toContain('the answer is not JSON');
  });
});

describe('structured output details', () => {
  const oai = dialect('oai');

  it('text mode on output_invalid: exit 3, nothing on stdout, one error line and a hint on stderr; the log records it', async () => {
    const cwd = await agentWorkspace(server, { output: { schema: SCHEMA } });
    server.enqueue(OPENAI_PATH, oai.textTurn('nope'), oai.textTurn('still nope'));
    const result = await loom(['run', 'bot'], cwd);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^loom: error: the answer does not match the output schema after one repair turn: the answer is not JSON.*\nhint: /);
    const [line] = await logLines(cwd);
    expect(line).toMatchObject({ ok: false, error: { code: 'output_invalid' }, text: 'still nope', steps: 2 });
  });

  it('a schema OpenAI strict mode cannot take is sent non-strict; ajv still decides', async () => {
    const loose = { type: 'object', properties: { title: { type: 'string' }, note: { type: 'string' } }, required: ['title'] };
    const cwd = await agentWorkspace(server, { output: { schema: loose } });
    server.enqueue(OPENAI_PATH, oai.textTurn('{"note":"no title"}'), oai.textTurn('{"title":"ok"}'));
    const result = await loom(['run', 'bot', '--json'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(server.requestsTo(OPENAI_PATH)[0]!.body.response_format.json_schema).toEqual({ name: 'response', schema: loose, strict: false });
    expect(oai.lastUserText(server.requestsTo(OPENAI_PATH)[1]!.body)).toContain("- /: must have required property 'title'");
    expect(JSON.parse(result.stdout).output).toEqual({ title: 'ok' });
  });

  it('an answer in a ```json fence is accepted', async () => {
    const cwd = await agentWorkspace(server, { output: { schema: SCHEMA } });
    server.enqueue(OPENAI_PATH, oai.textTurn(`\`\`\`json\n${VALID}\n\`\`\``));
    const result = await loom(['run', 'bot'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ title: 'Loom', count: 3 });
  });

  it('with tools: tool turns first, then the JSON; stdout carries only the JSON (no words of the tool turn)', async () => {
    const cwd = await agentWorkspace(server, { tools: ['read_file'], output: { schema: SCHEMA } }, { 'title.txt': 'Loom\n' });
    server.enqueue(OPENAI_PATH, oai.toolTurn([{ id: 'c1', name: 'read_file', input: { path: 'title.txt' } }], 'Reading the title first.'), oai.textTurn(VALID));
    const result = await loom(['run', 'bot'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ title: 'Loom', count: 3 });
    const second = server.requestsTo(OPENAI_PATH)[1]!.body;
    expect(second.tools.map((t: any) => t.function.name)).toEqual(['read_file']);
    expect(second.response_format.type).toBe('json_schema');
    expect(oai.sentResults(second)).toEqual([{ id: 'c1', content: 'Loom\n' }]);
  });

  it('--jsonl: the structured answer is not streamed as deltas (it may yet be retried or repaired); done carries output', async () => {
    const cwd = await agentWorkspace(server, { output: { schema: SCHEMA } });
    // The first stream breaks after part of the JSON: retried, and nothing of it was shown.
    server.enqueue(OPENAI_PATH, openaiWire.sse(openaiWire.chunks({ text: ['{"title":', '"Lo'] }).slice(0, 3), 'drop'), oai.textTurn('{"title":"Loom"}'), oai.textTurn(VALID));
    const result = await loom(['run', 'bot', '--jsonl'], cwd);
    expect(result.code, result.stderr).toBe(0);
    const events = jsonLines(result.stdout);
    expect(events.map((e) => e.type)).toEqual(['start', 'retry', 'usage', 'done']);
    expect(events.at(-1)).toMatchObject({ type: 'done', output: { title: 'Loom', count: 3 }, text: VALID, attempts: 3, steps: 2 });
  });

  it('loom ask --schema <file> works the same', async () => {
    const cwd = await makeWorkspace({ 'loom.config.json': projectConfig(server), 'schema.json': SCHEMA });
    server.enqueue(OPENAI_PATH, oai.textTurn('{"title":"x","count":"1"}'), oai.textTurn('{"title":"x","count":1}'));
    const result = await loom(['ask', '-p', 'oai', '--schema', 'schema.json', 'Give me JSON'], cwd, {});
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ title: 'x', count: 1 });
    expect(server.requestsTo(OPENAI_PATH)[0]!.body.response_format.json_schema.strict).toBe(true);
  });
});
