/** Small helpers for turning bytes into text for the model. */

/** Whether a buffer looks binary: it holds a NUL byte (as git and grep decide). */
export const isBinary = (bytes: Uint8Array): boolean => bytes.includes(0);

/**
 * Decodes UTF-8, dropping a trailing partial character when the buffer was cut short, so a cap
 * never leaves a U+FFFD at the end.
 */
export function decodeUtf8(bytes: Uint8Array, cut: boolean): string {
  let end = bytes.length;
  if (cut) {
    // Step back over continuation bytes to the start of the last character; drop it if incomplete.
    let start = end - 1;
    while (start > 0 && start > end - 4 && ((bytes[start] ?? 0) & 0xc0) === 0x80) start--;
    const lead = bytes[start] ?? 0;
    const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (start + length > end) end = start;
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('utf8');
}

/**
 * Keeps at most `max` bytes of a stream's output: its beginning and its end, which is where
 * commands put what matters (a test runner's summary), with a note of what was left out.
 */
export class HeadTailBuffer {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const headRoom = Math.floor(this.max / 4) - this.headBytes;
    if (headRoom > 0) {
      const part = chunk.subarray(0, headRoom);
      this.head.push(part);
      this.headBytes += part.length;
      chunk = chunk.subarray(part.length);
      if (chunk.length === 0) return;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    const tailMax = this.max - Math.floor(this.max / 4);
    if (this.tailBytes > tailMax * 2) this.trimTail(tailMax);
  }

  private trimTail(keep: number): void {
    const joined = Buffer.concat(this.tail);
    this.tail = [joined.subarray(joined.length - keep)];
    this.tailBytes = keep;
  }

  toString(): string {
    const head = Buffer.concat(this.head);
    const tail = Buffer.concat(this.tail);
    if (this.total <= this.max) return Buffer.concat([head, tail]).toString('utf8');
    const keep = this.max - head.length;
    const end = tail.subarray(tail.length - keep);
    const omitted = this.total - head.length - end.length;
    return `${head.toString('utf8')}\n[… ${omitted} bytes left out …]\n${end.toString('utf8')}`;
  }
}
