/**
 * Splits a command line into an argument vector the way a POSIX shell splits words — and does
 * nothing else a shell does: no variables, no `$(…)`, no globs, no `;`, `|` or redirections.
 *
 * - blanks separate words; `\` outside quotes takes the next character literally;
 * - `'…'` is literal; in `"…"`, `\` escapes only `"`, `\`, `$` and `` ` `` (and a newline);
 * - `''` and `""` make an empty argument.
 */

export interface Word {
  value: string;
  /** Whether any part of the word was quoted or escaped (so `';'` is not the operator `;`). */
  quoted: boolean;
}

export class CommandLineError extends Error {
  override readonly name = 'CommandLineError';
}

export function splitWords(line: string): Word[] {
  const words: Word[] = [];
  let value = '';
  let quoted = false;
  let inWord = false;
  const end = () => {
    if (inWord) words.push({ value, quoted });
    value = '';
    quoted = false;
    inWord = false;
  };

  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      end();
    } else if (ch === '\\') {
      if (i + 1 >= line.length) {
        value += ch;
      } else if (line[i + 1] === '\n') {
        i++; // line continuation
        continue;
      } else {
        value += line[++i];
        quoted = true;
      }
      inWord = true;
    } else if (ch === "'") {
      const close = line.indexOf("'", i + 1);
      if (close === -1) throw new CommandLineError(`unterminated single quote at character ${i + 1}`);
      value += line.slice(i + 1, close);
      i = close;
      quoted = true;
      inWord = true;
    } else if (ch === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= line.length) throw new CommandLineError(`unterminated double quote at character ${i + 1}`);
        const c = line[j]!;
        if (c === '"') break;
        if (c === '\\' && j + 1 < line.length && '"\\$`\n'.includes(line[j + 1]!)) {
          if (line[j + 1] !== '\n') value += line[j + 1];
          j += 2;
          continue;
        }
        value += c;
        j++;
      }
      i = j;
      quoted = true;
      inWord = true;
    } else {
      value += ch;
      inWord = true;
    }
  }
  end();
  return words;
}

const OPERATOR = /^(?:\|\|?|\|&|&&?|;;?|[0-9]*(?:>>?|<<?|>\||<>)(?:&[0-9-]+)?|&>>?)$/;

/**
 * The argument vector of a command line for running without a shell. A word that is a shell
 * operator on its own (`&&`, `|`, `>`, `;`), unquoted, is refused: without a shell it would only
 * be passed to the program as an argument, which is never what was meant.
 */
export function toArgv(line: string): string[] {
  const words = splitWords(line);
  if (words.length === 0) throw new CommandLineError('the command is empty');
  const operator = words.find((word) => !word.quoted && OPERATOR.test(word.value));
  if (operator) {
    throw new CommandLineError(
      `"${operator.value}" is a shell operator, but commands run without a shell: run one program per call, with no pipes, redirections or command lists (quote the "${operator.value}" if it is meant as an argument)`,
    );
  }
  return words.map((word) => word.value);
}

/** One argument in single quotes, always: the approval question shows every word as it will be passed. */
export const quoteArg = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

/** Quotes an argument vector for display, so it reads back as the same words. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map((arg) => (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}
