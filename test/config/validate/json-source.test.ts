import { describe, expect, it } from 'vitest';
import { parseJsonSource, type JsonSource } from '../../../src/config/validate/json-source.js';
import type { Problem } from '../../../src/config/validate/problems.js';

function parse(text: string): JsonSource {
  const result = parseJsonSource('config.json', text);
  if (!result.ok) throw new Error(`unexpected syntax error: ${result.problems[0]?.message}`);
  return result.source;
}

function syntaxErrors(text: string): Problem[] {
  const result = parseJsonSource('config.json', text);
  if (result.ok) throw new Error('expected a syntax error');
  return result.problems;
}

/** Problems as `line:column message` lines, hints aside, for compact exact assertions. */
const brief = (problems: Problem[]) => problems.map((p) => `${p.line}:${p.column} ${p.message}`);

describe('parseJsonSource: valid JSON', () => {
  it('gives the value, the path and the text', () => {
    const result = parseJsonSource('/p/loom.config.json', '{ "a": [1, {"b": null}] }');
    expect(result).toMatchObject({ ok: true, problems: [] });
    if (!result.ok) return;
    expect(result.source.path).toBe('/p/loom.config.json');
    expect(result.source.value).toEqual({ a: [1, { b: null }] });
  });

  it('accepts any top-level value (that an object is required is the schema check’s business)', () => {
    expect(parse('[1, 2]').value).toEqual([1, 2]);
    expect(parse(' "text" ').value).toBe('text');
  });

  it('keeps a "__proto__" key as a plain property', () => {
    const value = parse('{ "__proto__": { "polluted": true } }').value as Record<string, unknown>;
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('drops a byte order mark and does not count it as a column', () => {
    const source = parse('\uFEFF{"model": 1}');
    expect(source.value).toEqual({ model: 1 });
    expect(source.text.startsWith('{')).toBe(true);
    expect(source.positionOf('/model', 'key')).toEqual({ line: 1, column: 2 });
  });
});

describe('JsonSource.positionOf', () => {
  const source = parse(
    [
      '{', //                                   line 1
      '  "provider": "claude",', //             line 2
      '  "providers": {', //                    line 3
      '    "my/proxy": { "type": "openai" }', // line 4
      '  },', //                                line 5
      '  "tools": [', //                        line 6
      '    "read_file",', //                    line 7
      '    "write_file"', //                    line 8
      '  ],', //                                line 9
      '  "inputs": { "a~b": {} }', //           line 10
      '}',
    ].join('\n'),
  );

  it('places a property’s value, or with "key" its name', () => {
    expect(source.positionOf('/provider')).toEqual({ line: 2, column: 15 });
    expect(source.positionOf('/provider', 'value')).toEqual({ line: 2, column: 15 });
    expect(source.positionOf('/provider', 'key')).toEqual({ line: 2, column: 3 });
  });

  it('follows escaped pointer segments (~1 is "/", ~0 is "~")', () => {
    expect(source.positionOf('/providers/my~1proxy/type')).toEqual({ line: 4, column: 27 });
    expect(source.positionOf('/providers/my~1proxy', 'key')).toEqual({ line: 4, column: 5 });
    expect(source.positionOf('/inputs/a~0b', 'key')).toEqual({ line: 10, column: 15 });
  });

  it('places array items; "key" of an item is the item itself', () => {
    expect(source.positionOf('/tools/1')).toEqual({ line: 8, column: 5 });
    expect(source.positionOf('/tools/1', 'key')).toEqual({ line: 8, column: 5 });
  });

  it('places the document itself at its first character', () => {
    expect(source.positionOf('')).toEqual({ line: 1, column: 1 });
    expect(source.positionOf('', 'key')).toEqual({ line: 1, column: 1 });
  });

  it('falls back to the nearest existing parent for a pointer that does not exist', () => {
    // e.g. a missing required property, or an item past the end
    expect(source.positionOf('/providers/my~1proxy/model')).toEqual({ line: 4, column: 17 });
    expect(source.positionOf('/providers/my~1proxy/model', 'key')).toEqual({ line: 4, column: 5 });
    expect(source.positionOf('/tools/7')).toEqual({ line: 6, column: 12 });
    expect(source.positionOf('/nothing/here')).toEqual({ line: 1, column: 1 });
  });

  it('counts \\r\\n as one line break', () => {
    const crlf = parse('{\r\n  "a": 1,\r\n  "b": 2\r\n}');
    expect(crlf.positionOf('/b')).toEqual({ line: 3, column: 8 });
  });

  it('places the last of duplicate keys, whose value JSON keeps', () => {
    const dup = parse('{\n  "model": "a",\n  "model": "b"\n}');
    expect(dup.value).toEqual({ model: 'b' });
    expect(dup.positionOf('/model')).toEqual({ line: 3, column: 12 });
  });
});

describe('parseJsonSource: duplicate keys', () => {
  it('warns at each repeated name, with its pointer, nested ones included', () => {
    const text = '{\n  "model": "a",\n  "providers": { "x": { "type": "openai", "type": "mock" } },\n  "model": "b"\n}';
    const result = parseJsonSource('config.json', text);
    expect(result.ok).toBe(true);
    expect(result.problems).toEqual([
      {
        severity: 'warning',
        pointer: '/providers/x/type',
        line: 3,
        column: 43,
        message: 'property "type" is given more than once; only the last one counts',
      },
      { severity: 'warning', pointer: '/model', line: 4, column: 3, message: 'property "model" is given more than once; only the last one counts' },
    ]);
  });

  it('tells keys from string values, escaped quotes and arrays of objects', () => {
    const text = '{ "a": "a", "b": "x\\"a\\"", "list": [{ "a": 1 }, { "a": 2 }], "c\\u0041": 1, "cA": 2 }';
    const result = parseJsonSource('config.json', text);
    expect(result.problems.map((p) => p.pointer)).toEqual(['/cA']);
  });
});

describe('parseJsonSource: syntax errors', () => {
  it('missing comma: at the token where the comma was expected', () => {
    expect(syntaxErrors('{\n  "provider": "claude"\n  "model": "x"\n}\n')).toEqual([
      { severity: 'error', pointer: null, line: 3, column: 3, message: 'Expected comma' },
    ]);
  });

  it('reports every independent error, not only the first', () => {
    expect(brief(syntaxErrors('{\n  "a": 1\n  "b": 2\n  "c": 3\n}'))).toEqual(['3:3 Expected comma', '4:3 Expected comma']);
  });

  it('trailing comma in an object and in an array: at the comma', () => {
    expect(syntaxErrors('{\n  "a": 1,\n}')).toEqual([
      { severity: 'error', pointer: null, line: 2, column: 9, message: 'Trailing comma is not allowed', hint: 'remove the comma after the last item' },
    ]);
    expect(brief(syntaxErrors('{\n  "tools": ["read_file",],\n  "b": 1\n}'))).toEqual(['2:24 Trailing comma is not allowed']);
  });

  it('unterminated string: at its opening quote, without a cascade of follow-on errors', () => {
    expect(brief(syntaxErrors('{\n  "prompt": "hello,\n  "model": "x"\n}'))).toEqual(['2:13 Unterminated string']);
    expect(brief(syntaxErrors('{\n  "prompt": "hello'))).toEqual(['2:13 Unterminated string']);
  });

  it('empty file, or only whitespace', () => {
    expect(syntaxErrors('')).toEqual([
      { severity: 'error', pointer: null, line: 1, column: 1, message: 'File is empty', hint: 'a config file holds one JSON object, e.g. {}' },
    ]);
    expect(brief(syntaxErrors('  \n\t\n'))).toEqual(['1:1 File is empty']);
  });

  it('truncated file: unexpected end of file, with what is missing', () => {
    expect(syntaxErrors('{\n  "retry": {\n    "retries": 1\n')).toEqual([
      { severity: 'error', pointer: null, line: 4, column: 1, message: 'Unexpected end of file', hint: 'a closing "}" is missing' },
    ]);
    expect(brief(syntaxErrors('{ "a":'))).toEqual(['1:7 Unexpected end of file']);
  });

  it('comments are errors: config files are strict JSON', () => {
    expect(brief(syntaxErrors('{\n  // the model\n  "model": "x"\n}'))).toEqual(['2:3 Comments are not allowed in JSON']);
    expect(brief(syntaxErrors('{ /* x */ "model": "x" }'))).toEqual(['1:3 Comments are not allowed in JSON']);
  });

  it('JavaScript habits: unquoted and single-quoted names, one error each', () => {
    expect(brief(syntaxErrors('{\n  provider: "claude",\n  "model": "x"\n}'))).toEqual(['2:3 Property names must be in double quotes']);
    expect(brief(syntaxErrors("{\n  'provider': 'claude'\n}"))).toEqual(['2:3 Property names must be in double quotes']);
    expect(brief(syntaxErrors("{\n  \"provider\": 'claude'\n}"))).toEqual(['2:15 Strings must be in double quotes']);
  });

  it('a misspelt literal, with a suggestion', () => {
    expect(brief(syntaxErrors('{\n  "log": tru,\n  "shell": false\n}'))).toEqual(['2:10 Unexpected "tru" (did you mean true?)']);
    expect(brief(syntaxErrors('{ "a": undefined }'))).toEqual(['1:8 Unexpected "undefined"']);
  });

  it('points inside a string at a bad escape or a raw control character', () => {
    expect(syntaxErrors('{\n  "cwd": "C:\\Users\\me"\n}')).toEqual([
      {
        severity: 'error',
        pointer: null,
        line: 2,
        column: 13,
        message: 'Invalid escape "\\U" in string',
        hint: 'write a backslash as \\\\ (a Windows path as "C:\\\\Users")',
      },
    ]);
    expect(syntaxErrors('{ "system": "a\tb" }')).toEqual([
      { severity: 'error', pointer: null, line: 1, column: 15, message: 'Unescaped control character in string', hint: 'write a tab as \\t' },
    ]);
  });

  it('missing colon, missing value, content after the end', () => {
    expect(brief(syntaxErrors('{ "a" 1 }'))).toEqual(['1:7 Expected colon']);
    expect(brief(syntaxErrors('{ "a": }'))).toEqual(['1:8 Expected a value']);
    expect(brief(syntaxErrors('{ "a": 1 }\n}'))).toEqual(['2:1 Expected end of file']);
    expect(brief(syntaxErrors('{ "a": 1. }'))).toEqual(['1:8 Invalid number "1."']);
  });

  it('columns after a byte order mark and on \\r\\n lines are those an editor shows', () => {
    expect(brief(syntaxErrors('\uFEFF{ "a": 1, }'))).toEqual(['1:9 Trailing comma is not allowed']);
    expect(brief(syntaxErrors('{\r\n  "a": 1\r\n  "b": 2\r\n}'))).toEqual(['3:3 Expected comma']);
  });
});

describe('nesting', () => {
  it('a file nested deeper than 100 levels is a problem at the place it passes the limit, however deep it goes', () => {
    const deep = (n: number) => `{"params":${'['.repeat(n)}${']'.repeat(n)}}`;
    expect(parseJsonSource('c.json', deep(99)).ok).toBe(true);
    for (const n of [100, 100_000]) {
      const result = parseJsonSource('c.json', deep(n));
      expect(result).toMatchObject({ ok: false, problems: [{ severity: 'error', line: 1, column: 110, message: 'the file is nested deeper than 100 levels' }] });
    }
    // Brackets inside strings do not count.
    expect(parseJsonSource('c.json', `{"a":"${'['.repeat(500)}"}`).ok).toBe(true);
  });
});
