/**
 * Text from a model (or from what it read) shown on a terminal has every control character and
 * escape sequence made visible (CONTRACT §11): `\x1b[2K\rallow run_command: npm test?` would
 * otherwise redraw the line and disguise a call as another. Invisible and direction-changing
 * characters (zero-width spaces, bidi overrides) are made visible too: they can make two
 * different commands look the same.
 */

/**
 * C0 controls, DEL, C1 controls, line and paragraph separators, zero-width characters, bidi
 * marks, embeddings, overrides and isolates, and the byte-order mark.
 */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

const escape = (char: string): string => {
  const code = char.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** One line for a notice, an error or a question: nothing in it acts on the terminal, newlines included. */
export function visible(text: string): string {
  return text.replace(INVISIBLE, escape);
}

/**
 * An answer on a terminal: as `visible`, but newlines, tabs and the CR of a CRLF stay, so text
 * still reads as text.
 */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, (char, offset: number, whole: string) =>
    char === '\n' || char === '\t' || (char === '\r' && whole[offset + 1] === '\n') ? char : escape(char),
  );
}

/** What JSON.stringify leaves raw of the characters above (it escapes only C0 controls). */
const INVISIBLE_IN_JSON = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * A JSON text with the invisible characters of its strings written as `\uXXXX` escapes: the same
 * JSON value for any parser, and nothing that acts on a terminal when it is shown on one.
 */
export function visibleJson(json: string): string {
  return json.replace(INVISIBLE_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
