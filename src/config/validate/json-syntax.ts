/**
 * Turns jsonc-parser's syntax errors into the messages `config validate` prints.
 *
 * jsonc-parser keeps going after an error, which is what lets us report every mistake in a file,
 * but its recovery also produces follow-on errors for a single mistake (`{ a: 1 }` yields three).
 * Those are dropped: an error on the same line as the one before it, or right after it with only
 * whitespace between, is taken to be a consequence of that one.
 */
import { didYouMean } from '../did-you-mean.js';

/** A jsonc-parser error, its code by name (`CommaExpected`, from `printParseErrorCode`). */
export interface JsonParseError {
  code: string;
  offset: number;
  length: number;
}

export interface SyntaxIssue {
  /** Offset in the text (UTF-16 code units) where the problem is. */
  offset: number;
  message: string;
  hint?: string;
}

export function describeSyntaxErrors(text: string, errors: readonly JsonParseError[]): SyntaxIssue[] {
  if (text.trim() === '') {
    return [{ offset: 0, message: 'File is empty', hint: 'a config file holds one JSON object, e.g. {}' }];
  }
  const issues: SyntaxIssue[] = [];
  let previous: JsonParseError | undefined;
  for (const error of [...errors].sort((a, b) => a.offset - b.offset)) {
    if (!previous || !isFollowOn(text, previous, error)) issues.push(describe(text, error));
    previous = error;
  }
  return issues;
}

function isFollowOn(text: string, previous: JsonParseError, error: JsonParseError): boolean {
  const end = previous.offset + previous.length;
  return (
    error.offset === previous.offset ||
    !/[\r\n]/.test(text.slice(previous.offset, error.offset)) ||
    (error.offset >= end && text.slice(end, error.offset).trim() === '')
  );
}

function describe(text: string, error: JsonParseError): SyntaxIssue {
  const { offset, length } = error;
  const token = text.slice(offset, offset + length);
  const atEnd = text.slice(offset).trim() === '';
  const { code } = error;
  switch (code) {
    case 'CommaExpected':
      return atEnd ? endOfFile(offset) : { offset, message: 'Expected comma' };
    case 'ColonExpected':
      return atEnd ? endOfFile(offset) : { offset, message: 'Expected colon' };
    case 'PropertyNameExpected':
    case 'ValueExpected': {
      const comma = trailingComma(text, offset);
      if (comma !== undefined) return { offset: comma, message: 'Trailing comma is not allowed', hint: 'remove the comma after the last item' };
      if (atEnd) return endOfFile(offset);
      return code === 'ValueExpected'
        ? { offset, message: 'Expected a value' }
        : { offset, message: 'Expected a property name', hint: 'property names are strings in double quotes' };
    }
    case 'CloseBraceExpected':
      return atEnd ? endOfFile(offset, 'a closing "}" is missing') : { offset, message: 'Expected closing brace' };
    case 'CloseBracketExpected':
      return atEnd ? endOfFile(offset, 'a closing "]" is missing') : { offset, message: 'Expected closing bracket' };
    case 'EndOfFileExpected':
      return { offset, message: 'Expected end of file', hint: 'a config file holds a single JSON value; look for an extra "}" or "]"' };
    case 'InvalidSymbol':
      return invalidSymbol(text, offset, token);
    case 'InvalidCommentToken':
      return { offset, message: 'Comments are not allowed in JSON' };
    case 'UnexpectedEndOfComment':
      return { offset, message: 'Unterminated comment', hint: 'comments are not allowed in JSON' };
    case 'UnexpectedEndOfString':
      return { offset, message: 'Unterminated string', hint: 'a string must end with " on the same line' };
    case 'InvalidCharacter':
      return invalidCharacter(offset, token);
    case 'InvalidEscapeCharacter':
      return invalidEscape(offset, token);
    case 'InvalidUnicode':
      return { offset: offset + Math.max(0, token.indexOf('\\u')), message: 'Invalid unicode escape', hint: 'write it as \\u followed by four hex digits' };
    case 'UnexpectedEndOfNumber':
    case 'InvalidNumberFormat':
      return { offset, message: `Invalid number ${quote(token)}` };
    default:
      return { offset, message: 'Invalid JSON' };
  }
}

const endOfFile = (offset: number, hint?: string): SyntaxIssue =>
  hint === undefined ? { offset, message: 'Unexpected end of file' } : { offset, message: 'Unexpected end of file', hint };

/** The offset of the comma before a `}` or `]` at `offset`, if the error is a trailing comma. */
function trailingComma(text: string, offset: number): number | undefined {
  if (text[offset] !== '}' && text[offset] !== ']') return undefined;
  let i = offset - 1;
  while (i >= 0 && /\s/.test(text[i] ?? '')) i--;
  return text[i] === ',' ? i : undefined;
}

function invalidSymbol(text: string, offset: number, token: string): SyntaxIssue {
  const beforeColon = /^\s*:/.test(text.slice(offset + token.length));
  if (token.startsWith("'")) {
    return { offset, message: beforeColon ? 'Property names must be in double quotes' : 'Strings must be in double quotes' };
  }
  if (beforeColon && /^[A-Za-z_$][\w$-]*$/.test(token)) {
    return { offset, message: 'Property names must be in double quotes', hint: `write "${token}"` };
  }
  const literal = didYouMean(token, ['true', 'false', 'null']);
  if (literal) return { offset, message: `Unexpected ${quote(token)} (did you mean ${literal}?)` };
  const hint = SYMBOL_HINTS[token] ?? 'a value is a "string", a number, true, false, null, an object or an array';
  return { offset, message: `Unexpected ${quote(token)}`, hint };
}

const SYMBOL_HINTS: Record<string, string> = {
  ';': 'separate values with ","',
  '=': 'write ":" between a property name and its value',
};

function invalidCharacter(offset: number, token: string): SyntaxIssue {
  // jsonc-parser points at the start of the string; point at the character itself.
  const index = [...token].findIndex((char) => char < ' ');
  const char = index < 0 ? '' : token[index];
  const hint = char === '\t' ? 'write a tab as \\t' : 'write control characters as escapes such as \\u0001';
  return { offset: offset + Math.max(0, index), message: 'Unescaped control character in string', hint };
}

function invalidEscape(offset: number, token: string): SyntaxIssue {
  const match = /\\(?:[^"\\/bfnrtu]|u(?![0-9a-fA-F]{4}))/.exec(token);
  const at = match?.index ?? 0;
  return {
    offset: offset + at,
    message: `Invalid escape ${quote(match?.[0].slice(0, 2) ?? '\\')} in string`,
    hint: 'write a backslash as \\\\ (a Windows path as "C:\\\\Users")',
  };
}

/** A token for a message: quoted, and cut short so a runaway token cannot flood the line. */
function quote(token: string): string {
  const short = token.length > 30 ? `${token.slice(0, 27)}...` : token;
  return `"${short}"`;
}
