import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countItems, inShard, parseShard, readItems, type BatchItem } from '../../src/batch/input.js';
import { isLoomError } from '../../src/core/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loom-batch-input-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(source: NodeJS.ReadableStream): Promise<BatchItem[]> {
  const items: BatchItem[] = [];
  for await (const item of readItems(source)) items.push(item);
  return items;
}

const itemsOf = (text: string) => collect(Readable.from([Buffer.from(text)]));

/** The `bad` message of a one-line input. */
async function badOf(line: string): Promise<string> {
  const [item] = await itemsOf(`${line}\n`);
  if (!item || !('bad' in item)) throw new Error(`expected a bad item for ${line}, got ${JSON.stringify(item)}`);
  return item.bad;
}

describe('readItems: the lines of the input (CONTRACT §14)', () => {
  it('reads objects of variables and strings', async () => {
    const items = await itemsOf('{"input": "hello", "audience": "kids", "id": "a1"}\n"just the input"\n{"topic": "cats"}\n');
    expect(items).toEqual([
      { index: 0, id: 'a1', input: 'hello', vars: { audience: 'kids' } },
      { index: 1, input: 'just the input', vars: {} },
      { index: 2, input: null, vars: { topic: 'cats' } },
    ]);
  });

  it('skips blank and whitespace-only lines, which keep no index', async () => {
    const items = await itemsOf('\n"a"\n   \n\t\n"b"\n\n\n"c"');
    expect(items.map((item) => [item.index, 'input' in item ? item.input : undefined])).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'c'],
    ]);
  });

  it('removes the \\r of CRLF line ends, and splits only on \\n', async () => {
    const items = await itemsOf('"a"\r\n{"x": "1"}\r\n\r\n"b"\r\n');
    expect(items).toEqual([
      { index: 0, input: 'a', vars: {} },
      { index: 1, input: null, vars: { x: '1' } },
      { index: 2, input: 'b', vars: {} },
    ]);
  });

  it('converts numbers and booleans to strings', async () => {
    const [item] = await itemsOf('{"n": 3, "f": 1.5, "neg": -2, "yes": true, "no": false, "s": "x"}');
    expect(item).toEqual({ index: 0, input: null, vars: { n: '3', f: '1.5', neg: '-2', yes: 'true', no: 'false', s: 'x' } });
  });

  it('keeps a variable named __proto__ as a variable', async () => {
    const [item] = await itemsOf('{"__proto__": "p"}');
    expect(item && 'vars' in item && Object.keys(item.vars)).toEqual(['__proto__']);
    expect(item && 'vars' in item && item.vars.__proto__).toBe('p');
  });

  it('a line that is not JSON is bad, with its line number in the file and what JSON.parse said', async () => {
    const items = await itemsOf('"a"\n\n\n{"input": oops}\n"b"\n');
    expect(items[1]).toMatchObject({ index: 1 });
    const bad = (items[1] as { bad: string }).bad;
    expect(bad).toMatch(/^line 4: not valid JSON \(.*JSON.*\): each line must be a JSON object of variables or a JSON string/);
    expect(items[2]).toEqual({ index: 2, input: 'b', vars: {} });
  });

  it('JSON that is neither an object nor a string is bad', async () => {
    expect(await badOf('42')).toBe('line 1: a number (42) is not an item: each line must be a JSON object of variables or a JSON string (the input)');
    expect(await badOf('[1, 2]')).toMatch(/^line 1: an array is not an item: /);
    expect(await badOf('null')).toMatch(/^line 1: null is not an item: /);
    expect(await badOf('true')).toMatch(/^line 1: a boolean \(true\) is not an item: /);
  });

  it('an id or an input that is not a string is bad', async () => {
    expect(await badOf('{"id": 7, "input": "x"}')).toBe('line 1: "id" is a number (7): an id must be a string');
    expect(await badOf('{"input": 5}')).toBe('line 1: "input" is a number (5): the input must be a string');
    expect(await badOf('{"input": null}')).toBe('line 1: "input" is null: the input must be a string');
    expect(await badOf('{"input": ["a"]}')).toBe('line 1: "input" is an array: the input must be a string');
  });

  it('null, arrays and objects as variables are bad', async () => {
    expect(await badOf('{"x": [1]}')).toBe('line 1: variable "x" is an array: variables are strings, numbers or booleans');
    expect(await badOf('{"x": {"y": 1}}')).toBe('line 1: variable "x" is an object: variables are strings, numbers or booleans');
    expect(await badOf('{"x": null}')).toBe('line 1: variable "x" is null: variables are strings, numbers or booleans');
  });

  it('a bad line keeps its index and its id, and the lines after it go on', async () => {
    const items = await itemsOf('"a"\n{"id": "second", "x": [1]}\n{"id": "third", "input": 3}\n"d"\n');
    expect(items[1]).toEqual({ index: 1, id: 'second', bad: expect.stringContaining('variable "x"') });
    expect(items[2]).toEqual({ index: 2, id: 'third', bad: expect.stringContaining('"input"') });
    expect(items[3]).toEqual({ index: 3, input: 'd', vars: {} });
  });

  it('messages stay on one line whatever the line holds', async () => {
    const message = await badOf('"\u0001');
    expect(message).not.toMatch(/[\n\r\u0000-\u001f]/);
    expect(await badOf('{"a\\nb": []}')).toBe('line 1: variable "a b" is an array: variables are strings, numbers or booleans');
  });

  it('a 5 MB line, read from a file in many chunks', async () => {
    const big = 'é'.repeat(2_500_000); // 5 MB of UTF-8, two bytes a character, split across chunks
    const path = join(dir, 'big.jsonl');
    await writeFile(path, `"small"\n${JSON.stringify({ input: big, id: 'big' })}\n"after"\n`);
    const items = await collect(createReadStream(path));
    expect(items).toHaveLength(3);
    expect(items[1]).toMatchObject({ index: 1, id: 'big' });
    expect((items[1] as { input: string }).input === big).toBe(true);
    expect(items[2]).toEqual({ index: 2, input: 'after', vars: {} });
  });

  it('strips a byte order mark before the first line', async () => {
    expect(await itemsOf('\uFEFF"a"\n')).toEqual([{ index: 0, input: 'a', vars: {} }]);
  });

  it('reads only as far as the items pulled, not the whole input', async () => {
    const total = 2000;
    let pulled = 0;
    const source = new Readable({
      highWaterMark: 1024,
      read() {
        // One line of about 100 bytes per chunk the stream asks for.
        this.push(pulled < total ? `${JSON.stringify({ input: `item ${pulled++}`.padEnd(90, '.') })}\n` : null);
      },
    });
    const items = readItems(source);
    const first = await items.next();
    expect(first.value).toMatchObject({ index: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pulled).toBeLessThan(50);
    for (let i = 1; i < 100; i++) await items.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pulled).toBeLessThan(150);
    await items.return(undefined);
  });
});

