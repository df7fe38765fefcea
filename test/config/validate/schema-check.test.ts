import { describe, expect, it } from 'vitest';
import { parseJsonSource, type JsonSource } from '../../../src/config/validate/json-source.js';
import type { Problem } from '../../../src/config/validate/problems.js';
import { checkSchema, type ConfigKind } from '../../../src/config/validate/schema-check.js';

function source(text: string): JsonSource {
  const result = parseJsonSource('config.json', text);
  if (!result.ok) throw new Error(`fixture has a syntax error: ${result.problems[0]?.message}`);
  return result.source;
}

const check = (kind: ConfigKind, text: string) => checkSchema(source(text), kind);

/** `line:column pointer: message` lines, for compact exact assertions; hints are checked apart. */
const brief = (problems: Problem[]) => problems.map((p) => `${p.line}:${p.column} ${p.pointer}: ${p.message}`);

const lines = (...rows: string[]) => rows.join('\n');

describe('checkSchema: valid configs', () => {
  it('accepts the project config of CONTRACT §2.1', () => {
    const text = lines(
      '{',
      '  "$schema": "./config.schema.json",',
      '  "defaultProvider": "openai",',
      '  "providers": {',
      '    "openai": { "type": "openai", "model": "gpt-5.4-mini" },',
      '    "claude": { "type": "anthropic", "model": "claude-sonnet-5-5", "apiKey": "${ANTHROPIC_API_KEY}" },',
      '    "local":  { "type": "openai-compatible", "baseUrl": "http://localhost:11434/v1", "model": "llama3.2" }',
      '  },',
      '  "fallback": ["claude"],',
      '  "retry": { "retries": 3, "minDelayMs": 500, "maxDelayMs": 30000 },',
      '  "timeoutMs": 120000,',
      '  "agentsDir": "agents"',
      '}',
    );
    expect(check('project', text)).toEqual([]);
  });

  it('accepts the agent config of CONTRACT §2.2', () => {
    const agent = {
      description: 'Summarise a document in five bullet points',
      provider: 'claude',
      model: 'claude-haiku-5-5',
      system: 'You are a precise technical writer.',
      promptFile: 'prompt.md',
      inputs: { audience: { description: 'who reads it', default: 'engineers' } },
      temperature: 0.2,
      maxTokens: 1024,
      tools: ['read_file', 'list_files'],
      mcpServers: { fs: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '.'] } },
      maxSteps: 10,
      maxCost: 0.25,
      output: { schema: { type: 'object', properties: { bullets: { type: 'array' } }, required: ['bullets'] } },
      fallback: ['openai'],
    };
    expect(check('agent', JSON.stringify(agent, null, 2))).toEqual([]);
  });

  it('accepts both MCP server forms, open params and pricing', () => {
    const text = JSON.stringify({
      mcpServers: { fs: { command: 'npx', args: ['x'], env: { A: 'b' }, cwd: '.' }, web: { url: 'http://localhost:3000/mcp', headers: { A: 'b' } } },
      providers: { x: { params: { reasoning_effort: 'low', top_p: 0.9 }, pricing: { m: { input: 1, output: 2 } }, limits: { concurrency: 2 } } },
    });
    expect(check('project', text)).toEqual([]);
  });

  it('an empty object is a valid project and a valid agent', () => {
    expect(check('project', '{}')).toEqual([]);
    expect(check('agent', '{}')).toEqual([]);
  });
});

