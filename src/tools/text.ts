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

/** What HeadTailBuffer needs of the run's known secrets (KnownSecrets has it). */
export interface Redactor {
  redact(text: string): string;
  /** The longest secret's length (UTF-16 units): how far a secret cut by a cut can reach. */
  readonly longest: number;
}

const NO_SECRETS: Redactor = { redact: (text) => text, longest: 0 };

/**
 * Keeps at most `max` bytes of a stream's output: its beginning and its end, which is where
 * commands put what matters (a test runner's summary), with a note of what was left out.
 *
 * Output is redacted before it is cut (CONTRACT §11): each kept part holds a margin of bytes past
 * its cut, enough for the longest secret twice over in any encoding, so a secret that straddles
 * a cut is seen whole and shown as `[redacted]` — the head reaches past the cut to its end, the
 * tail back to its start — instead of a part of it surviving the cut.
 */
export class HeadTailBuffer {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;
  /** Bytes kept past each cut: a UTF-16 unit takes at most 3 bytes; 8 per unit leaves 2 secrets' worth. */
  private readonly margin: number;
  private readonly headMax: number;
  private readonly tailMax: number;

  constructor(
    private readonly max: number,
    private readonly secrets: Redactor = NO_SECRETS,
  ) {
    this.margin = secrets.longest * 8;
    this.headMax = Math.floor(max / 4);
    this.tailMax = max - this.headMax;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const headRoom = this.headMax + this.margin - this.headBytes;
    if (headRoom > 0) {
      const part = chunk.subarray(0, headRoom);
      this.head.push(part);
      this.headBytes += part.length;
      chunk = chunk.subarray(part.length);
      if (chunk.length === 0) return;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    const keep = this.tailMax + this.margin;
    if (this.tailBytes > keep * 2) this.trimTail(keep);
  }

  private trimTail(keep: number): void {
    const joined = Buffer.concat(this.tail);
    this.tail = [joined.subarray(joined.length - keep)];
    this.tailBytes = keep;
  }

  toString(): string {
    const redact = (text: string) => this.secrets.redact(text);
    const head = Buffer.concat(this.head);
    const tail = Buffer.concat(this.tail);
    // Nothing dropped yet: every byte is here.
    const whole = this.headBytes + this.tailBytes === this.total ? Buffer.concat([head, tail]) : undefined;
    if (whole && this.total <= this.max) return redact(whole.toString('utf8'));

    // The head: up to `headMax` bytes, then forward past a secret the cut falls inside.
    const headText = decodeUtf8(whole ? whole.subarray(0, this.headMax + this.margin) : head, true);
    let headCut = decodeUtf8((whole ?? head).subarray(0, this.headMax), true).length;
    while (this.straddles(headText, headCut)) headCut++;

    // The tail: the last `tailMax` bytes, then back to the start of a secret the cut falls inside.
    let tailBytes: Buffer = whole ? whole.subarray(Math.max(0, whole.length - this.tailMax - this.margin)) : tail.subarray(Math.max(0, tail.length - this.tailMax - this.margin));
    if (tailBytes.length < this.total) tailBytes = skipContinuation(tailBytes);
    const tailText = tailBytes.toString('utf8');
    let tailCut = decodeUtf8(tailBytes.subarray(0, Math.max(0, tailBytes.length - this.tailMax)), true).length;
    while (this.straddles(tailText, tailCut)) tailCut--;

    const shownHead = headText.slice(0, headCut);
    const shownTail = tailText.slice(tailCut);
    const omitted = this.total - Buffer.byteLength(shownHead) - Buffer.byteLength(shownTail);
    // Moving the cuts met in the middle (only possible when little was left out): show it all.
    if (omitted <= 0 && whole) return redact(whole.toString('utf8'));
    return `${redact(shownHead)}\n[… ${Math.max(omitted, 0)} bytes left out …]\n${redact(shownTail)}`;
  }

  /**
   * Whether a secret occurrence spans position `at` of `text`: the text around it redacts
   * differently whole than in two halves. Exact for every secret up to `longest`.
   */
  private straddles(text: string, at: number): boolean {
    const reach = this.secrets.longest;
    if (reach === 0 || at <= 0 || at >= text.length) return false;
    const before = text.slice(Math.max(0, at - reach), at);
    const after = text.slice(at, at + reach);
    return this.secrets.redact(before + after) !== this.secrets.redact(before) + this.secrets.redact(after);
  }
}

/** Drops the continuation bytes a cut left at the start of a buffer (a character's end without its start). */
function skipContinuation(bytes: Buffer): Buffer {
  let start = 0;
  while (start < 3 && start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
  return bytes.subarray(start);
}