describe('countItems: the progress total', () => {
  it('counts the non-blank lines, whatever their line ends, as readItems yields them', async () => {
    const text = '\n"a"\r\n  \n{"x": 1}\n\t\r\nnot json\n\n"last, without a newline"';
    const path = join(dir, 'count.jsonl');
    await writeFile(path, text);
    expect(await countItems(path)).toBe(4);
    expect(await itemsOf(text)).toHaveLength(4);
  });

  it('counts across chunks, and an empty file has no items', async () => {
    const path = join(dir, 'many.jsonl');
    await writeFile(path, Array.from({ length: 30_000 }, (_, i) => (i % 3 === 0 ? '   ' : `"item ${i}"`)).join('\n'));
    expect(await countItems(path)).toBe(20_000);
    await writeFile(join(dir, 'empty.jsonl'), '');
    expect(await countItems(join(dir, 'empty.jsonl'))).toBe(0);
  });

  it('a missing file is a usage error', async () => {
    const error: unknown = await countItems(join(dir, 'missing.jsonl')).catch((caught: unknown) => caught);
    expect(isLoomError(error) && error.code).toBe('usage');
    expect((error as Error).message).toMatch(/missing\.jsonl: no such file/);
  });
});

describe('--shard i/n', () => {
  it('parses i/n with 1 ≤ i ≤ n', () => {
    expect(parseShard('1/3')).toEqual({ index: 1, count: 3 });
    expect(parseShard('3/3')).toEqual({ index: 3, count: 3 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    expect(parseShard('12/40')).toEqual({ index: 12, count: 40 });
  });

  it.each(['0/3', '4/3', '1/0', '0/0', 'a/b', '1', '1/2/3', '', '-1/3', '1.5/3', '1 / 3'])('rejects %j as a usage error with a hint', (text) => {
    let caught: unknown;
    try {
      parseShard(text);
    } catch (error) {
      caught = error;
    }
    expect(isLoomError(caught) && caught.code).toBe('usage');
    expect(isLoomError(caught) && caught.hint).toMatch(/--shard i\/n/);
    expect((caught as Error).message).toContain('--shard');
  });

  it('the shards of n partition the items: every index in exactly one', () => {
    for (let count = 1; count <= 7; count++) {
      const shards = Array.from({ length: count }, (_, i) => parseShard(`${i + 1}/${count}`));
      for (let index = 0; index < 100; index++) {
        const owners = shards.filter((shard) => inShard(index, shard));
        expect(owners, `index ${index} of ${count} shards`).toHaveLength(1);
        expect(owners[0]!.index).toBe((index % count) + 1);
      }
    }
  });

  it('without a shard every item is in', () => {
    expect([0, 1, 99].every((index) => inShard(index))).toBe(true);
  });
});