describe('checkSchema: unknown properties', () => {
  it('at the root of an agent: pointer and place of the name, with a suggestion', () => {
    const problems = check('agent', lines('{', '  "llm_provider": "claude",', '  "prompt": "hi"', '}'));
    expect(problems).toEqual([
      { severity: 'error', pointer: '/llm_provider', line: 2, column: 3, message: 'unknown property "llm_provider" (did you mean "provider"?)' },
    ]);
  });

  it('at the root of the project config', () => {
    const problems = check('project', lines('{', '  "defaultprovider": "openai",', '  "agents_dir": "x"', '}'));
    expect(brief(problems)).toEqual([
      '2:3 /defaultprovider: unknown property "defaultprovider" (did you mean "defaultProvider"?)',
      '3:3 /agents_dir: unknown property "agents_dir" (did you mean "agentsDir"?)',
    ]);
  });

  it('in a provider entry and in its retry', () => {
    const text = lines(
      '{',
      '  "providers": {',
      '    "claude": {',
      '      "modle": "x",',
      '      "retry": { "retires": 2 }',
      '    }',
      '  }',
      '}',
    );
    expect(brief(check('project', text))).toEqual([
      '4:7 /providers/claude/modle: unknown property "modle" (did you mean "model"?)',
      '5:18 /providers/claude/retry/retires: unknown property "retires" (did you mean "retries"?)',
    ]);
  });

  it('without a suggestion, the hint lists the allowed names', () => {
    const problems = check('agent', '{ "inputs": { "topic": { "desc": "x" } } }');
    expect(problems).toEqual([
      {
        severity: 'error',
        pointer: '/inputs/topic/desc',
        line: 1,
        column: 26,
        message: 'unknown property "desc"',
        hint: 'allowed properties: description, default',
      },
    ]);
    const [unknown] = check('project', '{ "xyz": 1 }');
    expect(unknown).toEqual({
      severity: 'error',
      pointer: '/xyz',
      line: 1,
      column: 3,
      message: 'unknown property "xyz"',
      hint: 'allowed properties: $schema, defaultProvider, providers, fallback, retry, timeoutMs, agentsDir, fixturesDir, mcpServers, maxCost, log, network',
    });
  });

  it('escapes the name in the pointer', () => {
    const [problem] = check('agent', '{ "a/b~c": 1 }');
    expect(problem).toMatchObject({ pointer: '/a~1b~0c', line: 1, column: 3 });
  });
});

describe('checkSchema: wrong values', () => {
  it('wrong types name the expected type and the type given, at the value', () => {
    const text = lines(
      '{',
      '  "timeoutMs": "30s",',
      '  "maxTokens": 10.5,',
      '  "log": "yes",',
      '  "tools": "read_file",',
      '  "retry": [],',
      '  "temperature": null',
      '}',
    );
    expect(brief(check('agent', text))).toEqual([
      '2:16 /timeoutMs: must be an integer (got a string)',
      '3:16 /maxTokens: must be an integer (got 10.5)',
      '4:10 /log: must be true or false (got a string)',
      '5:12 /tools: must be an array (got a string)',
      '6:12 /retry: must be an object (got an array)',
      '7:18 /temperature: must be a number (got null)',
    ]);
  });

  it('never echoes a string value, which may be a key', () => {
    const problems = check('project', '{ "providers": { "x": { "apiKey": 12345678, "model": 42 } } }');
    expect(brief(problems)).toEqual([
      '1:35 /providers/x/apiKey: must be a string (got a number)',
      '1:54 /providers/x/model: must be a string (got a number)',
    ]);
    expect(JSON.stringify(problems)).not.toContain('12345678');
  });

  it('bad enum: the allowed values and a suggestion', () => {
    const [problem] = check('project', lines('{', '  "providers": { "x": { "type": "opnai" } }', '}'));
    expect(problem).toEqual({
      severity: 'error',
      pointer: '/providers/x/type',
      line: 2,
      column: 33,
      message: 'must be one of: openai, anthropic, gemini, openai-compatible, mock (did you mean "openai"?)',
    });
  });

  it('unknown tool names and a repeated one', () => {
    const text = lines('{', '  "tools": [', '    "read_file",', '    "readfile",', '    "read_file"', '  ]', '}');
    expect(brief(check('agent', text))).toEqual([
      '4:5 /tools/1: must be one of: read_file, list_files, search_files, write_file, run_command, fetch_url (did you mean "read_file"?)',
      '5:5 /tools/2: "read_file" is listed more than once',
    ]);
  });

  it('limits read as words, with the value given', () => {
    const text = '{ "temperature": 3, "maxSteps": 0, "maxCost": 0, "model": "", "fallback": [""] }';
    expect(brief(check('agent', text))).toEqual([
      '1:18 /temperature: must be at most 2 (got 3)',
      '1:33 /maxSteps: must be at least 1 (got 0)',
      '1:47 /maxCost: must be greater than 0 (got 0)',
      '1:59 /model: must not be empty',
      '1:76 /fallback/0: must not be empty',
    ]);
  });

  it('patterns are explained, not printed', () => {
    const text = lines('{', '  "allow": ["run_command:npm test", "rm"],', '  "inputs": { "my-topic": {} }', '}');
    expect(brief(check('agent', text))).toEqual([
      '2:37 /allow/1: must be "write_file", "write_file:<path or glob>", "run_command", "run_command:<command prefix>" or "fetch_url:<host>"',
      '3:15 /inputs/my-topic: invalid name "my-topic": use letters, digits and _, not starting with a digit',
    ]);
  });

  it('a missing required property: at the name of the object that lacks it', () => {
    const text = lines('{', '  "prompt": "x",', '  "output": { "shema": {} }', '}');
    expect(brief(check('agent', text))).toEqual([
      '3:3 /output: missing required property "schema"',
      '3:15 /output/shema: unknown property "shema" (did you mean "schema"?)',
    ]);
  });

  it('a top level that is not an object', () => {
    expect(brief(check('agent', '[]'))).toEqual(['1:1 : must be an object (got an array)']);
    expect(brief(check('project', '"openai"'))).toEqual(['1:1 : must be an object (got a string)']);
  });

  it('output.schema must be an object', () => {
    expect(brief(check('agent', '{ "output": { "schema": "object" } }'))).toEqual(['1:25 /output/schema: must be an object (got a string)']);
  });
});

