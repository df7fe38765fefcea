import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasResults, readPriorResults, ResultsWriter } from '../../src/batch/results-file.js';
import { isLoomError } from '../../src/core/errors.js';

let dir: string;
let count = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loom-batch-results-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fresh folder per test, so "no temp file is left" can look at the whole folder. */
async function folder(): Promise<string> {
  const path = join(dir, `t${count++}`);
  await mkdir(path);
  return path;
}

const line = (index: number, ok: boolean, extra: Record<string, unknown> = {}) => `${JSON.stringify({ index, ok, ...extra })}\n`;
const linesOf = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter(Boolean).map((text) => JSON.parse(text) as Record<string, unknown>);

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error('expected a rejection');
  return error;
}

describe('writing and reading results (CONTRACT §14)', () => {
  it('round trip: each result one JSON line, index first; read back as the last line of each index', async () => {
    const path = join(await folder(), 'results.jsonl');
    const writer = await ResultsWriter.open(path, 'fresh');
    await writer.write({ ok: true, text: 'one', index: 0 });
    await writer.write({ index: 2, ok: false, error: { code: 'timeout', message: 'slow' } });
    await writer.write({ index: 1, id: 'b', ok: true, text: 'é\n"quoted"' });
    await writer.close();

    const text = await readFile(path, 'utf8');
    expect(text.split('\n')).toHaveLength(4);
    expect(text.startsWith('{"index":0,')).toBe(true);
    expect(await linesOf(path)).toEqual([
      { index: 0, ok: true, text: 'one' },
      { index: 2, ok: false, error: { code: 'timeout', message: 'slow' } },
      { index: 1, id: 'b', ok: true, text: 'é\n"quoted"' },
    ]);
    const prior = await readPriorResults(path);
    expect(prior.droppedTornLine).toBe(false);
    expect([...prior.byIndex]).toEqual([
      [0, { ok: true }],
      [2, { ok: false }],
      [1, { ok: true }],
    ]);
  });

  it('the last line of an index wins: a retry after an ok: false line', async () => {
    const path = join(await folder(), 'results.jsonl');
    await writeFile(path, line(0, false) + line(1, true) + line(2, false) + line(0, true));
    const prior = await readPriorResults(path);
    expect(prior.byIndex.get(0)).toEqual({ ok: true });
    expect(prior.byIndex.get(2)).toEqual({ ok: false });
    expect(prior.byIndex.size).toBe(3);
  });

  it('append mode keeps what the file holds; fresh mode empties it', async () => {
    const path = join(await folder(), 'results.jsonl');
    await writeFile(path, line(0, true));
    const appending = await ResultsWriter.open(path, 'append');
    await appending.write({ index: 1, ok: true });
    await appending.close();
    expect((await linesOf(path)).map((entry) => entry.index)).toEqual([0, 1]);
    const fresh = await ResultsWriter.open(path, 'fresh');
    await fresh.write({ index: 5, ok: false });
    await fresh.close();
    expect((await linesOf(path)).map((entry) => entry.index)).toEqual([5]);
  });

  it('a missing file has no results', async () => {
    const prior = await readPriorResults(join(await folder(), 'none.jsonl'));
    expect(prior).toEqual({ byIndex: new Map(), droppedTornLine: false });
  });

  it('reads lines longer than a chunk, and many lines', async () => {
    const path = join(await folder(), 'results.jsonl');
    const long = 'x'.repeat(300_000);
    await writeFile(path, Array.from({ length: 5000 }, (_, i) => line(i, i % 2 === 0, i % 1000 === 0 ? { text: long } : {})).join(''));
    const prior = await readPriorResults(path);
    expect(prior.byIndex.size).toBe(5000);
    expect(prior.byIndex.get(4000)).toEqual({ ok: true });
    expect(prior.byIndex.get(4001)).toEqual({ ok: false });
  });
});

describe('a torn last line', () => {
  it.each([
    ['half a JSON object, no newline', '{"index":2,"ok":tr'],
    ['a whole result without its newline', '{"index":2,"ok":true}'],
    ['half a JSON object with a newline', '{"index":2,"ok":tr\n'],
    ['the first bytes of a line', '{"in'],
    ['zeros left by a crash', '\0\0\0\0'],
  ])('%s: dropped and cut off the file', async (_name, torn) => {
    const path = join(await folder(), 'results.jsonl');
    const whole = line(0, true) + line(1, false);
    await writeFile(path, whole + torn);
    const prior = await readPriorResults(path);
    expect(prior.droppedTornLine).toBe(true);
    expect([...prior.byIndex.keys()]).toEqual([0, 1]);
    expect(await readFile(path, 'utf8')).toBe(whole);
    // What a resume appends then starts on a line of its own.
    const writer = await ResultsWriter.open(path, 'append');
    await writer.write({ index: 2, ok: true });
    await writer.close();
    expect((await linesOf(path)).map((entry) => entry.index)).toEqual([0, 1, 2]);
  });

  it('a torn first line leaves an empty file', async () => {
    const path = join(await folder(), 'results.jsonl');
    await writeFile(path, '{"index":0,"ok":');
    const prior = await readPriorResults(path);
    expect(prior).toEqual({ byIndex: new Map(), droppedTornLine: true });
    expect(await readFile(path, 'utf8')).toBe('');
  });
});

