/**
 * Finds properties given twice in one object. JSON allows it and keeps the last value silently,
 * which hides a mistake (two `"model"` lines, the first one edited in vain).
 *
 * A single pass over text already known to be valid JSON, looking only at quotes, brackets and
 * commas: building jsonc-parser's tree for every file just for this would cost several times more.
 */
import { appendPointer } from './json-pointer.js';

export interface DuplicateKey {
  /** Pointer of the repeated property. */
  pointer: string;
  name: string;
  /** Offset of the repeated occurrence's name. */
  offset: number;
}

interface Frame {
  pointer: string;
  /** The names seen so far in an object; null in an array. */
  keys: Set<string> | null;
  expectKey: boolean;
  key: string;
  index: number;
}

/** The characters that matter; everything else (numbers, literals, spaces) is skipped natively. */
const STRUCTURE = /["{}[\],]/g;

/** Every repeated occurrence of a property name, in text order. `text` must be valid JSON. */
export function findDuplicateKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const stack: Frame[] = [];
  const childPointer = (): string => {
    const top = stack.at(-1);
    if (!top) return '';
    return appendPointer(top.pointer, top.keys ? top.key : top.index);
  };
  STRUCTURE.lastIndex = 0;
  for (let match = STRUCTURE.exec(text); match; match = STRUCTURE.exec(text)) {
    const start = match.index;
    const char = match[0];
    if (char === '"') {
      const end = closingQuote(text, start);
      STRUCTURE.lastIndex = end + 1;
      const top = stack.at(-1);
      if (top?.keys && top.expectKey) {
        const raw = text.slice(start, end + 1);
        const name = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.keys.has(name)) found.push({ pointer: appendPointer(top.pointer, name), name, offset: start });
        top.keys.add(name);
        top.key = name;
        top.expectKey = false;
      }
    } else if (char === '{' || char === '[') {
      const pointer = childPointer();
      stack.push({ pointer, keys: char === '{' ? new Set() : null, expectKey: true, key: '', index: 0 });
    } else if (char === '}' || char === ']') {
      stack.pop();
    } else {
      const top = stack.at(-1);
      if (top?.keys) top.expectKey = true;
      else if (top) top.index++;
    }
  }
  return found;
}

/** The offset of the quote that ends the string starting at `start`: one not escaped by a backslash. */
function closingQuote(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  for (;;) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === 92 /* \\ */) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
}