describe('checkSchema: MCP servers (stdio "command" or HTTP "url")', () => {
  const server = (json: string) => check('agent', lines('{', '  "mcpServers": {', `    "s": ${json}`, '  }', '}'));

  it('neither command nor url: one error, asking for command, with both forms in the hint', () => {
    expect(server('{ "args": ["-y"] }')).toEqual([
      {
        severity: 'error',
        pointer: '/mcpServers/s',
        line: 3,
        column: 5,
        message: 'missing required property "command"',
        hint: 'give one of: "command" (a server started as a child process, spoken to over stdio), or "url" (a server reached over streamable HTTP)',
      },
    ]);
  });

  it('with url it is an HTTP server: command and args are unknown there', () => {
    const problems = server('{ "url": "http://localhost:3000/mcp", "command": "npx" }');
    expect(brief(problems)).toEqual(['3:48 /mcpServers/s/command: unknown property "command"']);
    expect(problems[0]?.hint).toBe('with "url" this is a server reached over streamable HTTP, which takes: url, headers');
  });

  it('with command it is a stdio server: its own errors only', () => {
    expect(brief(server('{ "command": "npx", "args": "-y", "headers": {} }'))).toEqual([
      '3:38 /mcpServers/s/args: must be an array (got a string)',
      '3:44 /mcpServers/s/headers: unknown property "headers"',
    ]);
  });

  it('an empty command is reported as such, not as a mismatch of forms', () => {
    expect(brief(server('{ "command": "" }'))).toEqual(['3:23 /mcpServers/s/command: must not be empty']);
  });

  it('not an object at all: one error', () => {
    expect(brief(server('"npx server"'))).toEqual(['3:10 /mcpServers/s: must be an object (got a string)']);
  });
});

describe('checkSchema: placement and order', () => {
  it('problems come in file order, each once', () => {
    const text = lines('{', '  "zeta": 1,', '  "log": 1,', '  "alpha": 2', '}');
    expect(brief(check('project', text))).toEqual([
      '2:3 /zeta: unknown property "zeta"',
      '3:10 /log: must be true or false (got a number)',
      '4:3 /alpha: unknown property "alpha"',
    ]);
  });

  it('a config inside package.json ("at": "/loom") gets the file’s pointers and places', () => {
    const text = lines('{', '  "name": "app",', '  "loom": {', '    "defaultprovider": "x"', '  }', '}');
    expect(brief(checkSchema(source(text), 'project', { at: '/loom' }))).toEqual([
      '4:5 /loom/defaultprovider: unknown property "defaultprovider" (did you mean "defaultProvider"?)',
    ]);
  });
});