describe('a file that is not a results file', () => {
  it.each([
    ['text', 'hello\nworld\n', 1],
    ['a foreign line in the middle', line(0, true) + 'not json\n' + line(1, true), 2],
    ['JSON without an index', line(0, true) + '{"ok": true}\n' + line(1, true), 2],
    ['an index that is not a whole number', line(0, true) + '{"index": "1", "ok": true}\n', 2],
    ['a negative index', '{"index": -1, "ok": true}\n', 1],
    ['a last line of its own, without a newline', 'some notes', 1],
    ['a whole last line of JSON that is not a result', line(0, true) + '{"index": 1.5}\n', 2],
  ])('%s: a usage error naming the line, and the file is left as it was', async (_name, text, at) => {
    const path = join(await folder(), 'notes.txt');
    await writeFile(path, text);
    const error = await rejection(readPriorResults(path));
    expect(isLoomError(error) && error.code).toBe('usage');
    expect(error.message).toBe(`${path}:${at}: not a result line of loom batch`);
    expect(error.hint).toBeTruthy();
    expect(await readFile(path, 'utf8')).toBe(text);
  });
});

describe('compact, after --retry-errors', () => {
  it('keeps the last line of each index, in the order of first appearance, and leaves no temp file', async () => {
    const at = await folder();
    const path = join(at, 'results.jsonl');
    await writeFile(path, line(3, false, { attempt: 1 }) + line(1, true) + line(0, false, { attempt: 1 }));
    const writer = await ResultsWriter.open(path, 'append');
    await writer.write({ index: 0, ok: true, attempt: 2 });
    await writer.write({ index: 3, ok: false, attempt: 2 });
    await writer.write({ index: 3, ok: true, attempt: 3 });
    await writer.compact();
    expect(await linesOf(path)).toEqual([
      { index: 3, ok: true, attempt: 3 },
      { index: 1, ok: true },
      { index: 0, ok: true, attempt: 2 },
    ]);
    expect(await readdir(at)).toEqual(['results.jsonl']);
    // Lines written after the compaction go to the new file.
    await writer.write({ index: 7, ok: true });
    await writer.close();
    expect((await linesOf(path)).map((entry) => entry.index)).toEqual([3, 1, 0, 7]);
  });

  it('waits for the writes made before it', async () => {
    const path = join(await folder(), 'results.jsonl');
    const writer = await ResultsWriter.open(path, 'fresh');
    const writes = [writer.write({ index: 0, ok: false }), writer.write({ index: 1, ok: true }), writer.write({ index: 0, ok: true })];
    await Promise.all([...writes, writer.compact()]);
    await writer.close();
    expect(await linesOf(path)).toEqual([
      { index: 0, ok: true },
      { index: 1, ok: true },
    ]);
  });

  it('compacts a file of many lines, some longer than a chunk', async () => {
    const path = join(await folder(), 'results.jsonl');
    const long = 'y'.repeat(200_000);
    const writer = await ResultsWriter.open(path, 'fresh');
    for (let i = 0; i < 3000; i++) await writer.write({ index: i, ok: i % 10 !== 0, text: i % 500 === 5 ? long : `t${i}` });
    for (let i = 0; i < 3000; i += 10) await writer.write({ index: i, ok: true, text: `retried ${i}` });
    await writer.compact();
    await writer.close();
    const lines = await linesOf(path);
    expect(lines.map((entry) => entry.index)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(lines.every((entry) => entry.ok === true)).toBe(true);
    expect(lines[505]!.text === long).toBe(true);
    expect(lines[1000]!.text).toBe('retried 1000');
  });

  it('with nothing replaced, the file stays as it is', async () => {
    const path = join(await folder(), 'results.jsonl');
    const text = line(1, true) + line(0, false);
    await writeFile(path, text);
    const writer = await ResultsWriter.open(path, 'append');
    await writer.compact();
    await writer.close();
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('is a no-op for stdout', async () => {
    const chunks: string[] = [];
    const writer = ResultsWriter.stdout(new Writable({ write: (chunk: Buffer, _encoding, done) => (chunks.push(chunk.toString()), done()) }));
    await writer.write({ index: 0, ok: true });
    await writer.compact();
    await writer.close();
    expect(chunks).toEqual([line(0, true)]);
  });
});

describe('concurrent writers', () => {
  it('lines are never interleaved, and land in the order of the calls', async () => {
    const path = join(await folder(), 'results.jsonl');
    const writer = await ResultsWriter.open(path, 'fresh');
    const big = 'z'.repeat(700_000); // larger than one piece of Node's writes
    await Promise.all(Array.from({ length: 400 }, (_, index) => writer.write({ index, ok: true, text: index % 50 === 0 ? big : `item ${index}` })));
    await writer.close();
    const lines = await linesOf(path);
    expect(lines.map((entry) => entry.index)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(lines[100]!.text === big).toBe(true);
  });
});

describe('write errors', () => {
  it.skipIf(!existsSync('/dev/full'))('a full disk rejects with output_error naming the file, and later writes too', async () => {
    const writer = await ResultsWriter.open('/dev/full', 'append');
    const error = await rejection(writer.write({ index: 0, ok: true }));
    expect(isLoomError(error) && error.code).toBe('output_error');
    expect(error.message).toMatch(/^cannot write the results to \/dev\/full: .*ENOSPC/);
    expect(await rejection(writer.write({ index: 1, ok: true }))).toBe(error);
    await writer.close();
  });

  it('a file that cannot be opened: output_error naming it', async () => {
    const path = join(await folder(), 'no-such-folder', 'results.jsonl');
    const error = await rejection(ResultsWriter.open(path, 'fresh'));
    expect(isLoomError(error) && error.code).toBe('output_error');
    expect(error.message).toContain(path);
  });

  it('a closed pipe on stdout rejects with output_error, and no error event is left unhandled', async () => {
    const stream = new Writable({
      write: (_chunk, _encoding, done) => done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })),
    });
    const writer = ResultsWriter.stdout(stream);
    const error = await rejection(writer.write({ index: 0, ok: true }));
    expect(isLoomError(error) && error.code).toBe('output_error');
    expect(error.message).toBe('cannot write the results to stdout: write EPIPE');
    expect(await rejection(writer.write({ index: 1, ok: true }))).toBe(error);
    await writer.close();
  });
});

describe('stdout back-pressure', () => {
  it('waits for drain before the next line, and keeps the lines whole and in order', async () => {
    const received: string[] = [];
    let writesWhileFull = 0;
    const stream = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _encoding, done) {
        received.push(chunk.toString());
        setTimeout(done, 2); // a slow reader
      },
    });
    const write = stream.write.bind(stream);
    let calls = 0;
    stream.write = ((...args: Parameters<typeof write>) => {
      calls++;
      if (stream.writableNeedDrain) writesWhileFull++;
      return write(...args);
    }) as typeof stream.write;
    const writer = ResultsWriter.stdout(stream);
    await Promise.all(Array.from({ length: 30 }, (_, index) => writer.write({ index, ok: true, text: 'a line longer than the high water mark' })));
    await writer.close();
    expect(calls).toBe(30);
    expect(writesWhileFull).toBe(0);
    expect(received.map((text) => (JSON.parse(text) as { index: number }).index)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });
  it("when a write's callback comes before 'drain' (others write to the stream too), the next line waits for 'drain'", async () => {
    /** A pipe that takes each write at once but stays full for a while after it. */
    class SlowPipe extends EventEmitter {
      readonly received: string[] = [];
      full = false;
      writesWhileFull = 0;
      write(chunk: string | Uint8Array, done?: (error?: Error | null) => void): boolean {
        if (this.full) this.writesWhileFull++;
        this.received.push(String(chunk));
        this.full = true;
        process.nextTick(() => done?.());
        setTimeout(() => {
          this.full = false;
          this.emit('drain');
        }, 3);
        return false;
      }
    }
    const pipe = new SlowPipe();
    const writer = ResultsWriter.stdout(pipe as unknown as NodeJS.WritableStream);
    await Promise.all(Array.from({ length: 10 }, (_, index) => writer.write({ index, ok: true })));
    await writer.close();
    expect(pipe.writesWhileFull).toBe(0);
    expect(pipe.received).toEqual(Array.from({ length: 10 }, (_, index) => line(index, true)));
  });
});

describe('hasResults: the never-overwrite rule', () => {
  it('false for a missing or empty file or a folder, true for a file with anything in it', async () => {
    const at = await folder();
    expect(await hasResults(join(at, 'missing.jsonl'))).toBe(false);
    expect(await hasResults(join(at, 'missing', 'deeper.jsonl'))).toBe(false);
    await writeFile(join(at, 'empty.jsonl'), '');
    expect(await hasResults(join(at, 'empty.jsonl'))).toBe(false);
    await writeFile(join(at, 'full.jsonl'), '\n');
    expect(await hasResults(join(at, 'full.jsonl'))).toBe(true);
    expect(await hasResults(at)).toBe(false);
  });
});
