import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isLoomError, LoomError } from '../core/errors.js';
import { isObject } from '../core/json.js';

/**
 * The results file of `loom batch` (CONTRACT §14): one JSON line per finished item, in the order
 * the items finish. A batch can be killed at any moment and resumed, so each line goes to the OS
 * with one write of the whole line (a kill leaves only whole lines), a torn last line (the machine
 * died mid-write) is cut off before a resume appends, and `--retry-errors` ends by rewriting the
 * file atomically with one line per index. Files can be larger than memory: every read here
 * streams, holding one line at a time.
 */

export interface PriorResults {
  /** The last line written for each index (a retry's line comes after the line it replaces): whether it was ok. */
  byIndex: Map<number, { ok: boolean }>;
  /** A torn last line (no newline at its end, or not JSON) was dropped from the file. */
  droppedTornLine: boolean;
}

const CHUNK_BYTES = 64 * 1024;
const NEWLINE = 0x0a;
/** How every line starts: the writer puts `index` first, so a torn line can be told from a foreign file. */
const LINE_START = Buffer.from('{"index":');

/** A line without its `\n`; `start`/`end` are its byte offsets (`end` just after the `\n`); `whole`: it has its `\n`. */
interface FileLine { bytes: Buffer; start: number; end: number; number: number; whole: boolean }

/** The lines of a file with their byte offsets, read in chunks, splitting on the `\n` byte (never inside a UTF-8 character). */
async function* fileLines(handle: FileHandle): AsyncGenerator<FileLine> {
  let position = 0;
  let start = 0;
  let number = 0;
  let pieces: Buffer[] = [];
  for (;;) {
    // A fresh buffer each time: the pieces of a line in progress point into the previous ones.
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const chunk = buffer.subarray(0, (await handle.read(buffer, 0, CHUNK_BYTES, position)).bytesRead);
    if (chunk.length === 0) break;
    let from = 0;
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, from)) {
      pieces.push(chunk.subarray(from, at));
      const end = position + at + 1;
      yield { bytes: Buffer.concat(pieces), start, end, number: ++number, whole: true };
      pieces = [];
      start = end;
      from = at + 1;
    }
    if (from < chunk.length) pieces.push(chunk.subarray(from));
    position += chunk.length;
  }
  if (pieces.length > 0) yield { bytes: Buffer.concat(pieces), start, end: position, number: ++number, whole: false };
}

/** What a line of the file is: a result (a JSON object with a whole `index` from 0), or why not. */
type Parsed = { index: number; ok: boolean } | 'blank' | 'other JSON' | 'not JSON';

function parseLine(bytes: Buffer): Parsed {
  const text = bytes.toString('utf8');
  if (!/\S/.test(text)) return 'blank';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (!isObject(value) || !Number.isSafeInteger(value.index) || (value.index as number) < 0) return 'other JSON';
  return { index: value.index as number, ok: value.ok === true };
}

/**
 * A last line a write did not finish: without its newline (even a whole result), or not JSON. It
 * must also look like what a cut-short write leaves, the start of one of our lines or the zeros of
 * a crashed file system, so that a foreign file's last line is never cut off.
 */
function isTorn({ bytes, whole, end }: FileLine, parsed: Parsed, size: number): boolean {
  if (whole && (end < size || parsed !== 'not JSON')) return false;
  const head = Math.min(bytes.length, LINE_START.length);
  return parsed === 'blank' || bytes.subarray(0, head).equals(LINE_START.subarray(0, head)) || bytes.every((byte) => byte === 0);
}

/** Reads an existing results file line by line; a torn last line is cut off the file, so what a resume appends starts on a line of its own. */
export async function readPriorResults(path: string): Promise<PriorResults> {
  const byIndex = new Map<number, { ok: boolean }>();
  // Opened for writing too, to cut a torn line off: a resume appends to the file anyway.
  const handle = await open(path, 'r+').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw outputError(path, error, 'read');
  });
  if (!handle) return { byIndex, droppedTornLine: false };
  let torn = false;
  try {
    const { size } = await handle.stat();
    for await (const line of fileLines(handle)) {
      const parsed = parseLine(line.bytes);
      if (line.whole && typeof parsed === 'object') byIndex.set(parsed.index, { ok: parsed.ok });
      else if (line.whole && parsed === 'blank') continue;
      else if (isTorn(line, parsed, size)) {
        // Only the last line can be torn: the whole file was read as a results file before this cut.
        await handle.truncate(line.start);
        await handle.sync();
        torn = true;
      } else {
        throw new LoomError('usage', `${path}:${line.number}: not a result line of loom batch`, {
          hint: 'is --output the right file? --resume continues a results file of loom batch; --force replaces the file',
        });
      }
    }
  } catch (error) {
    throw isLoomError(error) ? error : outputError(path, error, 'read');
  } finally {
    await handle.close();
  }
  return { byIndex, droppedTornLine: torn };
}

/** Node's messages name the cause ("ENOSPC: no space left on device, write"). */
function outputError(name: string, error: unknown, doing: 'read' | 'write'): LoomError {
  const reason = error instanceof Error ? error.message : String(error);
  return new LoomError('output_error', `cannot ${doing} the results ${doing === 'read' ? 'in' : 'to'} ${name}: ${reason}`, { cause: error });
}

/** Where the lines go: a file (which can also be compacted) or a stream. */
interface Sink {
  readonly name: string;
  write(line: string): Promise<void>;
  compact?(): Promise<void>;
  close(): Promise<void>;
}

/** Writes the whole buffer, finishing a short write (a nearly full disk) rather than leaving the line half done. */
async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten;
}

class FileSink implements Sink {
  constructor(readonly name: string, private handle: FileHandle) {}

