import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { LoomError } from '../core/errors.js';
import { isObject } from '../core/json.js';

/**
 * The input of `loom batch` (CONTRACT §14): one item per non-blank line, read as the batch needs
 * it. The batch may be given millions of lines, so nothing here holds more than the line being
 * read and the chunk it came in: the consumer pulls items one at a time, and the stream is only
 * read further when it asks for the next one. A line that cannot be an item is not an error of the
 * whole batch: it becomes a `bad` item, keeps its index, and gets a `bad_input` result.
 */

export type BatchItem =
  | { index: number; id?: string; input: string | null; vars: Record<string, string> }
  /** A line that cannot be an item: `bad` is the message of its `bad_input` error. */
  | { index: number; id?: string; bad: string };

export interface Shard {
  /** From 1 to `count`. */
  index: number;
  count: number;
}

interface Line {
  text: string;
  /** 1-based, counting every line of the file (blank ones too), as an editor shows it. */
  number: number;
}

/** Blank lines are skipped and keep no index; `\s` is the set of characters `trim()` removes. */
const isBlank = (line: string) => !/\S/.test(line);

/** What every message about a bad line ends with, so it also says what would be right. */
const EXPECTED = 'each line must be a JSON object of variables or a JSON string (the input)';

/**
 * The lines of a stream, split on `\n` only (a lone `\r` is not a line end, as in the contract),
 * a trailing `\r` removed. One chunk is split at a time, and a long line is kept as its pieces
 * until its end arrives, so a 5 MB line costs one join, not one copy per chunk.
 */
async function* lines(source: NodeJS.ReadableStream): AsyncGenerator<Line> {
  const decoder = new StringDecoder('utf8');
  let pieces: string[] = [];
  let number = 0;
  const take = (last: string): Line => {
    pieces.push(last);
    let text = pieces.join('');
    pieces = [];
    if (text.endsWith('\r')) text = text.slice(0, -1);
    // An editor's byte order mark is not part of the first item.
    if (number === 0 && text.startsWith('\uFEFF')) text = text.slice(1);
    return { text, number: ++number };
  };
  for await (const chunk of source) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      yield take(text.slice(start, end));
      start = end + 1;
    }
    if (start < text.length) pieces.push(text.slice(start));
  }
  const rest = decoder.end();
  if (rest) pieces.push(rest);
  // The last line needs no `\n` after it.
  if (pieces.length > 0) yield take('');
}

/** The items of the input in order, each with its index among the non-blank lines. */
export async function* readItems(source: NodeJS.ReadableStream): AsyncGenerator<BatchItem> {
  let index = 0;
  for await (const line of lines(source)) {
    if (isBlank(line.text)) continue;
    yield parseLine(line, index++);
  }
}

function parseLine(line: Line, index: number): BatchItem {
  const bad = (message: string, id?: string): BatchItem => ({ index, ...(id === undefined ? {} : { id }), bad: `line ${line.number}: ${message}` });
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (error) {
    return bad(`not valid JSON (${oneLine((error as Error).message)}): ${EXPECTED}`);
  }
  if (typeof value === 'string') return { index, input: value, vars: {} };
  if (!isObject(value)) return bad(`${describe(value)} is not an item: ${EXPECTED}`);

  const { id, input, ...rest } = value;
  if (id !== undefined && typeof id !== 'string') return bad(`"id" is ${describe(id)}: an id must be a string`);
  const withId = id === undefined ? {} : { id };
  if (input !== undefined && typeof input !== 'string') return bad(`"input" is ${describe(input)}: the input must be a string`, id);

  const vars: [string, string][] = [];
  for (const [name, variable] of Object.entries(rest)) {
    if (typeof variable === 'string') vars.push([name, variable]);
    else if (typeof variable === 'number' || typeof variable === 'boolean') vars.push([name, String(variable)]);
    else return bad(`variable "${oneLine(name)}" is ${describe(variable)}: variables are strings, numbers or booleans`, id);
  }
  // fromEntries defines each property, so a variable named "__proto__" stays a variable.
  return { index, ...withId, input: input ?? null, vars: Object.fromEntries(vars) };
}

/** A JSON value's kind, for messages: "an array", "null", "a number (3)". */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean') return `a ${typeof value} (${String(value)})`;
  return `a ${typeof value}`;
}

/** Messages are one line: a parse error can quote the line, and a key can hold anything. */
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').slice(0, 200);

/**
 * The number of items in an input file, for the progress total: one more pass over the file,
 * chunk by chunk, counting the lines `readItems` would yield (bad ones too).
 */
export async function countItems(path: string): Promise<number> {
  const decoder = new StringDecoder('utf8');
  let count = 0;
  // Whether the line read so far has a character that is not whitespace.
  let filled = false;
  const scan = (text: string) => {
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      if (filled || !isBlank(text.slice(start, end))) count++;
      filled = false;
      start = end + 1;
    }
    if (!filled && !isBlank(text.slice(start))) filled = true;
  };
  try {
    for await (const chunk of createReadStream(path)) scan(decoder.write(chunk as Buffer));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    throw new LoomError('usage', `cannot read the input file ${path}: ${reason}`, {
      hint: 'give --input a JSON lines file that exists, or --input - to read stdin',
      cause: error,
    });
  }
  scan(decoder.end());
  return count + (filled ? 1 : 0);
}

const SHARD_HINT = 'write --shard i/n with whole numbers 1 ≤ i ≤ n, e.g. --shard 2/4 for the second of four shards';

/** `--shard i/n`: the i-th of n shards, 1 ≤ i ≤ n. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) throw new LoomError('usage', `--shard "${oneLine(text)}" is not of the form i/n`, { hint: SHARD_HINT });
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (!Number.isSafeInteger(count) || count < 1) throw new LoomError('usage', `--shard "${text}": the number of shards must be at least 1`, { hint: SHARD_HINT });
  if (!Number.isSafeInteger(index) || index < 1 || index > count) {
    throw new LoomError('usage', `--shard "${text}": the shard must be from 1 to ${count}`, { hint: SHARD_HINT });
  }
  return { index, count };
}

/** Whether the item of this index belongs to the shard (every item does without one): index % n == i − 1. */
export const inShard = (index: number, shard?: Shard): boolean => shard === undefined || index % shard.count === shard.index - 1;