  write(line: string): Promise<void> {
    return writeAll(this.handle, Buffer.from(line, 'utf8'));
  }

  /** Keeps the last line of each index, where the index first appeared; the old file stays whole until the rename. */
  async compact(): Promise<void> {
    // Offsets only, never the lines: the file may be larger than memory.
    const last = new Map<number, { start: number; end: number }>();
    let lines = 0;
    const reader = await open(this.name, 'r');
    try {
      for await (const line of fileLines(reader)) {
        lines++;
        const parsed = parseLine(line.bytes);
        if (typeof parsed !== 'object' || !line.whole) throw new LoomError('output_error', `${this.name}:${line.number}: not a result line; the file was not compacted`);
        // Setting an index again keeps its place in the map: the order of first appearance.
        last.set(parsed.index, { start: line.start, end: line.end });
      }
      if (last.size < lines) await this.replace(reader, last.values(), (await reader.stat()).mode & 0o777);
    } finally {
      await reader.close();
    }
  }

  private async replace(reader: FileHandle, lines: Iterable<{ start: number; end: number }>, mode: number): Promise<void> {
    const folder = dirname(this.name);
    const temp = join(folder, `.${basename(this.name)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const out = await open(temp, 'wx', mode);
    try {
      for (const { start, end } of lines) {
        const bytes = Buffer.allocUnsafe(end - start);
        if ((await reader.read(bytes, 0, bytes.length, start)).bytesRead < bytes.length) throw new Error('the file changed while it was compacted');
        await writeAll(out, bytes);
      }
      await out.sync();
      await out.close();
      await rename(temp, this.name);
    } catch (error) {
      await out.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    // Makes the rename durable, where a folder can be opened (best effort: the rename is done).
    await open(folder, 'r').then((handle) => handle.sync().finally(() => handle.close())).catch(() => undefined);
    // The open handle still points at the old, now unlinked, file: later lines go to the new one.
    await this.handle.close();
    this.handle = await open(this.name, 'a');
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

class StreamSink implements Sink {
  readonly name = 'stdout';
  private error: Error | undefined;
  // Without a listener an 'error' (EPIPE) would be thrown; recorded, it rejects the next write instead.
  private readonly onError = (error: Error) => (this.error ??= error);

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', this.onError);
  }

  async write(line: string): Promise<void> {
    if (this.error) throw this.error;
    let ok = true;
    const written = new Promise<void>((resolve, reject) => {
      ok = this.stream.write(line, (error) => (error ? reject(error) : resolve()));
    });
    // Listening now, before the write's callback: 'drain' is emitted in the same tick as it.
    const stop = new AbortController();
    const drained = ok ? undefined : once(this.stream, 'drain', { signal: stop.signal });
    drained?.catch(() => undefined); // awaited below, or given up when the write failed
    await written.catch((error: unknown) => {
      stop.abort();
      throw error;
    });
    await drained; // rejects on the stream's 'error'
  }

  async close(): Promise<void> {
    this.stream.removeListener('error', this.onError);
  }
}

/** Writes results as JSON lines, one whole line per write, in the order the calls are made. */
export class ResultsWriter {
  /** Every operation waits for the one before it: lines never interleave and `compact` sees them all. */
  private tail: Promise<void> = Promise.resolve();
  /** After a failed write nothing more is written: a half-written line must stay the last one, to be dropped on resume. */
  private failure: LoomError | undefined;
  private closed = false;

  private constructor(private readonly sink: Sink) {}

  /** `append`: results go after what the file holds (for --resume); `fresh`: the file is created or emptied (for a new batch or --force). */
  static async open(path: string, mode: 'fresh' | 'append'): Promise<ResultsWriter> {
    const failed = (error: unknown) => Promise.reject(outputError(path, error, 'write'));
    // Opened for appending either way: each write(2) then lands whole at the end of the file.
    const handle = await open(path, 'a').catch(failed);
    if (mode === 'fresh') await handle.truncate(0).catch((error: unknown) => handle.close().finally(() => failed(error)));
    return new ResultsWriter(new FileSink(path, handle));
  }

  /** Results to stdout (no --output), waiting for 'drain' when the reader is slower than the batch. */
  static stdout(stream: NodeJS.WritableStream = process.stdout): ResultsWriter {
    return new ResultsWriter(new StreamSink(stream));
  }

  /** One JSON line, `index` first, written whole with one write call and handed to the OS before the promise resolves. */
  write(result: { index: number } & Record<string, unknown>): Promise<void> {
    // Serialized now: the line is what the result was when written, whatever happens to it later.
    const { index, ...rest } = result;
    const line = `${JSON.stringify({ index, ...rest })}\n`;
    return this.enqueue(() => this.sink.write(line), true);
  }

  /** After a --retry-errors run: one line per index (the last), in the order of first appearance, replaced atomically. No-op for stdout. */
  compact(): Promise<void> {
    return this.enqueue(async () => this.sink.compact?.(), false);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    await this.sink.close();
  }

  /** A failed write stops all later ones; a failed compaction leaves the file as it was, so it does not. */
  private enqueue(operation: () => Promise<void>, isWrite: boolean): Promise<void> {
    const done = this.tail.then(async () => {
      if (this.failure) throw this.failure;
      try {
        await operation();
      } catch (error) {
        const failure = isLoomError(error) ? error : outputError(this.sink.name, error, 'write');
        if (isWrite) this.failure = failure;
        throw failure;
      }
    });
    this.tail = done.catch(() => undefined);
    return done;
  }
}

/** Whether `path` exists and is not empty (the never-overwrite rule). Only a regular file can hold results. */
export async function hasResults(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    return info.isFile() && info.size > 0;
  } catch (error) {
    if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return false;
    throw outputError(path, error, 'read');
  }
}
